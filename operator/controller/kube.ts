// The API clients a reconcile uses, with timing so reports can split API time from crypto time.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
}

export function makeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
  };
}

export function statusCode(err: unknown): number | undefined {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown };
    const c = e.code ?? e.statusCode;
    if (typeof c === 'number') return c;
  }
  return undefined;
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

/** Accumulates wall time of API calls and of issuing, per reconcile. */
export class Timings {
  private readonly started = performance.now();
  apiMs = 0;
  issueMs = 0;
  apiCalls = 0;
  /** Wall time since the reconcile started. */
  get wallMs(): number {
    return performance.now() - this.started;
  }
  async api<T>(fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    this.apiCalls++;
    try {
      return await fn();
    } finally {
      this.apiMs += performance.now() - t;
    }
  }
  async issue<T>(fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.issueMs += performance.now() - t;
    }
  }
}
