// The pure status builder: an early failure keeps what is in place (components, CA, the running
// rotation, the expiry gauges); a lifecycle summary sets Phase, rotation and its conditions.
import test from 'ava';
import type { HonoTlsConfig } from '../../../operator/api/v1alpha1.js';
import { buildFinish, PROGRESS_POLL_MS } from '../../../operator/controller/status-builder.js';

const NOW = new Date('2026-12-02T08:00:00Z');
const rotation = { phase: 'ReissueLeaves' as const, step: 'auth-server', startedAt: '2026-12-02T07:59:00Z', oldCaFingerprint: 'aa', newCaFingerprint: 'bb' };
const config: HonoTlsConfig = {
  apiVersion: 'hono.eclipse.org/v1alpha1',
  kind: 'HonoTlsConfig',
  metadata: { name: 'hono', namespace: 'ns', generation: 2 },
  spec: { components: [] },
  status: {
    phase: 'Rotating',
    rotation,
    lastRotateToken: 't1',
    ca: { fingerprint: 'aa', notAfter: '2027-01-01T00:00:00Z' },
    issuer: 'ca/my-ca',
    conditions: [{ type: 'Rotating', status: 'True', reason: 'ReissueLeaves', message: 'x', lastTransitionTime: '2026-12-02T07:59:00Z' }],
  },
};

test('an early failure keeps the rotation, the tokens, the CA and the gauges as they are', (t) => {
  const f = buildFinish({ config, plan: undefined, overall: { reason: 'CaSecretInvalid', message: 'garbage', retry: true }, done: undefined, lifecycle: undefined, now: NOW });
  t.deepEqual(f.status.rotation, rotation);
  t.is(f.status.phase, 'Rotating');
  t.is(f.status.lastRotateToken, 't1');
  t.is(f.status.ca?.fingerprint, 'aa');
  t.is(f.expiries, undefined, 'leaf gauges untouched');
  t.is(f.caNotAfter, undefined, 'CA gauge untouched');
  t.is(f.status.conditions?.find((c) => c.type === 'Rotating')?.reason, 'ReissueLeaves', 'the Rotating condition stays');
  t.is(f.status.conditions?.find((c) => c.type === 'Ready')?.reason, 'CaSecretInvalid');
  t.true(f.retry);
});

test('a lifecycle summary sets Phase, rotation, the Rotating condition, and polls while it runs; Ready clears them', (t) => {
  const f = buildFinish({
    config,
    plan: undefined,
    overall: undefined,
    done: undefined,
    lifecycle: { phase: 'Rotating', rotation: { ...rotation, waitingFor: ['d1'] }, progress: { type: 'Rotating', reason: 'RolloutStuck', message: 'Deployment d1 ...' }, notes: [{ reason: 'InvalidTrigger', message: 'm' }] },
    now: NOW,
  });
  t.deepEqual(f.status.rotation?.waitingFor, ['d1']);
  t.like(f.status.conditions?.find((c) => c.type === 'Rotating'), { status: 'True', reason: 'RolloutStuck' });
  t.is(f.requeueAfterMs, PROGRESS_POLL_MS);
  t.deepEqual(f.warnings.map((w) => w.reason), ['InvalidTrigger']);
  const idle = buildFinish({ config, plan: undefined, overall: undefined, done: undefined, lifecycle: { phase: 'Ready', notes: [], lastRotateToken: 't1' }, now: NOW });
  t.is(idle.status.rotation, undefined);
  t.is(idle.status.phase, 'Ready');
  t.like(idle.status.conditions?.find((c) => c.type === 'Rotating'), { status: 'False', reason: 'Idle' });
  t.is(idle.requeueAfterMs, undefined);
});
