// prom-client metrics on a private Registry, named like controller-runtime's and cert-manager's.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// controller-runtime's: 10 ns to 1000 s, by factors of 10.
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 10e-9 * 10 ** i);

export type ReconcileResult = 'success' | 'error' | 'requeue';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'hono_tls_reconcile_total',
    help: 'Reconciles by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'hono_tls_reconcile_time_seconds',
    help: 'Time per reconcile.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly certificateExpiration = new Gauge({
    name: 'hono_tls_certificate_expiration_timestamp_seconds',
    help: 'notAfter of each component certificate, seconds since the epoch.',
    labelNames: ['namespace', 'config', 'component'] as const,
    registers: [this.registry],
  });
  readonly caExpiration = new Gauge({
    name: 'hono_tls_ca_expiration_timestamp_seconds',
    help: 'notAfter of the CA that signs each config\'s leaves, seconds since the epoch.',
    labelNames: ['namespace', 'config'] as const,
    registers: [this.registry],
  });
  readonly rolloutsInFlight = new Gauge({
    name: 'hono_tls_rollouts_in_flight',
    help: 'Deployments the operator rolled for renewals and rotations and has not yet seen complete (capped by --max-concurrent-rollouts).',
    registers: [this.registry],
  });
  readonly issueSeconds = new Counter({
    name: 'hono_tls_issue_seconds_total',
    help: 'Time spent issuing certificates (key generation and signing), summed over parallel issues.',
    registers: [this.registry],
  });
  readonly apiSeconds = new Counter({
    name: 'hono_tls_api_seconds_total',
    help: 'Time spent in Kubernetes API calls made by reconciles, summed over parallel calls.',
    registers: [this.registry],
  });

  readonly leader = new Gauge({
    name: 'hono_tls_leader',
    help: '1 while this replica holds the leader Lease (or runs without leader election), else 0.',
    registers: [this.registry],
  });
  readonly apiWrites = new Counter({
    name: 'hono_tls_api_writes_total',
    help: 'API writes (every request but GET) the operator sent, Events included.',
    registers: [this.registry],
  });
  readonly writeThrottleSeconds = new Counter({
    name: 'hono_tls_api_write_throttle_seconds_total',
    help: 'Time writes waited for the write rate limit (--write-qps, --write-burst), summed over writes.',
    registers: [this.registry],
  });

  // The work queue, named and bucketed as client-go / controller-runtime name theirs.
  readonly queueDepth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'] as const, registers: [this.registry] });
  readonly queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'] as const, registers: [this.registry] });
  readonly queueLatency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested',
    labelNames: ['name'] as const,
    buckets: QUEUE_BUCKETS,
    registers: [this.registry],
  });
  readonly queueWork = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes',
    labelNames: ['name'] as const,
    buckets: QUEUE_BUCKETS,
    registers: [this.registry],
  });
  readonly queueRetries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'] as const, registers: [this.registry] });
  private readonly running = new Map<string, () => number[]>();
  readonly queueUnfinished = new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help: 'How many seconds of work has been done that is in progress and hasn\'t been observed by work_duration.',
    labelNames: ['name'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [name, secs] of this.running) this.queueUnfinished.set({ name }, secs().reduce((a, b) => a + b, 0));
    },
  });
  readonly queueLongest = new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'How many seconds has the longest running processor for workqueue been running.',
    labelNames: ['name'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [name, secs] of this.running) this.queueLongest.set({ name }, Math.max(0, ...secs()));
    },
  });

  /** The observer a work queue called `name` reports to; `running` gives its handlers' ages at scrape time. */
  queueObserver(name: string, running: () => number[]) {
    this.running.set(name, running);
    for (const m of [this.queueAdds, this.queueRetries]) m.inc({ name }, 0);
    this.queueDepth.set({ name }, 0);
    return {
      added: (depth: number) => {
        this.queueAdds.inc({ name });
        this.queueDepth.set({ name }, depth);
      },
      started: (queuedSeconds: number, depth: number) => {
        this.queueLatency.observe({ name }, queuedSeconds);
        this.queueDepth.set({ name }, depth);
      },
      finished: (workSeconds: number) => this.queueWork.observe({ name }, workSeconds),
      retried: () => this.queueRetries.inc({ name }),
    };
  }

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Sets (or with undefined removes) the CA expiry gauge of one config. */
  setCaExpiry(namespace: string, config: string, notAfter: Date | undefined): void {
    if (notAfter) this.caExpiration.set({ namespace, config }, notAfter.getTime() / 1000);
    else this.caExpiration.remove({ namespace, config });
  }

  private readonly expirySeries = new Map<string, Set<string>>();

  /** Sets the expiry gauges of one config; series of components no longer present go away. */
  setExpiries(namespace: string, config: string, expiries: { component: string; notAfter: Date }[]): void {
    const key = `${namespace}/${config}`;
    const previous = this.expirySeries.get(key) ?? new Set<string>();
    const current = new Set<string>();
    for (const e of expiries) {
      this.certificateExpiration.set({ namespace, config, component: e.component }, e.notAfter.getTime() / 1000);
      current.add(e.component);
    }
    for (const component of previous) {
      if (!current.has(component)) this.certificateExpiration.remove({ namespace, config, component });
    }
    if (current.size) this.expirySeries.set(key, current);
    else this.expirySeries.delete(key);
  }
}
