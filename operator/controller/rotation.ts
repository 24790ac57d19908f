// Acting on the lifecycle decision (operator/lifecycle/decide.ts): load the CA state, build the
// phase's issuer, start, advance and finish rotations. Each transition is one write of the state
// Secret (the CA Secret for selfSigned, `<config>-ca-trust` for a brought-in CA) that carries the
// phase and the key material together, with its resourceVersion: a killed operator resumes from it,
// and two runs never start two rotations.
import type { V1Secret } from '@kubernetes/client-node';
import { AuthorityIssuer } from '../issuers/authority-issuer.js';
import type { Issuer } from '../issuers/issuer.js';
import { PhaseIssuer } from '../issuers/phase-issuer.js';
import { decide, stepName, token, type Decision, type LifecycleInput } from '../lifecycle/decide.js';
import { renewCertificates } from './certificates.js';
import type { RolloutGate } from '../lifecycle/gate.js';
import { groupOf } from '../lifecycle/order.js';
import { viewRollout, type RolloutView } from '../lifecycle/rollout.js';
import { readRotation, writeRotation, type RotationState } from '../lifecycle/state.js';
import { CertificateAuthority } from '../pki/ca.js';
import { fingerprint } from '../pki/inspect.js';
import { parseCertificates } from '../pki/pem.js';
import type { Plan } from '../plan/types.js';
import type { RotationStatus } from '../api/v1alpha1.js';
import { asStrings } from './ca.js';
import { isoSeconds, type Failure, type ReconcileContext } from './context.js';
import { keyOf, labelValue, LAST_ROTATE_TOKEN_ANNOTATION, RENEW_ANNOTATION, ROTATE_CA_ANNOTATION, ROTATION_ANNOTATION, TRUSTED_CA_ANNOTATION, ISSUE_HISTORY_ANNOTATION } from './names.js';
import { createOwnedSecret } from './owned-secret.js';
import { readHistory } from './reissue-guard.js';
import { caRenewalTime } from './renewal.js';

/** Secret keys of the state Secret. */
export const NEXT_CA_PREFIX = 'next-';
export const PREVIOUS_CA_KEY = 'previous.crt';
export const TRUSTED_CA_KEY = 'trusted.crt';

/** The why recorded in a component's issue history for a renew trigger. */
export const renewWhy = (token: string) => `renew trigger ${token}`;

export interface Lifecycle {
  issuer: Issuer;
  rotation?: RotationState;
  decision: Decision;
  stateSecret: string;
  lastRotateToken?: string;
  /** selfSigned: when the CA in use is due for replacement. */
  caRenewAt?: Date;
}

export function trustSecretName(configName: string): string {
  const name = `${configName}-ca-trust`;
  return name.length <= 253 ? name : `${labelValue(configName)}-ca-trust`;
}

const strings = (secret: V1Secret | undefined) => asStrings(secret?.data);

interface Loaded {
  secret: V1Secret;
  data: Record<string, string>;
  current: CertificateAuthority;
  next?: CertificateAuthority;
  rotation?: RotationState;
  lastRotateToken?: string;
  /** ca: the trusted CA bundle and its fingerprint. */
  trusted?: { pem: string; fingerprint: string };
}

