// The store password: generated once into an operator Secret (crypto random), or read from
// the user's Secret when trustStore.passwordSecretRef is given. Never logged.
import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { assertPkcs12Password } from '../pki/stores/pkcs12.js';
import type { Plan } from '../plan/types.js';
import { decodeData, isOwnedBy, type Failure, type ReconcileContext } from './context.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './names.js';
import { createOwnedSecret } from './owned-secret.js';

const REF = 'spec.trustStore.passwordSecretRef';

/**
 * Why a Secret may not serve as the user's password Secret: the operator's own Secrets (CA,
 * component material, a generated password) and TLS Secrets hold keys, and passwordSecretRef
 * would put their values into pod env vars.
 */
function refusedPasswordSecret(secret: V1Secret): string | undefined {
  if (secret.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) return `is managed by the operator (label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE})`;
  if ((secret.metadata?.ownerReferences ?? []).some((r) => r.kind === 'HonoTlsConfig')) return 'is owned by a HonoTlsConfig';
  if (secret.type === 'kubernetes.io/tls') return 'is of type kubernetes.io/tls (its keys are key material)';
  return undefined;
}

/** A password Hono's Java stores can open, and that an env var carries unchanged. */
function passwordProblem(password: string, pkcs12: boolean): string | undefined {
  if (/[\r\n]$/.test(password)) return 'ends in a newline (e.g. from `echo` or a file): store it without one, e.g. with `kubectl create secret generic --from-literal`';
  try {
    if (pkcs12) assertPkcs12Password(password, REF);
  } catch {
    return 'is not printable ASCII, and Java cannot open a PKCS#12 store with such a password: choose an ASCII password';
  }
  return undefined;
}

export async function ensurePassword(ctx: ReconcileContext, plan: Plan): Promise<{ password: string } | { failure: Failure }> {
  const { secretName, key, generated } = plan.password;
  const namespace = plan.namespace;
  const existing = await ctx.read.secret(namespace, secretName);
  if (!generated && existing) {
    const refused = refusedPasswordSecret(existing);
    if (refused) {
      return {
        failure: {
          reason: 'PasswordSecretInvalid',
          message: `Secret ${secretName} ${refused}; ${REF} must name a Secret of your own (type Opaque) that holds only the password`,
          retry: true,
        },
      };
    }
  }
  if (generated && existing && !isOwnedBy(existing, ctx.config)) {
    return {
      failure: {
        reason: 'PasswordSecretConflict',
        message: `Secret ${secretName} exists but was not made by this HonoTlsConfig, and the operator never takes over a Secret: delete or rename it, or use it through ${REF}`,
        retry: true,
      },
    };
  }
  const value = existing ? decodeData(existing.data)[key]?.toString('utf8') : undefined;
  if (value) {
    const pkcs12 = plan.components.some((c) => c.entries.some((e) => e.source.kind === 'keyStore' || (e.source.kind === 'trustStore' && e.source.format === 'pkcs12')));
    const problem = passwordProblem(value, pkcs12);
    if (problem) return { failure: { reason: 'PasswordSecretInvalid', message: `the password in Secret ${secretName}, key "${key}" (${REF}), ${problem}`, retry: true } };
    return { password: value };
  }
  if (!generated) {
    return {
      failure: {
        reason: 'PasswordSecretMissing',
        message: existing
          ? `Secret ${secretName} has no key "${key}" (${REF}): add the key or fix the reference`
          : `Secret ${secretName} (${REF}) does not exist: create it with key "${key}"`,
        retry: true,
      },
    };
  }
  if (existing) {
    return {
      failure: {
        reason: 'PasswordSecretInvalid',
        message: `Secret ${secretName} exists without key "${key}": delete it so the operator can generate the password`,
        retry: true,
      },
    };
  }
  const password = randomBytes(24).toString('base64url');
  const result = await createOwnedSecret(ctx, { namespace, name: secretName, configName: plan.configName, role: 'store-password', data: { [key]: password } });
  if ('existing' in result) {
    // Created meanwhile by a racing run: its password wins, if it is this config's.
    const value = isOwnedBy(result.existing, ctx.config) ? decodeData(result.existing.data)[key]?.toString('utf8') : undefined;
    if (!value) return { failure: { reason: 'PasswordSecretConflict', message: `Secret ${secretName} was created meanwhile by someone else: delete or rename it`, retry: true } };
    return { password: value };
  }
  ctx.logger.info('generated store password secret', { secret: secretName });
  return { password };
}
