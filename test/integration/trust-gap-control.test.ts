// The trust-gap sampler's positive control, on the pods control plane: an UNPHASED CA change (every
// mounted Secret swapped to another CA's material at once and every Deployment rolled at once, by
// the test, with the operator stopped: the operator itself phases every CA change now) leaves live
// pods that cannot verify each other while Deployments roll, and the sampler sees it. Before the change and after everything rolled, it sees none (the
// sampler is not merely failing everything).
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { TLS_DIGEST_ANNOTATION } from '../../operator/controller/names.js';
import { secretNames } from '../../operator/plan/plan.js';
import { clusterWith, type FeaturedCluster } from '../controlplane/cluster-with.js';
import { applyObjects, installCrds, withNamespace } from '../helpers/cluster.js';
import { waitRolledOut } from '../helpers/rollouts.js';
import { seedStack } from '../helpers/stacks.js';
import { formatTrustGap, startTrustGapSampler } from '../peers/trust-gap.js';
import { getConfig, runOperator, waitFor, waitReady } from './controller-fixtures.js';

let cluster: FeaturedCluster;

test.before(async () => {
  cluster = await clusterWith({ pods: true });
  // The shared helpers (applyObjects, runOperator) talk to this control plane.
  process.env.HONO_TEST_KUBECONFIG = cluster.kubeconfigPath;
  await installCrds();
});
test.after.always(async () => {
  await cluster?.stop();
});

test('an unphased CA change (every Secret swapped to another CA at once, every Deployment rolled at once) opens trust gaps between live pods, and the sampler counts them', async (t) => {
  t.timeout(15 * 60_000);
  const kc = cluster.kubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const ns = await withNamespace(t, 'trust-gap-control');
  const { config, objects } = seedStack(ns);
  await applyObjects(objects, ns);
  const op = await runOperator(t, ns);
  await applyObjects([config], ns);
  // A second config with the same components and names, material only: another CA's leaves and stores.
  const other = { ...config, metadata: { name: 'other', namespace: ns }, spec: { ...config.spec, components: config.spec.components.map(({ deployment: _d, ...c }) => c) } };
  await applyObjects([other], ns);
  await waitReady(ns, config.metadata.name, 180_000);
  await waitReady(ns, 'other', 180_000);
  await waitRolledOut(kc, ns);
  const hono = await getConfig(ns, config.metadata.name);
  const otherCa = (await getConfig(ns, 'other')).status?.ca?.fingerprint;
  t.truthy(otherCa);
  t.not(otherCa, hono.status?.ca?.fingerprint, 'two different CAs');

  const sampler = await startTrustGapSampler(kc, ns, config.metadata.name);
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await sampler.stop();
  });
  // Settled stack: pairs on every channel with pods on both sides, and no violation.
  await waitFor('20 samples of the settled stack', async () => sampler.report().samples >= 20, 60_000);
  const quiet = sampler.report();
  t.log(`settled: ${formatTrustGap(quiet)}`);
  t.is(quiet.violations, 0, JSON.stringify(quiet.distinct.slice(0, 3)));
  for (const ch of [2, 3, 4, 5, 6]) t.true((quiet.pairsPerChannel[ch] ?? 0) > 0, `channel ${ch} has live pairs`);

  // The unphased change, done by the test with the operator stopped (so nothing is phased or undone):
  // every Secret the pods mount gets the other CA's material at once, and every Deployment rolls at
  // once with a new digest, as an operator without phases would do it.
  await op.stop();
  const names = [secretNames.password(config.metadata.name), ...config.spec.components.map((c) => secretNames.component(config.metadata.name, c.name))];
  for (const name of names) {
    const from = await core.readNamespacedSecret({ name: name.replace(/^hono-/, 'other-'), namespace: ns });
    const to = await core.readNamespacedSecret({ name, namespace: ns });
    await core.replaceNamespacedSecret({ name, namespace: ns, body: { ...to, data: from.data } });
  }
  const swap = `sha256:unphased-swap-${Date.now()}`;
  for (const d of (await apps.listNamespacedDeployment({ namespace: ns })).items) {
    await apps.patchNamespacedDeployment(
      { name: d.metadata!.name!, namespace: ns, body: { spec: { template: { metadata: { annotations: { [TLS_DIGEST_ANNOTATION]: `${swap}-${d.metadata!.name}` } } } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }
  await waitRolledOut(kc, ns);
  const settledAt = sampler.report().samples;
  await waitFor('10 samples after the rollouts', async () => sampler.report().samples >= settledAt + 10, 60_000);
  const r = await sampler.stop();
  stopped = true;
  t.log(`unphased CA change: ${formatTrustGap(r)}`);
  for (const v of r.distinct.slice(0, 6)) t.log(`  channel ${v.channel}: ${v.client} -> ${v.server} in ${v.samples} samples: ${v.reason.slice(0, 300)}`);
  t.deepEqual(r.errors, []);
  t.deepEqual(r.unresolved, []);
  t.true(r.violations > 0, 'the sampler sees the gap an unphased change opens');
  t.true(r.distinct.some((v) => /does not trust|no issuer/.test(v.reason)), 'a violation is a failed chain check');
  t.true(r.medianIntervalMs <= 200, `sampled every ${r.medianIntervalMs.toFixed(0)} ms (median)`);

  // Once every Deployment rolled, all pods hold the other CA's material: a fresh sampler sees no gap.
  const after = await startTrustGapSampler(kc, ns, config.metadata.name);
  await waitFor('10 samples after the change', async () => after.report().samples >= 10, 60_000);
  const ra = await after.stop();
  t.log(`after the change: ${formatTrustGap(ra)}`);
  t.is(ra.violations, 0, JSON.stringify(ra.distinct.slice(0, 3)));
  t.true(ra.pairsChecked > 0);
});
