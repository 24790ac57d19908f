import test from 'ava';
import { WorkQueue } from '../../../operator/controller/workqueue.js';
import { OperatorMetrics } from '../../../operator/runtime/metrics.js';

async function value(m: OperatorMetrics, name: string, suffix = ''): Promise<number | undefined> {
  const line = (await m.registry.metrics()).split('\n').find((l) => l.startsWith(`${name}${suffix}{`) && l.includes('name="q"'));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test("the work queue's metrics carry client-go's names and count adds, depth, waits, work, retries and running time", async (t) => {
  const m = new OperatorMetrics();
  let now = 1000;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q: WorkQueue = new WorkQueue({
    concurrency: 1,
    baseDelayMs: 60_000,
    maxDelayMs: 60_000,
    now: () => now,
    observer: m.queueObserver('q', () => q.runningSeconds()),
    handler: async (k) => {
      if (k === 'a') await gate;
      if (k === 'b') throw new Error('fails');
    },
  });
  t.is(await value(m, 'workqueue_adds_total'), 0, 'series exist before the first add');
  q.add('a'); // starts at once (queued 0 s)
  now += 2500;
  q.add('b'); // waits behind a
  q.add('b'); // deduplicated: not an add
  t.is(await value(m, 'workqueue_adds_total'), 2);
  t.is(await value(m, 'workqueue_depth'), 1);
  now += 1500;
  t.is(await value(m, 'workqueue_unfinished_work_seconds'), 4, 'a has run 4 s');
  t.is(await value(m, 'workqueue_longest_running_processor_seconds'), 4);
  release();
  await q.idle();
  t.is(await value(m, 'workqueue_depth'), 0);
  t.is(await value(m, 'workqueue_retries_total'), 1, "b's failure was put back with backoff");
  t.is(await value(m, 'workqueue_queue_duration_seconds', '_count'), 2);
  t.is(await value(m, 'workqueue_queue_duration_seconds', '_sum'), 1.5, 'b waited 1.5 s in the queue, a none');
  t.is(await value(m, 'workqueue_work_duration_seconds', '_count'), 2);
  t.is(await value(m, 'workqueue_unfinished_work_seconds'), 0);
  await q.shutdown();
});
