// Components a previous spec had and this one dropped: their Deployments lose the operator's
// fields and their Secrets go. The previous set is read from the status the operator wrote.
import type { Plan } from '../plan/types.js';
import { isOwnedBy, type ReconcileContext } from './context.js';
import { unwireDeployment } from './workloads.js';

export async function removeDropped(ctx: ReconcileContext, plan: Plan): Promise<void> {
  const wantedDeployments = new Set(plan.components.map((c) => c.workload?.deployment).filter((d): d is string => !!d));
  const wantedSecrets = new Set(plan.components.map((c) => c.secretName));
  for (const previous of ctx.config.status?.components ?? []) {
    if (previous.deployment && !wantedDeployments.has(previous.deployment)) {
      const problem = await unwireDeployment(ctx, plan.namespace, previous.deployment);
      if (problem) await ctx.events.record(ctx.config, 'Warning', 'UnwireFailed', `Deployment ${previous.deployment} (component ${previous.name} was dropped): ${problem}`);
    }
    const name = previous.secretName;
    if (name && !wantedSecrets.has(name)) {
      const secret = await ctx.read.secret(plan.namespace, name);
      if (secret && isOwnedBy(secret, ctx.config)) {
        await ctx.timings.api(() => ctx.clients.core.deleteNamespacedSecret({ name, namespace: plan.namespace }));
        ctx.read.wrote('secret', plan.namespace, name, undefined);
        ctx.logger.info('deleted the Secret of a dropped component', { secret: name, component: previous.name });
      }
    }
  }
}
