// The kstatus conditions (what Flux, Argo CD and kubectl wait read) besides Ready: Stalled when only
// a change by the user helps, Reconciling while a change, a retried failure or a rollout is being
// worked through. Both are absent when they do not apply (kstatus' abnormal-true conditions).
import type { Condition } from '../api/v1alpha1.js';
import { removeCondition, setCondition } from './conditions.js';
import type { Failure } from './context.js';

/**
 * Failures only a change by the user resolves: the spec (retry false), or an object the user owns
 * that the operator will not touch. The rest (a Deployment or Service not created yet, material
 * on its way, transient API errors) are worked through: Reconciling.
 */
const NEEDS_USER_CHANGE = new Set<Failure['reason']>([
  'CertificateConflict',
  'CertificateRequestDenied',
  'TrustBundleInvalid',
  'CaSecretInvalid',
  'CaSecretConflict',
  'PasswordSecretInvalid',
  'PasswordSecretConflict',
  'SecretConflict',
  'ContainerMissing',
  'DeploymentConflict',
  'DeploymentNotOptedIn',
  'DeploymentRejected',
  'SecretRejected',
  'WiringDrift',
  'ReissueLoop',
]);

export function needsUserChange(f: Failure): boolean {
  return !f.retry || NEEDS_USER_CHANGE.has(f.reason);
}

export interface KstatusInput {
  failures: { component?: string; failure: Failure }[];
  /** Work that runs while Ready may stay True (e.g. a rollout); Reconciling=True meanwhile. */
  progress?: { reason: string; message: string };
  generation: number | undefined;
  now: Date;
}

const describe = (fs: KstatusInput['failures']) => fs.map((f) => (f.component ? `${f.component}: ${f.failure.message}` : f.failure.message)).join('; ');

/** `conditions` (with Ready set) plus Stalled or Reconciling where they apply. */
export function withKstatusConditions(conditions: Condition[], input: KstatusInput): Condition[] {
  const { failures, progress, generation, now } = input;
  const blocked = failures.filter((f) => needsUserChange(f.failure));
  const set = (cs: Condition[], type: string, c: { reason: string; message: string } | undefined) =>
    c ? setCondition(cs, { type, status: 'True', reason: c.reason, message: c.message, observedGeneration: generation }, now) : removeCondition(cs, type);
  const stalled = blocked.length ? { reason: blocked[0]!.failure.reason, message: describe(blocked) } : undefined;
  const reconciling = stalled ? undefined : failures.length ? { reason: failures[0]!.failure.reason, message: describe(failures) } : progress;
  return set(set(conditions, 'Stalled', stalled), 'Reconciling', reconciling);
}
