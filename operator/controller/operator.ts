// startOperator: informers -> work queue -> reconciler, plus health, readiness and metrics.
// main.ts is a thin CLI over this; tests, the demo and the bench run it in-process.
import type { KubeConfig, KubernetesListObject, KubernetesObject, V1Deployment, V1Secret, V1Service } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../api/v1alpha1.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { serve, type Endpoint } from '../runtime/health.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { OperatorMetrics } from '../runtime/metrics.js';
import { RestartingInformer, describeError } from './informers.js';
import { isNotFound, makeClients, type KubeClients, type Timings } from './kube.js';
import { CERTIFICATES, CERT_MANAGER_GROUP, CERT_MANAGER_VERSION, type Certificate } from '../issuers/certificate-spec.js';
import { CONFIG_LABEL, MANAGED_SELECTOR, OPT_IN_LABEL, keyOf, labelValue } from './names.js';
import { Reads } from './reader.js';
import { Reconciler } from './reconciler.js';
import { DEFAULT_MAX_CONCURRENT_ROLLOUTS, RolloutGate } from '../lifecycle/gate.js';
import type { ReissueLimits } from './reissue-guard.js';
import { ReferencedSecrets, referencedSecretNames } from './referenced-secrets.js';
import { WorkQueue } from './workqueue.js';
import { ConfigPredicate } from './predicates.js';
import { LeaderElector, type LeaderElectionConfig } from './leader-election.js';
import { TokenBucket, WriteGate } from '../runtime/write-gate.js';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string;
  clock?: Clock;
  logger?: Logger;
  /** Port for /metrics (0: a free port; absent: no endpoint). */
  metricsPort?: number;
  /** Port for /healthz and /readyz (0: a free port; absent: no endpoint). */
  healthPort?: number;
  /** Host the endpoints bind to (default all interfaces). */
  bindHost?: string;
  /** Every config is reconciled again this often (default 10 minutes). */
  resyncMs?: number;
  /** Parallel reconciles of different keys (default 4). */
  concurrency?: number;
  /** Failure backoff (defaults 1 s doubling up to 5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** /healthz fails once a watch has been failing for longer than this (default 2 minutes). */
  unhealthyAfterMs?: number;
  /** Longest delay between restarts of a failed watch (default 30 s). */
  watchRestartMaxMs?: number;
  /** Sees each reconcile's API and issuing time (tests, bench). */
  onTimings?: (key: string, t: Timings) => void;
  /** Re-issue floor and loop guard (default DEFAULT_REISSUE_LIMITS; tests shorten them). */
  reissueLimits?: ReissueLimits;
  /** Operator-wide cap on Deployments whose rollout the operator started and has not seen complete (default 10). */
  maxConcurrentRollouts?: number;
  /** A rollout without progress for this long is RolloutStuck (default 10 minutes). */
  rolloutTimeoutMs?: number;
  /** Only the holder of this Lease reconciles and writes; absent: this process always leads. */
  leaderElection?: LeaderElectionConfig & {
    /** Leading ended (renew deadline passed, or another holder): the work queue is already paused. */
    onLost?: (reason: string) => void;
  };
  /** Global limit on API writes: sustained per second and burst (default 50 and 100; 0: no limit). */
  writeQps?: number;
  writeBurst?: number;
}

export interface RunningOperator {
  /** Resolves once every informer has listed once. */
  ready: Promise<void>;
  stop(): Promise<void>;
  metricsUrl?: string;
  healthUrl?: string;
  metrics: OperatorMetrics;
  /** Resolves when no reconcile is queued or running. */
  idle(): Promise<void>;
  /** Whether this replica leads (always true without leader election). */
  isLeader(): boolean;
}

/** Global write limit defaults: far above what 50 configs being set up at once send (about 30 a second). */
export const DEFAULT_WRITE_QPS = 50;
export const DEFAULT_WRITE_BURST = 100;

/** The work queue's `name` label, as controller-runtime labels a controller's queue. */
export const QUEUE_NAME = 'honotlsconfig';

type Lister<T extends KubernetesObject> = () => Promise<KubernetesListObject<T>>;

