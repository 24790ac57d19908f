// The trust-gap sampler's positive control, on the pods control plane: an UNPHASED CA change (the
// user's brought-in CA Secret replaced by a different CA; the operator re-issues and rewires
// every Deployment at once) leaves live pods that cannot verify each other while Deployments roll,
// and the sampler sees it. Before the change and after everything rolled, it sees none (the
// sampler is not merely failing everything).
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { CertificateAuthority } from '../../operator/pki/index.js';
import { systemClock } from '../../operator/runtime/clock.js';
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

const newCa = (cn: string) => CertificateAuthority.createSelfSigned({ commonName: cn, intermediate: false, durationMs: 365 * 86400_000, privateKey: { algorithm: 'ECDSA', size: 256 } }, systemClock);

test('an unphased CA change (brought-in CA replaced directly) opens trust gaps between live pods, and the sampler counts them', async (t) => {
  const kc = cluster.kubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ns = await withNamespace(t, 'trust-gap-control');
  const first = await newCa('first brought-in CA');
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'hono-ca' }, type: 'kubernetes.io/tls', stringData: first.toSecretData() } });
  const { config, objects } = seedStack(ns, { issuer: { ca: { secretName: 'hono-ca' } } });
  await applyObjects(objects, ns);
  await runOperator(t, ns);
  await applyObjects([config], ns);
  await waitReady(ns, config.metadata.name, 120_000);
  await waitRolledOut(kc, ns);

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

  // The unphased change: a different CA put straight into the user's Secret.
  const second = await newCa('second brought-in CA');
  await core.replaceNamespacedSecret({ name: 'hono-ca', namespace: ns, body: { metadata: { name: 'hono-ca' }, type: 'kubernetes.io/tls', stringData: second.toSecretData() } });
  await waitFor('the config to sign with the second CA', async () => (await getConfig(ns, config.metadata.name)).status?.ca?.fingerprint === second.fingerprint, 120_000);
  await waitReady(ns, config.metadata.name, 120_000);
  await waitRolledOut(kc, ns);
  const settledAt = sampler.report().samples;
  await waitFor('10 samples after the rollouts', async () => sampler.report().samples >= settledAt + 10, 60_000);
  const r = await sampler.stop();
  stopped = true;
  t.log(`unphased CA change: ${formatTrustGap(r)}`);
  for (const v of r.distinct.slice(0, 6)) t.log(`  channel ${v.channel}: ${v.client} -> ${v.server} in ${v.samples} samples: ${v.reason}`);
  t.deepEqual(r.errors, []);
  t.deepEqual(r.unresolved, []);
  t.true(r.violations > 0, 'the sampler sees the gap an unphased change opens');
  t.true(r.distinct.some((v) => /does not trust|no issuer/.test(v.reason)), 'a violation is a failed chain check');
  t.true(r.medianIntervalMs <= 200, `sampled every ${r.medianIntervalMs.toFixed(0)} ms (median)`);

  // Once every Deployment rolled, the new material is consistent again: a fresh sampler sees no gap.
  const after = await startTrustGapSampler(kc, ns, config.metadata.name);
  await waitFor('10 samples after the change', async () => after.report().samples >= 10, 60_000);
  const ra = await after.stop();
  t.log(`after the change: ${formatTrustGap(ra)}`);
  t.is(ra.violations, 0, JSON.stringify(ra.distinct.slice(0, 3)));
  t.true(ra.pairsChecked > 0);
});
