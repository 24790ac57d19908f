// Which events reconcile, on the real control plane: a status write to a config does not requeue
// it (a spec or annotation change does), and a namespace being deleted is not fought over (no
// failed reconciles, no warnings, one info line), while its configs' finalizers still go.
import { Writable } from 'node:stream';
import test from 'ava';
import winston from 'winston';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../operator/api/v1alpha1.js';
import { applyObjects, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { applyStack, clients, getConfig, runOperator, seedConfig, waitFor, waitReady } from './controller-fixtures.js';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Finished reconciles per key (onTimings fires once per reconcile). */
function perKey() {
  const n = new Map<string, number>();
  return { onTimings: (key: string) => void n.set(key, (n.get(key) ?? 0) + 1), of: (key: string) => n.get(key) ?? 0 };
}

/** A JSON logger whose lines the test reads. */
function capturingLogger() {
  const lines: Array<{ level: string; message: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as { level: string; message: string });
      done();
    },
  });
  return { logger: winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), lines };
}

test("a write to a config's status does not requeue it; a spec or annotation change does", async (t) => {
  const ns = await withNamespace(t, 'pred-status');
  await applyStack(ns);
  const counts = perKey();
  // No resync within the test: every reconcile comes from an event.
  const op = await runOperator(t, ns, { resyncMs: 60 * 60_000, onTimings: counts.onTimings });
  await applyObjects([seedConfig(ns, 'hono'), seedConfig(ns, 'b', { components: [{ name: 'consumer', type: 'client', dnsNames: ['b.example'] }] })], ns);
  await waitReady(ns, 'hono');
  await waitReady(ns, 'b');
  await op.idle();
  const custom = clients().custom;
  const before = { a: counts.of(`${ns}/hono`), b: counts.of(`${ns}/b`) };

  // A status write to a (as the operator's own are), then an annotation on b: both come on the
  // same watch, in order, so once b's reconcile ran, a's status event was handled before it.
  const a = await getConfig(ns, 'hono');
  const conditions = a.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, message: `${c.message} (touched)` } : c));
  await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'hono', body: { status: { conditions } } }, merge);
  t.not((await getConfig(ns, 'hono')).metadata.resourceVersion, a.metadata.resourceVersion, 'the status write happened');
  await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'b', body: { metadata: { annotations: { 'test/touch': '1' } } } }, merge);
  await waitFor("b's reconcile after its annotation", () => counts.of(`${ns}/b`) > before.b, 30_000);
  await op.idle();
  t.is(counts.of(`${ns}/hono`), before.a, 'no reconcile of a after its status write');

  // Positive control: a spec change of a reconciles it.
  await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'hono', body: { metadata: { labels: { x: 'y' } }, spec: { wiring: 'verify' } } }, merge);
  await waitFor("a's reconcile after its spec change", () => counts.of(`${ns}/hono`) > before.a, 30_000);
  t.pass();
});

test('a namespace being deleted: no failed reconciles, no warnings, one info line, and the finalizer still goes', async (t) => {
  t.timeout(3 * 60_000);
  const ns = await withNamespace(t, 'pred-nsdel');
  await applyStack(ns);
  const counts = perKey();
  const { logger, lines } = capturingLogger();
  const op = await runOperator(t, ns, { logger, onTimings: counts.onTimings });
  await applyObjects([seedConfig(ns)], ns);
  await waitReady(ns);
  await op.idle();
  const reconcilesBefore = counts.of(`${ns}/hono`);
  const linesBefore = lines.length;
  const failed = async () => {
    const m = await op.metrics.reconcileTotal.get();
    return m.values.filter((v) => v.labels.result !== 'success').reduce((a, v) => a + v.value, 0);
  };
  const failedBefore = await failed();

  const core = testKubeConfig().makeApiClient(CoreV1Api);
  await core.deleteNamespace({ name: ns });
  // The namespace goes only once the operator removed its finalizer from the config.
  await waitFor(`namespace ${ns} to be gone`, async () => (await core.readNamespace({ name: ns }).then(() => false, (e: { code?: number }) => e.code === 404)), 120_000, 250);
  await op.idle();

  const during = lines.slice(linesBefore);
  t.log(`reconciles during the teardown: ${counts.of(`${ns}/hono`) - reconcilesBefore}; log lines: ${JSON.stringify(during.map((l) => `${l.level}: ${l.message}`))}`);
  // Positive controls: the operator saw the teardown (it reconciled, and its log capture works).
  t.true(counts.of(`${ns}/hono`) > reconcilesBefore, 'it reconciled during the teardown');
  t.true(during.some((l) => l.message.startsWith('cleaned up')), 'it removed its finalizer (logged)');
  t.deepEqual(during.filter((l) => l.level === 'warn' || l.level === 'error'), [], 'no warning or error lines');
  t.deepEqual(during.filter((l) => l.message.startsWith('issuing')), [], 'nothing issued anew for Secrets deleted with the namespace');
  t.is(await failed(), failedBefore, 'no failed or retried reconciles');
  t.true(during.filter((l) => l.message.startsWith('namespace is being deleted')).length <= 1, 'said at most once');
});
