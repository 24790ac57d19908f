// The pure half of finishing a reconcile: from what the steps found, the status to write, the
// failures and warnings to report, the expiry gauges, and when to come back. The writers
// (status subresource, Events, metrics) live in reconciler.ts.
import type { ComponentStatus, Condition, HonoTlsConfig, LifecyclePhase, RotationStatus } from '../api/v1alpha1.js';
import type { Note } from '../lifecycle/decide.js';
import type { Plan } from '../plan/types.js';
import { isoSeconds, type Failure } from './context.js';
import { setCondition } from './conditions.js';
import { withKstatusConditions } from './kstatus.js';
import type { ComponentMaterial } from './secrets.js';
import type { Status } from './status.js';
import type { WiringOutcome } from './workloads.js';

export interface StepsDone {
  issuer: string;
  ca: { secretName?: string; fingerprint: string; notAfter: string };
  materials: ComponentMaterial[];
  wiring: WiringOutcome[];
  services: Map<string, Failure>;
  /** Ready stays True; each goes into its message and a Warning event. */
  warnings: Note[];
}

/** The lifecycle as this reconcile left it (undefined when an early step failed: the stored one stays). */
export interface LifecycleSummary {
  phase: LifecyclePhase;
  rotation?: RotationStatus;
  /** Rotating or Renewing: its reason (the rotation phase, RolloutStuck, RolloutCapReached) and message. */
  progress?: { type: 'Rotating' | 'Renewing'; reason: string; message: string };
  lastRenewToken?: string;
  lastRotateToken?: string;
  /** Trigger problems (InvalidTrigger, TriggerWaiting, RotateNeedsNewCa): Warning events, Ready's message. */
  notes: Note[];
  /** The CA is within its renewBefore. */
  caRenewalDue?: string;
}

export interface FinishPlan {
  status: Status;
  failures: { component?: string; failure: Failure }[];
  warnings: Note[];
  /** Leaf expiries to publish; undefined keeps the gauges as they are (an early step failed). */
  expiries?: { component: string; notAfter: Date }[];
  caNotAfter?: Date;
  requeueAfterMs?: number;
  retry: boolean;
}

/** While a rotation or renewal rolls, look again this often (Deployment events usually come first). */
export const PROGRESS_POLL_MS = 5000;

