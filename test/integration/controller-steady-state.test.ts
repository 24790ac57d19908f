// Idempotence, counted by the apiserver itself (apiserver_request_total): after Ready, a resync
// window and an operator restart cause zero writes, and a resync GETs only its config (the rest
// comes from the informer caches). This file runs on its own control plane, so no other test's
// requests land in the counts.
import test from 'ava';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { applyObjects, apiserverRequestCounts, withNamespace } from '../helpers/cluster.js';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { ManualClock } from '../../operator/runtime/clock.js';
import { STACK, applyStack, clients, getConfig, reconcileCounter, replicaSets, runOperator, seedConfig, waitFor, waitReady } from './controller-fixtures.js';

let cp: ControlPlane | undefined;

test.before(async () => {
  cp = await startControlPlane({ log: () => undefined });
  // Every helper of this worker (kubeconfig, apply, request counts) now talks to the private control plane.
  process.env.HONO_TEST_KUBECONFIG = cp.kubeconfigPath;
  process.env.HONO_TEST_BIN_DIR = cp.binDir;
});
test.after.always(async () => {
  await cp?.stop();
});

// Resources the operator writes, and the ReplicaSets/Pods a rollout would create.
const WATCHED = ['secrets', 'deployments', 'replicasets', 'pods', 'events', 'honotlsconfigs', 'honotlsconfigs/status'];
const READ_VERBS = new Set(['GET', 'LIST', 'WATCH', 'CONNECT']);

