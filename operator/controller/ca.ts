// The CA step. selfSigned: the CA lives in its own Secret (never mounted), created once and
// loaded afterwards. ca: the user's Secret is read and validated. certManager: the Certificates are
// applied and what cert-manager wrote is collected (certificates.ts, cert-manager-trust.ts).
import type { V1Secret } from '@kubernetes/client-node';
import { CertificateAuthority } from '../pki/ca.js';
import { isPkiError } from '../pki/errors.js';
import type { Plan } from '../plan/types.js';
import { AuthorityIssuer } from '../issuers/authority-issuer.js';
import { CertManagerIssuer } from '../issuers/cert-manager.js';
import type { ExternalLeaf, Issuer } from '../issuers/issuer.js';
import { certManagerTrust } from './cert-manager-trust.js';
import { ensureCertificates, type CertificateOutcome } from './certificates.js';
import { decodeData, isOwnedBy, type Failure, type ReconcileContext } from './context.js';
import { redact } from './failures.js';
import { describeError } from './informers.js';
import { createOwnedSecret } from './owned-secret.js';

/** Secret data as UTF-8 strings (PEM). */
export function asStrings(data: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(decodeData(data))) out[k] = v.toString('utf8');
  return out;
}

/** PKI errors name the field and the fix and never carry key material; others keep their status text (describeError). */
function caError(err: unknown, secretName: string): string {
  if (isPkiError(err)) return `CA Secret ${secretName}: ${err.message}`;
  return `CA Secret ${secretName} could not be loaded (${redact(describeError(err))}); check that tls.crt and tls.key hold PEM`;
}

/** Annotation on the HonoTlsConfig that confirms replacing a lost CA; its value is the lost CA's fingerprint. */
export const CONFIRM_NEW_CA_ANNOTATION = 'hono.eclipse.org/confirm-new-ca';

export async function resolveIssuer(ctx: ReconcileContext, plan: Plan): Promise<{ issuer: Issuer; certificates?: CertificateOutcome[] } | { failure: Failure }> {
  const namespace = plan.namespace;
  switch (plan.issuer.kind) {
    case 'certManager': {
      const certs = await ensureCertificates(ctx, plan);
      if ('failure' in certs) return certs;
      const trust = await certManagerTrust(ctx, plan, certs.outcomes);
      if ('failure' in trust) return trust;
      if (!trust.pem) {
        // Nothing issued yet: cert-manager's reasons (the first one names the cause; all go into the message).
        const failing = certs.outcomes.filter((o) => o.failure);
        const first = failing[0]?.failure ?? { reason: 'CertificateNotReady' as const, message: 'no Certificate issued yet', retry: true };
        return { failure: { ...first, message: failing.map((o) => `${o.component}: ${o.failure!.message}`).join('; ') || first.message } };
      }
      const leaves = new Map<string, ExternalLeaf>(
        certs.outcomes.map((o) => [o.component, o.secret ? { keyPem: o.secret.keyPem, chainPem: o.secret.chainPem, data: o.secret.data, ...(o.failure ? { failure: o.failure } : {}) } : { failure: o.failure! }]),
      );
      return { issuer: new CertManagerIssuer(trust.pem, leaves), certificates: certs.outcomes };
    }
    case 'ca': {
      const name = plan.issuer.caSecretName;
      const secret = await ctx.read.secret(namespace, name);
      if (!secret) {
        return {
          failure: {
            reason: 'CaSecretMissing',
            message: `Secret ${name} (spec.issuer.ca.secretName) does not exist: create it with tls.crt and tls.key of the CA (and ca.crt for the chain above it)`,
            retry: true,
          },
        };
      }
      try {
        const ca = await CertificateAuthority.fromSecretData(asStrings(secret.data), ctx.clock);
        return { issuer: new AuthorityIssuer('ca', ca) };
      } catch (err) {
        return { failure: { reason: 'CaSecretInvalid', message: caError(err, name), retry: true } };
      }
    }
    case 'selfSigned': {
      const spec = plan.issuer;
      const name = spec.caSecretName;
      const load = async (secret: V1Secret): Promise<{ issuer: Issuer } | { failure: Failure }> => {
        if (!isOwnedBy(secret, ctx.config)) {
          return {
            failure: {
              reason: 'CaSecretConflict',
              message: `Secret ${name} exists but does not belong to this HonoTlsConfig: delete or rename it (or bring it in with spec.issuer.ca)`,
              retry: true,
            },
          };
        }
        try {
          const ca = await CertificateAuthority.fromSecretData(asStrings(secret.data), ctx.clock);
          return { issuer: new AuthorityIssuer('selfSigned', ca) };
        } catch (err) {
          return {
            failure: {
              reason: 'CaSecretInvalid',
              message: `${caError(err, name)}; restore the Secret from a backup, or delete it and confirm a new CA with the annotation ${CONFIRM_NEW_CA_ANNOTATION} (every component is then re-issued)`,
              retry: true,
            },
          };
        }
      };
      const secret = await ctx.read.secret(namespace, name);
      if (secret) return load(secret);
      // A CA this config already had is gone: a new one re-keys every component and rolls every
      // Deployment with no trust overlap, so it needs a restore or an explicit confirmation.
      const lost = ctx.config.status?.ca;
      const confirmed = ctx.config.metadata.annotations?.[CONFIRM_NEW_CA_ANNOTATION];
      if (lost?.fingerprint && lost.secretName === name && confirmed !== lost.fingerprint) {
        return {
          failure: {
            reason: 'CaSecretMissing',
            message:
              `the CA Secret ${name} (fingerprint ${lost.fingerprint}) is gone; the issued material stays in place. ` +
              `Restore the Secret from a backup (with its ownerReference to this HonoTlsConfig), or confirm a new CA, which re-issues every component and rolls every Deployment at once: ` +
              `kubectl annotate honotlsconfig ${ctx.config.metadata.name} ${CONFIRM_NEW_CA_ANNOTATION}=${lost.fingerprint}` +
              (confirmed ? ` (the annotation's value ${confirmed} is not the lost CA's fingerprint)` : ''),
            retry: true,
          },
        };
      }
      const ca = await ctx.timings.issue(() =>
        CertificateAuthority.createSelfSigned(
          { commonName: spec.commonName, intermediate: spec.intermediate, durationMs: spec.durationMs, privateKey: spec.privateKey },
          ctx.clock,
        ),
      );
      const result = await createOwnedSecret(ctx, { namespace, name, configName: plan.configName, role: 'ca', data: ca.toSecretData() });
      // Created meanwhile by a racing run: load that one rather than fail.
      if ('existing' in result) return load(result.existing);
      ctx.logger.info('created CA', { secret: name, fingerprint: ca.fingerprint });
      if (lost?.fingerprint && lost.secretName === name) {
        await ctx.events.record(ctx.config, 'Warning', 'CaReplaced', `Created a new CA in Secret ${name} (fingerprint ${ca.fingerprint}) replacing the lost ${lost.fingerprint}, as confirmed by ${CONFIRM_NEW_CA_ANNOTATION}; every component is re-issued`);
      } else {
        await ctx.events.record(ctx.config, 'Normal', 'CaCreated', `Created CA in Secret ${name} (fingerprint ${ca.fingerprint})`);
      }
      return { issuer: new AuthorityIssuer('selfSigned', ca) };
    }
  }
}
