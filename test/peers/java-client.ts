// Runs the Java TLS client (test/peers/java/TlsPeer.java, single-file source) against a server on
// loopback: trust from a JKS or PKCS12 store, SNI and HTTPS-style hostname verification.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { HandshakeResult } from './node-tls.js';

const run = promisify(execFile);
const TLS_PEER = path.resolve('test/peers/java/TlsPeer.java');

export interface JavaClientOptions {
  port: number;
  serverName: string;
  trustStore: string;
  trustPassword: string;
  keyPem?: Buffer;
  certPem?: Buffer;
  workDir: string;
}

export async function javaClientHandshake(o: JavaClientOptions): Promise<HandshakeResult> {
  const args = [TLS_PEER, 'client', '--host', '127.0.0.1', '--port', String(o.port), '--sni', o.serverName, '--truststore', o.trustStore, '--truststore-password', o.trustPassword];
  try {
    const { stdout } = await run('java', args, { timeout: 60_000 });
    const m = /protocol=(\S+)\s+cipher=(\S+)/.exec(stdout);
    return { ok: true, peerVerified: true, protocol: m?.[1], cipher: m?.[2] };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return { ok: false, peerVerified: false, error: (err.stderr?.trim().split('\n').at(-1) ?? err.message).slice(0, 300) };
  }
}
