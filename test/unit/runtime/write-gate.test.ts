import test from 'ava';
import { NotLeaderError, TokenBucket, WriteGate } from '../../../operator/runtime/write-gate.js';

test('token bucket: a burst at once, then one token per 1/qps, driven by an injected clock', (t) => {
  let now = 0;
  const b = new TokenBucket(10, 3, () => now);
  t.deepEqual([b.reserve(), b.reserve(), b.reserve()], [0, 0, 0], 'the burst goes out at once');
  t.is(b.reserve(), 100, 'the 4th waits one interval (100 ms at 10/s)');
  t.is(b.reserve(), 200, 'the 5th waits two: reservations queue up');
  now = 200; // both reserved tokens have come due
  t.is(b.reserve(), 100);
  now = 10_000; // idle for long: refills only up to the burst
  t.deepEqual([b.reserve(), b.reserve(), b.reserve(), b.reserve()], [0, 0, 0, 100]);
});

test('token bucket: rejects a rate or burst that makes no sense, naming it', (t) => {
  t.throws(() => new TokenBucket(0, 1), { message: /qps must be positive/ });
  t.throws(() => new TokenBucket(1, 0), { message: /burst must be at least 1/ });
});

test('write gate: sleeps what the bucket says, reports the wait, and refuses when not allowed', async (t) => {
  let now = 0;
  const slept: number[] = [];
  const waited: number[] = [];
  let leader = true;
  const gate = new WriteGate({
    bucket: new TokenBucket(2, 1, () => now),
    allowed: () => (leader ? { ok: true } : { ok: false, reason: 'not the leader' }),
    onWrite: (ms) => waited.push(ms),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  await gate.admit();
  await gate.admit();
  t.deepEqual(slept, [500]);
  t.deepEqual(waited, [0, 500]);
  leader = false;
  const err = await t.throwsAsync(gate.admit(), { instanceOf: NotLeaderError });
  t.regex(err!.message, /write refused: not the leader/);
  t.is(waited.length, 2, 'a refused write is not counted');
});

test('write gate: leadership lost while a write waited for its token refuses it', async (t) => {
  let leader = true;
  const gate = new WriteGate({
    bucket: new TokenBucket(1, 1, () => 0),
    allowed: () => (leader ? { ok: true } : { ok: false, reason: 'lost' }),
    sleep: async () => {
      leader = false;
    },
  });
  await gate.admit();
  await t.throwsAsync(gate.admit(), { instanceOf: NotLeaderError });
});