export async function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  const logger = opts.logger ?? createLogger('info');
  const clock = opts.clock ?? systemClock;
  const metrics = new OperatorMetrics({ processMetrics: opts.metricsPort !== undefined });
  const le = opts.leaderElection;
  const elector = le
    ? new LeaderElector(opts.kubeConfig, le, logger, {
        onStartedLeading: () => {
          metrics.leader.set(1);
          // What a follower's informers queued is handled now; a full pass catches anything else.
          queue.resume();
          for (const c of configs.cache.list()) queue.add(keyOf(c.metadata.namespace, c.metadata.name));
        },
        onStoppedLeading: (reason) => {
          metrics.leader.set(0);
          queue.pause();
          le.onLost?.(reason);
        },
      })
    : undefined;
  const writeQps = opts.writeQps ?? DEFAULT_WRITE_QPS;
  const gate = new WriteGate({
    bucket: writeQps > 0 ? new TokenBucket(writeQps, opts.writeBurst ?? DEFAULT_WRITE_BURST) : undefined,
    allowed: elector ? () => (elector.isLeader ? { ok: true } : { ok: false, reason: 'this replica does not hold the leader lease' }) : undefined,
    onWrite: (waitedMs) => {
      metrics.apiWrites.inc();
      if (waitedMs > 0) metrics.writeThrottleSeconds.inc(waitedMs / 1000);
    },
  });
  const clients = makeClients(opts.kubeConfig, gate);
  metrics.leader.set(elector ? 0 : 1);
  const ns = opts.namespace;
  // The caches are filled before the first config event (see `ready` below); a miss reads live.
  const reads = new Reads(clients, {
    secret: (namespace, name) => secrets.cache.get(name, namespace) ?? referenced.cached(namespace, name),
    deployment: (namespace, name) => deployments.cache.get(name, namespace),
    service: (namespace, name) => services.cache.get(name, namespace),
    certificate: (namespace, name) => certificates?.cache.get(name, namespace),
  });
  const rollouts = new RolloutGate(opts.maxConcurrentRollouts ?? DEFAULT_MAX_CONCURRENT_ROLLOUTS);
  const reconciler = new Reconciler({ clients, clock, logger, metrics, reads, onTimings: opts.onTimings, reissueLimits: opts.reissueLimits, gate: rollouts, rolloutTimeoutMs: opts.rolloutTimeoutMs });

  const queue: WorkQueue = new WorkQueue({
    concurrency: opts.concurrency ?? 4,
    // A follower keeps its caches warm and its queue filled, and handles nothing until it leads.
    paused: elector !== undefined,
    observer: metrics.queueObserver(QUEUE_NAME, (): number[] => queue.runningSeconds()),
    baseDelayMs: opts.backoffBaseMs ?? 1000,
    maxDelayMs: opts.backoffMaxMs ?? 5 * 60_000,
    handler: (key) => reconciler.reconcile(key),
    onObserverError: (key, err) => logger.error('reconcile observer failed', { key, error: describeError(err) }),
    onDone: (key, o) => {
      metrics.reconcileTotal.inc({ result: o.result });
      metrics.reconcileTime.observe(o.seconds);
      if (o.result === 'error') logger.warn('reconcile will be retried', { key, error: describeError(o.error), retryInMs: queue.backoffMs(key) });
    },
  });

  const prefix = ns ? `/namespaces/${ns}` : '';
  const predicate = new ConfigPredicate();
  const configs = new RestartingInformer<HonoTlsConfig & KubernetesObject>({
    name: 'honotlsconfigs',
    kubeConfig: opts.kubeConfig,
    path: `/apis/${GROUP}/${VERSION}${prefix}/${PLURAL}`,
    list: (ns
      ? () => clients.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
      : () => clients.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as Lister<HonoTlsConfig & KubernetesObject>,
    logger,
    restartMaxMs: opts.watchRestartMaxMs,
    onEvent: (event, c) => {
      const key = keyOf(c.metadata.namespace, c.metadata.name);
      if (event === 'add') reconciler.terminating.created(c.metadata.namespace, c.metadata.creationTimestamp);
      if (event === 'delete') queue.forget(key);
      if (predicate.admit(event, key, c)) queue.add(key);
      referenced.sync(configs.cache.list());
    },
  });
  // The user's own Secrets (a brought-in CA, a store password) carry no operator label: each one
  // gets a watch of its own (field selector on the name), so its creation or change acts at once.
  const referenced = new ReferencedSecrets((namespace, name) => {
    const onEvent = () => {
      for (const c of configs.cache.list(namespace)) if (referencedSecretNames(c).includes(name)) queue.add(keyOf(namespace, c.metadata.name));
    };
    const fieldSelector = `metadata.name=${name}`;
    return new RestartingInformer<V1Secret>({
      name: `secret ${namespace}/${name}`,
      kubeConfig: opts.kubeConfig,
      path: `/api/v1/namespaces/${namespace}/secrets`,
      fieldSelector,
      list: () => clients.core.listNamespacedSecret({ namespace, fieldSelector }),
      logger,
      restartMaxMs: opts.watchRestartMaxMs,
      onEvent,
    });
  });
  const secrets = new RestartingInformer<V1Secret>({
    name: 'secrets',
    kubeConfig: opts.kubeConfig,
    path: `/api/v1${prefix}/secrets`,
    labelSelector: MANAGED_SELECTOR,
    list: ns
      ? () => clients.core.listNamespacedSecret({ namespace: ns, labelSelector: MANAGED_SELECTOR })
      : () => clients.core.listSecretForAllNamespaces({ labelSelector: MANAGED_SELECTOR }),
    logger,
    restartMaxMs: opts.watchRestartMaxMs,
    onEvent: (event, s) => {
      const sns = s.metadata!.namespace!;
      if (event === 'delete') reconciler.terminating.suspectAt(sns);
      for (const ref of s.metadata?.ownerReferences ?? []) {
        if (ref.kind === 'HonoTlsConfig' && ref.apiVersion.startsWith(`${GROUP}/`)) queue.add(keyOf(sns, ref.name));
      }
      // Also by label: a Secret whose ownerReferences were removed still names its config.
      const label = s.metadata?.labels?.[CONFIG_LABEL];
      if (label) for (const c of configs.cache.list(sns)) if (labelValue(c.metadata.name) === label) queue.add(keyOf(sns, c.metadata.name));
    },
  });
  // Only Deployments that opted in are cached (others are read live, and only wired once they opt in;
  // removing the label arrives as a delete). They map back to the configs that name them, by a scan
  // of the config cache, as Services below do.
  const deployments = new RestartingInformer<V1Deployment>({
    name: 'deployments',
    kubeConfig: opts.kubeConfig,
    path: `/apis/apps/v1${prefix}/deployments`,
    labelSelector: OPT_IN_LABEL,
    list: ns
      ? () => clients.apps.listNamespacedDeployment({ namespace: ns, labelSelector: OPT_IN_LABEL })
      : () => clients.apps.listDeploymentForAllNamespaces({ labelSelector: OPT_IN_LABEL }),
    logger,
    restartMaxMs: opts.watchRestartMaxMs,
    onEvent: (_event, d) => {
      const dns = d.metadata?.namespace ?? '';
      for (const c of configs.cache.list(dns)) {
        const named =
          c.spec?.components?.some((x) => x.deployment?.name === d.metadata?.name) ||
          c.status?.components?.some((x) => x.deployment === d.metadata?.name);
        if (named) queue.add(keyOf(dns, c.metadata.name));
      }
    },
  });
  const services = new RestartingInformer<V1Service>({
    name: 'services',
    kubeConfig: opts.kubeConfig,
    path: `/api/v1${prefix}/services`,
    list: ns ? () => clients.core.listNamespacedService({ namespace: ns }) : () => clients.core.listServiceForAllNamespaces({}),
    logger,
    restartMaxMs: opts.watchRestartMaxMs,
    onEvent: (event, svc) => {
      if (event === 'update') return; // only existence matters
      const sns = svc.metadata?.namespace ?? '';
      for (const c of configs.cache.list(sns)) {
        if (c.spec?.components?.some((x) => x.serviceName === svc.metadata?.name)) queue.add(keyOf(sns, c.metadata.name));
      }
    },
  });
  // cert-manager's Certificates the configs own (certManager issuer): a hand edit or a deletion brings
  // the owner back at once. Only where cert-manager's CRDs are served, else the watch would fail forever.
  const certificates = (await servesCertificates(clients, ns, logger))
    ? new RestartingInformer<Certificate & KubernetesObject>({
        name: 'certificates',
        kubeConfig: opts.kubeConfig,
        path: `/apis/${CERT_MANAGER_GROUP}/${CERT_MANAGER_VERSION}${prefix}/${CERTIFICATES}`,
        labelSelector: MANAGED_SELECTOR,
        list: (ns
          ? () => clients.custom.listNamespacedCustomObject({ group: CERT_MANAGER_GROUP, version: CERT_MANAGER_VERSION, namespace: ns, plural: CERTIFICATES, labelSelector: MANAGED_SELECTOR })
          : () => clients.custom.listClusterCustomObject({ group: CERT_MANAGER_GROUP, version: CERT_MANAGER_VERSION, plural: CERTIFICATES, labelSelector: MANAGED_SELECTOR })) as Lister<Certificate & KubernetesObject>,
        logger,
        restartMaxMs: opts.watchRestartMaxMs,
        onEvent: (_event, c) => {
          for (const ref of c.metadata?.ownerReferences ?? []) {
            if (ref.kind === 'HonoTlsConfig' && ref.apiVersion.startsWith(`${GROUP}/`)) queue.add(keyOf(c.metadata!.namespace!, ref.name));
          }
        },
      })
    : undefined;
  const informers = [configs, secrets, deployments, services, ...(certificates ? [certificates] : [])];

  const unhealthyAfterMs = opts.unhealthyAfterMs ?? 2 * 60_000;
  let isReady = false;
  const endpoints: Endpoint[] = [];
  const health = {
    healthy: () => informers.map((i) => i.health(unhealthyAfterMs)).find((h) => !h.ok) ?? { ok: true },
    // A follower is ready too: with 2 replicas and a rolling update, both must become Ready.
    ready: () => (isReady ? { ok: true } : { ok: false, message: 'informers have not listed yet' }),
  };
  let metricsUrl: string | undefined;
  let healthUrl: string | undefined;
  if (opts.healthPort !== undefined && opts.healthPort === opts.metricsPort && opts.healthPort !== 0) {
    const e = await serve({ host: opts.bindHost, port: opts.healthPort }, { health, registry: metrics.registry });
    endpoints.push(e);
    metricsUrl = healthUrl = e.url;
  } else {
    if (opts.metricsPort !== undefined) {
      const e = await serve({ host: opts.bindHost, port: opts.metricsPort }, { registry: metrics.registry });
      endpoints.push(e);
      metricsUrl = e.url;
    }
    if (opts.healthPort !== undefined) {
      const e = await serve({ host: opts.bindHost, port: opts.healthPort }, { health });
      endpoints.push(e);
      healthUrl = e.url;
    }
  }

  // Deployments and Secrets first, so the first config events find their caches filled.
  deployments.start();
  secrets.start();
  services.start();
  certificates?.start();
  const ready = Promise.all([deployments.synced, secrets.synced, services.synced, ...(certificates ? [certificates.synced] : [])]).then(async () => {
    configs.start();
    await configs.synced;
    isReady = true;
    logger.info('informers synced', { namespace: ns ?? '(all)' });
    // Candidates only with warm caches, so a new leader starts from a full picture.
    elector?.start();
  });

  const resyncMs = opts.resyncMs ?? 10 * 60_000;
  const resync = setInterval(() => {
    for (const c of configs.cache.list()) queue.add(keyOf(c.metadata.namespace, c.metadata.name));
  }, resyncMs);
  resync.unref();

  let stopping: Promise<void> | undefined;
  return {
    ready,
    metricsUrl,
    healthUrl,
    metrics,
    idle: () => queue.idle(),
    isLeader: () => elector?.isLeader ?? true,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(resync);
        await Promise.all([...informers.map((i) => i.stop()), referenced.stopAll()]);
        await queue.shutdown();
        // After the last write: the next leader may start at once.
        await elector?.stop();
        await Promise.all(endpoints.map((e) => e.close()));
        logger.info('operator stopped');
      })()),
  };
}

/** Whether the cluster serves cert-manager's Certificates (a 404 means its CRDs are not installed). */
async function servesCertificates(clients: KubeClients, ns: string | undefined, logger: Logger): Promise<boolean> {
  const q = { group: CERT_MANAGER_GROUP, version: CERT_MANAGER_VERSION, plural: CERTIFICATES, limit: 1 };
  try {
    await (ns ? clients.custom.listNamespacedCustomObject({ ...q, namespace: ns }) : clients.custom.listClusterCustomObject(q));
    return true;
  } catch (err) {
    if (isNotFound(err)) logger.info('cert-manager is not installed: Certificates are not watched, and spec.issuer.certManager reports CertManagerNotInstalled');
    // Unwatched, certManager configs still converge on the periodic resync.
    else logger.warn('cannot list cert-manager Certificates: they are not watched (restart the operator once this is fixed)', { error: describeError(err) });
    return false;
  }
}
