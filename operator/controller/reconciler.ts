// Reconcile(key): read the HonoTlsConfig, plan it, then CA -> password -> Secrets -> Deployments
// -> status, each a small step. State comes from the objects; nothing is remembered between runs.
import { GROUP, PLURAL, VERSION, type ComponentStatus, type HonoTlsConfig } from '../api/v1alpha1.js';
import { planConfig } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { OperatorMetrics } from '../runtime/metrics.js';
import { resolveIssuer } from './ca.js';
import { isoSeconds, type Failure, type ReconcileContext } from './context.js';
import { EventRecorder } from './events.js';
import { ensureFinalizer, removeFinalizer } from './finalizer.js';
import { describeError } from './informers.js';
import { Timings, readOrUndefined, type KubeClients } from './kube.js';
import { FINALIZER, splitKey } from './names.js';
import { ensurePassword } from './password.js';
import { Reads } from './reader.js';
import { ensureComponentSecrets, type ComponentMaterial } from './secrets.js';
import { checkServices } from './services.js';
import { removeDropped } from './dropped.js';
import type { ReissueLimits } from './reissue-guard.js';
import { caCoverageWarning } from './renewal.js';
import { buildStatus, writeStatus, type ReadySummary } from './status.js';
import { unwireDeployment, wireDeployments, type WiringOutcome } from './workloads.js';
import type { HandlerResult } from './workqueue.js';

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
}

export class Reconciler {
  private readonly events: EventRecorder;
  private readonly reads: Reads;

  constructor(private readonly deps: ReconcilerDeps) {
    this.events = new EventRecorder(deps.clients.core, deps.logger);
    this.reads = deps.reads ?? new Reads(deps.clients);
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
      return await this.apply(ctx);
    } catch (err) {
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
    ctx.logger.info('cleaned up; Secrets go with their owner');
    return {};
  }

  private async apply(ctx: ReconcileContext): Promise<HandlerResult> {
    const { config } = ctx;
    await ensureFinalizer(ctx);
    let plan: Plan;
    try {
      plan = planConfig(config);
    } catch (err) {
      // Bad input: wait for a spec change rather than retrying.
      return this.finish(ctx, undefined, { reason: 'InvalidSpec', message: (err as Error).message, retry: false });
    }
    const issuerResult = await resolveIssuer(ctx, plan);
    if ('failure' in issuerResult) return this.finish(ctx, plan, issuerResult.failure);
    const issuer = issuerResult.issuer;
    const needsPassword = plan.components.some((c) => c.entries.some((e) => e.source.kind === 'trustStore' || e.source.kind === 'keyStore'));
    let password: string | undefined;
    let passwordFailure: Failure | undefined;
    if (needsPassword) {
      const p = await ensurePassword(ctx, plan);
      if ('failure' in p) passwordFailure = p.failure;
      else password = p.password;
    }
    const materials = await ensureComponentSecrets(ctx, plan, issuer, password);
    const issued = materials.filter((m) => m.issued).map((m) => m.component.name);
    if (issued.length) {
      await ctx.events.record(config, 'Normal', 'Issued', `Issued certificates for ${issued.join(', ')}`);
    }
    await removeDropped(ctx, plan);
    const wiring = await wireDeployments(ctx, plan.namespace, materials);
    const services = await checkServices(ctx);
    const ca = issuer.caInfo();
    const leaf = plan.components[0]?.certificate;
    const caWarning = leaf && caCoverageWarning(ca.notAfter, ctx.clock.now(), leaf.durationMs, leaf.renewBeforeMs, plan.issuer.kind);
    return this.finish(ctx, plan, passwordFailure, {
      warnings: caWarning ? [{ reason: 'CaExpiresSoon', message: caWarning }] : [],
      issuer: plan.issuer.kind === 'ca' ? `ca/${plan.issuer.caSecretName}` : plan.issuer.kind,
      ca: { secretName: 'caSecretName' in plan.issuer ? plan.issuer.caSecretName : undefined, fingerprint: ca.fingerprint, notAfter: isoSeconds(ca.notAfter) },
      materials,
      wiring,
      services,
    });
  }

