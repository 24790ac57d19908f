// What every reconcile step gets: clients, the config being reconciled, time, logs, events.
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../api/v1alpha1.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { EventRecorder } from './events.js';
import type { FAILURE_REASONS } from './failures.js';
import type { KubeClients, Timings } from './kube.js';
import type { ObjectReader } from './reader.js';
import type { ReissueLimits } from './reissue-guard.js';

export interface ReconcileContext {
  clients: KubeClients;
  /** Reads of Secrets, Deployments and Services: informer caches where they exist. */
  read: ObjectReader;
  config: HonoTlsConfig;
  clock: Clock;
  logger: Logger;
  events: EventRecorder;
  timings: Timings;
  /** How often a component may be re-issued (default DEFAULT_REISSUE_LIMITS). */
  reissueLimits?: ReissueLimits;
}

/**
 * A step that could not finish: a reason for status (CamelCase) and a message for people. The
 * reason is one of FAILURE_REASONS (so each has a README row and a test row), or MaterialNotReady,
 * which only stands in for a component's own failure.
 */
export interface Failure {
  reason: (typeof FAILURE_REASONS)[number] | 'MaterialNotReady';
  message: string;
  /** Retry with backoff (something may appear); false waits for a spec change. */
  retry: boolean;
}

export function ownerReference(config: HonoTlsConfig): V1OwnerReference {
  return {
    apiVersion: config.apiVersion,
    kind: config.kind,
    name: config.metadata.name,
    uid: config.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isOwnedBy(obj: { metadata?: { ownerReferences?: V1OwnerReference[] } }, config: HonoTlsConfig): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((r) => r.uid === config.metadata.uid);
}

/** Secret data (base64 strings) to Buffers and back. */
export function decodeData(data: Record<string, string> | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, 'base64');
  return out;
}

export function encodeData(data: Record<string, Buffer>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(data).sort()) out[k] = data[k]!.toString('base64');
  return out;
}

/** Timestamps in status: RFC 3339 without milliseconds, like the apiserver writes them. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
