// A real local Kubernetes control plane: etcd, kube-apiserver and kube-controller-manager,
// built from Go modules by build.sh and started on free loopback ports with temp dirs.
//
// startControlPlane() is used by with-cluster.ts (one control plane per `npm test` run) and by
// cli.ts (`npm run cluster -- up|down|status`). Nothing here is a fake: the tests talk to the
// real apiserver, and kube-controller-manager runs every default controller. By default no
// scheduler and no kubelet run, so Pods stay Pending. With `pods: true` kube-scheduler and KWOK
// run too, with fake nodes: Pods are scheduled, become Ready and go, so Deployments really roll.
//
// No orphans: children are killed on stop(), on process exit (also after an uncaught error),
// on SIGINT/SIGTERM, and - should this process be SIGKILLed - by a small detached watchdog that
// notices the parent is gone. etcd is always stopped last.

import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
export const buildScript = path.join(here, 'build.sh');

export const REQUIRED_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;
/** What `pods: true` adds: build.sh pods puts them (and KWOK's Stage files in kwok-stages/) in their own dir. */
export const POD_BINARIES = ['kube-scheduler', 'kwok'] as const;
/** What `certManager: true` adds: build.sh certmanager puts it (and cert-manager's CRDs in crds/) in its own dir. */
export const CERT_MANAGER_BINARIES = ['cert-manager-controllers'] as const;

/** The sets build.sh builds, each into its own version-keyed dir: binaries, data dir, override variable. */
const BINARY_SETS = {
  core: { bins: REQUIRED_BINARIES, data: null, override: 'KUBEBUILDER_ASSETS', what: 'control-plane binaries' },
  pods: { bins: POD_BINARIES, data: 'kwok-stages', override: 'HONO_PODS_ASSETS', what: 'pod components' },
  certmanager: {
    bins: CERT_MANAGER_BINARIES,
    data: 'crds',
    override: 'HONO_CERT_MANAGER_ASSETS',
    what: 'cert-manager controllers',
  },
} as const;
export type BinarySet = keyof typeof BINARY_SETS;
/** KWOK manages the nodes with this annotation (and no others). */
export const FAKE_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;
/** And the fake nodes carry this label, to list them (`-l type=kwok`). */
export const FAKE_NODE_LABEL = { key: 'type', value: 'kwok' } as const;

/** The user name and group of the admin identity in the kubeconfig the control plane writes. */
export const ADMIN_USER = 'hono-test-admin';
export const ADMIN_GROUPS = ['system:masters'];

export interface StartOptions {
  /** Directory holding etcd, kube-apiserver, kube-controller-manager (and kubectl). Default: build.sh's output. */
  binDir?: string;
  /** Progress lines ("starting etcd ... ready in 0.8s"). Default: stderr with a [controlplane] prefix. */
  log?: (line: string) => void;
  /** Keep the temp dir (data, certs, logs) after stop(), for debugging. */
  keepDirs?: boolean;
  /**
   * Detached mode, for `npm run cluster -- up`: the processes live on after this Node process
   * exits (own session, output to log files, no exit/signal hooks, no watchdog).
   */
  detached?: boolean;
  /** Root for the temp dir. Default: os.tmpdir(). */
  tmpRoot?: string;
  /**
   * Also run kube-scheduler and KWOK with fake nodes, so Pods are scheduled and become Ready.
   * Off by default: it adds a few seconds to the start.
   */
  pods?: boolean;
  /** Directory holding kube-scheduler, kwok and kwok-stages/. Default: `build.sh pods`'s output. */
  podsBinDir?: string;
  /** How many fake nodes KWOK runs (with `pods`). Default 2. */
  fakeNodes?: number;
  /**
   * Also install cert-manager's CRDs and run its controllers (certificates, the approver, the CA
   * and SelfSigned issuers, Issuers and ClusterIssuers; no webhook). Off by default.
   */
  certManager?: boolean;
  /** Directory holding cert-manager-controllers and crds/. Default: `build.sh certmanager`'s output. */
  certManagerBinDir?: string;
  /**
   * Also write an audit log of every write (create, update, patch, delete) at Metadata level,
   * JSON lines in `auditLogPath`: who wrote what, as the apiserver saw it. Off by default.
   */
  auditWrites?: boolean;
  /** false: fail at once when binaries are not cached instead of building them (minutes). Default true. */
  build?: boolean;
}

