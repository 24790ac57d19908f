// The one place that decides when a leaf is due, like cert-manager's RenewalTime: renewBefore
// counts back from notAfter, but a leaf cut short (by a CA that expires sooner) renews at 2/3 of
// the life it really has, so a fresh leaf is never already due.
import { isoSeconds } from './context.js';

export function renewalTime(notBefore: Date, notAfter: Date, renewBeforeMs: number): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const before = renewBeforeMs < lifetime ? renewBeforeMs : lifetime / 3;
  return new Date(notAfter.getTime() - before);
}

/**
 * A CA that expires before a leaf issued now has lived its duration and its renewBefore cuts leaves
 * short: a warning (reason CaExpiresSoon) instead of a renewal loop. Undefined when the CA covers them.
 */
export function caCoverageWarning(
  caNotAfter: Date,
  now: Date,
  durationMs: number,
  renewBeforeMs: number,
  issuer: 'selfSigned' | 'ca' | 'certManager',
): string | undefined {
  const needed = durationMs + renewBeforeMs;
  if (caNotAfter.getTime() >= now.getTime() + needed) return undefined;
  // No time derived from "now" in the text: the status must not change on every reconcile.
  const span = `${hours(durationMs)} + ${hours(renewBeforeMs)}`;
  return (
    `the CA expires at ${isoSeconds(caNotAfter)}, sooner than a leaf's duration plus renewBefore (${span}) from now: ` +
    `leaves end with the CA and renew at 2/3 of their shortened life; ` +
    (issuer === 'ca'
      ? `put a CA valid for longer than ${span} into the Secret named by spec.issuer.ca.secretName, or shorten spec.certificate.duration`
      : issuer === 'certManager'
        ? `give the cert-manager issuer (spec.issuer.certManager.issuerRef) a CA valid for longer than ${span}, or shorten spec.certificate.duration`
        : `the operator replaces its own CA by a phased rotation (status.rotation); if spec.issuer.selfSigned.duration is shorter than ${span}, lengthen it or shorten spec.certificate.duration`)
  );
}

const hours = (ms: number) => `${+(ms / 3600_000).toFixed(3)}h`;

/**
 * When the operator's own CA is due for replacement: early enough that a leaf issued then still gets
 * its full duration and renewBefore (so leaves are never cut short by the CA), clamped to 2/3 of the
 * CA's life like any renewal time.
 */
export function caRenewalTime(caNotBefore: Date, caNotAfter: Date, leafDurationMs: number, leafRenewBeforeMs: number): Date {
  return renewalTime(caNotBefore, caNotAfter, leafDurationMs + leafRenewBeforeMs);
}
