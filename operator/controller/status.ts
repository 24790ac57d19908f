// Writing the status through the status subresource, only when it differs from what is stored
// (status-builder.ts computes it).
import { isDeepStrictEqual } from 'node:util';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfigStatus } from '../api/v1alpha1.js';
import type { ReconcileContext } from './context.js';

/** The CRD also carries `issuer` (printer column). */
export type Status = HonoTlsConfigStatus & { issuer?: string };

/** Writes the status when it changed; returns whether it wrote. */
export async function writeStatus(ctx: ReconcileContext, status: Status): Promise<boolean> {
  const current = JSON.parse(JSON.stringify(ctx.config.status ?? {})) as Status;
  if (isDeepStrictEqual(current, status)) return false;
  const { name, namespace } = ctx.config.metadata;
  await ctx.timings.api(() =>
    ctx.clients.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: [{ op: 'add', path: '/status', value: status }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    ),
  );
  return true;
}
