// Creating a Secret the operator owns once and then keeps (the CA, the generated store password).
import type { V1Secret } from '@kubernetes/client-node';
import { ownerReference, type ReconcileContext } from './context.js';
import { FailureError, secretRejected } from './failures.js';
import { isConflict } from './kube.js';
import { CONFIG_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_ANNOTATION, labelValue } from './names.js';

/**
 * Creates an Opaque Secret owned by the HonoTlsConfig. If a racing run created it first (409),
 * returns that one as `existing`, so its content wins over what this run generated.
 */
export async function createOwnedSecret(
  ctx: ReconcileContext,
  opts: { namespace: string; name: string; configName: string; role: string; data: Record<string, string | Buffer> },
): Promise<{ created: V1Secret } | { existing: V1Secret }> {
  const { namespace, name } = opts;
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.data)) data[k] = Buffer.from(v).toString('base64');
  try {
    const created = await ctx.timings.api(() =>
      ctx.clients.core.createNamespacedSecret({
        namespace,
        body: {
          metadata: {
            name,
            namespace,
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [CONFIG_LABEL]: labelValue(opts.configName) },
            annotations: { [ROLE_ANNOTATION]: opts.role },
            ownerReferences: [ownerReference(ctx.config)],
          },
          type: 'Opaque',
          data,
        },
      }),
    );
    ctx.read.wrote('secret', namespace, name, created);
    return { created };
  } catch (err) {
    const refused = secretRejected(namespace, name, err);
    if (refused) throw new FailureError(refused);
    const live = isConflict(err) ? await ctx.read.liveSecret(namespace, name) : undefined;
    if (!live) throw err;
    return { existing: live };
  }
}
