// The cleanup finalizer, added and removed with JSON patches guarded by a test, so the
// operator never overwrites finalizers other controllers put on the same object.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1.js';
import type { ReconcileContext } from './context.js';
import { FINALIZER } from './names.js';

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

async function patch(ctx: ReconcileContext, ops: object[]): Promise<void> {
  const { name, namespace } = ctx.config.metadata;
  await ctx.timings.api(() =>
    ctx.clients.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: ops }, jsonPatch),
  );
}

export async function ensureFinalizer(ctx: ReconcileContext): Promise<boolean> {
  const finalizers = ctx.config.metadata.finalizers;
  if (finalizers?.includes(FINALIZER)) return false;
  await patch(
    ctx,
    finalizers
      ? [
          { op: 'test', path: '/metadata/finalizers', value: finalizers },
          { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
        ]
      : [{ op: 'add', path: '/metadata/finalizers', value: [FINALIZER] }],
  );
  return true;
}

export async function removeFinalizer(ctx: ReconcileContext): Promise<void> {
  const finalizers = ctx.config.metadata.finalizers ?? [];
  const i = finalizers.indexOf(FINALIZER);
  if (i < 0) return;
  await patch(ctx, [
    { op: 'test', path: `/metadata/finalizers/${i}`, value: FINALIZER },
    { op: 'remove', path: `/metadata/finalizers/${i}` },
  ]);
}
