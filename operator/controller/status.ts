// Status through the status subresource: Ready with a reason, observedGeneration, per-component
// state, the CA. Written only when it differs from what is stored. The conditions follow kstatus
// (what Flux, Argo CD and kubectl wait read): Ready, and Reconciling or Stalled while not Ready.
import { isDeepStrictEqual } from 'node:util';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type ComponentStatus, type Condition, type HonoTlsConfigStatus } from '../api/v1alpha1.js';
import type { ReconcileContext } from './context.js';
import { removeCondition, setCondition } from './conditions.js';
import type { Failure } from './context.js';

/** The CRD also carries `issuer` (printer column). */
export type Status = HonoTlsConfigStatus & { issuer?: string };

export interface ReadySummary {
  ready: boolean;
  reason: string;
  message: string;
  /** Not ready, and nothing changes that until the user does (kstatus Stalled, else Reconciling). */
  stalled?: { reason: string; message: string };
}

/**
 * Failures only a change by the user resolves: the spec (retry false), or an object the user
 * owns that the operator will not touch. The rest are worked through (a Deployment or Service not
 * created yet, material on its way, transient API errors): Reconciling.
 */
const NEEDS_USER_CHANGE = new Set([
  'IssuerNotImplemented',
  'CaSecretInvalid',
  'CaSecretConflict',
  'PasswordSecretInvalid',
  'PasswordSecretConflict',
  'SecretConflict',
  'ContainerMissing',
  'DeploymentConflict',
  'DeploymentNotOptedIn',
  'DeploymentRejected',
  'WiringDrift',
]);

export function needsUserChange(f: Failure): boolean {
  return !f.retry || NEEDS_USER_CHANGE.has(f.reason);
}

export function buildStatus(
  ctx: ReconcileContext,
  parts: { issuer?: string; ca?: Status['ca']; components: ComponentStatus[]; ready: ReadySummary },
): Status {
  const previous = ctx.config.status as Status | undefined;
  const generation = ctx.config.metadata.generation;
  const notAfters = parts.components.map((c) => c.notAfter).filter((x): x is string => !!x).sort();
  const status: Status = {
    observedGeneration: generation,
    ...(parts.issuer ? { issuer: parts.issuer } : {}),
    conditions: kstatusConditions(previous?.conditions, parts.ready, generation, ctx.clock.now()),
    ...(parts.ca ? { ca: parts.ca } : {}),
    components: parts.components,
    ...(notAfters.length ? { earliestNotAfter: notAfters[0] } : {}),
  };
  return JSON.parse(JSON.stringify(status)) as Status;
}

/** Ready, plus Stalled (cannot be satisfied without a user change) or Reconciling (being worked through) while not Ready. */
function kstatusConditions(previous: Condition[] | undefined, ready: ReadySummary, generation: number | undefined, now: Date): Condition[] {
  let conditions = setCondition(
    previous,
    { type: 'Ready', status: ready.ready ? 'True' : 'False', reason: ready.reason, message: ready.message, observedGeneration: generation },
    now,
  );
  const stalled = !ready.ready && ready.stalled;
  conditions = stalled
    ? setCondition(conditions, { type: 'Stalled', status: 'True', reason: stalled.reason, message: stalled.message, observedGeneration: generation }, now)
    : removeCondition(conditions, 'Stalled');
  conditions =
    !ready.ready && !stalled
      ? setCondition(conditions, { type: 'Reconciling', status: 'True', reason: ready.reason, message: ready.message, observedGeneration: generation }, now)
      : removeCondition(conditions, 'Reconciling');
  return conditions;
}

/** Writes the status when it changed; returns whether it wrote. */
export async function writeStatus(ctx: ReconcileContext, status: Status): Promise<boolean> {
  const current = JSON.parse(JSON.stringify(ctx.config.status ?? {})) as Status;
  if (isDeepStrictEqual(current, status)) return false;
  const { name, namespace } = ctx.config.metadata;
  await ctx.timings.api(() =>
    ctx.clients.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: [{ op: 'add', path: '/status', value: status }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    ),
  );
  return true;
}
