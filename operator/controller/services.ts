// Services named by components: their names are in the certificates anyway, but a missing one is
// reported (and its appearance, seen by the Service watch, triggers a reconcile).
import type { Failure, ReconcileContext } from './context.js';

export async function checkServices(ctx: ReconcileContext): Promise<Map<string, Failure>> {
  const namespace = ctx.config.metadata.namespace;
  const out = new Map<string, Failure>();
  await Promise.all(
    (ctx.config.spec.components ?? []).map(async (c, i) => {
      if (!c.serviceName) return;
      const name = c.serviceName;
      const svc = await ctx.read.service(namespace, name);
      if (!svc) {
        out.set(c.name, {
          reason: 'ServiceMissing',
          message: `Service ${name} (spec.components[${i}].serviceName) does not exist in namespace ${namespace}; the certificate already names it, status turns Ready when it appears`,
          retry: true,
        });
      }
    }),
  );
  return out;
}
