// Reconcile(key): read the HonoTlsConfig, plan it, then CA -> password -> Secrets -> Deployments
// -> status, each a small step. State comes from the objects; nothing is remembered between runs.
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../api/v1alpha1.js';
import { planConfig } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { OperatorMetrics } from '../runtime/metrics.js';
import { resolveIssuer } from './ca.js';
import { isoSeconds, type Failure, type ReconcileContext } from './context.js';
import { EventRecorder } from './events.js';
import { failureOf } from './failures.js';
import { ensureFinalizer, removeFinalizer } from './finalizer.js';
import { describeError } from './informers.js';
import { Timings, readOrUndefined, type KubeClients } from './kube.js';
import { FINALIZER, TLS_DIGEST_ANNOTATION, splitKey } from './names.js';
import { ensurePassword } from './password.js';
import { Reads } from './reader.js';
import { ensureComponentSecrets, type ComponentMaterial, type LifecycleSteer } from './secrets.js';
import { checkServices } from './services.js';
import { removeDropped } from './dropped.js';
import type { ReissueLimits } from './reissue-guard.js';
import { caCoverageWarning } from './renewal.js';
import { writeStatus } from './status.js';
import { buildFinish, type LifecycleSummary, type StepsDone } from './status-builder.js';
import { recordRolled, renewWhy, rotationStatus, runLifecycle, type Lifecycle } from './rotation.js';
import type { Decision } from '../lifecycle/decide.js';
import { DEFAULT_MAX_CONCURRENT_ROLLOUTS, DEFAULT_ROLLOUT_TIMEOUT_MS, RolloutGate } from '../lifecycle/gate.js';
import { verifyDeployments } from './verify.js';
import { unwireDeployment, wireDeployments, type WiringOutcome } from './workloads.js';
import type { HandlerResult } from './workqueue.js';
import { TerminatingNamespaces, isNamespaceTerminating } from './terminating.js';

/** How long a deletion retries unwiring through transient errors before it goes ahead without it. */
const UNWIRE_GRACE_MS = 5 * 60_000;

export interface ReconcilerDeps {
  clients: KubeClients;
  clock: Clock;
  logger: Logger;
  metrics: OperatorMetrics;
  /** Cached reads (the operator's informers); without it every read is a live GET. */
  reads?: Reads;
  /** Observes the split between API time and issuing time of each reconcile. */
  onTimings?: (key: string, t: Timings) => void;
  /** Re-issue floor and loop guard (default DEFAULT_REISSUE_LIMITS). */
  reissueLimits?: ReissueLimits;
  /** The operator-wide rollout cap (default: one of DEFAULT_MAX_CONCURRENT_ROLLOUTS for this reconciler). */
  gate?: RolloutGate;
  /** A rollout without progress for this long is RolloutStuck (default 10 minutes). */
  rolloutTimeoutMs?: number;
  /** Namespaces being deleted, shared with the informers (default: this reconciler's own). */
  terminating?: TerminatingNamespaces;
}

export class Reconciler {
  private readonly events: EventRecorder;
  private readonly reads: Reads;
  private readonly gate: RolloutGate;
  private readonly rolloutTimeoutMs: number;
  readonly terminating: TerminatingNamespaces;

  constructor(private readonly deps: ReconcilerDeps) {
    this.terminating = deps.terminating ?? new TerminatingNamespaces();
    this.events = new EventRecorder(deps.clients.core, deps.logger);
    this.reads = deps.reads ?? new Reads(deps.clients);
    this.gate = deps.gate ?? new RolloutGate(DEFAULT_MAX_CONCURRENT_ROLLOUTS);
    this.rolloutTimeoutMs = deps.rolloutTimeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS;
  }

