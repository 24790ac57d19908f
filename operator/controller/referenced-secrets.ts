// One small watch per user Secret a config names (spec.issuer.ca.secretName,
// spec.trustStore.passwordSecretRef), started and stopped as configs come and go.
import type { V1Secret } from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../api/v1alpha1.js';
import type { RestartingInformer } from './informers.js';
import { keyOf, splitKey } from './names.js';

export function referencedSecretNames(c: HonoTlsConfig): string[] {
  const names: string[] = [];
  if (c.spec?.issuer?.ca?.secretName) names.push(c.spec.issuer.ca.secretName);
  if (c.spec?.trustStore?.passwordSecretRef?.name) names.push(c.spec.trustStore.passwordSecretRef.name);
  if (c.spec?.issuer?.certManager?.trustBundle?.secret?.name) names.push(c.spec.issuer.certManager.trustBundle.secret.name);
  return names;
}

export class ReferencedSecrets {
  private readonly watches = new Map<string, RestartingInformer<V1Secret>>();

  constructor(private readonly make: (namespace: string, name: string) => RestartingInformer<V1Secret>) {}

  /** Starts watches for newly referenced Secrets and stops those no config names any more. */
  sync(configs: readonly HonoTlsConfig[]): void {
    const wanted = new Set<string>();
    for (const c of configs) for (const n of referencedSecretNames(c)) wanted.add(keyOf(c.metadata.namespace, n));
    for (const [k, w] of this.watches) {
      if (!wanted.has(k)) {
        void w.stop();
        this.watches.delete(k);
      }
    }
    for (const k of wanted) {
      if (this.watches.has(k)) continue;
      const { namespace, name } = splitKey(k);
      const w = this.make(namespace, name);
      w.start();
      this.watches.set(k, w);
    }
  }

  /** The watched Secret, once its watch has listed. */
  cached(namespace: string, name: string): V1Secret | undefined {
    const w = this.watches.get(keyOf(namespace, name));
    return w?.hasSynced ? w.cache.get(name, namespace) : undefined;
  }

  get size(): number {
    return this.watches.size;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.watches.values()].map((w) => w.stop()));
    this.watches.clear();
  }
}
