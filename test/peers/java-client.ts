// Runs the Java TLS client (test/peers/java/TlsPeer.java, compiled once) against a server on
// loopback: trust from a JKS or PKCS12 store (type by suffix, as in Hono), SNI and HTTPS-style
// hostname verification against serverName, optionally a client key and chain (PEM files).
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { HandshakeResult } from './node-tls.js';

const run = promisify(execFile);
const TLS_PEER = path.resolve('test/peers/java/TlsPeer.java');

let compiled: Promise<string> | undefined;
/** Compiles TlsPeer.java once per process (source mode recompiles on every start, seconds each). */
function classDir(): Promise<string> {
  compiled ??= (async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hono-tlspeer-'));
    await run('javac', ['-d', dir, TLS_PEER], { timeout: 120_000 });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return compiled;
}

export interface JavaClientOptions {
  port: number;
  serverName: string;
  trustStore: string;
  trustPassword: string;
  keyFile?: string;
  certFile?: string;
  /** Where the password file goes (TlsPeer reads passwords from files, never argv). */
  workDir: string;
}

export async function javaClientHandshake(o: JavaClientOptions): Promise<HandshakeResult> {
  const pwFile = path.join(o.workDir, `truststore-password-${o.port}`);
  await fs.writeFile(pwFile, `${o.trustPassword}\n`, { mode: 0o600 });
  const args = ['-cp', await classDir(), 'TlsPeer', 'client', '--host', '127.0.0.1', '--port', String(o.port), '--server-name', o.serverName, '--truststore', o.trustStore, '--truststore-password-file', pwFile];
  if (o.keyFile && o.certFile) args.push('--key', o.keyFile, '--cert', o.certFile);
  try {
    const { stdout } = await run('java', args, { timeout: 90_000 });
    const m = /protocol=(\S+)/.exec(stdout);
    return { ok: true, peerVerified: true, protocol: m?.[1] };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    const fail = err.stdout?.split('\n').find((l) => l.startsWith('FAIL')) ?? err.stderr?.trim().split('\n').at(-1) ?? err.message;
    return { ok: false, peerVerified: false, error: fail.slice(0, 300) };
  } finally {
    await fs.rm(pwFile, { force: true });
  }
}
