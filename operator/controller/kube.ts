// The API clients a reconcile uses, with timing so reports can split API time from crypto time.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, ServerConfiguration, createConfiguration, type KubeConfig, type Middleware } from '@kubernetes/client-node';
import type { WriteGate } from '../runtime/write-gate.js';

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
}

/** The clients reconciles use; with a gate, every request but a GET waits for it (leader, rate limit). */
export function makeClients(kubeConfig: KubeConfig, gate?: WriteGate): KubeClients {
  if (!gate) {
    return { core: kubeConfig.makeApiClient(CoreV1Api), apps: kubeConfig.makeApiClient(AppsV1Api), custom: kubeConfig.makeApiClient(CustomObjectsApi) };
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const gated: Middleware = {
    pre: async (req) => {
      if (req.getHttpMethod() !== 'GET') await gate.admit();
      return req;
    },
    post: async (res) => res,
  };
  // What kubeConfig.makeApiClient builds, plus the middleware (per-call options append to it).
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [gated],
  });
  return { core: new CoreV1Api(configuration), apps: new AppsV1Api(configuration), custom: new CustomObjectsApi(configuration) };
}

export function statusCode(err: unknown): number | undefined {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown };
    const c = e.code ?? e.statusCode;
    if (typeof c === 'number') return c;
  }
  return undefined;
}

/** The apiserver refused the request itself (4xx): retrying the same request cannot help. */
export function isRejection(err: unknown): boolean {
  const code = statusCode(err);
  return code !== undefined && code >= 400 && code < 500 && code !== 429;
}

/** The apiserver's message of a failed request (a Status body), shortened. */
export function statusMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  try {
    const status = typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined);
    return (status?.message ?? '').slice(0, 400);
  } catch {
    return '';
  }
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isConflict = (err: unknown): boolean => statusCode(err) === 409;

/** Returns undefined on 404 instead of throwing. */
export async function readOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Time spent in API calls and in issuing (key generation and signing) during one reconcile.
 * `apiMs`/`issueMs` sum every call (parallel calls add up); `apiWallMs`/`issueWallMs` count the
 * wall time during which at least one such call was in flight.
 */
export class Timings {
  private readonly started = performance.now();
  private readonly apiSpans: [number, number][] = [];
  private readonly issueSpans: [number, number][] = [];
  apiMs = 0;
  issueMs = 0;
  apiCalls = 0;

  /** Wall time since the reconcile started. */
  get wallMs(): number {
    return performance.now() - this.started;
  }
  get apiWallMs(): number {
    return unionMs(this.apiSpans);
  }
  get issueWallMs(): number {
    return unionMs(this.issueSpans);
  }

  async api<T>(fn: () => Promise<T>): Promise<T> {
    this.apiCalls++;
    return this.timed(fn, this.apiSpans, (ms) => (this.apiMs += ms));
  }

  async issue<T>(fn: () => Promise<T>): Promise<T> {
    return this.timed(fn, this.issueSpans, (ms) => (this.issueMs += ms));
  }

  private async timed<T>(fn: () => Promise<T>, spans: [number, number][], add: (ms: number) => void): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      const end = performance.now();
      spans.push([t, end]);
      add(end - t);
    }
  }
}

function unionMs(spans: [number, number][]): number {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const [s, e] of sorted) {
    if (!cur || s > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [s, e];
    } else cur[1] = Math.max(cur[1], e);
  }
  return total + (cur ? cur[1] - cur[0] : 0);
}