async function load(ctx: ReconcileContext, plan: Plan, base: AuthorityIssuer): Promise<Loaded | { failure: Failure }> {
  const ns = plan.namespace;
  if (base.kind === 'selfSigned') {
    const name = (plan.issuer as { caSecretName: string }).caSecretName;
    const secret = await ctx.read.secret(ns, name);
    if (!secret) return { failure: { reason: 'CaSecretMissing', message: `CA Secret ${name} vanished during the reconcile; retrying`, retry: true } };
    const data = strings(secret);
    const ann = secret.metadata?.annotations ?? {};
    let next: CertificateAuthority | undefined;
    let current = base.ca;
    try {
      // Read from the Secret as it is now: an advance earlier in this reconcile may have swapped the CA.
      current = (await CertificateAuthority.fromPrefixedSecretData(data, '', ctx.clock)) ?? base.ca;
    } catch (err) {
      return { failure: { reason: 'CaSecretInvalid', message: `CA Secret ${name}: ${(err as Error).message}`, retry: true } };
    }
    try {
      next = await CertificateAuthority.fromPrefixedSecretData(data, NEXT_CA_PREFIX, ctx.clock);
    } catch (err) {
      return { failure: { reason: 'CaSecretInvalid', message: `CA Secret ${name}: the next CA (keys ${NEXT_CA_PREFIX}*) is unreadable (${(err as Error).message}); the rotation holds`, retry: true } };
    }
    const rotation = readRotation(ann[ROTATION_ANNOTATION]);
    if (rotation?.phase === 'TrustBoth' && !next) {
      return { failure: { reason: 'CaSecretInvalid', message: `CA Secret ${name} is in rotation phase TrustBoth but holds no next CA (keys ${NEXT_CA_PREFIX}*); the rotation holds. Remove annotation ${ROTATION_ANNOTATION} from it to abandon the rotation`, retry: true } };
    }
    return { secret, data, current, next, rotation, lastRotateToken: ann[LAST_ROTATE_TOKEN_ANNOTATION] };
  }
  const name = trustSecretName(plan.configName);
  let secret = await ctx.read.secret(ns, name);
  if (!secret) {
    // First sight of this brought-in CA: it is what the components trust.
    const r = await createOwnedSecret(ctx, { namespace: ns, name, configName: plan.configName, role: 'ca-trust', data: { [TRUSTED_CA_KEY]: base.ca.trustBundlePem } });
    secret = 'created' in r ? r.created : r.existing;
  }
  const data = strings(secret);
  const ann = secret.metadata?.annotations ?? {};
  const pem = data[TRUSTED_CA_KEY] ?? '';
  return {
    secret,
    data,
    current: base.ca,
    rotation: readRotation(ann[ROTATION_ANNOTATION]),
    lastRotateToken: ann[LAST_ROTATE_TOKEN_ANNOTATION],
    trusted: { pem, fingerprint: ann[TRUSTED_CA_ANNOTATION] ?? (pem.trim() ? fingerprint(parseCertificates(pem)[0]!) : base.ca.fingerprint) },
  };
}

/** The issuer of the phase: who signs, which stored leaves are kept, what is trusted. */
function phaseIssuer(kind: 'selfSigned' | 'ca', l: Loaded): Issuer {
  const s = l.rotation;
  const previous = l.data[PREVIOUS_CA_KEY] ?? '';
  if (kind === 'selfSigned') {
    if (s?.phase === 'TrustBoth' && l.next) return new PhaseIssuer(kind, l.current, [l.current.signingCertPem], [l.current.trustBundlePem, l.next.trustBundlePem]);
    if (s?.phase === 'ReissueLeaves') return new PhaseIssuer(kind, l.current, [l.current.signingCertPem], [previous, l.current.trustBundlePem]);
    return new AuthorityIssuer(kind, l.current);
  }
  // A brought-in CA: the old key is gone with the user's old Secret; leaves it signed are kept until phase 2.
  if (s?.phase === 'TrustBoth') {
    const oldSigner = previous.trim() ? parseCertificates(previous)[0]!.toString() : '';
    return new PhaseIssuer(kind, l.current, [oldSigner, l.current.signingCertPem].filter(Boolean), [previous, l.current.trustBundlePem]);
  }
  if (s?.phase === 'ReissueLeaves') return new PhaseIssuer(kind, l.current, [l.current.signingCertPem], [previous, l.current.trustBundlePem]);
  return new AuthorityIssuer(kind, l.current);
}

const patchAnnotations = (ctx: ReconcileContext, secret: V1Secret, annotations: Record<string, string | null>) => replaceState(ctx, secret, strings(secret), annotations);

/** Replaces the state Secret's data and annotations in one write, guarded by its resourceVersion. */
async function replaceState(ctx: ReconcileContext, secret: V1Secret, data: Record<string, string>, annotations: Record<string, string | null>): Promise<void> {
  const { name, namespace } = secret.metadata as { name: string; namespace: string };
  const ann = { ...(secret.metadata?.annotations ?? {}) };
  for (const [k, v] of Object.entries(annotations)) {
    if (v === null) delete ann[k];
    else ann[k] = v;
  }
  const encoded: Record<string, string> = {};
  for (const k of Object.keys(data).sort()) encoded[k] = Buffer.from(data[k]!).toString('base64');
  const body: V1Secret = { ...secret, metadata: { ...secret.metadata, annotations: ann }, data: encoded };
  // A 409 fails the reconcile: it retries from fresh reads, so a second run never starts a second rotation.
  const written = await ctx.timings.api(() => ctx.clients.core.replaceNamespacedSecret({ name, namespace, body }));
  ctx.read.wrote('secret', namespace, name, written);
}

export interface LifecycleDeps {
  gate: RolloutGate;
  rolloutTimeoutMs: number;
}

/**
 * Loads the CA state, decides, and carries out starts and phase advances until the decision is a
 * step to roll (or nothing); returns the issuer for that step and the decision.
 */
