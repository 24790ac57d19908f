// Which config events start a reconcile (controller-runtime's GenerationChangedPredicate and
// AnnotationChangedPredicate): a spec change (generation), an annotation (rotation triggers, the
// new-CA confirmation) or a deletion. The operator's own status and finalizer writes change none
// of them, so they do not requeue the config; the periodic resync still visits every config.
import type { KubernetesObject } from '@kubernetes/client-node';

/** What an update must change to be worth a reconcile. */
export function changeSignature(o: KubernetesObject): string {
  const m = o.metadata ?? {};
  return JSON.stringify([m.generation ?? null, m.annotations ?? {}, m.deletionTimestamp ?? null]);
}

/** Remembers each config's last signature; says whether an event should enqueue it. */
export class ConfigPredicate {
  private readonly seen = new Map<string, string>();

  /** add and delete always pass; an update passes when its signature changed. */
  admit(event: 'add' | 'update' | 'delete', key: string, o: KubernetesObject): boolean {
    if (event === 'delete') {
      this.seen.delete(key);
      return true;
    }
    const sig = changeSignature(o);
    const before = this.seen.get(key);
    this.seen.set(key, sig);
    return event === 'add' || before !== sig;
  }
}
