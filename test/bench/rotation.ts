// Rotation benchmark on its own pods control plane (kube-scheduler + KWOK: rollouts really
// complete). The operator runs in-process, watching all namespaces, with
// --max-concurrent-rollouts BENCH_MAX_ROLLOUTS (10):
//  1. one 7-component stack (examples/hono-stack.yaml + the seed config): median time of a phased
//     rotation (rotate-ca token -> done) over BENCH_ROTATION_RUNS (3) runs, rollouts per Deployment,
//     API writes per rotation (apiserver_request_total), trust-gap violations (the sampler, must be 0);
//  2. BENCH_ROTATION_CONFIGS (50) such stacks rotated at once by `rotate -A -l ... --wait`: time to
//     all done, the most rollouts seen in flight (must stay <= the cap), rollouts per Deployment,
//     API writes, trust-gap violations in BENCH_ROTATION_SAMPLED (3) of the namespaces.
// Run: `npm run bench -- rotation` (sizes by env, e.g. BENCH_ROTATION_CONFIGS=5 for a short run).
import * as k8s from '@kubernetes/client-node';
import { startOperator, type RunningOperator } from '../../operator/controller/operator.js';
import { rotateCommand } from '../../operator/rotate/command.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { apiserverRequestCounts, applyObjects, installCrds, testKubeConfig } from '../helpers/cluster.js';
import { revisions, rolloutsBetween, sampleRolloutsInFlight, waitRolledOut } from '../helpers/rollouts.js';
import { trigger, waitDone } from '../helpers/rotation.js';
import { seedStack } from '../helpers/stacks.js';
import { startTrustGapSampler, type TrustGapReport } from '../peers/trust-gap.js';
import { table } from '../peers/table.js';
import { fmtS, median, num, OPERATOR_RESOURCES, say, writesBetween } from './controller.js';

export interface RotationBenchResult {
  rows: string[][];
  violations: number;
  overCap: boolean;
}

/** "3 x6" style: how many Deployments rolled how many times. */
function histogram(deltas: Iterable<number>): string {
  const h = new Map<number, number>();
  for (const d of deltas) h.set(d, (h.get(d) ?? 0) + 1);
  return [...h].sort((a, b) => a[0] - b[0]).map(([n, k]) => `${n} rollouts: ${k} Deployment(s)`).join(', ');
}

/** What the operator writes; Events are left out (kube-controller-manager posts them too) but shown in the detail. */
const OPERATOR_WRITES = new Set([...OPERATOR_RESOURCES].filter((r) => r !== 'events'));
const sumWrites = (w: string[]) => w.reduce((n, x) => n + Number(x.split(': ')[1]), 0);
const gapLine = (rs: TrustGapReport[]) =>
  `${rs.reduce((n, r) => n + r.violations, 0)} violations over ${rs.reduce((n, r) => n + r.samples, 0)} samples (${rs.reduce((n, r) => n + r.pairsChecked, 0)} pair checks, median interval ${median(rs.map((r) => r.medianIntervalMs)).toFixed(0)} ms, ${rs.reduce((n, r) => n + r.unresolved.length, 0)} unresolved pods)`;

