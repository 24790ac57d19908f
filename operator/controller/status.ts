// Status through the status subresource: Ready with a reason, observedGeneration, per-component
// state, the CA. Written only when it differs from what is stored. The conditions follow kstatus
// (what Flux, Argo CD and kubectl wait read): Ready, and Reconciling or Stalled while not Ready.
import { isDeepStrictEqual } from 'node:util';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type ComponentStatus, type HonoTlsConfigStatus } from '../api/v1alpha1.js';
import type { ReconcileContext } from './context.js';
import { setCondition } from './conditions.js';
import { withKstatusConditions, type KstatusInput } from './kstatus.js';

/** The CRD also carries `issuer` (printer column). */
export type Status = HonoTlsConfigStatus & { issuer?: string };

export interface ReadySummary {
  ready: boolean;
  reason: string;
  message: string;
}

export function buildStatus(
  ctx: ReconcileContext,
  parts: { issuer?: string; ca?: Status['ca']; components: ComponentStatus[]; ready: ReadySummary; failures: KstatusInput['failures'] },
): Status {
  const previous = ctx.config.status as Status | undefined;
  const generation = ctx.config.metadata.generation;
  const notAfters = parts.components.map((c) => c.notAfter).filter((x): x is string => !!x).sort();
  const status: Status = {
    observedGeneration: generation,
    ...(parts.issuer ? { issuer: parts.issuer } : {}),
    conditions: withKstatusConditions(
      setCondition(
        previous?.conditions,
        { type: 'Ready', status: parts.ready.ready ? 'True' : 'False', reason: parts.ready.reason, message: parts.ready.message, observedGeneration: generation },
        ctx.clock.now(),
      ),
      { failures: parts.failures, generation, now: ctx.clock.now() },
    ),
    ...(parts.ca ? { ca: parts.ca } : {}),
    components: parts.components,
    ...(notAfters.length ? { earliestNotAfter: notAfters[0] } : {}),
  };
  return JSON.parse(JSON.stringify(status)) as Status;
}

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