/** Where the Secrets that cert-manager's ClusterIssuers refer to live (its --cluster-resource-namespace). */
export const CERT_MANAGER_CLUSTER_RESOURCE_NAMESPACE = 'cert-manager';

export type ProcessName = (typeof BINARY_SETS)[BinarySet]['bins'][number];

export interface ControlPlaneProcess {
  name: ProcessName;
  pid: number;
  logFile: string;
  /** The last lines the process wrote (stdout and stderr). */
  lastLines(n?: number): string[];
}

export interface ControlPlane {
  /** Admin kubeconfig (user in system:masters, bearer token). */
  kubeconfigPath: string;
  binDir: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** PEM bundle that verifies the apiserver's serving certificate. */
  caPem?: string;
  /** Admin bearer token (also in the kubeconfig). */
  token: string;
  /** The temp dir holding data, certs, logs and the kubeconfig. */
  dir: string;
  etcdUrl: string;
  processes: ControlPlaneProcess[];
  /** With `pods`: the dir holding kube-scheduler and kwok. */
  podsBinDir?: string;
  /** With `pods`: the names of the fake nodes (Ready when startControlPlane resolved). */
  nodes: string[];
  /** With `certManager`: the dir holding cert-manager-controllers and its CRDs. */
  certManagerBinDir?: string;
  /** With `auditWrites`: the apiserver's audit log (JSON lines, one per write). */
  auditLogPath?: string;
  /** Resolves with a message (with the dead process's last log lines) if any of its processes dies while running. */
  crashed: Promise<string>;
  /** Stops the processes in reverse start order, etcd last; removes the temp dir unless keepDirs. Idempotent. */
  stop(): Promise<void>;
  /** Fault injection: kills kube-apiserver (SIGKILL: an outage, not a graceful drain) and waits for it to exit; not reported as a crash. */
  stopApiserver(): Promise<void>;
  /** Starts kube-apiserver again on the same port, certificates and token; resolves when /readyz is 200. */
  startApiserver(): Promise<void>;
}

export class ControlPlaneError extends Error {
  override name = 'ControlPlaneError';
  /** A port picked as free was taken before the process bound it (a race with another process). */
  portBusy = false;
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[controlplane] ${line}\n`);
};

const secs = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)}s`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads test/controlplane/versions.env: the one place the versions are pinned. */
export function pinnedVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(path.join(here, 'versions.env'), 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/**
 * Returns the bin dir with the control-plane binaries: runs build.sh (which honours
 * KUBEBUILDER_ASSETS and the version-keyed cache, and builds from the Go module proxy only when
 * both miss). Build progress goes to `log`. `set` picks another of BINARY_SETS (`build.sh pods`,
 * `build.sh certmanager`, each with its own override variable).
 */
export async function ensureBinaries(
  log: (line: string) => void = defaultLog,
  set: BinarySet = 'core',
  opts: { build?: boolean } = {},
): Promise<string> {
  const t0 = performance.now();
  const child = spawn('bash', [buildScript, set], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.build === false ? { ...process.env, HONO_CONTROLPLANE_NO_BUILD: '1' } : process.env,
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  let errBuf = '';
  const errLines: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    errBuf += d;
    let i: number;
    while ((i = errBuf.indexOf('\n')) >= 0) {
      const line = errBuf.slice(0, i);
      errBuf = errBuf.slice(i + 1);
      errLines.push(line);
      // build.sh's ERROR line becomes the one-line error thrown below.
      if (!line.startsWith('[controlplane] ERROR:')) log(line.replace(/^\[controlplane\] /, ''));
    }
  });
  const code: number = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    const last = [...errLines].reverse().find((l) => l.includes('ERROR')) ?? errLines.at(-1) ?? '';
    throw new ControlPlaneError(
      `building the ${BINARY_SETS[set].what} failed (bash ${path.relative(process.cwd(), buildScript)} ${set} exited ${code}): ${last.replace(/^\[controlplane\] (ERROR: )?/, '')}`,
    );
  }
  const binDir = stdout.trim().split('\n').at(-1)?.trim() ?? '';
  checkBinDir(binDir, set);
  log(`${BINARY_SETS[set].what}: ${binDir} (${secs(t0)})`);
  return binDir;
}

