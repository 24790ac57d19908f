// Runs a Java process (a real Hono service or one of our peers) with exactly the env given (plus
// PATH and HOME), its output in a log file. Every process is killed: by stop(), by an exit hook,
// and, should this Node process be SIGKILLed, by the kernel (setpriv --pdeathsig KILL).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';

const live = new Set<ChildProcess>();
let hooked = false;
function killAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

const hasSetpriv = spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface JavaProcess {
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  isRunning(): boolean;
  log(): string;
  tail(n?: number): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it is gone. */
  stop(): Promise<void>;
}

export function startJava(o: { classpath: string; mainClass: string; args?: string[]; jvmArgs?: string[]; env: Record<string, string>; logFile: string; cwd?: string }): JavaProcess {
  killAllOnExit();
  const out = fs.openSync(o.logFile, 'w');
  const java = ['java', ...(o.jvmArgs ?? []), '-cp', o.classpath, o.mainClass, ...(o.args ?? [])];
  const [cmd, ...args] = hasSetpriv ? ['setpriv', '--pdeathsig', 'KILL', ...java] : java;
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...o.env };
  const child = spawn(cmd!, args, { env, cwd: o.cwd, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  live.add(child);
  let running = true;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const log = () => {
    try {
      return fs.readFileSync(o.logFile, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    pid: child.pid ?? -1,
    logFile: o.logFile,
    exited,
    isRunning: () => running,
    log,
    tail: (n = 15) => log().trimEnd().split('\n').slice(-n).join('\n'),
    async stop() {
      if (!running) return;
      child.kill('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!gone) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

export class HonoStartError extends Error {
  override name = 'HonoStartError';
}

/** Polls until host:port accepts connections; fails as soon as the process exits, with its log's tail. */
export async function waitListening(p: JavaProcess, host: string, port: number, what: string, timeoutMs = 90_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (!p.isRunning()) throw new HonoStartError(`${what} exited (${await p.exited}) before listening on ${host}:${port}; log ${p.logFile}:\n${p.tail()}`);
    if (await canConnect(host, port)) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new HonoStartError(`${what} did not listen on ${host}:${port} within ${timeoutMs / 1000}s; log ${p.logFile}:\n${p.tail()}`);
    await sleep(200);
  }
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
  });
}

/** Polls `url` (a Hono health check resource) until it answers 2xx (UP); fails as soon as the process exits. */
export async function waitHealthy(p: JavaProcess, url: string, what: string, timeoutMs = 90_000): Promise<number> {
  const t0 = performance.now();
  let last = 0;
  for (;;) {
    if (!p.isRunning()) throw new HonoStartError(`${what} exited (${await p.exited}) before ${url} said UP; log ${p.logFile}:\n${p.tail()}`);
    last = await httpStatus(url);
    if (last >= 200 && last < 300) return performance.now() - t0; // Vert.x health checks: 204 = UP without details
    if (performance.now() - t0 > timeoutMs) throw new HonoStartError(`${what}: ${url} answered ${last || 'nothing'} for ${timeoutMs / 1000}s; log ${p.logFile}:\n${p.tail()}`);
    await sleep(250);
  }
}

/** Polls the log until `re` matches or the deadline passes; returns the matching line. */
export async function waitLog(p: JavaProcess, re: RegExp, timeoutMs = 90_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = p.log().split('\n').find((l) => re.test(l));
    if (line) return line;
    if (Date.now() > deadline) return undefined;
    if (!p.isRunning()) return p.log().split('\n').find((l) => re.test(l));
    await sleep(200);
  }
}

/** A free 127.x.y.z address for one pod: binding it proves nothing else listens there on `port`. */
export async function podAddress(port: number): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const ip = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 2}`;
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, ip, () => s.close(() => resolve(true)));
    });
    if (free) return ip;
  }
  throw new Error(`no free loopback address for port ${port}`);
}
