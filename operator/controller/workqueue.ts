// A keyed work queue like client-go's: a key is queued at most once, one handler runs per key
// at a time (an add during processing re-queues it afterwards), failures back off
// exponentially per key up to a cap, and delayed adds keep only the earliest wake-up.

export interface HandlerResult {
  /** Run again after this long even on success (e.g. the earliest renewal time). */
  requeueAfterMs?: number;
  /** Something is missing or failed without throwing: back off and retry. */
  retry?: boolean;
}

export interface WorkQueueOptions {
  concurrency: number;
  baseDelayMs: number;
  maxDelayMs: number;
  handler: (key: string) => Promise<HandlerResult | void>;
  /** Called with each outcome, for metrics and logs. */
  onDone?: (key: string, outcome: { result: 'success' | 'error' | 'requeue'; seconds: number; error?: unknown }) => void;
  /** Where an onDone error goes (it must not break the queue, nor vanish); default: a process warning. */
  onObserverError?: (key: string, error: unknown) => void;
  /** Start paused: keys are collected but not handled until resume() (a replica that is not the leader). */
  paused?: boolean;
  /** Sees what client-go's workqueue metrics count (operator/runtime/metrics.ts names them alike). */
  observer?: QueueObserver;
  /** Monotonic milliseconds (default performance.now), for the observer's durations. */
  now?: () => number;
}

export interface QueueObserver {
  added(depth: number): void;
  /** A key left the queue for a handler after waiting this long. */
  started(queuedSeconds: number, depth: number): void;
  finished(workSeconds: number): void;
  /** A failure put the key back with backoff. */
  retried(): void;
}

// setTimeout's longest delay; longer requeues wake up early and are simply recomputed.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly idleWaiters: (() => void)[] = [];
  private active = 0;
  private stopped = false;
  private paused: boolean;
  private readonly addedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly opts: WorkQueueOptions) {
    this.paused = opts.paused ?? false;
    this.now = opts.now ?? (() => performance.now());
  }

  /** How long each running handler has run, in seconds (unfinished work). */
  runningSeconds(): number[] {
    const t = this.now();
    return [...this.startedAt.values()].map((s) => (t - s) / 1000);
  }

  /** Starts no new handler until resume(); running ones finish. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.addedAt.set(key, this.now());
    this.opts.observer?.added(this.queue.length);
    this.pump();
  }

  /** Adds the key after a delay; an earlier pending wake-up for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, Math.min(delayMs, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Exponential backoff for the key's n-th consecutive failure. */
  backoffMs(key: string): number {
    const n = this.failures.get(key) ?? 0;
    return Math.min(this.opts.baseDelayMs * 2 ** Math.max(0, n - 1), this.opts.maxDelayMs);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Forgets a deleted key: its timers and failure count. */
  forget(key: string): void {
    this.failures.delete(key);
    const t = this.timers.get(key);
    if (t) clearTimeout(t.timer);
    this.timers.delete(key);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or running (timers may still be pending). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work, clears timers and waits for running handlers. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.addedAt.clear();
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && !this.paused && this.active < this.opts.concurrency && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      const t = this.now();
      this.opts.observer?.started((t - (this.addedAt.get(key) ?? t)) / 1000, this.queue.length);
      this.addedAt.delete(key);
      this.startedAt.set(key, t);
      this.processing.add(key);
      this.active++;
      void this.run(key);
    }
    if (this.active === 0 && this.queue.length === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async run(key: string): Promise<void> {
    const started = process.hrtime.bigint();
    let outcome: { result: 'success' | 'error' | 'requeue'; error?: unknown };
    let next: { delayMs: number; backoff: boolean } | undefined;
    try {
      const r = (await this.opts.handler(key)) ?? {};
      if (r.retry) {
        this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
        next = { delayMs: this.backoffMs(key), backoff: true };
        outcome = { result: 'requeue' };
      } else {
        this.failures.delete(key);
        outcome = { result: 'success' };
        // A success supersedes earlier backoff timers.
        const t = this.timers.get(key);
        if (t) clearTimeout(t.timer);
        this.timers.delete(key);
      }
      if (r.requeueAfterMs !== undefined && (!next || r.requeueAfterMs < next.delayMs)) {
        next = { delayMs: r.requeueAfterMs, backoff: false };
      }
    } catch (error) {
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
      next = { delayMs: this.backoffMs(key), backoff: true };
      outcome = { result: 'error', error };
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.startedAt.delete(key);
    this.opts.observer?.finished(seconds);
    if (next?.backoff) this.opts.observer?.retried();
    this.processing.delete(key);
    this.active--;
    try {
      this.opts.onDone?.(key, { ...outcome, seconds });
    } catch (error) {
      // Observers must not break the queue, and their errors must not vanish.
      if (this.opts.onObserverError) this.opts.onObserverError(key, error);
      else process.emitWarning(`work queue observer failed for ${key}: ${String(error)}`);
    }
    if (next) this.addAfter(key, next.delayMs);
    if (this.dirty.delete(key)) this.add(key);
    this.pump();
  }
}
