// Wiring Deployments with server-side apply, one field manager per HonoTlsConfig and never by
// force: only the operator's env vars, volumes, mounts and the material digest annotation, and only
// in Deployments that opted in. Skipped when already in place, so a Deployment rolls only when its
// material or wiring changed. Conflicts are reported, never fought over.
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1EnvVar, type V1Volume, type V1VolumeMount } from '@kubernetes/client-node';
import type { Failure, ReconcileContext } from './context.js';
import { isRejection, statusCode, statusMessage } from './kube.js';
import { applyBody, foreignFields, isEmpty, ownedFields, wiringApplied, type ContainerWiring, type DeploymentWiring } from './apply-body.js';
import { combineDigests } from './material-digest.js';
import { applyConflicts, conflictFailure, consentFailure, foreignFailure, migrateLegacyManager } from './ownership.js';
import { TLS_DIGEST_ANNOTATION, fieldManager } from './names.js';
import { isNamespaceTerminating } from './terminating.js';
import type { ComponentMaterial } from './secrets.js';

export interface WiringOutcome {
  component: string;
  deployment: string;
  wired: boolean;
  materialDigest?: string;
  failure?: Failure;
  /** The apply changed the Deployment (a new rollout follows when the pod template changed). */
  applied: boolean;
  /**
   * verify mode only: the pod template carries this material's digest annotation, i.e. whoever
   * owns the Deployment rolled it onto this material (a rotation step waits for that).
   */
  carriesDigest?: boolean;
}

const applyOptions = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

async function apply(ctx: ReconcileContext, namespace: string, name: string, w: DeploymentWiring | undefined): Promise<void> {
  const manager = fieldManager(ctx.config.metadata.name);
  const d = await ctx.timings.api(() =>
    ctx.clients.apps.patchNamespacedDeployment({ name, namespace, body: applyBody(namespace, name, w), fieldManager: manager, force: false }, applyOptions),
  );
  ctx.read.wrote('deployment', namespace, name, d);
}

/** The apiserver refused the apply itself (422 invalid, 403 forbidden by RBAC or an admission policy, ...). */
function rejectedFailure(namespace: string, name: string, err: unknown): Failure | undefined {
  if (!isRejection(err)) return undefined;
  if (statusCode(err) === 404) return { reason: 'DeploymentMissing', message: `Deployment ${name} does not exist in namespace ${namespace}; it is wired as soon as it appears`, retry: true };
  return {
    reason: 'DeploymentRejected',
    message: `Deployment ${name}: the apiserver refused the wiring (HTTP ${statusCode(err)}: ${statusMessage(err) || 'no message'}); nothing was changed. Fix what the message names (the Deployment, an admission policy, the operator's RBAC) or this config's mountPath / envOverrides`,
    retry: true,
  };
}

/** Deployment name -> the materials of the components it runs. */
export function materialsByDeployment(materials: ComponentMaterial[]): Map<string, ComponentMaterial[]> {
  const byDeployment = new Map<string, ComponentMaterial[]>();
  for (const m of materials) {
    const d = m.component.workload?.deployment;
    if (!d) continue;
    byDeployment.set(d, [...(byDeployment.get(d) ?? []), m]);
  }
  return byDeployment;
}

/** Wires every Deployment named by the plan; components sharing a Deployment are applied together. */
export async function wireDeployments(ctx: ReconcileContext, namespace: string, materials: ComponentMaterial[]): Promise<WiringOutcome[]> {
  const results = await Promise.all([...materialsByDeployment(materials)].map(([name, ms]) => wireOne(ctx, namespace, name, ms)));
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
  let d = await ctx.read.deployment(namespace, name);
  if (!d) {
    return fail({ reason: 'DeploymentMissing', message: `Deployment ${name} does not exist in namespace ${namespace}; it is wired as soon as it appears`, retry: true });
  }
  // Taking over what this config already owns under the former manager changes no behaviour: it
  // comes first, so a later unwiring finds its fields even when the Deployment has not opted in.
  d = await migrateLegacyManager(ctx, d);
  // Without consent the Deployment is left as it is (wiring from before the label was removed stays until unwired).
  const refused = consentFailure(d, namespace, ctx.config.metadata.name);
  if (refused) return fail(refused);
  const wiring = buildWiring(d, ms);
  if ('failure' in wiring) return fail(wiring.failure);
  const manager = fieldManager(ctx.config.metadata.name);
  let applied = false;
  if (!wiringApplied(d, wiring.wiring, manager)) {
    const foreign = foreignFields(d, wiring.wiring, manager);
    if (foreign.length) return fail(foreignFailure(name, foreign));
    try {
      await apply(ctx, namespace, name, wiring.wiring);
    } catch (err) {
      const conflicts = applyConflicts(err);
      const failure = conflicts ? conflictFailure(name, conflicts) : rejectedFailure(namespace, name, err);
      if (!failure) throw err;
      return fail(failure);
    }
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

/**
 * Removes every field this config's manager applied to the Deployment; the user's fields stay (the
 * apply names none of them). Returns what stays and why, for an Event (undefined when all went
 * well or there was nothing to remove). Rejections (409, 422, 403, ...) are reported, never thrown, so a
 * Deployment can never hold up a config's deletion. If the full removal is refused (someone else's
 * mount uses the operator's volume), the env vars, mounts and annotation still go and the volume stays.
 * Transient errors (5xx, network) are thrown, so the caller retries.
 */
export async function unwireDeployment(ctx: ReconcileContext, namespace: string, name: string): Promise<string | undefined> {
  let d = await ctx.read.deployment(namespace, name);
  if (!d) return undefined;
  const manager = fieldManager(ctx.config.metadata.name);
  try {
    d = await migrateLegacyManager(ctx, d);
  } catch (err) {
    if (!isRejection(err)) throw err;
    return `its fields could not be moved from the former field manager (${describe(err)})`;
  }
  const owned = ownedFields(d, manager);
  if (isEmpty(owned)) return undefined;
  try {
    await apply(ctx, namespace, name, undefined);
  } catch (err) {
    if (statusCode(err) === 404) return undefined; // deleted meanwhile: nothing to remove
    if (isNamespaceTerminating(err)) return undefined; // it goes with its namespace
    if (!isRejection(err)) throw err;
    const first = describe(err);
    try {
      // Keep only the volumes: what else refers to them keeps working, the rest of the wiring goes.
      await apply(ctx, namespace, name, keepVolumes(d, owned.volumes));
      ctx.logger.warn('unwired deployment except its volumes', { deployment: name });
      return `removing the operator's volumes was refused (${first}); the volumes ${[...owned.volumes].join(', ')} stay, the env vars, mounts and digest annotation were removed`;
    } catch (err2) {
      if (!isRejection(err2)) throw err2;
      return `removing the operator's fields was refused (${first}; ${describe(err2)}); they stay in place`;
    }
  }
  ctx.logger.info('unwired deployment', { deployment: name });
  return undefined;
}

function keepVolumes(d: V1Deployment, names: Set<string>): DeploymentWiring {
  return { annotations: {}, containers: [], volumes: (d.spec?.template?.spec?.volumes ?? []).filter((v) => names.has(v.name)) };
}

function describe(err: unknown): string {
  const conflicts = applyConflicts(err);
  if (conflicts) return `conflict with ${[...new Set(conflicts.map((c) => c.manager))].join(', ')}`;
  return `HTTP ${statusCode(err)}${statusMessage(err) ? `: ${statusMessage(err)}` : ''}`;
}
