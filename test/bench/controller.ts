// Controller benchmark on its own real control plane. The operator runs in-process (startOperator),
// watching all namespaces; its reconciles report their API and issuing time (onTimings):
//  1. apply -> Ready for one 7-component config: median of BENCH_RUNS (10) runs, ECDSA P-256 and RSA 3072;
//  2. 50 configs in 50 namespaces (BENCH_CONFIGS): time to all Ready, peak RSS (resourceUsage maxRSS of
//     this process, which is the operator plus the bench's small client; the baseline is printed too);
//  3. writes during BENCH_STEADY_SECONDS (60) of steady state, from apiserver_request_total (must be 0),
//     with a resync period shorter than the window so resyncs happen inside it;
//  and the operator's time in key generation/signing next to its time in API calls.
// Run: `npx tsx test/bench/controller.ts` (or through `npm run bench`).
import * as fs from 'node:fs';
import yaml from 'js-yaml';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig, type PrivateKeySpec } from '../../operator/api/v1alpha1.js';
import { startOperator, type RunningOperator } from '../../operator/controller/operator.js';
import type { Timings } from '../../operator/controller/kube.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { apiserverRequestCounts, applyObjects, installCrds, testKubeConfig } from '../helpers/cluster.js';
import { table } from '../peers/table.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const say = (l: string) => process.stderr.write(`[bench] ${l}\n`);
export const num = (name: string, def: number) => (process.env[name] ? Number(process.env[name]) : def);

export const WRITE_VERBS = new Set(['CREATE', 'UPDATE', 'PATCH', 'DELETE', 'APPLY', 'POST', 'PUT', 'DELETECOLLECTION']);
/** What the operator writes; other writers (the apiserver's own leases) are not its doing. */
export const OPERATOR_RESOURCES = new Set(['secrets', 'deployments', 'honotlsconfigs', 'honotlsconfigs/status', 'events', 'configmaps']);

/** Sums the operator's per-reconcile timings (API calls vs issuing: key generation + signing). */
class TimingTotals {
  apiMs = 0;
  issueMs = 0;
  apiCalls = 0;
  add = (_key: string, t: Timings) => {
    this.apiMs += t.apiMs;
    this.issueMs += t.issueMs;
    this.apiCalls += t.apiCalls;
  };
  snapshot() {
    return { apiMs: this.apiMs, issueMs: this.issueMs, apiCalls: this.apiCalls };
  }
  since(before: ReturnType<TimingTotals['snapshot']>): string {
    return `issuing ${((this.issueMs - before.issueMs) / 1000).toFixed(2)} s / API ${((this.apiMs - before.apiMs) / 1000).toFixed(2)} s (${this.apiCalls - before.apiCalls} calls)`;
  }
}

const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

export function loadExamples(): { stack: object[]; config: HonoTlsConfig } {
  const stack = (yaml.loadAll(fs.readFileSync('examples/hono-stack.yaml', 'utf8')) as Array<{ kind?: string; spec?: Record<string, unknown> }>).filter(Boolean);
  // Hundreds of stacks would exhaust the test cluster's Service IP range (/24): headless Services
  // (the operator only needs them to exist).
  for (const o of stack) if (o.kind === 'Service' && o.spec) o.spec['clusterIP'] = 'None';
  const config = (yaml.loadAll(fs.readFileSync('examples/honotlsconfig-seed.yaml', 'utf8')) as HonoTlsConfig[]).find((d) => d?.kind === 'HonoTlsConfig');
  if (!config) throw new Error('examples/honotlsconfig-seed.yaml holds no HonoTlsConfig');
  return { stack, config };
}

function withKey(config: HonoTlsConfig, namespace: string, key: PrivateKeySpec): HonoTlsConfig {
  const c = structuredClone(config);
  c.metadata = { name: c.metadata.name, namespace };
  c.spec.certificate = { ...c.spec.certificate, privateKey: key };
  if (c.spec.issuer?.selfSigned) c.spec.issuer.selfSigned.privateKey = key;
  return c;
}

