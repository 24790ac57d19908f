// Honest health: /healthz fails once the watches have failed for longer than the threshold, and
// recovers when the apiserver is back. The outage is real: kube-apiserver of a private control
// plane (this test's alone, so no other test loses its apiserver) is stopped and started again.
import test from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import { startOperator } from '../../operator/controller/operator.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { startControlPlane } from '../controlplane/controlplane.js';
import { kubectl } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';
import { CRD_FILE, CRD_NAME } from './crd-install.js';

test('/healthz goes 503 during an apiserver outage longer than the threshold, and 200 after restart', async (t) => {
  t.timeout(240_000);
  const cp = await startControlPlane({ binDir: process.env.HONO_TEST_BIN_DIR, log: (l) => t.log(`[private controlplane] ${l}`) });
  t.teardown(() => cp.stop());
  const kubeconfig = cp.kubeconfigPath;
  const apply = await kubectl(['apply', '--server-side', '-f', CRD_FILE], { kubeconfig });
  t.is(apply.code, 0, apply.stderr);
  const established = await kubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=30s'], { kubeconfig });
  t.is(established.code, 0, established.stderr);

  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  // Watches retry far more often than the threshold, like production (30 s vs 2 min): a retry that
  // merely starts must not count as healthy again.
  const unhealthyAfterMs = 4000;
  const op = await startOperator({ kubeConfig: kc, logger: silentLogger(), healthPort: 0, bindHost: '127.0.0.1', unhealthyAfterMs, watchRestartMaxMs: 1000 });
  t.teardown(() => op.stop());
  await op.ready;
  const healthz = async () => {
    const r = await fetch(`${op.healthUrl}/healthz`);
    return { status: r.status, body: await r.text() };
  };
  // Positive control: healthy while the apiserver runs.
  t.is((await healthz()).status, 200);

  const stoppedAt = Date.now();
  await cp.stopApiserver();
  const down = await waitFor('/healthz 503 while kube-apiserver is stopped', async () => {
    const h = await healthz();
    return h.status === 503 ? h : undefined;
  }, 60_000, 250);
  t.true(Date.now() - stoppedAt >= unhealthyAfterMs, 'not before the threshold');
  t.regex(down.body, /informer \S+ failing for \d+s/);

  await cp.startApiserver();
  const back = await waitFor('/healthz 200 after kube-apiserver is back', async () => {
    const h = await healthz();
    return h.status === 200 ? h : undefined;
  }, 90_000, 250);
  t.is(back.body, 'ok\n');
});
