// The lifecycle decision, pure (in the spirit of cert-manager's policy chains): from the config's
// triggers, the CA, the persisted rotation state, the Deployments' rollouts and the clock, to the
// next action and its reason. The controller (operator/controller/rotation.ts) acts on it.
//
// Order: a running rotation goes on; a brought-in CA that changed starts one; a renewal in progress
// goes on; then a new rotate-ca token, the selfSigned CA's own renewal time, a new renew token.
// A trigger that arrives while something runs waits (it is not marked handled).
import { RENEW_ANNOTATION, ROTATE_CA_ANNOTATION } from '../controller/names.js';
import { REISSUE_GROUPS } from './order.js';
import { isStuck, type RolloutView } from './rollout.js';
import type { RotationState } from './state.js';

export const MAX_TOKEN_LENGTH = 63;

export interface LifecycleComponent {
  name: string;
  /** Index into REISSUE_GROUPS. */
  group: number;
  deployment?: string;
  /** Its Secret's issue history holds the current renew token. */
  renewed: boolean;
}

export interface LifecycleInput {
  now: Date;
  issuer: 'selfSigned' | 'ca';
  /** Annotation values as present on the config (undefined when absent). */
  triggers: { renew?: string; rotate?: string };
  /** The last tokens handled. */
  handled: { renew?: string; rotate?: string };
  /** selfSigned: when the CA is due for replacement. ca: the fingerprint of a new CA in the user's Secret, when it differs from the trusted one. */
  ca: { fingerprint: string; renewAt?: Date; replacedBy?: string };
  rotation?: RotationState;
  components: LifecycleComponent[];
  rollouts: Record<string, RolloutView>;
  /** Rollouts this config may have in flight now: the operator-wide cap minus those of other configs. */
  slots: number;
  rolloutTimeoutMs: number;
}

export interface Note {
  reason: string;
  message: string;
}

/** Progress of a step that rolls Deployments (a rotation step or a renewal). */
export interface StepProgress {
  /** Components whose material may change now; the others stay exactly as they are. */
  admit: string[];
  /** Units rolled in this step after this reconcile (a Deployment name, or `@component` without one). */
  rolled: string[];
  /** Deployments rolled and not yet complete: what this config holds of the operator-wide cap. */
  inFlight: string[];
  waitingFor: string[];
  stuck?: Note;
  capped?: Note;
}

export type Decision =
  | { kind: 'steady'; notes: Note[]; recordRotateToken?: string }
  | { kind: 'start'; reason: RotationState['reason']; token?: string; message: string; notes: Note[] }
  | { kind: 'advance'; next?: RotationState; message: string; notes: Note[] }
  | ({ kind: 'rotate'; step: string; notes: Note[] } & StepProgress)
  | ({ kind: 'renew'; token: string; notes: Note[] } & StepProgress)
  | { kind: 'renewed'; token: string; notes: Note[] };

type Token = { value: string } | { invalid: Note } | undefined;

/** A trigger annotation's value: a token, a note saying why it is not one, or undefined when unset. */
export function token(annotation: string, value: string | undefined): Token {
  if (value === undefined) return undefined;
  if (value.trim() === '') {
    return { invalid: { reason: 'InvalidTrigger', message: `annotation ${annotation} is empty: set it to a new non-empty token (at most ${MAX_TOKEN_LENGTH} characters, e.g. a date) to trigger` } };
  }
  if (value.length > MAX_TOKEN_LENGTH) {
    return {
      invalid: {
        reason: 'InvalidTrigger',
        message: `annotation ${annotation} is ${value.length} characters long: use a token of at most ${MAX_TOKEN_LENGTH} characters (e.g. a date); nothing was triggered`,
      },
    };
  }
  return { value };
}

const unitOf = (c: LifecycleComponent) => c.deployment ?? `@${c.name}`;
const isDeployment = (u: string) => !u.startsWith('@');

/** The components a rotation step changes. */
function stepComponents(s: RotationState, components: LifecycleComponent[]): LifecycleComponent[] {
  return s.phase === 'ReissueLeaves' ? components.filter((c) => c.group === s.group) : components;
}

export function stepName(s: RotationState): string {
  return s.phase === 'ReissueLeaves' ? (REISSUE_GROUPS[s.group ?? 0]?.name ?? `group ${s.group}`) : 'all';
}

/** The state after a completed step; undefined when the rotation is finished. */
export function nextState(s: RotationState, components: LifecycleComponent[], now: Date): RotationState | undefined {
  const step = { rolled: [], stepStartedAt: now.toISOString() };
  const groups = (from: number) => REISSUE_GROUPS.map((_, i) => i).filter((i) => i >= from && components.some((c) => c.group === i));
  if (s.phase === 'DropOld') return undefined;
  const from = s.phase === 'TrustBoth' ? 0 : (s.group ?? 0) + 1;
  const g = groups(from)[0];
  if (g === undefined) return { ...s, ...step, phase: 'DropOld', group: undefined };
  return { ...s, ...step, phase: 'ReissueLeaves', group: g };
}

/**
 * Admission and completion of one step over `units` (each with its components): units already
 * rolled stay admitted; new Deployment units are admitted while slots remain; units without a
 * Deployment are always admitted.
 */