export function buildFinish(input: {
  config: HonoTlsConfig;
  plan: Plan | undefined;
  overall: Failure | undefined;
  done: StepsDone | undefined;
  lifecycle: LifecycleSummary | undefined;
  now: Date;
}): FinishPlan {
  const { config, plan, overall, done, now } = input;
  const previous = config.status as Status | undefined;
  const components: ComponentStatus[] = [];
  const failures: { component?: string; failure: Failure }[] = overall ? [{ failure: overall }] : [];
  for (const c of plan?.components ?? []) {
    const m = done?.materials.find((x) => x.component.name === c.name);
    const w = done?.wiring.find((x) => x.component === c.name);
    const own = m?.failure ?? w?.failure ?? done?.services.get(c.name);
    const failure = own ?? (overall && !m ? overall : undefined);
    if (own) failures.push({ component: c.name, failure: own });
    // When an early step failed, the material already in place stays: report it as it was.
    const kept = !done ? previous?.components?.find((x) => x.name === c.name && x.secretName === c.secretName) : undefined;
    components.push({
      name: c.name,
      secretName: c.secretName,
      ...(m?.leaf ? { notAfter: isoSeconds(m.leaf.notAfter), fingerprint: m.leaf.fingerprint } : {}),
      ...(kept?.notAfter ? { notAfter: kept.notAfter, fingerprint: kept.fingerprint } : {}),
      ...(c.workload ? { deployment: c.workload.deployment } : {}),
      deploymentWired: done ? !!w?.wired : !!kept?.deploymentWired && kept.deployment === c.workload?.deployment,
      ...(w?.materialDigest ? { materialDigest: w.materialDigest } : kept?.materialDigest ? { materialDigest: kept.materialDigest } : {}),
      ...(m?.certificate ? { certificate: m.certificate } : kept?.certificate ? { certificate: kept.certificate } : {}),
      ...(failure ? { reason: failure.reason, message: failure.message } : {}),
    });
  }
  const lc = input.lifecycle;
  const warnings = [...(done?.warnings ?? []), ...(lc?.notes ?? [])];
  const first = failures[0];
  const ready = first
    ? {
        status: 'False' as const,
        reason: first.failure.reason,
        message: failures.map((f) => (f.component ? `${f.component}: ${f.failure.message}` : f.failure.message)).join('; '),
      }
    : {
        status: 'True' as const,
        reason: 'Ready',
        message: [
          `${components.length} components issued and ${config.spec.wiring === 'verify' ? 'verified' : 'wired'}`,
          ...warnings.map((w) => `warning: ${w.reason}: ${w.message}`),
          ...(plan?.warnings ?? []).map((w) => `warning: ${w}`),
        ].join('; '),
      };
  const generation = config.metadata.generation;
  const cond = (conditions: Condition[] | undefined, c: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>) =>
    setCondition(conditions, { ...c, observedGeneration: generation }, now);
  let conditions = cond(previous?.conditions, { type: 'Ready', ...ready });
  // An early failure keeps the lifecycle's conditions and fields as stored: the rotation holds, it is not forgotten.
  if (lc) {
    const rotating = lc.progress?.type === 'Rotating' ? lc.progress : undefined;
    const renewing = lc.progress?.type === 'Renewing' ? lc.progress : undefined;
    conditions = cond(conditions, rotating ? { type: 'Rotating', status: 'True', reason: rotating.reason, message: rotating.message } : { type: 'Rotating', status: 'False', reason: 'Idle', message: 'no CA rotation runs' });
    conditions = cond(conditions, renewing ? { type: 'Renewing', status: 'True', reason: renewing.reason, message: renewing.message } : { type: 'Renewing', status: 'False', reason: 'Idle', message: 'no renewal runs' });
    conditions = cond(
      conditions,
      lc.caRenewalDue
        ? { type: 'CaRenewalDue', status: 'True', reason: 'CaWithinRenewBefore', message: lc.caRenewalDue }
        : { type: 'CaRenewalDue', status: 'False', reason: 'CaValid', message: 'the CA is not within its renewBefore' },
    );
  }
  // kstatus: Stalled or Reconciling from the failures; Reconciling too while a rotation or renewal rolls.
  conditions = withKstatusConditions(conditions, { failures, progress: lc?.progress, generation, now });
  const notAfters = components.map((c) => c.notAfter).filter((x): x is string => !!x).sort();
  const keep = <K extends keyof Status>(k: K) => (lc ? undefined : previous?.[k]);
  const status: Status = {
    observedGeneration: generation,
    // An early failure keeps the CA last reported: the material is still in place, and a lost CA
    // Secret is recognised by it (CaSecretMissing).
    ...((done?.issuer ?? previous?.issuer) ? { issuer: done?.issuer ?? previous?.issuer } : {}),
    conditions,
    ...((done?.ca ?? previous?.ca) ? { ca: done?.ca ?? previous?.ca } : {}),
    components,
    ...(notAfters.length ? { earliestNotAfter: notAfters[0] } : {}),
    ...((lc?.phase ?? keep('phase')) ? { phase: lc?.phase ?? keep('phase') } : {}),
    ...((lc?.lastRenewToken ?? previous?.lastRenewToken) ? { lastRenewToken: lc?.lastRenewToken ?? previous?.lastRenewToken } : {}),
    ...((lc?.lastRotateToken ?? previous?.lastRotateToken) ? { lastRotateToken: lc?.lastRotateToken ?? previous?.lastRotateToken } : {}),
    ...((lc ? lc.rotation : previous?.rotation) ? { rotation: lc ? lc.rotation : previous?.rotation } : {}),
  };

  const leaves = (done?.materials ?? []).filter((m) => m.leaf);
  const renewAt = Math.min(...leaves.map((m) => m.leaf!.renewAt.getTime()), ...(done?.materials ?? []).map((m) => m.retryAt?.getTime() ?? Infinity));
  let requeueAfterMs = Number.isFinite(renewAt) ? Math.max(1000, renewAt - now.getTime()) : undefined;
  if (lc?.progress) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, PROGRESS_POLL_MS);
  return {
    status: JSON.parse(JSON.stringify(status)) as Status,
    failures,
    warnings,
    ...(done ? { expiries: leaves.map((m) => ({ component: m.component.name, notAfter: m.leaf!.notAfter })) } : {}),
    ...(done ? { caNotAfter: new Date(done.ca.notAfter) } : {}),
    ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
    retry: failures.some((f) => f.failure.retry),
  };
}
