// `npm run cluster -- up [--pods] [--cert-manager]|down|status`: a local control plane for
// humans and the demo that keeps running after the command returns (--pods: with kube-scheduler
// and KWOK, so Pods run; --cert-manager: with cert-manager's controllers). State lives in
// .cluster/ at the repo root (gitignored).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlPlaneError, httpGet, isAlive, pidIsBinary, startControlPlane, tailFile } from './controlplane.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = path.join(repoRoot, '.cluster');
const stateFile = path.join(stateDir, 'state.json');
const kubeconfigLink = path.join(stateDir, 'kubeconfig');

interface State {
  server: string;
  binDir: string;
  dir: string;
  kubeconfigPath: string;
  token: string;
  caPem?: string;
  startedAt: string;
  /** Started with --pods (kube-scheduler and KWOK run). */
  pods?: boolean;
  /** Started with --cert-manager (its controllers run). */
  certManager?: boolean;
  processes: { name: string; pid: number; logFile: string }[];
}

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readState(): State | null {
  try {
    return JSON.parse(fs.readFileSync(stateFile, 'utf8')) as State;
  } catch {
    return null;
  }
}

function running(s: State): { name: string; pid: number; alive: boolean }[] {
  return s.processes.map((p) => ({ name: p.name, pid: p.pid, alive: pidIsBinary(p.pid, p.name) }));
}

function printReady(s: State): void {
  say(`kubeconfig: ${kubeconfigLink}`);
  say(`ready: ${path.join(s.binDir, 'kubectl')} --kubeconfig ${kubeconfigLink} get ns`);
  say(
    `tests against it: export HONO_TEST_KUBECONFIG=${kubeconfigLink} HONO_TEST_BIN_DIR=${s.binDir}${s.pods ? ' HONO_TEST_PODS=1' : ''}${s.certManager ? ' HONO_TEST_CERT_MANAGER=1' : ''}`,
  );
  say('stop it: npm run cluster -- down');
}

async function up(pods: boolean, certManager: boolean): Promise<number> {
  const old = readState();
  if (old) {
    const procs = running(old);
    if (procs.every((p) => p.alive)) {
      say(`a control plane is already running at ${old.server} (since ${old.startedAt}${old.pods ? ', with pods' : ''}${old.certManager ? ', with cert-manager' : ''})`);
      if ((pods && !old.pods) || (certManager && !old.certManager)) {
        say('it runs without what you asked for: `npm run cluster -- down`, then `up` with the flags again');
      }
      printReady(old);
      return 0;
    }
    say('found a stale control plane in .cluster/ (some processes are gone): cleaning it up first');
    await down(true);
  }
  fs.mkdirSync(stateDir, { recursive: true });
  const cp = await startControlPlane({
    detached: true,
    pods,
    certManager,
    tmpRoot: stateDir,
    log: (l) => process.stderr.write(`[controlplane] ${l}\n`),
  });
  const state: State = {
    server: cp.server,
    binDir: cp.binDir,
    dir: cp.dir,
    kubeconfigPath: cp.kubeconfigPath,
    token: cp.token,
    caPem: cp.caPem,
    startedAt: new Date().toISOString(),
    pods,
    certManager,
    processes: cp.processes.map(({ name, pid, logFile }) => ({ name, pid, logFile })),
  };
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
  fs.copyFileSync(cp.kubeconfigPath, kubeconfigLink);
  fs.chmodSync(kubeconfigLink, 0o600);
  say(`control plane running at ${cp.server} (logs in ${cp.dir})`);
  printReady(state);
  return 0;
}

async function down(quiet = false): Promise<number> {
  const s = readState();
  if (!s) {
    if (!quiet) say('no control plane is running (no .cluster/state.json)');
    return 0;
  }
  const t0 = performance.now();
  // Reverse start order: kube-controller-manager, kube-apiserver, etcd last.
  for (const p of [...s.processes].reverse()) {
    if (!pidIsBinary(p.pid, p.name)) continue;
    process.kill(p.pid, 'SIGTERM');
    for (let i = 0; i < 50 && isAlive(p.pid); i++) await sleep(100);
    if (isAlive(p.pid)) {
      process.kill(p.pid, 'SIGKILL');
      for (let i = 0; i < 20 && isAlive(p.pid); i++) await sleep(100);
    }
  }
  fs.rmSync(s.dir, { recursive: true, force: true });
  fs.rmSync(stateFile, { force: true });
  fs.rmSync(kubeconfigLink, { force: true });
  if (!quiet) say(`stopped in ${((performance.now() - t0) / 1000).toFixed(1)}s and removed ${s.dir}`);
  return 0;
}

async function status(): Promise<number> {
  const s = readState();
  if (!s) {
    say('no control plane is running (start one: npm run cluster -- up)');
    return 1;
  }
  const procs = running(s);
  for (const p of procs) say(`${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${p.alive ? 'running' : 'GONE'}`);
  const ready = await httpGet(`${s.server}/readyz`, { ca: s.caPem, token: s.token });
  say(`${s.server}/readyz: ${ready.status === 200 ? 'ok' : `not ready (${ready.status || ready.body})`}`);
  const dead = s.processes.filter((p) => !pidIsBinary(p.pid, p.name));
  for (const p of dead) {
    say(`last lines of ${p.name} (${p.logFile}):`);
    for (const l of tailFile(p.logFile, 20)) say(`  | ${l}`);
  }
  if (dead.length === 0 && ready.status === 200) {
    printReady(s);
    return 0;
  }
  say('unhealthy: run `npm run cluster -- down` and then `up` again');
  return 1;
}

const [cmd, ...flags] = process.argv.slice(2).filter((a) => a !== '--');
const commands: Record<string, () => Promise<number>> = {
  up: () => up(flags.includes('--pods'), flags.includes('--cert-manager')),
  down: () => down(),
  status,
};
const run = cmd && flags.every((f) => cmd === 'up' && (f === '--pods' || f === '--cert-manager')) ? commands[cmd] : undefined;
if (!run) {
  process.stderr.write('usage: npm run cluster -- up [--pods] [--cert-manager]|down|status\n');
  process.exit(2);
}
run().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`[cluster] ERROR: ${e instanceof ControlPlaneError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
