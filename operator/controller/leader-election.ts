// Leader election on a coordination.k8s.io/v1 Lease, the protocol of client-go's leaderelection:
// candidates try every retry period; the holder renews, and gives up leading once it has not renewed
// for the renew deadline, which is shorter than the lease duration others wait before taking over.
// Expiry is judged by the local clock from when a candidate last saw the record change, never by
// the record's timestamps, so clock skew between replicas does not matter.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../runtime/logger.js';
import { describeError as describe } from './informers.js';

export interface LeaderElectionConfig {
  /** The Lease's name and namespace. */
  name: string;
  namespace: string;
  /** This candidate (pod name plus a random suffix). */
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_LEASE_TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

/** Checks client-go's rules: lease duration > renew deadline > retry period (> 0). */
export function validateLeaseTiming(c: Pick<LeaderElectionConfig, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>): void {
  if (!(c.retryPeriodMs > 0)) throw new Error('--leader-election-retry-period must be positive');
  if (!(c.renewDeadlineMs > c.retryPeriodMs)) throw new Error('--leader-election-renew-deadline must be longer than --leader-election-retry-period');
  if (!(c.leaseDurationMs > c.renewDeadlineMs)) throw new Error('--leader-election-lease-duration must be longer than --leader-election-renew-deadline');
}

/** The part of a Lease the decision needs, and when this candidate first saw it so (local ms). */
export interface Observed {
  holder: string;
  renewTime: string;
  leaseDurationMs: number;
  observedAt: number;
}

/** May `identity` write itself into the Lease now? Pure, so the rules are unit-tested. */
export function mayTake(observed: Observed | undefined, identity: string, now: number): boolean {
  if (!observed || observed.holder === '' || observed.holder === identity) return true;
  return now >= observed.observedAt + observed.leaseDurationMs;
}

/** The record as last seen, updated when it changed (a renewal or a new holder). */
export function observe(previous: Observed | undefined, lease: V1Lease, now: number): Observed {
  const holder = lease.spec?.holderIdentity ?? '';
  const renewTime = lease.spec?.renewTime ? new Date(lease.spec.renewTime).toISOString() : '';
  const leaseDurationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
  if (previous && previous.holder === holder && previous.renewTime === renewTime && previous.leaseDurationMs === leaseDurationMs) return previous;
  return { holder, renewTime, leaseDurationMs, observedAt: now };
}

/**
 * When a candidate asks next: every retry period, but at the moment the observed lease expires
 * when that comes sooner. A candidate sees each renewal within one retry period, so it takes over
 * at most one retry period (plus a request) after the lease duration has passed since the last renewal.
 */
export function nextAttemptMs(observed: Observed | undefined, retryPeriodMs: number, now: number): number {
  if (!observed || observed.holder === '') return retryPeriodMs;
  const untilExpiry = observed.observedAt + observed.leaseDurationMs - now;
  return untilExpiry > 0 && untilExpiry < retryPeriodMs ? untilExpiry : retryPeriodMs;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  /** Leading ended (renew deadline passed, or the Lease shows another holder). Not called on stop(). */
  onStoppedLeading(reason: string): void;
}

const statusCode = (e: unknown) => (e as { code?: number } | undefined)?.code;

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private observed: Observed | undefined;
  private leading = false;
  /** Local time the last successful renewal was SENT: others cannot expire it earlier. */
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private inFlight: Promise<void> | undefined;
  /** Counts attempts, so the late answer of one that timed out changes nothing. */
  private attempts = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly cfg: LeaderElectionConfig,
    private readonly logger: Logger,
    private readonly callbacks: LeaderCallbacks,
    private readonly now: () => number = () => performance.now(),
  ) {
    validateLeaseTiming(cfg);
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    // Also judged here, not only by the deadline timer: a blocked event loop must not keep us leading.
    return this.leading && this.now() - this.renewedAt < this.cfg.renewDeadlineMs;
  }

  start(): void {
    this.stopped = false;
    this.tick();
  }

  /** Stops trying; a leader releases the Lease so another replica takes over at its next retry. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadlineTimer);
    await this.inFlight;
    const wasLeader = this.isLeader;
    this.leading = false;
    if (release && wasLeader) {
      try {
        const lease = await this.api.readNamespacedLease({ name: this.cfg.name, namespace: this.cfg.namespace });
        if (lease.spec?.holderIdentity === this.cfg.identity) {
          lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime(Date.now()) };
          await this.api.replaceNamespacedLease({ name: this.cfg.name, namespace: this.cfg.namespace, body: lease });
          this.logger.info('leader lease released', { lease: `${this.cfg.namespace}/${this.cfg.name}` });
        }
      } catch (err) {
        this.logger.warn('could not release the leader lease', { error: describe(err) });
      }
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.inFlight = this.attempt().finally(() => {
      this.inFlight = undefined;
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), nextAttemptMs(this.leading ? undefined : this.observed, this.cfg.retryPeriodMs, this.now()));
    });
  }

  private async attempt(): Promise<void> {
    const sentAt = this.now();
    let ok = false;
    let timer: NodeJS.Timeout | undefined;
    // A request that never answers (a dropped connection) must not stop the loop: a candidate that
    // stops asking never takes over. A late answer is dropped; the next attempt reads the Lease again.
    const timeoutMs = Math.max(this.cfg.retryPeriodMs, this.cfg.renewDeadlineMs / 2);
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      ok = await Promise.race([this.tryAcquireOrRenew(sentAt, ++this.attempts), timedOut]);
    } catch (err) {
      this.logger.warn(this.leading ? 'leader lease renewal failed' : 'leader lease check failed', { error: describe(err) });
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) return;
    if (ok) {
      this.renewedAt = sentAt;
      this.armDeadline();
      if (!this.leading) {
        this.leading = true;
        this.logger.info('became leader', { lease: `${this.cfg.namespace}/${this.cfg.name}`, identity: this.cfg.identity });
        this.callbacks.onStartedLeading();
      }
    } else if (this.leading && this.observed && this.observed.holder !== this.cfg.identity) {
      this.lose(`the lease is held by ${this.observed.holder || '(nobody)'}`);
    }
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const left = this.renewedAt + this.cfg.renewDeadlineMs - this.now();
    this.deadlineTimer = setTimeout(() => {
      if (!this.leading) return;
      // Timers may fire a little early by performance.now(): then wait the rest.
      if (this.isLeader) this.armDeadline();
      else this.lose(`not renewed within the renew deadline (${this.cfg.renewDeadlineMs} ms)`);
    }, Math.max(1, Math.ceil(left)));
  }

  private lose(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.deadlineTimer);
    this.logger.error('leadership lost', { lease: `${this.cfg.namespace}/${this.cfg.name}`, reason });
    this.callbacks.onStoppedLeading(reason);
  }

  private async tryAcquireOrRenew(now: number, attempt: number): Promise<boolean> {
    const { name, namespace, identity } = this.cfg;
    const current = () => attempt === this.attempts;
    const durationSeconds = Math.ceil(this.cfg.leaseDurationMs / 1000);
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      const t = new V1MicroTime(Date.now());
      const body: V1Lease = {
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: t, renewTime: t, leaseTransitions: 0 },
      };
      try {
        const created = await this.api.createNamespacedLease({ namespace, body });
        if (!current()) return false;
        this.observed = observe(undefined, created, now);
        return true;
      } catch (e) {
        if (statusCode(e) === 409) return false; // another candidate created it first
        throw e;
      }
    }
    if (!current()) return false;
    this.observed = observe(this.observed, lease, now);
    if (!mayTake(this.observed, identity, now)) return false;
    const mine = this.observed.holder === identity;
    const t = new V1MicroTime(Date.now());
    lease.spec = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: t,
      acquireTime: mine ? lease.spec?.acquireTime : t,
      leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      // The read's resourceVersion makes this a compare-and-swap: a concurrent writer gets 409.
      const updated = await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      if (!current()) return false;
      this.observed = observe(this.observed, updated, now);
      return true;
    } catch (e) {
      if (statusCode(e) === 409) return false;
      throw e;
    }
  }
}