async function stackUp(namespaces: string[], labels: Record<string, string>): Promise<void> {
  await Promise.all(
    namespaces.map(async (ns) => {
      await applyObjects([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
      const { config, objects } = seedStack(ns);
      config.metadata.labels = labels;
      // Fifty stacks would exhaust the test cluster's Service IP range (/24): headless Services, as the controller bench does.
      for (const o of objects as { kind?: string; spec?: Record<string, unknown> }[]) if (o.kind === 'Service' && o.spec) o.spec['clusterIP'] = 'None';
      await applyObjects(objects, ns);
      await applyObjects([config], ns);
    }),
  );
}

async function allReady(kc: k8s.KubeConfig, namespaces: string[], timeoutMs: number): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  for (const ns of namespaces) {
    for (;;) {
      const c = (await custom.getNamespacedCustomObject({ group: 'hono.eclipse.org', version: 'v1alpha1', plural: 'honotlsconfigs', namespace: ns, name: 'hono' }).catch(() => undefined)) as
        | { metadata: { generation?: number }; status?: { conditions?: Array<{ type: string; status: string; observedGeneration?: number }> } }
        | undefined;
      if (c?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True' && x.observedGeneration === c.metadata.generation)) break;
      if (Date.now() > deadline) throw new Error(`${ns}/hono not Ready within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await waitRolledOut(kc, ns, undefined, Math.max(10_000, deadline - Date.now()));
  }
}

export async function runRotationBench(): Promise<RotationBenchResult> {
  const runs = num('BENCH_ROTATION_RUNS', 3);
  const configs = num('BENCH_ROTATION_CONFIGS', 50);
  const cap = num('BENCH_MAX_ROLLOUTS', 10);
  const sampled = Math.min(configs, num('BENCH_ROTATION_SAMPLED', 3));
  let cp: ControlPlane | undefined;
  let op: RunningOperator | undefined;
  const rows: string[][] = [];
  let violations = 0;
  let overCap = false;
  try {
    cp = await startControlPlane({ pods: true, log: (l) => say(`controlplane: ${l}`) });
    process.env.HONO_TEST_KUBECONFIG = cp.kubeconfigPath;
    process.env.HONO_TEST_BIN_DIR = cp.binDir;
    await installCrds();
    const kc = testKubeConfig();
    op = await startOperator({ kubeConfig: kc, logger: silentLogger(), resyncMs: 60_000, maxConcurrentRollouts: cap });
    await op.ready;
    say(`operator running (all namespaces, --max-concurrent-rollouts ${cap})`);

    // 1. One stack, rotated `runs` times.
    const one = 'bench-rot-one';
    await stackUp([one], { bench: 'one' });
    await allReady(kc, [one], 300_000);
    const times: number[] = [];
    const writes: number[] = [];
    const perDeployment: number[] = [];
    const gaps: TrustGapReport[] = [];
    let breakdown = '';
    for (let i = 0; i < runs; i++) {
      const sampler = await startTrustGapSampler(kc, one, 'hono');
      const rev0 = await revisions(kc, one);
      const c0 = await apiserverRequestCounts();
      const t0 = performance.now();
      const tok = `bench-${Date.now()}`;
      const ca = await trigger(kc, one, 'hono', 'rotate-ca', tok);
      await waitDone(kc, one, 'hono', 'rotate-ca', tok, ca, 30 * 60_000);
      times.push(performance.now() - t0);
      await waitRolledOut(kc, one);
      const c1 = await apiserverRequestCounts();
      const w = writesBetween(c0, c1, OPERATOR_WRITES);
      writes.push(sumWrites(w) - 1); // minus the bench's own trigger patch
      breakdown = `${w.join(', ')}; all events (operator and kube-controller-manager): ${sumWrites(writesBetween(c0, c1, new Set(['events'])))}`;
      perDeployment.push(...rolloutsBetween(rev0, await revisions(kc, one)).values());
      gaps.push(await sampler.stop());
      say(`rotation ${i + 1}/${runs}: ${fmtS(times.at(-1)!)}, ${writes.at(-1)} writes, ${gaps.at(-1)!.violations} violations over ${gaps.at(-1)!.samples} samples`);
    }
    violations += gaps.reduce((n, r) => n + r.violations, 0);
    rows.push([`phased rotation, one 7-component stack (6 Deployments), n=${runs}`, `median ${fmtS(median(times))}`, `min ${fmtS(Math.min(...times))}, max ${fmtS(Math.max(...times))}`]);
    rows.push(['rollouts per Deployment per rotation', histogram(perDeployment.map((n) => n)), `over ${runs} rotations (expected 3 each)`]);
    rows.push(['API writes per rotation (secrets, deployments, honotlsconfigs, configmaps)', `median ${median(writes)}`, `last: ${breakdown}`]);
    rows.push(['trust-gap violations, one stack', String(gaps.reduce((n, r) => n + r.violations, 0)), gapLine(gaps)]);

    // 2. Many stacks at once through the cluster-wide command.
    const many = Array.from({ length: configs }, (_, i) => `bench-rot-many-${i}`);
    say(`bringing up ${configs} stacks ...`);
    await stackUp(many, { bench: 'many' });
    await allReady(kc, many, 30 * 60_000);
    const rev0 = await Promise.all(many.map((ns) => revisions(kc, ns)));
    const samplers = await Promise.all(many.slice(0, sampled).map((ns) => startTrustGapSampler(kc, ns, 'hono', { intervalMs: 200 })));
    const inFlight = sampleRolloutsInFlight(kc, 'all', 200);
    const c0 = await apiserverRequestCounts();
    const t0 = performance.now();
    let out = '';
    let err = '';
    say(`rotate -A -l bench=many --wait over ${configs} configs ...`);
    const code = await rotateCommand(['-A', '-l', 'bench=many', '--wait', '--timeout', String(4 * 3600)], {
      kubeConfig: kc,
      pollMs: 2000,
      io: { out: (x) => (out += x), err: (x) => (err += x) },
    });
    const allDone = performance.now() - t0;
    const seen = await inFlight.stop();
    const w = writesBetween(c0, await apiserverRequestCounts(), OPERATOR_WRITES);
    const manyGaps = await Promise.all(samplers.map((s) => s.stop()));
    if (code !== 0) throw new Error(`rotate exited ${code}: ${err || out.split('\n').slice(-5).join('\n')}`);
    const deltas = (await Promise.all(many.map(async (ns, i) => [...rolloutsBetween(rev0[i]!, await revisions(kc, ns)).values()]))).flat();
    violations += manyGaps.reduce((n, r) => n + r.violations, 0);
    overCap = seen.max > cap;
    rows.push([`${configs} configs rotated by rotate -A --wait, --max-concurrent-rollouts ${cap}`, fmtS(allDone), `${fmtS(allDone / configs)} per config`]);
    rows.push(['most rollouts in flight (sampled every 200 ms)', `${seen.max} (cap ${cap})`, `${seen.samples} samples`]);
    rows.push([`rollouts per Deployment (${configs} configs)`, histogram(deltas), 'expected 3 each']);
    rows.push([`API writes (secrets, deployments, honotlsconfigs, configmaps), ${configs} rotations`, String(sumWrites(w) - configs), `${((sumWrites(w) - configs) / configs).toFixed(1)} per rotation; ${w.join(', ')}`]);
    rows.push([`trust-gap violations, ${sampled} of ${configs} namespaces sampled`, String(manyGaps.reduce((n, r) => n + r.violations, 0)), gapLine(manyGaps)]);
  } finally {
    await op?.stop();
    await cp?.stop();
  }
  return { rows, violations, overCap };
}

/** The `rotation` section of `npm run bench`: prints the table; a trust-gap violation or a rollout over the cap fails the run. */
export async function printRotationBench(): Promise<void> {
  const r = await runRotationBench();
  console.log(table(['rotation', 'result', 'detail'], r.rows));
  if (r.violations !== 0 || r.overCap) {
    console.error(`[bench] FAILED: ${r.violations} trust-gap violations${r.overCap ? '; more rollouts in flight than the cap' : ''}`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await printRotationBench();
