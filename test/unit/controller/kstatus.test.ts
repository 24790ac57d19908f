import test from 'ava';
import type { Condition } from '../../../operator/api/v1alpha1.js';
import { needsUserChange, withKstatusConditions } from '../../../operator/controller/kstatus.js';

const now = new Date('2026-01-01T00:00:00Z');
const ready = (status: 'True' | 'False'): Condition[] => [{ type: 'Ready', status, reason: 'R', message: 'm', lastTransitionTime: '2025-01-01T00:00:00Z' }];
const types = (cs: Condition[]) => cs.map((c) => `${c.type}=${c.status}`);

test('Ready alone when nothing fails and nothing runs', (t) => {
  t.deepEqual(types(withKstatusConditions(ready('True'), { failures: [], generation: 3, now })), ['Ready=True']);
});

test('a retried failure is Reconciling, a failure only the user can fix is Stalled (and not Reconciling)', (t) => {
  const missing = { component: 'auth', failure: { reason: 'DeploymentMissing' as const, message: 'no Deployment', retry: true } };
  const r = withKstatusConditions(ready('False'), { failures: [missing], generation: 3, now });
  t.deepEqual(types(r), ['Ready=False', 'Reconciling=True']);
  t.like(r.find((c) => c.type === 'Reconciling'), { reason: 'DeploymentMissing', message: 'auth: no Deployment', observedGeneration: 3 });

  const invalid = { failure: { reason: 'InvalidSpec' as const, message: 'bad', retry: false } };
  const s = withKstatusConditions(r, { failures: [missing, invalid], generation: 4, now });
  t.deepEqual(types(s), ['Ready=False', 'Stalled=True']);
  t.like(s.find((c) => c.type === 'Stalled'), { reason: 'InvalidSpec', message: 'bad', observedGeneration: 4 });

  // Fixed: both go.
  t.deepEqual(types(withKstatusConditions(s, { failures: [], generation: 5, now })), ['Ready=False']);
});

test('work in progress keeps Reconciling while Ready stays True', (t) => {
  const r = withKstatusConditions(ready('True'), { failures: [], progress: { reason: 'Rolling', message: 'rolling out' }, generation: 1, now });
  t.deepEqual(types(r), ['Ready=True', 'Reconciling=True']);
});

test('which failures need a user change', (t) => {
  t.true(needsUserChange({ reason: 'InvalidSpec', message: '', retry: false }));
  t.true(needsUserChange({ reason: 'WiringDrift', message: '', retry: true }));
  t.true(needsUserChange({ reason: 'DeploymentConflict', message: '', retry: true }));
  t.false(needsUserChange({ reason: 'DeploymentMissing', message: '', retry: true }));
  t.false(needsUserChange({ reason: 'InternalError', message: '', retry: true }));
});
