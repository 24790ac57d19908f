// Who may write a Deployment's TLS wiring: the config the Deployment opted in for, as its own
// field manager, never by force. Conflicts become status failures that name the other owner and
// the fix; fields of the operator's former single manager move to the owning config's manager.
import { PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import type { Failure, ReconcileContext } from './context.js';
import type { ForeignField } from './apply-body.js';
import { statusCode } from './kube.js';
import { LEGACY_FIELD_MANAGER, OPERATOR_NAME, OPT_IN_LABEL, TLS_DIGEST_ANNOTATION, fieldManager } from './names.js';

/** The command that lets `config` wire Deployment `name`. */
export function optInCommand(namespace: string, name: string, config: string): string {
  return `kubectl label deployment ${name} -n ${namespace} ${OPT_IN_LABEL}=${config} --overwrite`;
}

/** Undefined when the Deployment opted in for this config; otherwise why not, with the fix. */
export function consentFailure(d: V1Deployment, namespace: string, config: string): Failure | undefined {
  const label = d.metadata?.labels?.[OPT_IN_LABEL];
  if (label === config) return undefined;
  const name = d.metadata?.name ?? '';
  if (label) {
    return {
      reason: 'DeploymentConflict',
      message: `Deployment ${name} opted in for HonoTlsConfig ${label} (label ${OPT_IN_LABEL}=${label}), not for ${config}; a Deployment is wired by one config. Remove the component's deployment from this config, or hand it over: ${optInCommand(namespace, name, config)}`,
      retry: true,
    };
  }
  return {
    reason: 'DeploymentNotOptedIn',
    message: `Deployment ${name} has not opted in to be wired by HonoTlsConfig ${config}; the operator changes only Deployments that carry the label ${OPT_IN_LABEL}=${config}. Fix: ${optInCommand(namespace, name, config)}`,
    retry: true,
  };
}

/** Another manager's fields that the wiring would change, found before applying. */
export function foreignFailure(name: string, fields: ForeignField[]): Failure {
  const list = fields.map((f) => `${f.what} (${f.owners.length ? `owned by ${f.owners.join(', ')}` : 'no recorded owner'})`).join('; ');
  return {
    reason: 'DeploymentConflict',
    message: `Deployment ${name} already sets ${list}; the operator does not take fields it does not own. Fix: ${fixFor(name, fields.flatMap((f) => f.owners))}`,
    retry: true,
  };
}

/** How to resolve fields owned by `managers`: another config, or anyone else. */
function fixFor(name: string, managers: string[]): string {
  const configs = [...new Set(managers.filter((m) => m.startsWith(`${OPERATOR_NAME}/`)).map((m) => m.slice(OPERATOR_NAME.length + 1)))].sort();
  return configs.length
    ? `Deployment ${name} is wired by HonoTlsConfig ${configs.join(', ')}; wire it from one config only (remove the component from one of them; deleting a config removes its fields)`
    : `remove these fields from the Deployment or the other manager's manifest, or choose another mountPath / envOverrides name`;
}

export interface ApplyConflict {
  manager: string;
  field: string;
}

/** The managers and fields of a server-side apply conflict (HTTP 409), or undefined for other errors. */
export function applyConflicts(err: unknown): ApplyConflict[] | undefined {
  if (statusCode(err) !== 409) return undefined;
  const body = (err as { body?: unknown }).body;
  let status: { details?: { causes?: Array<{ message?: string; field?: string }> } } | undefined;
  try {
    status = typeof body === 'string' ? JSON.parse(body) : (body as typeof status);
  } catch {
    status = undefined;
  }
  return (status?.details?.causes ?? []).map((c) => ({ manager: /conflict with "([^"]*)"/.exec(c.message ?? '')?.[1] ?? '(unknown)', field: c.field ?? '(unknown field)' }));
}

/** A 409 from applying the wiring: nothing was written; name who owns what, and the fix. */
export function conflictFailure(name: string, conflicts: ApplyConflict[]): Failure {
  const managers = [...new Set(conflicts.map((c) => c.manager))].sort();
  const fields = conflicts.map((c) => c.field).slice(0, 8);
  return {
    reason: 'DeploymentConflict',
    message: `Deployment ${name}: fields owned by ${managers.join(', ')} conflict with the wiring (${fields.join(', ')}${conflicts.length > fields.length ? ', ...' : ''}); nothing was changed. Fix: ${fixFor(name, managers)}`,
    retry: true,
  };
}

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/**
 * Fields applied by the former single manager move to this config's manager when this config's
 * status names the Deployment and its material digest is the one in the pod template. Only the
 * manager name in managedFields changes: the pod template, and so the rollout, stay as they are.
 * Returns the Deployment as it is afterwards.
 */
export async function migrateLegacyManager(ctx: ReconcileContext, d: V1Deployment): Promise<V1Deployment> {
  const entries = d.metadata?.managedFields ?? [];
  const i = entries.findIndex((e) => e.manager === LEGACY_FIELD_MANAGER && e.operation === 'Apply');
  if (i < 0) return d;
  const name = d.metadata!.name!;
  const namespace = d.metadata!.namespace!;
  const digest = d.spec?.template?.metadata?.annotations?.[TLS_DIGEST_ANNOTATION];
  const ours = (ctx.config.status?.components ?? []).some((c) => c.deployment === name && c.deploymentWired && c.materialDigest === digest);
  if (!ours || !digest) return d;
  const manager = fieldManager(ctx.config.metadata.name);
  if (entries.some((e) => e.manager === manager && e.operation === 'Apply')) return d; // never two entries of one manager
  const body = [
    { op: 'test', path: '/metadata/resourceVersion', value: d.metadata!.resourceVersion },
    { op: 'test', path: `/metadata/managedFields/${i}/manager`, value: LEGACY_FIELD_MANAGER },
    { op: 'replace', path: `/metadata/managedFields/${i}/manager`, value: manager },
  ];
  let patched: V1Deployment;
  try {
    patched = await ctx.timings.api(() => ctx.clients.apps.patchNamespacedDeployment({ name, namespace, body }, jsonPatch));
  } catch (err) {
    // Guarded by the resourceVersion: after a concurrent change a test fails (422); retry on the new object.
    if (statusCode(err) === 422) throw new Error(`Deployment ${name} changed while its field manager was being moved; retrying`);
    throw err;
  }
  ctx.read.wrote('deployment', namespace, name, patched);
  ctx.logger.info('moved the wiring to the per-config field manager', { deployment: name, manager });
  await ctx.events.record(ctx.config, 'Normal', 'OwnershipMigrated', `Deployment ${name}: the wiring's fields moved from field manager ${LEGACY_FIELD_MANAGER} to ${manager} (no rollout)`);
  return patched;
}
