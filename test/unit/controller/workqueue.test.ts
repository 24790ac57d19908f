import test from 'ava';
import { WorkQueue } from '../../../operator/controller/workqueue.js';
import { waitFor } from '../../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a key added many times while queued runs once', async (t) => {
  const runs: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new WorkQueue({
    concurrency: 1,
    baseDelayMs: 10,
    maxDelayMs: 100,
    handler: async (k) => {
      runs.push(k);
      if (k === 'blocker') await gate;
    },
  });
  q.add('blocker'); // occupies the only worker
  for (let i = 0; i < 5; i++) q.add('a');
  q.add('b');
  t.is(q.length, 2);
  release();
  await q.idle();
  t.deepEqual(runs, ['blocker', 'a', 'b']);
});

test('one handler per key at a time; an add during processing runs it again afterwards', async (t) => {
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  const q = new WorkQueue({
    concurrency: 4,
    baseDelayMs: 10,
    maxDelayMs: 100,
    handler: async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(30);
      running--;
    },
  });
  q.add('k');
  await sleep(5);
  q.add('k'); // while processing: marked dirty, not run in parallel
  q.add('k');
  await q.idle();
  await sleep(5);
  await q.idle();
  t.is(maxRunning, 1);
  t.is(runs, 2);
});

test('different keys run in parallel up to the concurrency', async (t) => {
  let running = 0;
  let maxRunning = 0;
  const q = new WorkQueue({
    concurrency: 3,
    baseDelayMs: 10,
    maxDelayMs: 100,
    handler: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(20);
      running--;
    },
  });
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
  await q.idle();
  t.is(maxRunning, 3);
});

/** Polls until cond() holds; timers under a loaded CI may fire late, so wait generously. */
/** The one wait helper, polling every 5 ms (queue timings here are tens of ms). */
const until = (cond: () => boolean, what: string, timeoutMs = 5000) => waitFor(what, cond, timeoutMs, 5);

test('failures back off exponentially up to the cap; success resets', async (t) => {
  const times: number[] = [];
  let failUntil = 4;
  const outcomes: string[] = [];
  const q = new WorkQueue({
    concurrency: 1,
    baseDelayMs: 100,
    maxDelayMs: 150,
    handler: async () => {
      times.push(Date.now());
      if (times.length <= failUntil) throw new Error('boom');
    },
    onDone: (_k, o) => outcomes.push(o.result),
  });
  t.is(q.backoffMs('k'), 100);
  q.add('k');
  await until(() => outcomes.length === 5, 'five runs');
  t.deepEqual(outcomes, ['error', 'error', 'error', 'error', 'success']);
  const gaps = times.slice(1).map((x, i) => x - times[i]!);
  // Expected 100, 150 (doubled, capped), 150, 150. Timers may fire late, never early; the upper
  // bounds only tell the cap from uncapped doubling (which would give 200, 400, 800).
  t.true(gaps[0]! >= 98, `gap 1 ${gaps[0]}`);
  t.true(gaps[1]! >= 148, `gap 2 ${gaps[1]}`);
  t.true(gaps[2]! >= 148 && gaps[2]! < 400, `gap 3 ${gaps[2]}`);
  t.true(gaps[3]! >= 148 && gaps[3]! < 800, `gap 4 ${gaps[3]}`);
  t.is(q.failureCount('k'), 0);
  failUntil = 0;
  await q.shutdown();
});

test('retry results back off too; requeueAfter schedules the next run', async (t) => {
  const times: number[] = [];
  const q = new WorkQueue({
    concurrency: 1,
    baseDelayMs: 50,
    maxDelayMs: 1000,
    handler: async () => {
      times.push(Date.now());
      if (times.length === 1) return { retry: true };
      if (times.length === 2) return { requeueAfterMs: 80 };
      return {};
    },
  });
  q.add('k');
  await q.idle();
  t.is(times.length, 1);
  t.is(q.failureCount('k'), 1);
  await until(() => times.length === 2, 'the retry');
  t.true(times[1]! - times[0]! >= 48, 'the retry waited for its backoff');
  await until(() => times.length === 3, 'the requeue');
  t.is(q.failureCount('k'), 0);
  t.true(times[2]! - times[1]! >= 78, 'the requeue waited requeueAfterMs');
  await q.shutdown();
});

test('the earliest delayed add wins; shutdown clears timers', async (t) => {
  let runs = 0;
  const q = new WorkQueue({ concurrency: 1, baseDelayMs: 10, maxDelayMs: 100, handler: async () => void runs++ });
  q.addAfter('k', 1000);
  q.addAfter('k', 20);
  q.addAfter('k', 500);
  await until(() => runs === 1, 'the 20 ms wake-up');
  t.is(runs, 1);
  q.addAfter('k', 20);
  await q.shutdown();
  await sleep(40);
  t.is(runs, 1);
});

test('an observer that throws neither breaks the queue nor vanishes: its error reaches onObserverError', async (t) => {
  const runs: string[] = [];
  const observed: Array<{ key: string; error: string }> = [];
  const q = new WorkQueue({
    concurrency: 1,
    baseDelayMs: 10,
    maxDelayMs: 100,
    handler: async (k) => void runs.push(k),
    onDone: (k) => {
      if (k === 'a') throw new Error('metrics broke');
    },
    onObserverError: (key, error) => observed.push({ key, error: String(error) }),
  });
  q.add('a');
  q.add('b');
  await q.idle();
  t.deepEqual(runs, ['a', 'b'], 'the queue went on');
  t.deepEqual(observed, [{ key: 'a', error: 'Error: metrics broke' }]);
});

test('a paused queue collects keys and handles none until resumed', async (t) => {
  const runs: string[] = [];
  const q = new WorkQueue({ concurrency: 2, baseDelayMs: 10, maxDelayMs: 100, paused: true, handler: async (k) => void runs.push(k) });
  q.add('a');
  q.add('b');
  q.add('a');
  await sleep(20);
  t.deepEqual(runs, [], 'nothing ran while paused');
  t.is(q.length, 2);
  q.resume();
  await q.idle();
  t.deepEqual(runs, ['a', 'b']);
  q.pause();
  q.add('c');
  await sleep(20);
  t.deepEqual(runs, ['a', 'b'], 'paused again');
  // Positive control: the key held while paused runs once resumed.
  q.resume();
  await q.idle();
  t.deepEqual(runs, ['a', 'b', 'c']);
});