function progress(
  units: Map<string, LifecycleComponent[]>,
  rolledBefore: string[],
  input: LifecycleInput,
  since: Date | undefined,
  what: string,
): StepProgress & { done: boolean } {
  const rolled = new Set(rolledBefore.filter((u) => units.has(u)));
  const complete = (u: string) => !isDeployment(u) || (input.rollouts[u]?.exists && !input.rollouts[u]?.gap);
  const inFlight = [...rolled].filter((u) => isDeployment(u) && !complete(u));
  let free = input.slots - inFlight.length;
  const waitingCap: string[] = [];
  for (const u of units.keys()) {
    if (rolled.has(u)) continue;
    if (!isDeployment(u)) rolled.add(u);
    else if (free > 0) {
      rolled.add(u);
      inFlight.push(u);
      free--;
    } else waitingCap.push(u);
  }
  const done = rolledBefore.length > 0 && [...units.keys()].every((u) => rolledBefore.includes(u) && complete(u));
  const stuckOnes = inFlight.filter((u) => rolledBefore.includes(u) && input.rollouts[u] && isStuck(input.rollouts[u]!, since, input.now, input.rolloutTimeoutMs));
  const minutes = Math.round(input.rolloutTimeoutMs / 60_000);
  return {
    done,
    admit: [...rolled].flatMap((u) => units.get(u)!.map((c) => c.name)),
    rolled: [...rolled],
    inFlight,
    waitingFor: [...inFlight, ...waitingCap].filter(isDeployment),
    ...(stuckOnes.length
      ? {
          stuck: {
            reason: 'RolloutStuck',
            message:
              `${what} waits: the rollout of Deployment ${stuckOnes.map((u) => `${u} (${input.rollouts[u]!.gap})`).join(', ')} made no progress for ${minutes || '<1'} min. ` +
              `Check its pods (kubectl describe deployment ${stuckOnes[0]}); once the rollout completes the ${what.toLowerCase()} continues, nothing is skipped`,
          },
        }
      : {}),
    ...(waitingCap.length
      ? { capped: { reason: 'RolloutCapReached', message: `${what}: ${waitingCap.join(', ')} wait(s) for a free slot under --max-concurrent-rollouts` } }
      : {}),
  };
}

export function decide(input: LifecycleInput): Decision {
  const notes: Note[] = [];
  const renew = token(RENEW_ANNOTATION, input.triggers.renew);
  const rotate = token(ROTATE_CA_ANNOTATION, input.triggers.rotate);
  for (const t of [renew, rotate]) if (t && 'invalid' in t) notes.push(t.invalid);
  const newRenew = renew && 'value' in renew && renew.value !== input.handled.renew ? renew.value : undefined;
  const newRotate = rotate && 'value' in rotate && rotate.value !== input.handled.rotate ? rotate.value : undefined;

  const s = input.rotation;
  if (s) {
    if (newRotate || newRenew) {
      notes.push({ reason: 'TriggerWaiting', message: `a new ${newRotate ? ROTATE_CA_ANNOTATION : RENEW_ANNOTATION} token waits for the running rotation to finish` });
    }
    const units = new Map<string, LifecycleComponent[]>();
    for (const c of stepComponents(s, input.components)) units.set(unitOf(c), [...(units.get(unitOf(c)) ?? []), c]);
    const p = progress(units, s.rolled, input, new Date(s.stepStartedAt), 'The rotation');
    if (p.done || units.size === 0) {
      const next = nextState(s, input.components, input.now);
      return {
        kind: 'advance',
        next,
        message: next ? `${s.phase} (${stepName(s)}) complete; next: ${next.phase} (${stepName(next)})` : `rotation complete: only CA ${s.newFingerprint} is trusted`,
        notes,
      };
    }
    const { done: _, ...rest } = p;
    return { kind: 'rotate', step: stepName(s), ...rest, notes };
  }

  if (input.issuer === 'ca' && input.ca.replacedBy) {
    return { kind: 'start', reason: 'CaReplaced', message: `the CA in the Secret changed to ${input.ca.replacedBy}: phased rotation from ${input.ca.fingerprint}`, notes };
  }

  const renewing = newRenew && input.components.some((c) => c.renewed);
  if (newRenew && (renewing || !(newRotate && input.issuer === 'selfSigned'))) {
    if (newRotate) notes.push({ reason: 'TriggerWaiting', message: `the ${ROTATE_CA_ANNOTATION} token waits for the renewal to finish` });
    const units = new Map<string, LifecycleComponent[]>();
    for (const c of input.components) units.set(unitOf(c), [...(units.get(unitOf(c)) ?? []), c]);
    const rolledBefore = [...units].filter(([, cs]) => cs.every((c) => c.renewed)).map(([u]) => u);
    const p = progress(units, rolledBefore, input, undefined, 'The renewal');
    if (p.done) return { kind: 'renewed', token: newRenew, notes };
    const { done: _, ...rest } = p;
    // Only components not yet renewed are forced; renewed ones stay as they are.
    return { kind: 'renew', token: newRenew, ...rest, admit: rest.admit.filter((n) => !input.components.find((c) => c.name === n)?.renewed), notes };
  }

  if (newRotate) {
    if (input.issuer === 'ca') {
      notes.push({
        reason: 'RotateNeedsNewCa',
        message: `${ROTATE_CA_ANNOTATION} cannot replace a brought-in CA's key: put the new CA into the Secret named by spec.issuer.ca.secretName and the operator rotates to it in phases`,
      });
      return { kind: 'steady', notes, recordRotateToken: newRotate };
    }
    return { kind: 'start', reason: 'RotateTrigger', token: newRotate, message: `${ROTATE_CA_ANNOTATION}=${newRotate}: phased key replacement of CA ${input.ca.fingerprint}`, notes };
  }
  if (input.issuer === 'selfSigned' && input.ca.renewAt && input.now.getTime() >= input.ca.renewAt.getTime()) {
    return { kind: 'start', reason: 'CaRenewal', message: `CA ${input.ca.fingerprint} is within its renewBefore (due ${input.ca.renewAt.toISOString()}): phased key replacement`, notes };
  }
  return { kind: 'steady', notes };
}
