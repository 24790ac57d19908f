// The operator-wide cap on rollouts (--max-concurrent-rollouts): each config holds the Deployments
// it rolled and has not yet seen complete. Admission is synchronous (read slots, decide, hold), so
// parallel reconciles never exceed the cap. After a restart each config re-holds its rolled and
// incomplete Deployments (from its persisted state) when it reconciles.
export const DEFAULT_MAX_CONCURRENT_ROLLOUTS = 10;
export const DEFAULT_ROLLOUT_TIMEOUT_MS = 10 * 60_000;

export class RolloutGate {
  private readonly held = new Map<string, Set<string>>();

  constructor(readonly cap: number = DEFAULT_MAX_CONCURRENT_ROLLOUTS) {}

  /** Rollouts the config may have in flight: the cap minus what the other configs hold. */
  slotsFor(configKey: string): number {
    let others = 0;
    for (const [k, s] of this.held) if (k !== configKey) others += s.size;
    return Math.max(0, this.cap - others);
  }

  hold(configKey: string, deployments: string[]): void {
    if (deployments.length) this.held.set(configKey, new Set(deployments));
    else this.held.delete(configKey);
  }

  release(configKey: string): void {
    this.held.delete(configKey);
  }

  /** Deployments in flight operator-wide (for metrics and tests). */
  get inFlight(): number {
    let n = 0;
    for (const s of this.held.values()) n += s.size;
    return n;
  }
}