async function readyCount(namespaces: Set<string>): Promise<number> {
  const custom = testKubeConfig().makeApiClient(CustomObjectsApi);
  const list = (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as { items: HonoTlsConfig[] };
  return list.items.filter(
    (c) => namespaces.has(c.metadata.namespace) && c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True' && x.observedGeneration === c.metadata.generation),
  ).length;
}

export async function untilReady(namespaces: Set<string>, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if ((await readyCount(namespaces)) === namespaces.size) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`not all of ${namespaces.size} configs Ready within ${timeoutMs / 1000}s`);
    await sleep(25);
  }
}

export async function createNamespaceWithStack(ns: string, stack: object[]): Promise<void> {
  await applyObjects([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
  await applyObjects(stack, ns);
}

export function writesBetween(c0: Map<string, number>, c1: Map<string, number>, resources?: Set<string>): string[] {
  const out: string[] = [];
  for (const [k, v] of c1) {
    const [verb, resource] = k.split(' ') as [string, string];
    const d = v - (c0.get(k) ?? 0);
    if (d > 0 && WRITE_VERBS.has(verb) && (resources ? resources.has(resource) : resource !== 'leases')) out.push(`${k}: ${d}`);
  }
  return out;
}

/** Waits until nobody (but the apiserver's own leases) wrote anything for `quietMs`. */
async function untilQuiet(quietMs: number, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  let prev = await apiserverRequestCounts();
  for (;;) {
    await sleep(quietMs);
    const now = await apiserverRequestCounts();
    const w = writesBetween(prev, now);
    if (w.length === 0) return;
    if (performance.now() - t0 > timeoutMs) throw new Error(`the cluster was not quiet within ${timeoutMs / 1000}s: ${w.join(', ')}`);
    prev = now;
  }
}

/** Who posted the Events seen since `since` ("component reason xN"), to tell the operator's from others'. */
async function eventSources(since: Date): Promise<string> {
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  const counts = new Map<string, number>();
  for (const e of (await core.listEventForAllNamespaces({})).items) {
    const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
    if (!t || new Date(t) < since) continue;
    const k = `${e.source?.component ?? e.reportingComponent ?? '?'} ${e.reason ?? '?'}`;
    counts.set(k, (counts.get(k) ?? 0) + (e.count ?? 1));
  }
  return [...counts].map(([k, v]) => `${k} x${v}`).join(', ') || 'none found';
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
export const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export interface ControllerBenchResult {
  rows: string[][];
  steadyWrites: number;
}

export async function runControllerBench(): Promise<ControllerBenchResult> {
  const runs = num('BENCH_RUNS', 10);
  const configs = num('BENCH_CONFIGS', 50);
  const steadySeconds = num('BENCH_STEADY_SECONDS', 60);
  const resyncSeconds = Math.max(5, Math.floor(steadySeconds / 3));
  let cp: ControlPlane | undefined;
  let op: RunningOperator | undefined;
  const timings = new TimingTotals();
  const rows: string[][] = [];
  let steadyWrites = -1;
  try {
    cp = await startControlPlane({ log: (l) => say(`controlplane: ${l}`) });
    process.env.HONO_TEST_KUBECONFIG = cp.kubeconfigPath;
    process.env.HONO_TEST_BIN_DIR = cp.binDir;
    await installCrds();
    const { stack, config } = loadExamples();
    const baselineRss = maxRssMiB();
    op = await startOperator({ kubeConfig: testKubeConfig(), logger: silentLogger(), resyncMs: resyncSeconds * 1000, onTimings: timings.add });
    await op.ready;
    say(`operator running (all namespaces, resync ${resyncSeconds}s); bench process peak RSS before it: ${baselineRss.toFixed(0)} MiB`);
    const components = config.spec.components.length;

    // 1. apply -> Ready, one config at a time.
    for (const [label, key] of [
      ['ECDSA P-256', { algorithm: 'ECDSA', size: 256 }],
      ['RSA 3072', { algorithm: 'RSA', size: 3072 }],
    ] as const) {
      const times: number[] = [];
      const before = timings.snapshot();
      for (let i = 0; i < runs; i++) {
        const ns = `bench-${key.algorithm.toLowerCase()}-${i}`;
        await createNamespaceWithStack(ns, stack);
        const t0 = performance.now();
        await applyObjects([withKey(config, ns, key as PrivateKeySpec)]);
        await untilReady(new Set([ns]), 300_000);
        times.push(performance.now() - t0);
        say(`${label} run ${i + 1}/${runs}: ${fmtS(times.at(-1)!)}`);
      }
      rows.push([
        `apply -> Ready, ${components} components, ${label}`,
        `median ${fmtS(median(times))} (min ${fmtS(Math.min(...times))}, max ${fmtS(Math.max(...times))}, n=${runs})`,
        timings.since(before),
      ]);
    }

    // 2. many configs at once.
    const many = new Set<string>();
    for (let i = 0; i < configs; i++) {
      const ns = `bench-many-${i}`;
      many.add(ns);
      await createNamespaceWithStack(ns, stack);
    }
    const before = timings.snapshot();
    const t0 = performance.now();
    await Promise.all([...many].map((ns) => applyObjects([withKey(config, ns, { algorithm: 'ECDSA', size: 256 })])));
    await untilReady(many, 15 * 60_000);
    const allReady = performance.now() - t0;
    rows.push([
      `${configs} configs in ${configs} namespaces (ECDSA P-256), apply -> all Ready`,
      fmtS(allReady),
      `${timings.since(before)}; peak RSS ${maxRssMiB().toFixed(0)} MiB`,
    ]);

    // 3. steady state: nothing changes, so nothing is written (resyncs included). First let
    // kube-controller-manager finish the rollouts the wiring started (its ReplicaSets, Pods, Events).
    say(`waiting for the cluster to be quiet (kube-controller-manager rolling out ${configs + 2 * runs} stacks) ...`);
    await untilQuiet(5_000, 300_000);
    const c0 = await apiserverRequestCounts();
    const windowStart = new Date();
    say(`steady state: watching writes for ${steadySeconds}s ...`);
    await sleep(steadySeconds * 1000);
    const c1 = await apiserverRequestCounts();
    const writes = writesBetween(c0, c1, OPERATOR_RESOURCES);
    steadyWrites = writes.reduce((n, w) => n + Number(w.split(': ')[1]), 0);
    const others = writesBetween(c0, c1).filter((w) => !writes.includes(w));
    if (others.length) writes.push(`(not the operator's kinds: ${others.join(', ')})`);
    if (writes.some((w) => w.includes(' events:'))) writes.push(`events by source: ${await eventSources(windowStart)}`);
    rows.push([`writes during ${steadySeconds} s of steady state (${configs + 2 * runs} configs, resync every ${resyncSeconds} s)`, String(steadyWrites), writes.join(', ') || 'none']);
    rows.push(['peak RSS (resourceUsage maxRSS)', `${maxRssMiB().toFixed(0)} MiB`, `operator in-process; the bench process alone peaked at ${baselineRss.toFixed(0)} MiB before it started; now: RSS ${mib(process.memoryUsage().rss)}, heap used ${mib(process.memoryUsage().heapUsed)}`]);
    rows.push(['operator total: issuing (keys + signing) vs API calls', `${(timings.issueMs / 1000).toFixed(2)} s vs ${(timings.apiMs / 1000).toFixed(2)} s`, `${timings.apiCalls} API calls; summed over reconciles (they overlap)`]);
  } finally {
    await op?.stop();
    await cp?.stop();
  }
  return { rows, steadyWrites };
}

export function formatControllerBench(r: ControllerBenchResult): string {
  return table(['controller', 'result', 'detail'], r.rows);
}

/** The `controller` section of `npm run bench`: prints the table; a steady-state write fails the run. */
export async function printControllerBench(): Promise<void> {
  const r = await runControllerBench();
  console.log(formatControllerBench(r));
  if (r.steadyWrites !== 0) {
    console.error(`[bench] FAILED: ${r.steadyWrites} writes in steady state`);
    process.exitCode = 1;
  }
}

// Direct run: `npx tsx test/bench/controller.ts`.
if (import.meta.url === `file://${process.argv[1]}`) await printControllerBench();
