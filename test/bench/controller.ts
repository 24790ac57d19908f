// Controller benchmark on its own real control plane. The operator runs as a child process with
// the image's start command (built dist/, `node dist/operator/main.js`), watching all namespaces:
//  1. apply -> Ready for one 7-component config: median of BENCH_RUNS (10) runs, ECDSA P-256 and RSA 3072;
//  2. 50 configs in 50 namespaces (BENCH_CONFIGS): time to all Ready, the operator's peak RSS (VmHWM);
//  3. writes during BENCH_STEADY_SECONDS (60) of steady state, from apiserver_request_total (must be 0),
//     with a resync period shorter than the window so resyncs happen inside it;
//  and the operator's time in key generation/signing next to its time in API calls (its /metrics).
// Run: `npx tsx test/bench/controller.ts` (or through `npm run bench`).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig, type PrivateKeySpec } from '../../operator/api/v1alpha1.js';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { apiserverRequestCounts, applyObjects, installCrds, testKubeConfig } from '../helpers/cluster.js';
import { table } from '../peers/table.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (l: string) => process.stderr.write(`[bench] ${l}\n`);
const num = (name: string, def: number) => (process.env[name] ? Number(process.env[name]) : def);

const WRITE_VERBS = new Set(['CREATE', 'UPDATE', 'PATCH', 'DELETE', 'APPLY', 'POST', 'PUT', 'DELETECOLLECTION']);
/** What the operator writes; other writers (the apiserver's own leases) are not its doing. */
const OPERATOR_RESOURCES = new Set(['secrets', 'deployments', 'honotlsconfigs', 'honotlsconfigs/status', 'events', 'configmaps']);

interface OperatorProcess {
  child: ChildProcess;
  metricsUrl: string;
  stop(): Promise<number | null>;
}

async function buildDist(): Promise<string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hono-bench-dist-'));
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out]);
  return out;
}

async function startOperatorProcess(dist: string, kubeconfig: string, resyncSeconds: number): Promise<OperatorProcess> {
  // node_modules resolve from the repo (the dist dir sits outside it): link them in.
  fs.symlinkSync(path.resolve('node_modules'), path.join(dist, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dist, 'package.json'), JSON.stringify({ type: 'module' }));
  const child = spawn(process.execPath, [path.join(dist, 'operator/main.js'), '--kubeconfig', kubeconfig, '--metrics-addr', '127.0.0.1:0', '--health-addr', '127.0.0.1:0', '--log-level', 'info', '--resync', String(resyncSeconds)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  process.on('exit', () => child.kill('SIGKILL'));
  // The "started" log line names the endpoints (free ports).
  let metricsUrl = '';
  for (let i = 0; i < 150 && !metricsUrl; i++) {
    for (const line of out.split('\n')) {
      const m = /"metrics":"([^"]+)"/.exec(line);
      if (m) metricsUrl = m[1]!;
    }
    if (child.exitCode !== null) throw new Error(`the operator exited ${child.exitCode}:\n${out}`);
    if (!metricsUrl) await sleep(200);
  }
  if (!metricsUrl) throw new Error(`the operator logged no metrics URL:\n${out}`);
  return {
    child,
    metricsUrl,
    stop: async () => {
      child.kill('SIGTERM');
      return Promise.race([exited, sleep(10_000).then(() => (child.kill('SIGKILL'), null))]);
    },
  };
}

