// Reads for the reconcile: from the informer caches where the operator has them, a live GET
// otherwise. A cache miss always goes live (the object may just have been created, or is not
// watched), and an object the operator wrote itself is read live until the cache has caught up
// with that write, so a lagging cache never makes a reconcile issue new material twice.
import type { KubernetesObject, V1Deployment, V1Secret, V1Service } from '@kubernetes/client-node';
import { CERTIFICATES, CERT_MANAGER_GROUP, CERT_MANAGER_VERSION, type Certificate } from '../issuers/certificate-spec.js';
import { readOrUndefined, type KubeClients, type Timings } from './kube.js';

export type ReadKind = 'secret' | 'deployment' | 'service' | 'certificate';

export interface ObjectReader {
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  deployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  service(namespace: string, name: string): Promise<V1Service | undefined>;
  /** cert-manager Certificates (certManager issuer). */
  certificate(namespace: string, name: string): Promise<Certificate | undefined>;
  /** Always a live GET (after a 409 on create). */
  liveSecret(namespace: string, name: string): Promise<V1Secret | undefined>;
  /** The operator wrote this object (the write's response); `undefined` after a delete. */
  wrote(kind: ReadKind, namespace: string, name: string, obj: KubernetesObject | undefined): void;
}

/** Cache lookups; undefined when the cache does not have the object (or has not synced). */
export interface ReaderCaches {
  secret(namespace: string, name: string): V1Secret | undefined;
  deployment(namespace: string, name: string): V1Deployment | undefined;
  service(namespace: string, name: string): V1Service | undefined;
  /** Absent where cert-manager is not installed. */
  certificate?(namespace: string, name: string): Certificate | undefined;
}

/** A watch event normally follows a write within milliseconds; past this the write is forgotten. */
const PENDING_MS = 30_000;

/** Shared by all reconciles of one operator: the caches and the operator's recent writes. */
export class Reads {
  // kind/ns/name -> resourceVersion the operator wrote ('' for a delete), and when.
  private readonly pending = new Map<string, { rv: string; at: number }>();

  constructor(
    private readonly clients: KubeClients,
    private readonly caches?: ReaderCaches,
  ) {}

  /** The reader of one reconcile; live GETs count in its timings. */
  forReconcile(timings: Timings): ObjectReader {
    const live = {
      secret: (namespace: string, name: string) => timings.api(() => readOrUndefined(() => this.clients.core.readNamespacedSecret({ name, namespace }))),
      deployment: (namespace: string, name: string) => timings.api(() => readOrUndefined(() => this.clients.apps.readNamespacedDeployment({ name, namespace }))),
      service: (namespace: string, name: string) => timings.api(() => readOrUndefined(() => this.clients.core.readNamespacedService({ name, namespace }))),
      certificate: (namespace: string, name: string) =>
        timings.api(() =>
          readOrUndefined(
            () => this.clients.custom.getNamespacedCustomObject({ group: CERT_MANAGER_GROUP, version: CERT_MANAGER_VERSION, plural: CERTIFICATES, namespace, name }) as Promise<Certificate>,
          ),
        ),
    };
    const read = async <T extends KubernetesObject>(kind: ReadKind, namespace: string, name: string): Promise<T | undefined> => {
      const cached = this.fresh(kind, namespace, name) as T | undefined;
      if (cached) return cached;
      const obj = (await live[kind](namespace, name)) as T | undefined;
      this.seenLive(kind, namespace, name, obj);
      return obj;
    };
    return {
      secret: (ns, n) => read<V1Secret>('secret', ns, n),
      deployment: (ns, n) => read<V1Deployment>('deployment', ns, n),
      service: (ns, n) => read<V1Service>('service', ns, n),
      certificate: (ns, n) => read<Certificate & KubernetesObject>('certificate', ns, n),
      liveSecret: live.secret,
      wrote: (kind, ns, n, obj) => this.wrote(kind, ns, n, obj),
    };
  }

  wrote(kind: ReadKind, namespace: string, name: string, obj: KubernetesObject | undefined): void {
    const now = Date.now();
    for (const [k, p] of this.pending) if (now - p.at > PENDING_MS) this.pending.delete(k);
    this.pending.set(`${kind}/${namespace}/${name}`, { rv: obj?.metadata?.resourceVersion ?? '', at: now });
  }

  /** A live read is at least as new as the operator's write: wait for the cache to reach it instead. */
  private seenLive(kind: ReadKind, namespace: string, name: string, obj: KubernetesObject | undefined): void {
    const p = this.pending.get(`${kind}/${namespace}/${name}`);
    if (p) p.rv = obj?.metadata?.resourceVersion ?? '';
  }

  /** The cached object when it can be trusted, else undefined (read it live). */
  private fresh(kind: ReadKind, namespace: string, name: string): KubernetesObject | undefined {
    const cached = this.caches?.[kind]?.(namespace, name);
    if (!cached) return undefined;
    const key = `${kind}/${namespace}/${name}`;
    const p = this.pending.get(key);
    if (!p) return cached;
    // Equality only: resourceVersions are opaque. Someone else's later write also ends the wait, by time.
    if (cached.metadata?.resourceVersion === p.rv || Date.now() - p.at > PENDING_MS) {
      this.pending.delete(key);
      return cached;
    }
    return undefined;
  }
}