  async reconcile(key: string): Promise<HandlerResult> {
    const { namespace, name } = splitKey(key);
    const timings = new Timings();
    const logger = this.deps.logger.child({ key });
    let config: HonoTlsConfig | undefined;
    try {
      // The desired state is read live: a cached copy may lag the operator's own status and finalizer writes.
      config = (await timings.api(() =>
        readOrUndefined(() => this.deps.clients.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })),
      )) as HonoTlsConfig | undefined;
      if (!config) {
        this.deps.metrics.setExpiries(namespace, name, []);
        this.deps.metrics.setCaExpiry(namespace, name, undefined);
        this.gate.release(key);
        return {};
      }
      const ctx: ReconcileContext = {
        clients: this.deps.clients,
        read: this.reads.forReconcile(timings),
        config,
        clock: this.deps.clock,
        logger,
        events: this.events,
        timings,
        reissueLimits: this.deps.reissueLimits,
      };
      if (config.metadata.deletionTimestamp) return await this.finalize(ctx);
      if (this.terminating.has(namespace)) return {};
      // One of its Secrets was deleted: a namespace teardown starts so. Look before issuing anew.
      if (this.terminating.checkFirst(namespace) && (await this.namespaceGoing(ctx))) return this.namespaceTerminating(namespace, logger);
      return await this.apply(ctx);
    } catch (err) {
      if (isNamespaceTerminating(err)) return this.namespaceTerminating(namespace, logger);
      const error = describeError(err);
      logger.error('reconcile failed', { error });
      if (config) await this.events.record(config, 'Warning', 'ReconcileError', `Reconcile failed, retrying with backoff: ${error}`);
      throw err;
    } finally {
      this.deps.metrics.issueSeconds.inc(timings.issueMs / 1000);
      this.deps.metrics.apiSeconds.inc(timings.apiMs / 1000);
      this.deps.onTimings?.(key, timings);
    }
  }

  /** Its namespace is being deleted: nothing to write, nothing to retry; said once per namespace. */
  private namespaceTerminating(namespace: string, logger: Logger): HandlerResult {
    // Wall time, not the clock: it is compared with the apiserver's creationTimestamps.
    if (this.terminating.mark(namespace, Date.now())) {
      logger.info('namespace is being deleted: its configs are left alone until it is gone', { namespace });
    }
    return {};
  }

  /** Is the config's namespace being deleted? Read only when a reconcile fails, so steady state pays nothing. */
  private async namespaceGoing(ctx: ReconcileContext): Promise<boolean> {
    try {
      const ns = await ctx.timings.api(() => this.deps.clients.core.readNamespace({ name: ctx.config.metadata.namespace }));
      return ns.status?.phase === 'Terminating' || ns.metadata?.deletionTimestamp !== undefined;
    } catch {
      return false; // unknown: report the failure as usual
    }
  }

  private async finalize(ctx: ReconcileContext): Promise<HandlerResult> {
    const { config } = ctx;
    if (!config.metadata.finalizers?.includes(FINALIZER)) return {};
    // Unwiring never holds up the deletion: a refusal is reported and the finalizer goes; a
    // transient error is retried until the grace period ends, then reported the same way.
    const since = new Date(config.metadata.deletionTimestamp ?? Number.NaN).getTime();
    const giveUp = Number.isFinite(since) && ctx.clock.now().getTime() - since > UNWIRE_GRACE_MS;
    for (const d of deploymentsOf(config)) {
      let problem: string | undefined;
      try {
        problem = await unwireDeployment(ctx, config.metadata.namespace, d);
      } catch (err) {
        if (!giveUp) throw err;
        problem = `unwiring failed for ${UNWIRE_GRACE_MS / 60_000} minutes (${describeError(err)}); the operator's fields stay in place`;
      }
      if (problem) {
        ctx.logger.warn('deployment not fully unwired', { deployment: d, problem });
        await ctx.events.record(config, 'Warning', 'UnwireFailed', `Deployment ${d}: ${problem}. Remove them by hand if needed (kubectl edit deployment ${d} -n ${config.metadata.namespace}); the config is deleted anyway`);
      }
    }
    await removeFinalizer(ctx);
    this.deps.metrics.setExpiries(config.metadata.namespace, config.metadata.name, []);
    this.deps.metrics.setCaExpiry(config.metadata.namespace, config.metadata.name, undefined);
    this.gate.release(`${config.metadata.namespace}/${config.metadata.name}`);
    ctx.logger.info('cleaned up; Secrets go with their owner');
    return {};
  }

  private async apply(ctx: ReconcileContext): Promise<HandlerResult> {
    let plan: Plan | undefined;
    try {
      await ensureFinalizer(ctx);
      plan = planConfig(ctx.config);
      return await this.applyPlan(ctx, plan);
    } catch (err) {
      if (isNamespaceTerminating(err)) return this.namespaceTerminating(ctx.config.metadata.namespace, ctx.logger);
      // Every error becomes status: bad input (PlanError) waits for a spec change, other typed
      // errors keep their reason, anything else is an InternalError retried with backoff.
      const failure = failureOf(err);
      if (failure.reason === 'InternalError') ctx.logger.error('reconcile step failed', { error: failure.message });
      return this.finish(ctx, plan, failure);
    }
  }

  private async applyPlan(ctx: ReconcileContext, plan: Plan): Promise<HandlerResult> {
    const { config } = ctx;
    const issuerResult = await resolveIssuer(ctx, plan);
    if ('failure' in issuerResult) return this.finish(ctx, plan, issuerResult.failure);
    // The lifecycle (triggers, CA renewal, rotation phases) decides which issuer signs and which components may change now.
    const lc = await runLifecycle(ctx, plan, issuerResult.issuer, { gate: this.gate, rolloutTimeoutMs: this.rolloutTimeoutMs });
    if ('failure' in lc) return this.finish(ctx, plan, lc.failure);
    const issuer = lc.issuer;
    const needsPassword = plan.components.some((c) => c.entries.some((e) => e.source.kind === 'trustStore' || e.source.kind === 'keyStore'));
    let password: string | undefined;
    let passwordFailure: Failure | undefined;
    if (needsPassword) {
      const p = await ensurePassword(ctx, plan);
      if ('failure' in p) passwordFailure = p.failure;
      else password = p.password;
    }
    const certificates = new Map((issuerResult.certificates ?? []).map((o) => [o.component, o.certificate]));
    const materials = (await ensureComponentSecrets(ctx, plan, issuer, password, steerOf(plan, lc.decision))).map((m) =>
      certificates.has(m.component.name) ? { ...m, certificate: certificates.get(m.component.name) } : m,
    );
    const issued = materials.filter((m) => m.issued).map((m) => m.component.name);
    if (issued.length) {
      await ctx.events.record(config, 'Normal', 'Issued', `Issued certificates for ${issued.join(', ')}`);
    }
    await removeDropped(ctx, plan);
    // spec.wiring: verify patches no Deployment: it only checks them (verify.ts).
    const wiring = config.spec.wiring === 'verify' ? await verifyDeployments(ctx, plan.namespace, materials) : await wireDeployments(ctx, plan.namespace, materials);
    await recordRolled(ctx, plan, lc, rolledUnits(lc.decision, materials, wiring));
    const services = await checkServices(ctx);
    const ca = issuer.caInfo();
    const leaf = plan.components[0]?.certificate;
    const caWarning = leaf && caCoverageWarning(ca.notAfter, ctx.clock.now(), leaf.durationMs, leaf.renewBeforeMs, plan.issuer.kind);
    return this.finish(
      ctx,
      plan,
      passwordFailure,
      {
        warnings: caWarning ? [{ reason: 'CaExpiresSoon', message: caWarning }] : [],
        issuer: issuerName(plan),
        ca: { secretName: 'caSecretName' in plan.issuer ? plan.issuer.caSecretName : undefined, fingerprint: ca.fingerprint, notAfter: isoSeconds(ca.notAfter) },
        materials,
        wiring,
        services,
      },
      lifecycleSummary(ctx, plan, lc, ca.notAfter),
    );
  }

  /** Writes what buildFinish computed: status, Events on changes, metrics; says when to come back. */
  private async finish(ctx: ReconcileContext, plan: Plan | undefined, overall: Failure | undefined, done?: StepsDone, lifecycle?: LifecycleSummary): Promise<HandlerResult> {
    const f = buildFinish({ config: ctx.config, plan, overall, done, lifecycle, now: ctx.clock.now() });
    // A failure while the namespace is being deleted (its Secrets go first) is no failure to report.
    if (f.failures.length && (await this.namespaceGoing(ctx))) return this.namespaceTerminating(ctx.config.metadata.namespace, ctx.logger);
    const previous = ctx.config.status;
    const wrote = await writeStatus(ctx, f.status);
    // A Warning per failure whenever the status changes to it, not on every retry.
    if (wrote) for (const x of f.failures) await ctx.events.record(ctx.config, 'Warning', x.failure.reason, x.component ? `${x.component}: ${x.failure.message}` : x.failure.message);
    if (wrote) for (const w of f.warnings) await ctx.events.record(ctx.config, 'Warning', w.reason, w.message);
    if (wrote) await this.recordLifecycleEvents(ctx, previous, f.status);
    if (f.failures.length) ctx.logger.warn('not ready', { failures: f.failures.map((x) => x.failure.reason) });
    else if (wrote) ctx.logger.info('ready', { components: f.status.components?.length ?? 0 });

    const { namespace, name } = ctx.config.metadata;
    // An early failure leaves the gauges as they are: the material in place has not changed.
    if (f.expiries) this.deps.metrics.setExpiries(namespace, name, f.expiries);
    if (f.caNotAfter) this.deps.metrics.setCaExpiry(namespace, name, f.caNotAfter);
    this.deps.metrics.rolloutsInFlight.set(this.gate.inFlight);
    const result: HandlerResult = {};
    if (f.requeueAfterMs !== undefined) result.requeueAfterMs = f.requeueAfterMs;
    if (f.retry) result.retry = true;
    return result;
  }

  /** Events for lifecycle conditions that changed (stuck, capped, CA renewal due); phase changes are recorded where they happen. */
  private async recordLifecycleEvents(ctx: ReconcileContext, previous: HonoTlsConfig['status'], status: HonoTlsConfig['status']): Promise<void> {
    for (const type of ['Rotating', 'Renewing', 'CaRenewalDue']) {
      const before = previous?.conditions?.find((c) => c.type === type);
      const now = status?.conditions?.find((c) => c.type === type);
      if (!now || now.status !== 'True' || (before?.status === now.status && before.reason === now.reason)) continue;
      const warning = now.reason === 'RolloutStuck' || type === 'CaRenewalDue';
      await ctx.events.record(ctx.config, warning ? 'Warning' : 'Normal', now.reason, now.message);
    }
  }
}

