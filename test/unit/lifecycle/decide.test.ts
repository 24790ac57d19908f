// The pure lifecycle decision with an injected clock: every phase transition, resume from each
// persisted phase, triggers (new, same, during a rotation, bad), the rollout cap and RolloutStuck.
import test from 'ava';
import { decide, nextState, type LifecycleComponent, type LifecycleInput } from '../../../operator/lifecycle/decide.js';
import { RolloutGate } from '../../../operator/lifecycle/gate.js';
import { readRotation, writeRotation, type RotationState } from '../../../operator/lifecycle/state.js';
import type { RolloutView } from '../../../operator/lifecycle/rollout.js';
import { ManualClock } from '../../../operator/runtime/clock.js';

const T0 = Date.parse('2026-12-02T08:00:00Z');
const clock = () => new ManualClock(new Date(T0));

const COMPONENTS: LifecycleComponent[] = [
  { name: 'auth', group: 0, deployment: 'auth', renewed: false },
  { name: 'router', group: 1, deployment: 'router', renewed: false },
  { name: 'server', group: 2, deployment: 'server', renewed: false },
  { name: 'registry', group: 2, deployment: 'registry', renewed: false },
  { name: 'http', group: 3, deployment: 'http', renewed: false },
  { name: 'consumer', group: 3, renewed: false },
];
const DEPLOYMENTS = ['auth', 'router', 'server', 'registry', 'http'];
const done: RolloutView = { exists: true, deadlineExceeded: false };
const rolling = (progressAt = new Date(T0)): RolloutView => ({ exists: true, gap: 'updated 0/1', progressAt, deadlineExceeded: false });
const allDone = () => Object.fromEntries(DEPLOYMENTS.map((d) => [d, done]));

function input(over: Partial<LifecycleInput> = {}, now = new Date(T0)): LifecycleInput {
  return {
    now,
    issuer: 'selfSigned',
    triggers: {},
    handled: {},
    ca: { fingerprint: 'old', renewAt: new Date(T0 + 86400_000) },
    components: COMPONENTS,
    rollouts: allDone(),
    slots: 10,
    rolloutTimeoutMs: 600_000,
    ...over,
  };
}

const state = (s: Partial<RotationState>): RotationState => ({
  phase: 'TrustBoth',
  startedAt: new Date(T0).toISOString(),
  reason: 'RotateTrigger',
  oldFingerprint: 'old',
  newFingerprint: 'new',
  rolled: [],
  stepStartedAt: new Date(T0).toISOString(),
  ...s,
});

test('steady: no trigger, CA not due: nothing to do', (t) => {
  t.deepEqual(decide(input()), { kind: 'steady', notes: [] });
});

test('a new rotate-ca token starts a rotation; the same token handled before does nothing', (t) => {
  const d = decide(input({ triggers: { rotate: 't1' } }));
  t.is(d.kind, 'start');
  if (d.kind === 'start') t.is(d.token, 't1');
  t.deepEqual(decide(input({ triggers: { rotate: 't1' }, handled: { rotate: 't1' } })), { kind: 'steady', notes: [] });
});

test('the selfSigned CA within its renewBefore starts a rotation (CaRenewal), by the injected clock', (t) => {
  const c = clock();
  t.is(decide(input({}, c.now())).kind, 'steady');
  c.advance(86400_000);
  const d = decide(input({}, c.now()));
  t.is(d.kind, 'start');
  if (d.kind === 'start') t.is(d.reason, 'CaRenewal');
});

test('a brought-in CA replaced in its Secret starts a rotation (CaReplaced); rotate-ca on a brought-in CA is refused and recorded', (t) => {
  const d = decide(input({ issuer: 'ca', ca: { fingerprint: 'old', replacedBy: 'new' } }));
  t.is(d.kind, 'start');
  if (d.kind === 'start') t.is(d.reason, 'CaReplaced');
  const r = decide(input({ issuer: 'ca', ca: { fingerprint: 'old' }, triggers: { rotate: 't' } }));
  t.is(r.kind, 'steady');
  if (r.kind === 'steady') {
    t.is(r.recordRotateToken, 't');
    t.is(r.notes[0]?.reason, 'RotateNeedsNewCa');
  }
});

test('bad trigger values: empty and over 63 characters give InvalidTrigger and nothing happens; 63 is fine', (t) => {
  for (const bad of ['', '   ', 'x'.repeat(64)]) {
    const d = decide(input({ triggers: { rotate: bad, renew: bad } }));
    t.is(d.kind, 'steady', JSON.stringify(bad));
    t.deepEqual(d.notes.map((n) => n.reason), ['InvalidTrigger', 'InvalidTrigger']);
  }
  t.is(decide(input({ triggers: { rotate: 'x'.repeat(63) } })).kind, 'start', 'positive control');
});

