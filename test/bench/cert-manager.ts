// certManager benchmark on its own control plane with cert-manager's real controllers: apply ->
// Ready of one 7-component config, side by side in each run, in three ways: the operator in
// certManager mode (a CA ClusterIssuer), the operator in selfSigned mode, and the same 7
// Certificates applied bare (no operator: cert-manager alone, Ready when all 7 are). Then N
// certManager configs at once (BENCH_CONFIGS, 50). Medians of BENCH_RUNS (5) and their ratios.
// Run: `npx tsx test/bench/cert-manager.ts` (or `npm run bench -- cert-manager`).
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { startOperator, type RunningOperator } from '../../operator/controller/operator.js';
import { CERTIFICATES, desiredCertificate } from '../../operator/issuers/certificate-spec.js';
import { planConfig } from '../../operator/plan/plan.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { caCertificate, cm, createCm, cmReady, selfSignedClusterIssuer } from '../helpers/cert-manager.js';
import { applyObjects, installCrds, testKubeConfig } from '../helpers/cluster.js';
import { table } from '../peers/table.js';
import { createNamespaceWithStack, fmtS, loadExamples, median, num, say, untilReady } from './controller.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SELF_SIGNED = 'bench-selfsigned';
const CA = 'bench-ca';

function certManagerConfig(config: HonoTlsConfig, namespace: string): HonoTlsConfig {
  const c = structuredClone(config);
  c.metadata = { name: c.metadata.name, namespace };
  c.spec.issuer = { certManager: { issuerRef: { name: CA, kind: 'ClusterIssuer' } } };
  return c;
}

/** The Certificates the operator would own for `config`, as bare objects of nobody. */
function bareCertificates(config: HonoTlsConfig): object[] {
  const plan = planConfig({ ...config, metadata: { ...config.metadata, uid: 'none' } });
  const owner = { apiVersion: 'v1', kind: 'None', name: 'none', uid: 'none' };
  return plan.components.map((c) => {
    const cert = desiredCertificate(plan, c, owner, { labels: {}, annotations: {} });
    const { ownerReferences: _dropped, ...metadata } = cert.metadata;
    return { ...cert, metadata: { ...metadata, labels: { bench: 'bare' } } };
  });
}

async function untilCertificatesReady(namespace: string, n: number, timeoutMs: number): Promise<void> {
  const custom = testKubeConfig().makeApiClient(CustomObjectsApi);
  const t0 = performance.now();
  for (;;) {
    const list = (await custom.listNamespacedCustomObject({ ...cm, plural: CERTIFICATES, namespace, labelSelector: 'bench=bare' })) as {
      items: { status?: { conditions?: { type: string; status: string }[] } }[];
    };
    if (list.items.length === n && list.items.every((c) => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))) return;
    if (performance.now() - t0 > timeoutMs) throw new Error(`bare Certificates in ${namespace} not Ready within ${timeoutMs / 1000}s`);
    await sleep(25);
  }
}

export async function runCertManagerBench(): Promise<string[][]> {
  const runs = num('BENCH_RUNS', 5);
  const configs = num('BENCH_CONFIGS', 50);
  let cp: ControlPlane | undefined;
  let op: RunningOperator | undefined;
  const rows: string[][] = [];
  try {
    cp = await startControlPlane({ certManager: true, log: (l) => say(`controlplane: ${l}`) });
    process.env.HONO_TEST_KUBECONFIG = cp.kubeconfigPath;
    process.env.HONO_TEST_BIN_DIR = cp.binDir;
    await installCrds();
    await applyObjects([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cert-manager' } }]);
    await selfSignedClusterIssuer(SELF_SIGNED);
    await caCertificate('cert-manager', CA, SELF_SIGNED);
    await createCm('clusterissuers', { kind: 'ClusterIssuer', metadata: { name: CA }, spec: { ca: { secretName: CA } } });
    await cmReady('clusterissuers', CA);
    const { stack, config } = loadExamples();
    op = await startOperator({ kubeConfig: testKubeConfig(), logger: silentLogger() });
    await op.ready;
    const n = config.spec.components.length;

    // 1. side by side in each run.
    const times = { certManager: [] as number[], selfSigned: [] as number[], bare: [] as number[] };
    for (let i = 0; i < runs; i++) {
      const cmNs = `bench-cm-${i}`;
      await createNamespaceWithStack(cmNs, stack);
      let t0 = performance.now();
      await applyObjects([certManagerConfig(config, cmNs)]);
      await untilReady(new Set([cmNs]), 300_000);
      times.certManager.push(performance.now() - t0);

      const ssNs = `bench-ss-${i}`;
      await createNamespaceWithStack(ssNs, stack);
      const ss = structuredClone(config);
      ss.metadata = { name: ss.metadata.name, namespace: ssNs };
      t0 = performance.now();
      await applyObjects([ss]);
      await untilReady(new Set([ssNs]), 300_000);
      times.selfSigned.push(performance.now() - t0);

      const bareNs = `bench-bare-${i}`;
      await applyObjects([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: bareNs } }]);
      const certs = bareCertificates(certManagerConfig(config, bareNs));
      t0 = performance.now();
      await applyObjects(certs, bareNs);
      await untilCertificatesReady(bareNs, n, 300_000);
      times.bare.push(performance.now() - t0);
      say(`run ${i + 1}/${runs}: certManager ${fmtS(times.certManager.at(-1)!)}, selfSigned ${fmtS(times.selfSigned.at(-1)!)}, bare Certificates ${fmtS(times.bare.at(-1)!)}`);
    }
    const m = { certManager: median(times.certManager), selfSigned: median(times.selfSigned), bare: median(times.bare) };
    const spread = (xs: number[]) => `min ${fmtS(Math.min(...xs))}, max ${fmtS(Math.max(...xs))}, n=${xs.length}`;
    rows.push([`apply -> Ready, ${n} components, certManager (CA ClusterIssuer)`, `median ${fmtS(m.certManager)}`, spread(times.certManager)]);
    rows.push([`apply -> Ready, ${n} components, selfSigned`, `median ${fmtS(m.selfSigned)}`, spread(times.selfSigned)]);
    rows.push([`apply -> all Ready, the same ${n} Certificates bare (cert-manager alone)`, `median ${fmtS(m.bare)}`, spread(times.bare)]);
    rows.push(['ratios of medians', `certManager / bare ${(m.certManager / m.bare).toFixed(2)}`, `certManager / selfSigned ${(m.certManager / m.selfSigned).toFixed(2)}`]);

    // 2. many certManager configs at once.
    const many = new Set<string>();
    for (let i = 0; i < configs; i++) {
      const ns = `bench-cm-many-${i}`;
      many.add(ns);
      await createNamespaceWithStack(ns, stack);
    }
    const t0 = performance.now();
    await Promise.all([...many].map((ns) => applyObjects([certManagerConfig(config, ns)])));
    await untilReady(many, 15 * 60_000);
    rows.push([`${configs} certManager configs in ${configs} namespaces, apply -> all Ready`, fmtS(performance.now() - t0), `${configs * n} Certificates issued by cert-manager`]);
  } finally {
    await op?.stop();
    await cp?.stop();
  }
  return rows;
}

export async function printCertManagerBench(): Promise<void> {
  console.log(table(['cert-manager', 'result', 'detail'], await runCertManagerBench()));
}

// Direct run: `npx tsx test/bench/cert-manager.ts`.
if (import.meta.url === `file://${process.argv[1]}`) await printCertManagerBench();