/** What the lifecycle decision lets change: a rotation step freezes the other components; a renewal forces its admitted ones. */
function steerOf(plan: Plan, d: Decision): LifecycleSteer {
  if (d.kind === 'rotate') return { rotating: true, frozen: new Set(plan.components.map((c) => c.name).filter((n) => !d.admit.includes(n))) };
  if (d.kind === 'renew') return { force: new Map(d.admit.map((n) => [n, renewWhy(d.token)])) };
  return {};
}

/** The step's units that now carry this step's material: Deployments applied without failure, components without one written. */
function rolledUnits(d: Decision, materials: ComponentMaterial[], wiring: WiringOutcome[]): string[] {
  if (d.kind !== 'rotate') return [];
  const units: string[] = [];
  for (const m of materials) {
    if (!d.admit.includes(m.component.name) || m.failure || !m.materialDigest) continue;
    const dep = m.component.workload?.deployment;
    if (!dep) units.push(`@${m.component.name}`);
    // verify mode rolls nothing itself: a Deployment counts once its owner rolled it onto this material.
    else if (wiring.filter((w) => w.deployment === dep).every((w) => w.wired && !w.failure && w.carriesDigest !== false)) units.push(dep);
  }
  return [...new Set(units)];
}

const VERIFY_ROLL_HINT =
  ` (spec.wiring is verify, so the operator rolls no Deployment: set each one's pod-template annotation ${TLS_DIGEST_ANNOTATION} to its status.components[].materialDigest where the Deployment is kept; the step goes on once it rolled)`;

