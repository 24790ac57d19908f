// The cluster-wide command against the real operator: `rotate -A -l ... --wait` over 3 namespaces
// with the operator's --max-concurrent-rollouts at 2. Sampled every 100 ms, never more than 2
// Deployments have an incomplete rollout; every config ends rotated, each Deployment rolled 3
// times. The operator watches all namespaces, so this file always has a pods control plane of
// its own (a shared one would hold other files' configs).
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { startOperator } from '../../operator/controller/operator.js';
import { rotateCommand } from '../../operator/rotate/command.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { applyObjects, installCrds, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { revisions, rolloutsBetween, sampleRolloutsInFlight, waitRolledOut } from '../helpers/rollouts.js';
import { seedStack } from '../helpers/stacks.js';
import { waitReady } from './controller-fixtures.js';

let cp: ControlPlane | undefined;

test.before(async () => {
  cp = await startControlPlane({
    pods: true,
    binDir: process.env.HONO_TEST_BIN_DIR,
    podsBinDir: process.env.HONO_TEST_PODS_BIN_DIR,
    log: (l) => process.stderr.write(`[controlplane rotate-cap] ${l}\n`),
  });
  process.env.HONO_TEST_KUBECONFIG = cp.kubeconfigPath;
  await installCrds();
});
test.after.always(async () => {
  await cp?.stop();
});

test('rotate -A -l SEL --wait over 3 namespaces, operator cap 2: never more than 2 rollouts in flight; all rotate, 3 rollouts per Deployment', async (t) => {
  t.timeout(40 * 60_000);
  const kc = testKubeConfig();
  const op = await startOperator({ kubeConfig: kc, logger: silentLogger(), resyncMs: 5000, backoffBaseMs: 200, backoffMaxMs: 2000, maxConcurrentRollouts: 2 });
  t.teardown(() => op.stop());
  await op.ready;
  const group = `cap${Date.now()}`;
  const namespaces = [await withNamespace(t, 'cap-a'), await withNamespace(t, 'cap-b'), await withNamespace(t, 'cap-c')];
  for (const ns of namespaces) {
    const { config, objects } = seedStack(ns);
    config.metadata.labels = { group };
    await applyObjects(objects, ns);
    await applyObjects([config], ns);
  }
  for (const ns of namespaces) {
    await waitReady(ns, 'hono', 300_000);
    await waitRolledOut(kc, ns, undefined, 300_000);
  }
  const before = await Promise.all(namespaces.map((ns) => revisions(kc, ns)));

  const inFlight = sampleRolloutsInFlight(kc, namespaces, 100);
  let out = '';
  let err = '';
  const code = await rotateCommand(['-A', '-l', `group=${group}`, '--wait', '--timeout', '1800'], { kubeConfig: kc, pollMs: 500, io: { out: (x) => (out += x), err: (x) => (err += x) } });
  const seen = await inFlight.stop();
  t.log(out);
  t.is(code, 0, err);
  t.regex(out, /all 3 config\(s\) done/);
  t.log(`rollouts in flight: at most ${seen.max} over ${seen.samples} samples (${seen.names.join(', ')})`);
  t.true(seen.samples > 50, 'sampled');
  t.true(seen.max >= 1, 'the sampler saw rollouts in flight (positive control)');
  t.true(seen.max <= 2, `never more than the cap of 2 in flight (saw ${seen.max}: ${seen.names.join(', ')})`);
  for (const [i, ns] of namespaces.entries()) {
    await waitRolledOut(kc, ns);
    const delta = rolloutsBetween(before[i]!, await revisions(kc, ns));
    t.log(`${ns}: ${JSON.stringify(Object.fromEntries(delta))}`);
    for (const [d, n] of delta) t.is(n, 3, `${ns}/${d} rolled ${n} times`);
  }
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  t.is((await apps.listDeploymentForAllNamespaces({})).items.filter((d) => namespaces.includes(d.metadata!.namespace!)).length, 18);
});