  /** Status, events on failures, metrics, and when to come back. */
  private async finish(
    ctx: ReconcileContext,
    plan: Plan | undefined,
    overall: Failure | undefined,
    done?: {
      issuer: string;
      ca: { secretName?: string; fingerprint: string; notAfter: string };
      materials: ComponentMaterial[];
      wiring: WiringOutcome[];
      services: Map<string, Failure>;
      /** Ready stays True; each goes into its message and a Warning event. */
      warnings: { reason: string; message: string }[];
    },
  ): Promise<HandlerResult> {
    const components: ComponentStatus[] = [];
    const failures: { component?: string; failure: Failure }[] = overall ? [{ failure: overall }] : [];
    for (const c of plan?.components ?? []) {
      const m = done?.materials.find((x) => x.component.name === c.name);
      const w = done?.wiring.find((x) => x.component === c.name);
      const own = m?.failure ?? w?.failure ?? done?.services.get(c.name);
      const failure = own ?? (overall && !m ? overall : undefined);
      if (own) failures.push({ component: c.name, failure: own });
      // When an early step failed, the material already in place stays: report it as it was.
      const kept = !done ? ctx.config.status?.components?.find((x) => x.name === c.name && x.secretName === c.secretName) : undefined;
      components.push({
        name: c.name,
        secretName: c.secretName,
        ...(m?.leaf ? { notAfter: isoSeconds(m.leaf.notAfter), fingerprint: m.leaf.fingerprint } : {}),
        ...(kept?.notAfter ? { notAfter: kept.notAfter, fingerprint: kept.fingerprint } : {}),
        ...(c.workload ? { deployment: c.workload.deployment } : {}),
        deploymentWired: done ? !!w?.wired : !!kept?.deploymentWired && kept.deployment === c.workload?.deployment,
        ...(w?.materialDigest ? { materialDigest: w.materialDigest } : kept?.materialDigest ? { materialDigest: kept.materialDigest } : {}),
        ...(failure ? { reason: failure.reason, message: failure.message } : {}),
      });
    }
    const first = failures[0];
    const ready: ReadySummary = first
      ? {
          ready: false,
          reason: first.failure.reason,
          message: failures.map((f) => (f.component ? `${f.component}: ${f.failure.message}` : f.failure.message)).join('; '),
        }
      : {
          ready: true,
          reason: 'Ready',
          message: [
            `${components.length} components issued and wired`,
            ...(done?.warnings ?? []).map((w) => `warning: ${w.reason}: ${w.message}`),
            ...(plan?.warnings ?? []).map((w) => `warning: ${w}`),
          ].join('; '),
        };
    const status = buildStatus(ctx, { issuer: done?.issuer, ca: done?.ca, components, ready });
    const wrote = await writeStatus(ctx, status);
    // A Warning per failure whenever the status changes to it, not on every retry.
    if (wrote) for (const f of failures) await ctx.events.record(ctx.config, 'Warning', f.failure.reason, f.component ? `${f.component}: ${f.failure.message}` : f.failure.message);
    if (wrote) for (const w of done?.warnings ?? []) await ctx.events.record(ctx.config, 'Warning', w.reason, w.message);
    if (failures.length) ctx.logger.warn('not ready', { reason: ready.reason, message: ready.message });
    else if (wrote) ctx.logger.info('ready', { components: components.length });

    const { namespace, name } = ctx.config.metadata;
    const leaves = (done?.materials ?? []).filter((m) => m.leaf);
    this.deps.metrics.setExpiries(namespace, name, leaves.map((m) => ({ component: m.component.name, notAfter: m.leaf!.notAfter })));
    const renewAt = Math.min(...leaves.map((m) => m.leaf!.renewAt.getTime()), ...(done?.materials ?? []).map((m) => m.retryAt?.getTime() ?? Infinity));
    const result: HandlerResult = {};
    if (Number.isFinite(renewAt)) result.requeueAfterMs = Math.max(1000, renewAt - ctx.clock.now().getTime());
    if (failures.some((f) => f.failure.retry)) result.retry = true;
    return result;
  }
}

function deploymentsOf(config: HonoTlsConfig): string[] {
  const names = new Set<string>();
  for (const c of config.spec?.components ?? []) if (c.deployment?.name) names.add(c.deployment.name);
  for (const c of config.status?.components ?? []) if (c.deployment) names.add(c.deployment);
  return [...names];
}