function lifecycleSummary(ctx: ReconcileContext, plan: Plan, lc: Lifecycle, caNotAfter: Date): LifecycleSummary {
  const d = lc.decision;
  const rotation = rotationStatus(lc);
  const progressNote = (d.kind === 'rotate' || d.kind === 'renew') && (d.stuck ?? d.capped);
  const due =
    lc.caRenewAt && ctx.clock.now().getTime() >= lc.caRenewAt.getTime()
      ? `the CA expires at ${isoSeconds(caNotAfter)} and was due for replacement at ${isoSeconds(lc.caRenewAt)}: ${rotation ? 'a phased rotation replaces it' : 'a phased rotation starts'}`
      : undefined;
  return {
    phase: rotation ? 'Rotating' : d.kind === 'renew' ? 'Renewing' : 'Ready',
    ...(rotation ? { rotation } : {}),
    ...(rotation
      ? {
          progress: {
            type: 'Rotating' as const,
            reason: progressNote ? progressNote.reason : rotation.phase,
            message: progressNote
              ? progressNote.message
              : `phase ${rotation.phase}, step ${rotation.step}${rotation.waitingFor?.length ? `: waiting for ${rotation.waitingFor.join(', ')}${ctx.config.spec.wiring === 'verify' ? VERIFY_ROLL_HINT : ''}` : ''}`,
          },
        }
      : d.kind === 'renew'
        ? { progress: { type: 'Renewing' as const, reason: progressNote ? progressNote.reason : 'RenewTrigger', message: progressNote ? progressNote.message : `renewing for token ${d.token}${d.waitingFor.length ? `: waiting for ${d.waitingFor.join(', ')}` : ''}` } }
        : {}),
    ...(d.kind === 'renewed' ? { lastRenewToken: d.token } : {}),
    ...(lc.lastRotateToken ? { lastRotateToken: lc.lastRotateToken } : {}),
    notes: d.notes,
    ...(due ? { caRenewalDue: due } : {}),
  };
}

/** The Issuer printer column: selfSigned, ca/<secret>, certManager/<kind>/<name>. */
function issuerName(plan: Plan): string {
  const i = plan.issuer;
  if (i.kind === 'ca') return `ca/${i.caSecretName}`;
  if (i.kind === 'certManager') return `certManager/${i.issuerRef.kind}/${i.issuerRef.name}`;
  return i.kind;
}

function deploymentsOf(config: HonoTlsConfig): string[] {
  const names = new Set<string>();
  for (const c of config.spec?.components ?? []) if (c.deployment?.name) names.add(c.deployment.name);
  for (const c of config.status?.components ?? []) if (c.deployment) names.add(c.deployment);
  return [...names];
}
