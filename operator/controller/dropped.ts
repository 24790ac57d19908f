// Components a previous spec had and this one dropped: their Deployments lose the operator's
// fields and their Secrets go. The previous set is read from the status the operator wrote.
import type { Plan } from '../plan/types.js';
import { isOwnedBy, type ReconcileContext } from './context.js';
import { unwireDeployment } from './workloads.js';
import { removeCertificate } from './certificates.js';
import { secretNames } from '../plan/plan.js';

export async function removeDropped(ctx: ReconcileContext, plan: Plan): Promise<void> {
  const wantedDeployments = new Set(plan.components.map((c) => c.workload?.deployment).filter((d): d is string => !!d));
  const wantedSecrets = new Set(plan.components.map((c) => c.secretName));
  const wantedCertificates = new Set(plan.components.map((c) => c.certManager?.certificateName).filter((n): n is string => !!n));
  for (const previous of ctx.config.status?.components ?? []) {
    if (previous.deployment && !wantedDeployments.has(previous.deployment)) {
      const problem = await unwireDeployment(ctx, plan.namespace, previous.deployment);
      if (problem) await ctx.events.record(ctx.config, 'Warning', 'UnwireFailed', `Deployment ${previous.deployment} (component ${previous.name} was dropped): ${problem}`);
    }
    // certManager: the dropped component's Certificate, and the Secret cert-manager wrote for it.
    if (previous.certificate && !wantedCertificates.has(previous.certificate.name)) {
      await removeCertificate(ctx, plan.namespace, previous.certificate.name);
      await deleteOwnedSecret(ctx, plan.namespace, secretNames.certManager(plan.configName, previous.name), previous.name);
    }
    const name = previous.secretName;
    if (name && !wantedSecrets.has(name)) {
      await deleteOwnedSecret(ctx, plan.namespace, name, previous.name);
    }
  }
}

async function deleteOwnedSecret(ctx: ReconcileContext, namespace: string, name: string, component: string): Promise<void> {
  const secret = await ctx.read.secret(namespace, name);
  if (!secret || !isOwnedBy(secret, ctx.config)) return;
  await ctx.timings.api(() => ctx.clients.core.deleteNamespacedSecret({ name, namespace }));
  ctx.read.wrote('secret', namespace, name, undefined);
  ctx.logger.info('deleted the Secret of a dropped component', { secret: name, component });
}
