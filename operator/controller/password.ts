// The store password: generated once into an operator Secret (crypto random), or read from
// the user's Secret when trustStore.passwordSecretRef is given. Never logged.
import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { Plan } from '../plan/types.js';
import { decodeData, ownerReference, type Failure, type ReconcileContext } from './context.js';
import { isConflict } from './kube.js';
import { CONFIG_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_ANNOTATION, labelValue } from './names.js';

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
  let created: V1Secret;
  try {
    created = await ctx.timings.api(() =>
      ctx.clients.core.createNamespacedSecret({
        namespace,
        body: {
          metadata: {
            name: secretName,
            namespace,
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [CONFIG_LABEL]: labelValue(plan.configName) },
            annotations: { [ROLE_ANNOTATION]: 'store-password' },
            ownerReferences: [ownerReference(ctx.config)],
          },
          type: 'Opaque',
          data: { [key]: Buffer.from(password).toString('base64') },
        },
      }),
    );
  } catch (err) {
    // Created meanwhile (a racing run): its password wins.
    const live = isConflict(err) ? await ctx.read.liveSecret(namespace, secretName) : undefined;
    const value = live ? decodeData(live.data)[key]?.toString('utf8') : undefined;
    if (!value) throw err;
    return { password: value };
  }
  ctx.read.wrote('secret', namespace, secretName, created);
  ctx.logger.info('generated store password secret', { secret: secretName });
  return { password };
}
