import test from 'ava';
import type { V1Lease } from '@kubernetes/client-node';
import { mayTake, nextAttemptMs, observe, validateLeaseTiming, type Observed } from '../../../operator/controller/leader-election.js';

const lease = (holder: string, renewTime: string, seconds = 15): V1Lease => ({ spec: { holderIdentity: holder, renewTime: new Date(renewTime), leaseDurationSeconds: seconds } });

test('a free, missing or own lease may be taken at once', (t) => {
  t.true(mayTake(undefined, 'me', 0));
  t.true(mayTake({ holder: '', renewTime: '', leaseDurationMs: 15_000, observedAt: 0 }, 'me', 1));
  t.true(mayTake({ holder: 'me', renewTime: 'x', leaseDurationMs: 15_000, observedAt: 0 }, 'me', 1));
});

test("another's lease is taken only a lease duration after this candidate last saw it change", (t) => {
  const o: Observed = { holder: 'other', renewTime: 'x', leaseDurationMs: 15_000, observedAt: 1000 };
  t.false(mayTake(o, 'me', 1000));
  t.false(mayTake(o, 'me', 15_999));
  t.true(mayTake(o, 'me', 16_000));
});

test('observing: the local time moves only when the record changed, whatever its timestamps say', (t) => {
  const a = observe(undefined, lease('other', '2000-01-01T00:00:00Z'), 100);
  t.is(a.observedAt, 100);
  t.is(a.leaseDurationMs, 15_000);
  t.is(observe(a, lease('other', '2000-01-01T00:00:00Z'), 5000), a, 'same record: still seen at 100');
  t.is(observe(a, lease('other', '2000-01-01T00:00:02Z'), 5000).observedAt, 5000, 'a renewal');
  t.is(observe(a, lease('third', '2000-01-01T00:00:00Z'), 6000).observedAt, 6000, 'a new holder');
});

test('a candidate asks every retry period, or right when the observed lease expires if sooner', (t) => {
  const o: Observed = { holder: 'other', renewTime: 'x', leaseDurationMs: 15_000, observedAt: 0 };
  t.is(nextAttemptMs(undefined, 2000, 0), 2000);
  t.is(nextAttemptMs(o, 2000, 0), 2000);
  t.is(nextAttemptMs(o, 2000, 14_000), 1000);
  t.is(nextAttemptMs(o, 2000, 20_000), 2000, 'expired already: the next retry');
});

test("lease timing follows client-go's rules and names the flag to fix", (t) => {
  t.notThrows(() => validateLeaseTiming({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }));
  t.throws(() => validateLeaseTiming({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }), { message: /--leader-election-lease-duration must be longer/ });
  t.throws(() => validateLeaseTiming({ leaseDurationMs: 15_000, renewDeadlineMs: 2000, retryPeriodMs: 2000 }), { message: /--leader-election-renew-deadline must be longer/ });
  t.throws(() => validateLeaseTiming({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 0 }), { message: /--leader-election-retry-period must be positive/ });
});
