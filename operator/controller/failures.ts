// Errors to status: every error a reconcile meets becomes a Failure with a reason and a message
// that names the fix. Typed errors map to their reasons; anything else is InternalError, retried
// with backoff. Messages come from our own typed errors or describeError (status text, never
// request bodies), so no key material reaches status, Events or logs.
import { isPkiError } from '../pki/errors.js';
import { PlanError } from '../plan/errors.js';
import type { Failure } from './context.js';
import { describeError } from './informers.js';

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

/**
 * The Failure for an error. `context` says where it happened ("component mqtt-adapter"), and
 * prefixes the message.
 */
export function failureOf(err: unknown, context?: string): Failure {
  const at = (m: string) => (context ? `${context}: ${m}` : m);
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