export async function runLifecycle(
  ctx: ReconcileContext,
  plan: Plan,
  base: Issuer,
  deps: LifecycleDeps,
): Promise<Lifecycle | { failure: Failure }> {
  if (!(base instanceof AuthorityIssuer)) {
    // certManager: cert-manager renews; a renew trigger is passed on to it as `cmctl renew` does.
    const t = token(RENEW_ANNOTATION, ctx.config.metadata.annotations?.[RENEW_ANNOTATION]);
    const notes = t && 'invalid' in t ? [t.invalid] : [];
    const rotate = ctx.config.metadata.annotations?.[ROTATE_CA_ANNOTATION];
    if (base.kind === 'certManager' && rotate && rotate !== ctx.config.status?.lastRotateToken) {
      notes.push({ reason: 'RotateNeedsNewCa', message: `${ROTATE_CA_ANNOTATION} does not apply to spec.issuer.certManager: the cert-manager issuer owns the CA; replace it there and renew the Certificates` });
    }
    if (base.kind === 'certManager' && t && 'value' in t && t.value !== ctx.config.status?.lastRenewToken) {
      await renewCertificates(ctx, plan, t.value);
      return { issuer: base, decision: { kind: 'renewed', token: t.value, notes }, stateSecret: '' };
    }
    return { issuer: base, decision: { kind: 'steady', notes }, stateSecret: '' };
  }
  const key = keyOf(plan.namespace, plan.configName);
  const leaf = plan.components[0]?.certificate;
  const renewToken = ctx.config.metadata.annotations?.[RENEW_ANNOTATION];
  const deployments = [...new Set(plan.components.map((c) => c.workload?.deployment).filter((d): d is string => !!d))];
  for (let round = 0; round < 5; round++) {
    const l = await load(ctx, plan, base);
    if ('failure' in l) return l;
    const rollouts: Record<string, RolloutView> = {};
    await Promise.all(deployments.map(async (d) => (rollouts[d] = viewRollout(await ctx.read.deployment(plan.namespace, d)))));
    const components = await Promise.all(
      plan.components.map(async (c) => {
        const secret = await ctx.read.secret(plan.namespace, c.secretName);
        const history = readHistory(secret?.metadata?.annotations?.[ISSUE_HISTORY_ANNOTATION]);
        return {
          name: c.name,
          group: groupOf(c.type),
          ...(c.workload ? { deployment: c.workload.deployment } : {}),
          renewed: !!renewToken && history.some((r) => r.why === renewWhy(renewToken)),
        };
      }),
    );
    const input: LifecycleInput = {
      now: ctx.clock.now(),
      issuer: base.kind,
      triggers: { renew: renewToken, rotate: ctx.config.metadata.annotations?.[ROTATE_CA_ANNOTATION] },
      handled: { renew: ctx.config.status?.lastRenewToken, rotate: l.lastRotateToken ?? ctx.config.status?.lastRotateToken },
      ca: {
        fingerprint: l.trusted?.fingerprint ?? l.current.fingerprint,
        ...(base.kind === 'selfSigned' && leaf ? { renewAt: caRenewalTime(l.current.notBefore, l.current.notAfter, leaf.durationMs, leaf.renewBeforeMs) } : {}),
        ...(l.trusted && l.trusted.fingerprint !== l.current.fingerprint ? { replacedBy: l.current.fingerprint } : {}),
      },
      rotation: l.rotation,
      components,
      rollouts,
      slots: deps.gate.slotsFor(key),
      rolloutTimeoutMs: deps.rolloutTimeoutMs,
    };
    const decision = decide(input);
    switch (decision.kind) {
      case 'start':
        await start(ctx, plan, l, decision);
        continue;
      case 'advance':
        await advance(ctx, l, decision.next, decision.message);
        continue;
      case 'rotate':
      case 'renew':
        deps.gate.hold(key, decision.inFlight);
        break;
      default:
        deps.gate.release(key);
    }
    if (decision.kind === 'steady' && decision.recordRotateToken) {
      await patchAnnotations(ctx, l.secret, { [LAST_ROTATE_TOKEN_ANNOTATION]: decision.recordRotateToken });
    }
    const lastRotateToken = decision.kind === 'steady' && decision.recordRotateToken ? decision.recordRotateToken : l.lastRotateToken;
    return {
      issuer: phaseIssuer(base.kind, l),
      rotation: l.rotation,
      decision,
      stateSecret: l.secret.metadata!.name!,
      ...(lastRotateToken ? { lastRotateToken } : {}),
      ...(input.ca.renewAt ? { caRenewAt: input.ca.renewAt } : {}),
    };
  }
  return { failure: { reason: 'InternalError', message: 'the rotation state changed several times in one reconcile; retrying', retry: true } };
}

