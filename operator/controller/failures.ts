// Errors to status: every error a reconcile meets becomes a Failure with a reason and a message
// that names the fix. Typed errors map to their reasons; anything else is InternalError, retried
// with backoff. Messages come from our own typed errors or describeError (status text, never
// request bodies), so no key material reaches status, Events or logs.
import { isPkiError } from '../pki/errors.js';
import { PlanError } from '../plan/errors.js';
import type { Failure } from './context.js';
import { describeError } from './informers.js';
import { isConflict, isNotFound, isRejection, statusCode, statusMessage } from './kube.js';

/** An error's text for status and logs: PEM blocks (keys, certificates) never pass, whatever a library put in. */
export function redact(text: string): string {
  return text.replace(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g, '[PEM redacted]');
}

/**
 * Every reason status can carry (besides Ready), for the README and the failure-reasons test.
 * workloads.ts's MaterialNotReady is not one: it goes only to components whose own failure is
 * reported instead.
 */
export const FAILURE_REASONS = [
  'InvalidSpec',
  'CertManagerNotInstalled',
  'IssuerNotFound',
  'IssuerNotReady',
  'CertificateConflict',
  'CertificateNotReady',
  'CertificateRequestDenied',
  'CertificateRequestFailed',
  'TrustBundleMissing',
  'TrustBundleInvalid',
  'CaSecretMissing',
  'CaSecretInvalid',
  'CaSecretConflict',
  'PasswordSecretMissing',
  'PasswordSecretInvalid',
  'PasswordSecretConflict',
  'PasswordMissing',
  'SecretConflict',
  'IssueFailed',
  'PeerNotReady',
  'WaitingForSibling',
  'DeploymentMissing',
  'DeploymentNotOptedIn',
  'DeploymentConflict',
  'DeploymentRejected',
  'SecretRejected',
  'ContainerMissing',
  'ServiceMissing',
  'WiringDrift',
  'ReissueHeldBack',
  'ReissueLoop',
  'InternalError',
] as const;

/**
 * Reasons of warnings: Ready stays True, the warning goes into its message and a Warning Event
 * (reconciler.ts). Kept apart: a test for them expects Ready=True, not a failure.
 */
export const WARNING_REASONS = ['CaExpiresSoon'] as const;

/** An error that already is a Failure (thrown where the step cannot go on, e.g. a refused CA Secret). */
export class FailureError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/**
 * The apiserver refused a Secret write itself (403 by RBAC or an admission policy, 422, 400):
 * retrying the same write cannot help. A 409 or 404 (a racing writer) is not this: those retry
 * from fresh reads.
 */
export function secretRejected(namespace: string, name: string, err: unknown): Failure | undefined {
  if (!isRejection(err) || isConflict(err) || isNotFound(err)) return undefined;
  return {
    reason: 'SecretRejected',
    message: `Secret ${name}: the apiserver refused the write (HTTP ${statusCode(err)}: ${redact(statusMessage(err)) || 'no message'}); the Secret in place was not changed. Fix what the message names (an admission policy, a quota, the operator's RBAC in namespace ${namespace})`,
    retry: true,
  };
}

/**
 * The Failure for an error. `context` says where it happened ("component mqtt-adapter"), and
 * prefixes the message.
 */
export function failureOf(err: unknown, context?: string): Failure {
  const at = (m: string) => (context ? `${context}: ${m}` : m);
  if (err instanceof FailureError) return { ...err.failure, message: at(err.failure.message) };
  if (err instanceof PlanError) return { reason: 'InvalidSpec', message: at(err.message), retry: false };
  if (isPkiError(err, 'UNSUPPORTED_PASSWORD')) {
    return { reason: 'PasswordSecretInvalid', message: at(`${err.message} (spec.trustStore.passwordSecretRef)`), retry: true };
  }
  if (isPkiError(err, 'CHAIN_INVALID')) return { reason: 'CaSecretInvalid', message: at(err.message), retry: true };
  if (isPkiError(err)) return { reason: 'IssueFailed', message: at(err.message), retry: true };
  return {
    reason: 'InternalError',
    message: at(`${redact(describeError(err))}; retrying with backoff (if it persists, see the operator's log and report it)`),
    retry: true,
  };
}