test('TrustBoth: every Deployment admitted at once; advances only when each rolled and completed', (t) => {
  const s = state({});
  const d = decide(input({ rotation: s }));
  t.is(d.kind, 'rotate');
  if (d.kind !== 'rotate') return;
  t.deepEqual(new Set(d.admit), new Set(COMPONENTS.map((c) => c.name)));
  t.deepEqual(new Set(d.rolled), new Set([...DEPLOYMENTS, '@consumer']));
  // Rolled but one still rolling: waits.
  const rolled = state({ rolled: [...DEPLOYMENTS, '@consumer'] });
  const w = decide(input({ rotation: rolled, rollouts: { ...allDone(), http: rolling() } }));
  t.is(w.kind, 'rotate');
  if (w.kind === 'rotate') t.deepEqual(w.waitingFor, ['http']);
  const a = decide(input({ rotation: rolled }));
  t.is(a.kind, 'advance');
  if (a.kind === 'advance') t.like(a.next, { phase: 'ReissueLeaves', group: 0, rolled: [] });
});

test('ReissueLeaves goes group by group in dependency order, then DropOld, then done', (t) => {
  const now = new Date(T0);
  let s: RotationState | undefined = nextState(state({}), COMPONENTS, now);
  const seen: string[] = [];
  while (s) {
    seen.push(`${s.phase}${s.group !== undefined ? `:${s.group}` : ''}`);
    const d = decide(input({ rotation: s }));
    t.is(d.kind, 'rotate', `${s.phase} first rolls`);
    if (d.kind !== 'rotate') break;
    if (s.phase === 'ReissueLeaves') {
      t.deepEqual(d.admit, COMPONENTS.filter((c) => c.group === s!.group).map((c) => c.name), 'only the group is admitted');
    }
    const a = decide(input({ rotation: { ...s, rolled: d.rolled } }));
    t.is(a.kind, 'advance');
    s = a.kind === 'advance' ? a.next : undefined;
  }
  t.deepEqual(seen, ['ReissueLeaves:0', 'ReissueLeaves:1', 'ReissueLeaves:2', 'ReissueLeaves:3', 'DropOld']);
});

test('empty groups are skipped', (t) => {
  const comps = COMPONENTS.filter((c) => c.group !== 1);
  t.like(nextState(state({ phase: 'ReissueLeaves', group: 0 }), comps, new Date(T0)), { phase: 'ReissueLeaves', group: 2 });
  t.like(nextState(state({ phase: 'ReissueLeaves', group: 3 }), comps, new Date(T0)), { phase: 'DropOld' });
  t.is(nextState(state({ phase: 'DropOld' }), comps, new Date(T0)), undefined);
});

test('resume from each persisted phase: the state survives its annotation, and the decision picks up where it was', (t) => {
  for (const s of [
    state({ phase: 'TrustBoth', rolled: ['auth', 'router'] }),
    state({ phase: 'ReissueLeaves', group: 2, rolled: ['server'] }),
    state({ phase: 'DropOld', rolled: DEPLOYMENTS }),
  ]) {
    const resumed = readRotation(writeRotation(s));
    t.deepEqual(resumed, s);
    const d = decide(input({ rotation: resumed, triggers: { rotate: 'another' } }));
    t.is(d.kind, s.phase === 'DropOld' ? 'rotate' : 'rotate', s.phase);
    if (d.kind === 'rotate') {
      for (const u of s.rolled) t.true(d.rolled.includes(u), `${s.phase}: ${u} stays rolled`);
      t.true(d.notes.some((n) => n.reason === 'TriggerWaiting'), 'a new token during a running rotation waits');
    }
  }
  t.is(readRotation('{not json'), undefined, 'unreadable state is no state, never a crash');
  t.is(readRotation(JSON.stringify({ phase: 'Bogus' })), undefined);
});

test('a new token during a running rotation waits: no second rotation starts over the first', (t) => {
  const s = state({ phase: 'ReissueLeaves', group: 0, rolled: ['auth'] });
  const d = decide(input({ rotation: s, triggers: { rotate: 'second' }, handled: { rotate: 'first' }, rollouts: { ...allDone(), auth: rolling() } }));
  t.is(d.kind, 'rotate');
  t.true(d.notes.some((n) => n.reason === 'TriggerWaiting'));
  // Once the rotation is over (no state), the waiting token starts the next one.
  t.is(decide(input({ triggers: { rotate: 'second' }, handled: { rotate: 'first' } })).kind, 'start');
});