/** Peak resident set size of a process (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function operatorSeconds(metricsUrl: string): Promise<{ issue: number; api: number }> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const get = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { issue: get('hono_tls_issue_seconds_total'), api: get('hono_tls_api_seconds_total') };
}

function loadExamples(): { stack: object[]; config: HonoTlsConfig } {
  const stack = (yaml.loadAll(fs.readFileSync('examples/hono-stack.yaml', 'utf8')) as object[]).filter(Boolean);
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

async function untilReady(namespaces: Set<string>, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if ((await readyCount(namespaces)) === namespaces.size) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`not all of ${namespaces.size} configs Ready within ${timeoutMs / 1000}s`);
    await sleep(25);
  }
}

async function createNamespaceWithStack(ns: string, stack: object[]): Promise<void> {
  await applyObjects([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
  await applyObjects(stack, ns);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

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
  let op: OperatorProcess | undefined;
  const rows: string[][] = [];
  let steadyWrites = -1;
  try {
    cp = await startControlPlane({ log: (l) => say(`controlplane: ${l}`) });
    process.env.HONO_TEST_KUBECONFIG = cp.kubeconfigPath;
    process.env.HONO_TEST_BIN_DIR = cp.binDir;
    await installCrds();
    const { stack, config } = loadExamples();
    say(`building dist/ (the image's start command) ...`);
    const dist = await buildDist();
    op = await startOperatorProcess(dist, cp.kubeconfigPath, resyncSeconds);
    say(`operator pid ${op.child.pid}, metrics ${op.metricsUrl}, resync ${resyncSeconds}s`);
    const components = config.spec.components.length;

    // 1. apply -> Ready, one config at a time.
    for (const [label, key] of [
      ['ECDSA P-256', { algorithm: 'ECDSA', size: 256 }],
      ['RSA 3072', { algorithm: 'RSA', size: 3072 }],
    ] as const) {
      const times: number[] = [];
      const before = await operatorSeconds(op.metricsUrl);
      for (let i = 0; i < runs; i++) {
        const ns = `bench-${key.algorithm.toLowerCase()}-${i}`;
        await createNamespaceWithStack(ns, stack);
        const t0 = performance.now();
        await applyObjects([withKey(config, ns, key as PrivateKeySpec)]);
        await untilReady(new Set([ns]), 300_000);
        times.push(performance.now() - t0);
        say(`${label} run ${i + 1}/${runs}: ${fmtS(times.at(-1)!)}`);
      }
      const after = await operatorSeconds(op.metricsUrl);
      rows.push([
        `apply -> Ready, ${components} components, ${label}`,
        `median ${fmtS(median(times))} (min ${fmtS(Math.min(...times))}, max ${fmtS(Math.max(...times))}, n=${runs})`,
        `issue ${(after.issue - before.issue).toFixed(2)} s / API ${(after.api - before.api).toFixed(2)} s`,
      ]);
    }

    // 2. many configs at once.
    const many = new Set<string>();
    for (let i = 0; i < configs; i++) {
      const ns = `bench-many-${i}`;
      many.add(ns);
      await createNamespaceWithStack(ns, stack);
    }
    const before = await operatorSeconds(op.metricsUrl);
    const t0 = performance.now();
    await Promise.all([...many].map((ns) => applyObjects([withKey(config, ns, { algorithm: 'ECDSA', size: 256 })])));
    await untilReady(many, 15 * 60_000);
    const allReady = performance.now() - t0;
    const after = await operatorSeconds(op.metricsUrl);
    rows.push([
      `${configs} configs in ${configs} namespaces (ECDSA P-256), apply -> all Ready`,
      fmtS(allReady),
      `issue ${(after.issue - before.issue).toFixed(2)} s / API ${(after.api - before.api).toFixed(2)} s`,
    ]);

    // 3. steady state: nothing changes, so nothing is written (resyncs included).
    await sleep(5_000);
    const c0 = await apiserverRequestCounts();
    say(`steady state: watching writes for ${steadySeconds}s ...`);
    await sleep(steadySeconds * 1000);
    const c1 = await apiserverRequestCounts();
    const writes: string[] = [];
    steadyWrites = 0;
    for (const [k, v] of c1) {
      const [verb, resource] = k.split(' ') as [string, string];
      const d = v - (c0.get(k) ?? 0);
      if (d > 0 && WRITE_VERBS.has(verb) && OPERATOR_RESOURCES.has(resource)) {
        steadyWrites += d;
        writes.push(`${k}: ${d}`);
      }
    }
    rows.push([`writes during ${steadySeconds} s of steady state (${configs + 2 * runs} configs, resync every ${resyncSeconds} s)`, String(steadyWrites), writes.join(', ') || 'none']);
    rows.push(['operator peak RSS (VmHWM)', `${peakRssMiB(op.child.pid!).toFixed(0)} MiB`, `after all of the above`]);
    const total = await operatorSeconds(op.metricsUrl);
    rows.push(['operator total: issuing (keys + signing) vs API calls', `${total.issue.toFixed(2)} s vs ${total.api.toFixed(2)} s`, 'hono_tls_issue_seconds_total / hono_tls_api_seconds_total']);
  } finally {
    const code = await op?.stop();
    if (op && code !== 0) say(`the operator exited ${code} on SIGTERM`);
    await cp?.stop();
  }
  return { rows, steadyWrites };
}

export function formatControllerBench(r: ControllerBenchResult): string {
  return table(['controller', 'result', 'detail'], r.rows);
}

// Direct run: `npx tsx test/bench/controller.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runControllerBench();
  console.log(formatControllerBench(r));
  process.exit(r.steadyWrites === 0 ? 0 : 1);
}
