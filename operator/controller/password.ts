// The store password: generated once into an operator Secret (crypto random), or read from
// the user's Secret when trustStore.passwordSecretRef is given. Never logged.
import { randomBytes } from 'node:crypto';
import type { Plan } from '../plan/types.js';
import { decodeData, type Failure, type ReconcileContext } from './context.js';
import { createOwnedSecret } from './owned-secret.js';

export async function ensurePassword(ctx: ReconcileContext, plan: Plan): Promise<{ password: string } | { failure: Failure }> {
  const { secretName, key, generated } = plan.password;
  const namespace = plan.namespace;
  const existing = await ctx.read.secret(namespace, secretName);
  const value = existing ? decodeData(existing.data)[key]?.toString('utf8') : undefined;
  if (value) return { password: value };
  if (!generated) {
    return {
      failure: {
        reason: 'PasswordSecretMissing',
        message: existing
          ? `Secret ${secretName} has no key "${key}" (spec.trustStore.passwordSecretRef): add the key or fix the reference`
          : `Secret ${secretName} (spec.trustStore.passwordSecretRef) does not exist: create it with key "${key}"`,
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
    // Created meanwhile by a racing run: its password wins.
    const value = decodeData(result.existing.data)[key]?.toString('utf8');
    if (!value) throw new Error(`Secret ${secretName} was created concurrently without key "${key}"`);
    return { password: value };
  }
  ctx.logger.info('generated store password secret', { secret: secretName });
  return { password };
}
