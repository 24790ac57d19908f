// Wiring Deployments with server-side apply as one field manager: only the operator's env vars,
// volumes, mounts and the material digest annotation. Skipped when already in place, so a
// Deployment rolls only when its material or wiring changed.
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1EnvVar, type V1Volume, type V1VolumeMount } from '@kubernetes/client-node';
import type { Failure, ReconcileContext } from './context.js';
import { applyBody, isEmpty, ownedFields, wiringApplied, type ContainerWiring, type DeploymentWiring } from './apply-body.js';
import { combineDigests } from './material-digest.js';
import { FIELD_MANAGER, TLS_DIGEST_ANNOTATION } from './names.js';
import type { ComponentMaterial } from './secrets.js';

export interface WiringOutcome {
  component: string;
  deployment: string;
  wired: boolean;
  materialDigest?: string;
  failure?: Failure;
  /** The apply changed the Deployment (a new rollout follows when the pod template changed). */
  applied: boolean;
}

const applyOptions = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

async function apply(ctx: ReconcileContext, namespace: string, name: string, w: DeploymentWiring | undefined): Promise<void> {
  const d = await ctx.timings.api(() =>
    ctx.clients.apps.patchNamespacedDeployment({ name, namespace, body: applyBody(namespace, name, w), fieldManager: FIELD_MANAGER, force: true }, applyOptions),
  );
  ctx.read.wrote('deployment', namespace, name, d);
}

/** Wires every Deployment named by the plan; components sharing a Deployment are applied together. */
export async function wireDeployments(ctx: ReconcileContext, namespace: string, materials: ComponentMaterial[]): Promise<WiringOutcome[]> {
  const byDeployment = new Map<string, ComponentMaterial[]>();
  for (const m of materials) {
    const d = m.component.workload?.deployment;
    if (!d) continue;
    byDeployment.set(d, [...(byDeployment.get(d) ?? []), m]);
  }
  const results = await Promise.all([...byDeployment].map(([name, ms]) => wireOne(ctx, namespace, name, ms)));
  return results.flat();
}

async function wireOne(ctx: ReconcileContext, namespace: string, name: string, ms: ComponentMaterial[]): Promise<WiringOutcome[]> {
  const fail = (failure: Failure, only?: ComponentMaterial[]): WiringOutcome[] =>
    ms.map((m) => ({
      component: m.component.name,
      deployment: name,
      wired: false,
      applied: false,
      failure: !only || only.includes(m) ? failure : { reason: 'WaitingForSibling', message: `Deployment ${name} is wired with all its components at once: ${failure.message}`, retry: failure.retry },
    }));
  const notReady = ms.filter((m) => m.failure || !m.materialDigest);
  if (notReady.length) {
    // Applying a subset would strip the others' fields: keep the Deployment as it is for now.
    return fail({ reason: 'MaterialNotReady', message: `material of ${notReady.map((m) => m.component.name).join(', ')} is not ready`, retry: true }, notReady);
  }
  const d = await ctx.read.deployment(namespace, name);
  if (!d) {
    return fail({ reason: 'DeploymentMissing', message: `Deployment ${name} does not exist in namespace ${namespace}; it is wired as soon as it appears`, retry: true });
  }
  const wiring = buildWiring(d, ms);
  if ('failure' in wiring) return fail(wiring.failure);
  let applied = false;
  if (!wiringApplied(d, wiring.wiring)) {
    await apply(ctx, namespace, name, wiring.wiring);
    applied = true;
    ctx.logger.info('wired deployment', { deployment: name, digest: wiring.digest });
    await ctx.events.record(ctx.config, 'Normal', 'Wired', `Wired Deployment ${name} (${ms.map((m) => m.component.name).join(', ')}), material ${wiring.digest}`);
  }
  return ms.map((m) => ({ component: m.component.name, deployment: name, wired: true, materialDigest: wiring.digest, applied }));
}

/** The wiring of one Deployment for its components (pure; `render` prints it offline). */
export function buildWiring(d: V1Deployment, ms: ComponentMaterial[]): { wiring: DeploymentWiring; digest: string } | { failure: Failure } {
  const present = (d.spec?.template?.spec?.containers ?? []).map((c) => c.name);
  const containers = new Map<string, { env: Map<string, V1EnvVar>; mounts: Map<string, V1VolumeMount> }>();
  const volumes = new Map<string, V1Volume>();
  for (const m of ms) {
    const w = m.component.workload!;
    const targets = w.containers.length ? w.containers : present;
    const missing = targets.filter((t) => !present.includes(t));
    if (missing.length) {
      return {
        failure: {
          reason: 'ContainerMissing',
          message: `Deployment ${w.deployment} has no container ${missing.join(', ')} (component ${m.component.name}); it has ${present.join(', ') || 'none'}`,
          retry: true,
        },
      };
    }
    for (const t of targets) {
      const c = containers.get(t) ?? { env: new Map(), mounts: new Map() };
      for (const e of w.env) c.env.set(e.name, e);
      for (const vm of w.volumeMounts) c.mounts.set(vm.mountPath, vm);
      containers.set(t, c);
    }
    for (const v of w.volumes) volumes.set(v.name, v);
  }
  const digest = combineDigests(Object.fromEntries(ms.map((m) => [m.component.name, m.materialDigest!])));
  // Containers in pod-template order, entries sorted: the same input always gives the same body.
  const wired: ContainerWiring[] = present
    .filter((n) => containers.has(n))
    .map((n) => {
      const c = containers.get(n)!;
      return {
        name: n,
        env: [...c.env.values()].sort((a, b) => a.name.localeCompare(b.name)),
        volumeMounts: [...c.mounts.values()].sort((a, b) => a.mountPath.localeCompare(b.mountPath)),
      };
    });
  return {
    digest,
    wiring: {
      annotations: { [TLS_DIGEST_ANNOTATION]: digest },
      containers: wired,
      volumes: [...volumes.values()].sort((a, b) => a.name.localeCompare(b.name)),
    },
  };
}

/** Removes every field the operator applied to the Deployment; the user's fields stay. */
export async function unwireDeployment(ctx: ReconcileContext, namespace: string, name: string): Promise<boolean> {
  const d = await ctx.read.deployment(namespace, name);
  if (!d || isEmpty(ownedFields(d))) return false;
  await apply(ctx, namespace, name, undefined);
  ctx.logger.info('unwired deployment', { deployment: name });
  return true;
}