async function start(ctx: ReconcileContext, plan: Plan, l: Loaded, d: Extract<Decision, { kind: 'start' }>): Promise<void> {
  const now = ctx.clock.now().toISOString();
  if (d.reason === 'CaReplaced') {
    const state: RotationState = { phase: 'TrustBoth', startedAt: now, reason: d.reason, oldFingerprint: l.trusted!.fingerprint, newFingerprint: l.current.fingerprint, rolled: [], stepStartedAt: now };
    await replaceState(ctx, l.secret, { ...l.data, [PREVIOUS_CA_KEY]: l.trusted!.pem }, { [ROTATION_ANNOTATION]: writeRotation(state) });
  } else {
    const spec = plan.issuer as Extract<Plan['issuer'], { kind: 'selfSigned' }>;
    const next = await ctx.timings.issue(() =>
      CertificateAuthority.createSelfSigned({ commonName: spec.commonName, intermediate: spec.intermediate, durationMs: spec.durationMs, privateKey: spec.privateKey }, ctx.clock),
    );
    const state: RotationState = { phase: 'TrustBoth', startedAt: now, reason: d.reason, oldFingerprint: l.current.fingerprint, newFingerprint: next.fingerprint, rolled: [], stepStartedAt: now };
    const kept = Object.fromEntries(Object.entries(l.data).filter(([k]) => !k.startsWith(NEXT_CA_PREFIX)));
    await replaceState(ctx, l.secret, { ...kept, ...next.toSecretData(NEXT_CA_PREFIX) }, {
      [ROTATION_ANNOTATION]: writeRotation(state),
      ...(d.token ? { [LAST_ROTATE_TOKEN_ANNOTATION]: d.token } : {}),
    });
  }
  ctx.logger.info('rotation started', { reason: d.reason });
  await ctx.events.record(ctx.config, 'Normal', 'RotationStarted', `${d.message}; phase TrustBoth: every trust store gets the new CA, every Deployment rolls`);
}

async function advance(ctx: ReconcileContext, l: Loaded, next: RotationState | undefined, message: string): Promise<void> {
  const s = l.rotation!;
  let data = { ...l.data };
  if (s.phase === 'TrustBoth' && next && l.next) {
    // The new CA signs from now on; the old one stays only as a certificate, for trust. Its key goes.
    data = Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith(NEXT_CA_PREFIX)));
    for (const k of ['tls.crt', 'tls.key', 'ca.crt', 'root.key']) delete data[k];
    data = { ...data, ...l.next.toSecretData(), [PREVIOUS_CA_KEY]: l.current.trustBundlePem };
  }
  const annotations: Record<string, string | null> = { [ROTATION_ANNOTATION]: next ? writeRotation(next) : null };
  if (!next) {
    delete data[PREVIOUS_CA_KEY];
    if (l.trusted) {
      data[TRUSTED_CA_KEY] = l.current.trustBundlePem;
      annotations[TRUSTED_CA_ANNOTATION] = l.current.fingerprint;
    }
  }
  await replaceState(ctx, l.secret, data, annotations);
  ctx.logger.info('rotation advanced', { from: s.phase, to: next?.phase ?? 'done' });
  await ctx.events.record(ctx.config, 'Normal', next ? 'RotationPhase' : 'RotationComplete', message);
}

/** After acting on a rotate decision: remember the units rolled in this step (those applied without failure). */
export async function recordRolled(ctx: ReconcileContext, plan: Plan, lc: Lifecycle, okUnits: string[]): Promise<void> {
  if (lc.decision.kind !== 'rotate' || !lc.rotation) return;
  const before = new Set(lc.rotation.rolled);
  const add = okUnits.filter((u) => !before.has(u));
  if (!add.length) return;
  const secret = await ctx.read.secret(plan.namespace, lc.stateSecret);
  const current = readRotation(secret?.metadata?.annotations?.[ROTATION_ANNOTATION]);
  if (!secret || !current || current.phase !== lc.rotation.phase || current.group !== lc.rotation.group) return;
  const next: RotationState = { ...current, rolled: [...new Set([...current.rolled, ...add])] };
  await replaceState(ctx, secret, strings(secret), { [ROTATION_ANNOTATION]: writeRotation(next) });
}

/** status.rotation from the persisted state and the step's progress. */
export function rotationStatus(lc: Lifecycle | undefined): RotationStatus | undefined {
  const s = lc?.rotation;
  if (!s) return undefined;
  const d = lc.decision;
  return {
    phase: s.phase,
    step: stepName(s),
    startedAt: isoSeconds(new Date(s.startedAt)),
    reason: s.reason,
    oldCaFingerprint: s.oldFingerprint,
    newCaFingerprint: s.newFingerprint,
    ...(d.kind === 'rotate' && d.waitingFor.length ? { waitingFor: d.waitingFor } : {}),
  };
}