test('the cap: a step admits no more Deployments than the free slots, the rest wait with RolloutCapReached', (t) => {
  const d = decide(input({ rotation: state({}), slots: 2 }));
  t.is(d.kind, 'rotate');
  if (d.kind !== 'rotate') return;
  t.is(d.inFlight.length, 2);
  t.deepEqual(d.rolled.filter((u) => !u.startsWith('@')), ['auth', 'router']);
  t.is(d.capped?.reason, 'RolloutCapReached');
  t.true(d.admit.includes('consumer'), 'a component without a Deployment never waits for a slot');
  // Held slots count: two rolled and rolling use both.
  const e = decide(input({ rotation: state({ rolled: ['auth', 'router'] }), slots: 2, rollouts: { ...allDone(), auth: rolling(), router: rolling() } }));
  if (e.kind === 'rotate') t.deepEqual(e.inFlight, ['auth', 'router']);
  // Once they complete, the next two are admitted.
  const f = decide(input({ rotation: state({ rolled: ['auth', 'router'] }), slots: 2 }));
  if (f.kind === 'rotate') t.deepEqual(f.inFlight, ['server', 'registry']);
});

test('RolloutGate: slots are the cap minus what other configs hold; a config never counts against itself', (t) => {
  const g = new RolloutGate(3);
  g.hold('ns/a', ['d1', 'd2']);
  t.is(g.slotsFor('ns/b'), 1);
  t.is(g.slotsFor('ns/a'), 3);
  g.hold('ns/b', ['d3']);
  t.is(g.inFlight, 3);
  g.release('ns/a');
  t.is(g.slotsFor('ns/c'), 2);
});

test('RolloutStuck: no progress for longer than the timeout names the Deployment; the rotation does not advance', (t) => {
  const c = clock();
  const s = state({ rolled: [...DEPLOYMENTS, '@consumer'] });
  const rollouts = { ...allDone(), http: rolling(c.now()) };
  const early = decide(input({ rotation: s, rollouts, rolloutTimeoutMs: 60_000 }, c.now()));
  t.is(early.kind, 'rotate');
  if (early.kind === 'rotate') t.is(early.stuck, undefined);
  c.advance(61_000);
  const late = decide(input({ rotation: s, rollouts, rolloutTimeoutMs: 60_000 }, c.now()));
  t.is(late.kind, 'rotate');
  if (late.kind === 'rotate') {
    t.is(late.stuck?.reason, 'RolloutStuck');
    t.regex(late.stuck!.message, /Deployment http \(updated 0\/1\)/);
  }
  // The Deployment controller's own deadline counts too.
  const deadline = decide(input({ rotation: s, rollouts: { ...allDone(), http: { ...rolling(c.now()), deadlineExceeded: true } } }, c.now()));
  if (deadline.kind === 'rotate') t.is(deadline.stuck?.reason, 'RolloutStuck');
});

test('renew: a new token forces every component once, advances as Deployments roll, and is recorded when all completed', (t) => {
  const d = decide(input({ triggers: { renew: 'r1' } }));
  t.is(d.kind, 'renew');
  if (d.kind === 'renew') t.deepEqual(new Set(d.admit), new Set(COMPONENTS.map((c) => c.name)));
  const renewed = COMPONENTS.map((c) => ({ ...c, renewed: true }));
  const w = decide(input({ triggers: { renew: 'r1' }, components: renewed, rollouts: { ...allDone(), http: rolling() } }));
  t.is(w.kind, 'renew');
  if (w.kind === 'renew') {
    t.deepEqual(w.admit, [], 'renewed components are not forced again');
    t.deepEqual(w.waitingFor, ['http']);
  }
  t.deepEqual(decide(input({ triggers: { renew: 'r1' }, components: renewed })), { kind: 'renewed', token: 'r1', notes: [] });
  t.is(decide(input({ triggers: { renew: 'r1' }, handled: { renew: 'r1' } })).kind, 'steady', 'the same token twice does nothing');
});

test('a brought-in CA that changed takes precedence over a renewal (no leaf from the new CA outside the phases)', (t) => {
  const d = decide(input({ issuer: 'ca', ca: { fingerprint: 'old', replacedBy: 'new' }, triggers: { renew: 'r' }, components: COMPONENTS.map((c, i) => ({ ...c, renewed: i === 0 })) }));
  t.is(d.kind, 'start');
});