export function checkBinDir(binDir: string, set: BinarySet = 'core'): void {
  const { bins, data, override, what } = BINARY_SETS[set];
  const missing: string[] = bins.filter((b) => {
    try {
      fs.accessSync(path.join(binDir, b), fs.constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (data && dataFiles(binDir, data).length === 0) missing.push(`${data}/*.yaml`);
  if (missing.length) {
    throw new ControlPlaneError(
      `missing ${what} in ${binDir || '(empty bin dir)'}: ${missing.join(', ')}; run \`bash test/controlplane/build.sh${set === 'core' ? '' : ` ${set}`}\` (or point ${override} at a dir holding them)`,
    );
  }
}

/** The YAML files of a set's data dir: KWOK's Stages (one each), cert-manager's CRDs. */
export function dataFiles(binDir: string, data: 'kwok-stages' | 'crds'): string[] {
  const dir = path.join(binDir, data);
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** A free TCP port on 127.0.0.1 (bind to port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', (e) =>
      reject(new ControlPlaneError(`cannot bind a free port on 127.0.0.1 (${e.message}); is the loopback interface up?`)),
    );
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => {
      const err = new ControlPlaneError(
        `port 127.0.0.1:${port} for ${what} is busy (${e.code ?? e.message}); stop whatever listens there (\`ss -ltnp | grep :${port}\`) or just run again to pick new free ports`,
      );
      err.portBusy = true;
      reject(err);
    });
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

interface GetResult {
  status: number;
  body: string;
}

interface RequestOptions {
  ca?: string;
  token?: string;
  insecure?: boolean;
  timeoutMs?: number;
}

/** GET over http(s) to 127.0.0.1 with a short timeout; never throws (status 0 on connection errors). */
export function httpGet(url: string, opts: RequestOptions = {}): Promise<GetResult> {
  return httpRequest('GET', url, opts);
}

/** Like httpGet, for any method; `body` is sent as JSON. */
export function httpRequest(
  method: string,
  url: string,
  opts: RequestOptions & { body?: unknown } = {},
): Promise<GetResult> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = mod.request(
      u,
      {
        method,
        headers: {
          ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
        ...(u.protocol === 'https:' ? { ca: opts.ca, rejectUnauthorized: !opts.insecure } : {}),
        timeout: opts.timeoutMs ?? 2000,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end(payload);
  });
}

function tailFile(file: string, n: number): string[] {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8').split('\n').filter((l) => l.length > 0).slice(-n);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
}

/** Whether `pid` runs; a zombie (exited, not yet reaped - e.g. reparented to an init that does not reap) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill -0
  }
}

interface Managed extends ControlPlaneProcess {
  child: ChildProcess;
  exited: boolean;
  /** Stopped on purpose (fault injection): its exit is not a crash. */
  stoppedOnPurpose?: boolean;
  exitInfo?: string;
  exitPromise: Promise<void>;
}

// All live control planes of this process, for the exit and signal hooks.
const live = new Set<{ killNow(): void; stop(): Promise<void> }>();
let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' also runs after an uncaught exception; only synchronous work is possible here.
  process.on('exit', () => {
    for (const cp of live) cp.killNow();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      // A host (like with-cluster.ts) that has its own handler is responsible for stopping.
      if (process.listenerCount(sig) > 1) return;
      const all = [...live];
      void Promise.race([Promise.allSettled(all.map((cp) => cp.stop())), sleep(8000)]).finally(() => {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      });
    };
    process.on(sig, handler);
  }
}

/**
 * Watchdog: a detached shell that, once `parentPid` is gone, kills the pids listed in
 * `pidsFile` (TERM, then KILL) and removes `dir`. Covers a SIGKILLed parent, where no hook runs.
 */
function startWatchdog(parentPid: number, pidsFile: string, dir: string | null): ChildProcess {
  const script = `
p=$1; f=$2; d=$3
gone() { ! kill -0 "$1" 2>/dev/null || grep -q ') Z ' "/proc/$1/stat" 2>/dev/null; }
while ! gone "$p"; do sleep 1; done
[ -f "$f" ] || exit 0
pids=$(cat "$f")
kill -TERM $pids 2>/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.5; alive=; for q in $pids; do gone $q || alive=1; done; [ -z "$alive" ] && break; done
kill -KILL $pids 2>/dev/null
[ -n "$d" ] && rm -rf "$d"
exit 0`;
  const w = spawn('sh', ['-c', script, 'hono-cp-watchdog', String(parentPid), pidsFile, dir ?? ''], {
    detached: true,
    stdio: 'ignore',
  });
  w.unref();
  return w;
}

/** Starts etcd, kube-apiserver and kube-controller-manager; resolves when all are ready. */
export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? defaultLog;
  const build = { build: opts.build };
  const binDir = opts.binDir ?? (await ensureBinaries(log, 'core', build));
  checkBinDir(binDir);
  let podsBinDir: string | undefined;
  if (opts.pods) {
    podsBinDir = opts.podsBinDir ?? (await ensureBinaries(log, 'pods', build));
    checkBinDir(podsBinDir, 'pods');
  }
  let certManagerBinDir: string | undefined;
  if (opts.certManager) {
    certManagerBinDir = opts.certManagerBinDir ?? (await ensureBinaries(log, 'certmanager', build));
    checkBinDir(certManagerBinDir, 'certmanager');
  }
  const dirs = { log, binDir, podsBinDir, certManagerBinDir };
  try {
    return await startOnce({ ...opts, ...dirs });
  } catch (e) {
    // Free ports are picked, then bound by the child: another process may win that race. Once more.
    if (!(e instanceof ControlPlaneError && e.portBusy)) throw e;
    log(`${e.message.split('\n')[0]} - retrying once with new ports`);
    return startOnce({ ...opts, ...dirs });
  }
}

async function startOnce(
  opts: StartOptions & {
    log: (line: string) => void;
    binDir: string;
    podsBinDir?: string;
    certManagerBinDir?: string;
  },
): Promise<ControlPlane> {
  const { log, binDir, podsBinDir, certManagerBinDir } = opts;
  const tAll = performance.now();

  const dir = fs.mkdtempSync(path.join(opts.tmpRoot ?? os.tmpdir(), 'hono-cp-'));
  const pidsFile = path.join(dir, 'pids');
  fs.writeFileSync(pidsFile, '');
  const procs: Managed[] = [];
  let stopping = false;
  let stopPromise: Promise<void> | null = null;
  let crashResolve!: (msg: string) => void;
  const crashed = new Promise<string>((r) => (crashResolve = r));
  let crashMsg: string | null = null;
  let watchdog: ChildProcess | null = null;

  const killNow = (): void => {
    // Synchronous: process 'exit' hook. etcd last.
    stopping = true;
    for (const p of [...procs].reverse()) {
      if (!p.exited) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    if (watchdog?.pid) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (!opts.keepDirs) fs.rmSync(dir, { recursive: true, force: true });
  };

  const stop = (): Promise<void> => {
    if (stopPromise) return stopPromise;
    stopping = true;
    stopPromise = (async () => {
      const t0 = performance.now();
      // Reverse start order: cert-manager, KWOK, scheduler, controller-manager, apiserver, etcd last.
      for (const p of [...procs].reverse()) {
        if (p.exited) continue;
        try {
          process.kill(p.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        const done = await Promise.race([p.exitPromise.then(() => true), sleep(5000).then(() => false)]);
        if (!done) {
          try {
            process.kill(p.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
          await Promise.race([p.exitPromise, sleep(2000)]);
        }
      }
      if (watchdog?.pid) {
        try {
          process.kill(watchdog.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      if (!opts.keepDirs) fs.rmSync(dir, { recursive: true, force: true });
      live.delete(handle);
      log(`stopped in ${secs(t0)}${opts.keepDirs ? ` (kept ${dir})` : ''}`);
    })();
    return stopPromise;
  };
  const handle = { killNow, stop };
  if (!opts.detached) {
    live.add(handle);
    installHooks();
    watchdog = startWatchdog(process.pid, pidsFile, opts.keepDirs ? null : dir);
  }

  const launch = (
    name: Managed['name'],
    args: string[],
    from: { binDir: string; env?: NodeJS.ProcessEnv } = { binDir },
  ): Managed => {
    const logFile = path.join(dir, `${name}.log`);
    const fd = fs.openSync(logFile, 'a');
    const child = spawn(path.join(from.binDir, name), args, {
      stdio: ['ignore', fd, fd],
      // Own process group: a terminal's Ctrl-C goes to us, and we stop the children in order.
      detached: true,
      cwd: dir,
      env: from.env ?? process.env,
    });
    fs.closeSync(fd);
    child.unref(); // the exit/signal hooks and the watchdog (or, detached, cli.ts) own their lifetime
    if (child.pid === undefined) {
      throw new ControlPlaneError(`could not start ${path.join(from.binDir, name)}`);
    }
    fs.appendFileSync(pidsFile, `${child.pid}\n`);
    let resolveExit!: () => void;
    const m: Managed = {
      name,
      pid: child.pid,
      logFile,
      child,
      exited: false,
      exitPromise: new Promise<void>((r) => (resolveExit = r)),
      lastLines: (n = 20) => tailFile(logFile, n),
    };
    child.on('error', (e) => {
      m.exited = true;
      m.exitInfo = e.message;
      resolveExit();
    });
    child.on('exit', (code, signal) => {
      m.exited = true;
      m.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolveExit();
      if (!stopping && !crashMsg && !m.stoppedOnPurpose) {
        crashMsg = `${name} (pid ${m.pid}) ${m.exitInfo} while the control plane was running; its last log lines (${logFile}):\n${m
          .lastLines(20)
          .map((l) => `  | ${l}`)
          .join('\n')}`;
        crashResolve(crashMsg);
      }
    });
    procs.push(m);
    return m;
  };

  /** Polls `probe` until true; fails fast (with the last log lines) if the process exits. */
  const waitFor = async (p: Managed, what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> => {
    const deadline = performance.now() + timeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 1.5, 500)) {
      if (p.exited) {
        const err = new ControlPlaneError(explainEarlyExit(p));
        err.portBusy = /address already in use/.test(p.lastLines(20).join('\n'));
        throw err;
      }
      if (await probe()) return;
      if (performance.now() > deadline) {
        throw new ControlPlaneError(
          `${p.name} did not become ${what} within ${timeoutMs / 1000}s; last log lines (${p.logFile}):\n${p
            .lastLines(20)
            .map((l) => `  | ${l}`)
            .join('\n')}`,
        );
      }
      await sleep(delay);
    }
  };

  try {
    // ---- etcd
    let t0 = performance.now();
    const [etcdClient, etcdPeer] = [await freePort(), await freePort()];
    await assertPortFree(etcdClient, 'etcd');
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    log(`starting etcd on ${etcdUrl} ...`);
    const etcd = launch('etcd', [
      '--name=default',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    await waitFor(etcd, 'healthy', 30_000, async () => {
      const r = await httpGet(`${etcdUrl}/health`);
      return r.status === 200 && r.body.includes('"true"');
    });
    log(`starting etcd ... ready in ${secs(t0)}`);

    // ---- kube-apiserver
    t0 = performance.now();
    const apiPort = await freePort();
    await assertPortFree(apiPort, 'kube-apiserver');
    const certDir = path.join(dir, 'certs');
    fs.mkdirSync(certDir, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saKey = path.join(dir, 'sa.key');
    const saPub = path.join(dir, 'sa.pub');
    fs.writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
    const token = randomBytes(24).toString('hex');
    const tokenFile = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokenFile, `${token},${ADMIN_USER},${ADMIN_USER},"${ADMIN_GROUPS.join(',')}"\n`, { mode: 0o600 });
    const server = `https://127.0.0.1:${apiPort}`;
    const auditLogPath = opts.auditWrites ? path.join(dir, 'audit.log') : undefined;
    const auditArgs: string[] = [];
    if (auditLogPath) {
      const policy = path.join(dir, 'audit-policy.yaml');
      fs.writeFileSync(
        policy,
        'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n' +
          '  - level: Metadata\n    verbs: [create, update, patch, delete, deletecollection]\n  - level: None\n',
      );
      auditArgs.push(`--audit-policy-file=${policy}`, `--audit-log-path=${auditLogPath}`, '--audit-log-format=json', '--audit-log-mode=blocking');
    }
    log(`starting kube-apiserver on ${server} ...`);
    const launchApiserver = () => launch('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${certDir}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--authorization-mode=RBAC',
      `--token-auth-file=${tokenFile}`,
      '--allow-privileged=true',
      '--profiling=false',
      // The only address is loopback, which the "kubernetes" Endpoints may not hold.
      '--endpoint-reconciler-type=none',
      ...auditArgs,
    ]);
    let apiserver = launchApiserver();
    // The self-signed serving cert (leaf + its CA) appears in --cert-dir as the server starts.
    const certFile = path.join(certDir, 'apiserver.crt');
    let caPem: string | undefined;
    await waitFor(apiserver, 'ready (/readyz)', 60_000, async () => {
      if (!caPem) {
        try {
          caPem = fs.readFileSync(certFile, 'utf8');
          if (!caPem.includes('END CERTIFICATE')) caPem = undefined;
        } catch {
          return false;
        }
      }
      const r = await httpGet(`${server}/readyz`, { ca: caPem, token });
      return r.status === 200;
    });
    log(`starting kube-apiserver ... ready in ${secs(t0)}`);

    const kubeconfigPath = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfigPath, kubeconfigYaml(server, caPem!, token), { mode: 0o600 });
    const caFile = path.join(dir, 'ca.crt');
    fs.writeFileSync(caFile, caPem!);

    // ---- kube-controller-manager
    t0 = performance.now();
    const kcmPort = await freePort();
    await assertPortFree(kcmPort, 'kube-controller-manager');
    log('starting kube-controller-manager ...');
    const kcm = launch('kube-controller-manager', [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${caFile}`,
      '--controllers=*',
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--cert-dir=${path.join(dir, 'kcm-certs')}`,
      // No cloud, no nodes: nothing to allocate.
      '--allocate-node-cidrs=false',
      '--cluster-name=hono-test',
      // Tests delete dozens of namespaces at once; at the default 20 QPS the namespace
      // controller's calls starve the deployment controller for a minute or more.
      '--kube-api-qps=300',
      '--kube-api-burst=600',
      '--concurrent-deployment-syncs=10',
      '--concurrent-replicaset-syncs=10',
    ]);
    await waitFor(kcm, 'healthy', 60_000, async () => {
      const r = await httpGet(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true });
      if (r.status !== 200) return false;
      // Its controllers really run once the service-account controller made "default/default".
      const sa = await httpGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, { ca: caPem, token });
      return sa.status === 200;
    });
    log(`starting kube-controller-manager ... ready in ${secs(t0)}`);

    const nodes: string[] = [];
    if (podsBinDir) {
      // ---- kube-scheduler
      t0 = performance.now();
      const schedPort = await freePort();
      await assertPortFree(schedPort, 'kube-scheduler');
      log('starting kube-scheduler ...');
      const sched = launch(
        'kube-scheduler',
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${schedPort}`,
          `--cert-dir=${path.join(dir, 'scheduler-certs')}`,
        ],
        { binDir: podsBinDir },
      );
      await waitFor(sched, 'healthy', 60_000, async () => {
        const r = await httpGet(`https://127.0.0.1:${schedPort}/healthz`, { insecure: true });
        return r.status === 200;
      });
      log(`starting kube-scheduler ... ready in ${secs(t0)}`);

      // ---- KWOK: plays the kubelet of the fake nodes, driven by the Stage files build.sh copied.
      t0 = performance.now();
      const kwokPort = await freePort();
      await assertPortFree(kwokPort, 'kwok');
      log('starting kwok ...');
      const kwok = launch(
        'kwok',
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION.key}=${FAKE_NODE_ANNOTATION.value}`,
          `--server-address=127.0.0.1:${kwokPort}`,
          '--cidr=10.244.0.0/16',
          ...dataFiles(podsBinDir, 'kwok-stages').map((f) => `--config=${f}`),
        ],
        // Its default config (~/.kwok/kwok.yaml) is loaded when present: keep a user's out.
        { binDir: podsBinDir, env: { ...process.env, HOME: dir } },
      );
      await waitFor(kwok, 'healthy', 60_000, async () => {
        const r = await httpGet(`http://127.0.0.1:${kwokPort}/healthz`);
        return r.status === 200;
      });
      for (let i = 0; i < (opts.fakeNodes ?? 2); i++) {
        const name = `kwok-node-${i}`;
        const r = await httpRequest('POST', `${server}/api/v1/nodes`, { ca: caPem, token, body: fakeNode(name) });
        if (r.status !== 201) throw new ControlPlaneError(`creating fake node ${name} failed: HTTP ${r.status} ${r.body.slice(0, 300)}`);
        nodes.push(name);
      }
      await waitFor(kwok, `Ready with ${nodes.length} fake node(s)`, 60_000, async () => {
        const r = await httpGet(`${server}/api/v1/nodes`, { ca: caPem, token });
        if (r.status !== 200) return false;
        const items = (JSON.parse(r.body) as { items: NodeView[] }).items;
        return nodes.every((n) => items.some((it) => it.metadata.name === n && nodeSchedulable(it)));
      });
      log(`starting kwok ... ready in ${secs(t0)} (nodes ${nodes.join(', ')})`);
    }

    if (certManagerBinDir) {
      // ---- cert-manager: its CRDs (same module version as the binary), then its controllers.
      t0 = performance.now();
      const api = (method: string, p: string, body?: unknown): Promise<GetResult> =>
        httpRequest(method, `${server}${p}`, { ca: caPem, token, body, timeoutMs: 10_000 });
      const crdNames: string[] = [];
      for (const file of dataFiles(certManagerBinDir, 'crds')) {
        for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8')) as CrdDoc[]) {
          if (doc?.kind !== 'CustomResourceDefinition') continue;
          // Published for Helm: its labels are template expressions, not label values.
          const crd = { ...doc, metadata: { name: doc.metadata.name } };
          const r = await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
          if (r.status !== 201 && r.status !== 409) {
            throw new ControlPlaneError(`installing cert-manager CRD ${doc.metadata.name} from ${file} failed: HTTP ${r.status} ${r.body.slice(0, 300)}`);
          }
          crdNames.push(doc.metadata.name);
        }
      }
      const ns = await api('POST', '/api/v1/namespaces', { metadata: { name: CERT_MANAGER_CLUSTER_RESOURCE_NAMESPACE } });
      if (ns.status !== 201 && ns.status !== 409) {
        throw new ControlPlaneError(`creating namespace ${CERT_MANAGER_CLUSTER_RESOURCE_NAMESPACE} failed: HTTP ${ns.status} ${ns.body.slice(0, 300)}`);
      }
      const healthPort = await freePort();
      await assertPortFree(healthPort, 'cert-manager-controllers');
      log(`starting cert-manager-controllers (${crdNames.length} CRDs) ...`);
      const cm = launch(
        'cert-manager-controllers',
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--health-address=127.0.0.1:${healthPort}`,
          `--cluster-resource-namespace=${CERT_MANAGER_CLUSTER_RESOURCE_NAMESPACE}`,
        ],
        { binDir: certManagerBinDir },
      );
      await waitFor(cm, 'healthy (CRDs established, informers synced)', 60_000, async () => {
        for (const name of crdNames) {
          const r = await api('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
          if (r.status !== 200) return false;
          const conds = (JSON.parse(r.body) as CrdDoc).status?.conditions ?? [];
          if (!conds.some((c) => c.type === 'Established' && c.status === 'True')) return false;
        }
        return (await httpGet(`http://127.0.0.1:${healthPort}/healthz`)).status === 200;
      });
      log(`starting cert-manager-controllers ... ready in ${secs(t0)}`);
    }
    log(`control plane ready in ${secs(tAll)}: ${server} (kubeconfig ${kubeconfigPath})`);

    return {
      kubeconfigPath,
      binDir,
      podsBinDir,
      nodes,
      certManagerBinDir,
      auditLogPath,
      server,
      caPem,
      token,
      dir,
      etcdUrl,
      processes: procs.map(({ name, pid, logFile, lastLines }) => ({ name, pid, logFile, lastLines })),
      crashed,
      stop,
      stopApiserver: async () => {
        if (apiserver.exited) return;
        apiserver.stoppedOnPurpose = true;
        process.kill(apiserver.pid, 'SIGKILL');
        await apiserver.exitPromise;
        log('kube-apiserver stopped (fault injection)');
      },
      startApiserver: async () => {
        if (!apiserver.exited) return;
        const t = performance.now();
        apiserver = launchApiserver();
        // It reuses the serving certificate in --cert-dir, so clients keep trusting it.
        await waitFor(apiserver, 'ready (/readyz)', 60_000, async () => (await httpGet(`${server}/readyz`, { ca: caPem, token })).status === 200);
        log(`kube-apiserver restarted, ready in ${secs(t)}`);
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A node for KWOK to run: its annotation, and labels like a kubelet's. No taint: there are no real nodes here. */
function fakeNode(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [FAKE_NODE_ANNOTATION.key]: FAKE_NODE_ANNOTATION.value, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value,
      },
    },
  };
}

interface CrdDoc {
  kind?: string;
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

interface NodeView {
  metadata: { name: string };
  spec?: { taints?: { key: string; effect: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Ready, and without the not-ready taint kube-controller-manager puts on new nodes (the scheduler would skip it). */
function nodeSchedulable(n: NodeView): boolean {
  const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const tainted = n.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/') && t.effect === 'NoSchedule') ?? false;
  return ready && !tainted;
}

function explainEarlyExit(p: Managed): string {
  const lines = p.lastLines(20);
  const text = lines.join('\n');
  let hint = '';
  if (/address already in use|bind: address/.test(text)) {
    hint = ' A port it needs is busy: another process took it; run again to pick new free ports.';
  } else if (/unknown flag|flag provided but not defined/.test(text)) {
    hint = ` Its version does not accept a flag this harness passes; check ${path.join(here, 'versions.env')}.`;
  }
  return `${p.name} ${p.exitInfo ?? 'exited'} during start-up.${hint} Last log lines (${p.logFile}):\n${lines
    .map((l) => `  | ${l}`)
    .join('\n')}`;
}

export function kubeconfigYaml(server: string, caPem: string, token: string, context = 'hono-test'): string {
  const ca = Buffer.from(caPem).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: ${context}
  cluster:
    server: ${server}
    certificate-authority-data: ${ca}
users:
- name: ${ADMIN_USER}
  user:
    token: ${token}
contexts:
- name: ${context}
  context:
    cluster: ${context}
    user: ${ADMIN_USER}
    namespace: default
current-context: ${context}
`;
}

/** For cli.ts: whether `pid` is still the process we started (guards against pid reuse). */
export function pidIsBinary(pid: number, binary: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return path.basename(cmd) === binary;
  } catch {
    return true; // no /proc: trust kill -0
  }
}

export { isAlive, tailFile };