// Resources the reconcile reads; GETs only (the informers' LIST/WATCH are not per resync).
const READ = ['secrets', 'deployments', 'services', 'honotlsconfigs'];
function operatorGets(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of READ) {
    const k = `GET ${r}`;
    const d = (after.get(k) ?? 0) - (before.get(k) ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

function writes(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) {
    const [verb, resource] = k.split(' ');
    if (READ_VERBS.has(verb!) || !WATCHED.includes(resource!)) continue;
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

test.serial('after Ready: a resync window and an operator restart write nothing, resyncs read from the caches (apiserver_request_total)', async (t) => {
  const ns = await withNamespace(t, 'ctrl-steady');
  await applyStack(ns);
  const timings: { apiMs: number; issueMs: number; apiCalls: number; wallMs: number; apiWallMs: number; issueWallMs: number }[] = [];
  const op = await runOperator(t, ns, { resyncMs: 1000, onTimings: (_k, x) => timings.push({ apiMs: x.apiMs, issueMs: x.issueMs, apiCalls: x.apiCalls, wallMs: x.wallMs, apiWallMs: x.apiWallMs, issueWallMs: x.issueWallMs }) });
  const cStart = await apiserverRequestCounts();
  await applyObjects([seedConfig(ns, 'hono', { trustStore: { format: 'jks', additionalFormats: ['pkcs12'] } })], ns);
  const ready = await waitReady(ns);
  await waitFor('rollouts to settle', async () => {
    for (const s of STACK) if ((await replicaSets(ns, s.deployment)).length !== 2) return false;
    return true;
  });
  // Settled: a resync after the rollouts ran (1 s resyncs), and nothing is queued.
  const settledAt = timings.length;
  await waitFor('a resync after the rollouts', () => timings.length >= settledAt + 1, 30_000);
  await op.idle();
  const first = timings.find((x) => x.issueMs > 0)!;
  t.log(
    `first reconcile of 7 components: ${first.wallMs.toFixed(0)} ms wall; issuing (keys + signing, CA included) in flight ${first.issueWallMs.toFixed(0)} ms ` +
      `(${first.issueMs.toFixed(0)} ms summed), API calls in flight ${first.apiWallMs.toFixed(0)} ms (${first.apiCalls} calls, ${first.apiMs.toFixed(0)} ms summed)`,
  );

  const c0 = await apiserverRequestCounts();
  // Positive control: the counting sees the operator's writes while it sets things up.
  const setup = writes(cStart, c0);
  t.log(`writes from apply to settled: ${JSON.stringify(setup)}`);
  t.true((setup['POST secrets'] ?? 0) >= 9, 'CA, password and 7 component Secrets were created');
  t.true(Object.keys(setup).some((k) => k.endsWith(' deployments')), 'Deployments were applied');
  const resyncsBefore = timings.length;
  // The window is three resyncs long; that they ran is the positive control for "no writes".
  await waitFor('three resyncs', () => timings.length - resyncsBefore >= 3, 30_000);
  await op.idle();
  const c1 = await apiserverRequestCounts();
  t.true(timings.length - resyncsBefore >= 3, `resyncs ran (${timings.length - resyncsBefore})`);
  t.deepEqual(writes(c0, c1), {}, 'no writes during the resync window');
  // GETs of what the operator reads (the controller-manager GETs other resources, e.g. leases).
  const gets = operatorGets(c0, c1);
  const resyncs = timings.length - resyncsBefore;
  const total = Object.values(gets).reduce((a, b) => a + b, 0);
  t.log(`GETs in the resync window: ${JSON.stringify(gets)} over ${resyncs} resyncs of 1 config: ${(total / resyncs).toFixed(1)} per resync`);
  // Measured: 22 GETs per resync of this 7-component config before the reconcile read the informer
  // caches, 1 after (the config itself, read live). A cache miss or a write still in flight reads live.
  t.is(gets['GET honotlsconfigs'] ?? 0, resyncs, 'each resync read its config live, once');
  const cachedKinds = total - (gets['GET honotlsconfigs'] ?? 0);
  t.true(cachedKinds < resyncs, `Secrets, Deployments and Services come from the caches (${cachedKinds} GETs in ${resyncs} resyncs)`);

  await op.stop();
  const restarted = reconcileCounter();
  const op2 = await runOperator(t, ns, { resyncMs: 1000, onTimings: restarted.onTimings });
  // Positive control: the restarted operator reconciled (first sync and two resyncs), and wrote nothing.
  await restarted.more(3, 'the restarted operator to reconcile three times');
  await op2.idle();
  const c2 = await apiserverRequestCounts();
  t.deepEqual(writes(c1, c2), {}, 'no writes after a restart');

  const after = await getConfig(ns);
  t.deepEqual(after.status!.components!.map((c) => c.fingerprint), ready.status!.components!.map((c) => c.fingerprint), 'no new certificate');
  t.is(after.metadata.resourceVersion, ready.metadata.resourceVersion, 'no status write');
  for (const s of STACK) t.is((await replicaSets(ns, s.deployment)).length, 2, `${s.deployment}: no new ReplicaSet`);
});

// The CA's last renewBefore window used to be a loop: leaves capped at the CA's notAfter had their
// renewal time (notAfter - renewBefore) in the past, so every fresh leaf was due at once.
test.serial('a CA 10 days from its end, default settings: one re-issue, then zero writes (apiserver_request_total)', async (t) => {
  // The counts are cluster-wide: let the previous test's namespace finish its deletion first. Its
  // operator is gone, so its config's finalizer is taken off here (this control plane is this file's own).
  await waitFor('no namespace terminating', async () => {
    const terminating = (await clients().core.listNamespace()).items.filter((n) => n.status?.phase === 'Terminating').map((n) => n.metadata!.name!);
    for (const namespace of terminating) {
      const list = (await clients().custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL })) as { items: HonoTlsConfig[] };
      for (const c of list.items.filter((x) => x.metadata.finalizers?.length)) {
        await clients().custom.patchNamespacedCustomObject(
          { group: GROUP, version: VERSION, namespace, plural: PLURAL, name: c.metadata.name, body: [{ op: 'remove', path: '/metadata/finalizers' }] },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
        );
      }
    }
    return terminating.length === 0;
  }, 120_000, 250);
  const ns = await withNamespace(t, 'ctrl-ca-end');
  await applyStack(ns, ['http']);
  const clock = new ManualClock(new Date());
  const counter = reconcileCounter();
  const op = await runOperator(t, ns, { clock, resyncMs: 1000, onTimings: counter.onTimings });
  const cfg = seedConfig(ns);
  cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'http');
  await applyObjects([cfg], ns);
  const first = await waitReady(ns);
  await waitFor('the first rollout', async () => (await replicaSets(ns, 'hono-adapter-http-vertx')).length === 2);
  const fp = first.status!.components![0]!.fingerprint;
  const caNotAfter = Date.parse(first.status!.ca!.notAfter!);
  await op.idle();

  const c0 = await apiserverRequestCounts();
  clock.set(new Date(caNotAfter - 10 * 86400_000));
  const renewed = await waitFor('the re-issue near the CA end', async () => {
    const c = await getConfig(ns);
    return c.status!.components![0]!.fingerprint !== fp && c.status!.conditions!.some((x) => x.type === 'Ready' && x.status === 'True') ? c : undefined;
  }, 30_000);
  const leafNotAfter = Date.parse(renewed.status!.components![0]!.notAfter!);
  t.true(Math.abs(leafNotAfter - caNotAfter) < 2000, 'the leaf ends with the CA');
  const ready = renewed.status!.conditions!.find((x) => x.type === 'Ready')!;
  t.regex(ready.message, /warning: CaExpiresSoon: the CA expires at .*replaces its own CA by a phased rotation/);
  await waitFor('the rollout of the re-issued material', async () => (await replicaSets(ns, 'hono-adapter-http-vertx')).length === 3);
  await waitFor('a CaExpiresSoon Warning event', async () =>
    (await clients().core.listNamespacedEvent({ namespace: ns })).items.some((e) => e.reason === 'CaExpiresSoon' && e.type === 'Warning'),
  10_000);
  // Two more reconciles (resync every second) after the event: the re-issue's writes are all done.
  await counter.more(2);
  await op.idle();
  const c1 = await apiserverRequestCounts();
  // Positive control: the counter saw the re-issue (Secret replaced, Deployment applied, status written).
  const reissue = writes(c0, c1);
  t.log(`writes of the re-issue: ${JSON.stringify(reissue)}`);
  t.true((reissue['PUT secrets'] ?? 0) >= 1, 'the component Secret was rewritten');
  t.true((reissue['APPLY deployments'] ?? 0) >= 1, 'the Deployment was applied');

  // The window: five reconciles that each could have re-issued (the signal, not a sleep).
  await counter.more(5, 'five reconciles in the CA\'s last renewBefore window');
  await op.idle();
  const c2 = await apiserverRequestCounts();
  t.deepEqual(writes(c1, c2), {}, 'no writes in the CA\'s last renewBefore window');
  const end = await getConfig(ns);
  t.is(end.status!.components![0]!.fingerprint, renewed.status!.components![0]!.fingerprint, 'no further certificate');
  // Not quiet because the floor holds a due leaf back: the leaf is simply not due.
  t.is(end.status!.conditions!.find((x) => x.type === 'Ready')!.status, 'True');
  t.is(end.status!.components![0]!.reason, undefined);
  t.is((await replicaSets(ns, 'hono-adapter-http-vertx')).length, 3, 'no further rollout');
});
