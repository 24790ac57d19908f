// client-node's informer relists on 410 but STOPS on any other error, and a watch can fail
// silently: this wrapper restarts it with backoff and reports whether it synced and is healthy.
import { ListWatch, Watch, type Informer, type KubeConfig, type KubernetesObject, type ListPromise, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from '../runtime/logger.js';

export type ObjectEvent = 'add' | 'update' | 'delete';

export interface WatchOptions<T extends KubernetesObject> {
  name: string;
  kubeConfig: KubeConfig;
  path: string;
  list: ListPromise<T>;
  labelSelector?: string;
  /** e.g. metadata.name=x, to watch one object; the list function must apply it too. */
  fieldSelector?: string;
  logger: Logger;
  onEvent: (event: ObjectEvent, obj: T) => void;
  /** Restart delays after errors: base doubling up to max. */
  restartBaseMs?: number;
  restartMaxMs?: number;
}

export class RestartingInformer<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private stopped = false;
  private failures = 0;
  private failingSince: number | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private resolveSynced!: () => void;
  /** Resolves after the first successful list. */
  readonly synced: Promise<void>;
  private isSynced = false;

  constructor(private readonly opts: WatchOptions<T>) {
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    // What makeInformer builds, plus the field selector it does not pass on.
    this.informer = new ListWatch(opts.path, new Watch(opts.kubeConfig), opts.list, false, opts.labelSelector, opts.fieldSelector);
    this.informer.on('add', (o) => this.emit('add', o));
    this.informer.on('update', (o) => this.emit('update', o));
    this.informer.on('delete', (o) => this.emit('delete', o));
    this.informer.on('error', (err) => this.onError(err));
  }

  get cache(): ObjectCache<T> {
    return this.informer;
  }

  start(): void {
    this.stopped = false;
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  /** Unhealthy when it has been failing for longer than the allowed time. */
  health(maxFailingMs: number): { ok: boolean; message?: string } {
    if (this.failingSince !== undefined && Date.now() - this.failingSince > maxFailingMs) {
      return { ok: false, message: `informer ${this.opts.name} failing for ${Math.round((Date.now() - this.failingSince) / 1000)}s` };
    }
    return { ok: true };
  }

  get hasSynced(): boolean {
    return this.isSynced;
  }

  private emit(event: ObjectEvent, obj: T): void {
    try {
      this.opts.onEvent(event, obj);
    } catch (err) {
      this.opts.logger.error('event handler failed', { informer: this.opts.name, error: String(err) });
    }
  }

  private async attempt(): Promise<void> {
    const failuresBefore = this.failures;
    let errored = false;
    const onErr = () => (errored = true);
    this.informer.on('error', onErr);
    try {
      await this.informer.start();
    } catch (err) {
      errored = true;
      this.onError(err);
    } finally {
      this.informer.off('error', onErr);
    }
    // Healthy again only once a list and watch really started: client-node's 'connect' event fires
    // before the request, so it says nothing about the apiserver being reachable.
    if (!errored && !this.stopped && this.failures === failuresBefore) {
      this.failures = 0;
      this.failingSince = undefined;
      if (!this.isSynced) {
        this.isSynced = true;
        this.resolveSynced();
      }
    }
  }

  private onError(err: unknown): void {
    if (this.stopped) return;
    this.failures++;
    this.failingSince ??= Date.now();
    const base = this.opts.restartBaseMs ?? 500;
    const delay = Math.min(base * 2 ** (this.failures - 1), this.opts.restartMaxMs ?? 30_000);
    this.opts.logger.warn('watch failed, restarting', {
      informer: this.opts.name,
      error: describeError(err),
      restartInMs: delay,
    });
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) void this.attempt();
    }, delay);
    this.restartTimer.unref();
  }
}

export function describeError(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown; message?: unknown; body?: unknown };
    const code = e.code ?? e.statusCode;
    let msg = typeof e.message === 'string' ? e.message : String(err);
    // ApiException messages embed the whole response body; keep the status message only.
    if (typeof e.body === 'string') {
      try {
        const parsed = JSON.parse(e.body) as { message?: string };
        if (parsed.message) msg = parsed.message;
      } catch {
        // body is not JSON
      }
    }
    if (msg.length > 500) msg = `${msg.slice(0, 500)}...`;
    return code !== undefined ? `${String(code)}: ${msg}` : msg;
  }
  return String(err);
}
