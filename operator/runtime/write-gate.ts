// Every API write of the operator passes here (a client middleware, see controller/kube.ts): only
// the leader writes, and a global token bucket (client-go's QPS/burst) spreads bursts of writes.

/** A token bucket: `burst` writes at once, then `qps` a second. Time comes from `now` (ms), so tests drive it. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(qps > 0)) throw new Error(`token bucket: qps must be positive, got ${qps}`);
    if (!(burst >= 1)) throw new Error(`token bucket: burst must be at least 1, got ${burst}`);
    this.tokens = burst;
    this.last = now();
  }

  /** Takes a token and returns how long the caller must wait before using it (0: at once). */
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.qps) / 1000);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }
}

export class NotLeaderError extends Error {
  readonly code = 'NotLeader';
  constructor(reason: string) {
    super(`write refused: ${reason}`);
  }
}

export interface WriteGateOptions {
  /** undefined: no limit. */
  bucket?: TokenBucket;
  /** Whether writes are allowed now (leader election); undefined: always. */
  allowed?: () => { ok: boolean; reason?: string };
  /** Sees each admitted write and the time it waited for a token. */
  onWrite?: (waitedMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export class WriteGate {
  constructor(private readonly opts: WriteGateOptions = {}) {}

  /** Resolves when the write may go out; throws NotLeaderError when it must not. */
  async admit(): Promise<void> {
    this.check();
    const waitMs = this.opts.bucket?.reserve() ?? 0;
    if (waitMs > 0) {
      await (this.opts.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))))(waitMs);
      // Leadership may have ended while this write waited.
      this.check();
    }
    this.opts.onWrite?.(waitMs);
  }

  private check(): void {
    const a = this.opts.allowed?.();
    if (a && !a.ok) throw new NotLeaderError(a.reason ?? 'not allowed');
  }
}
