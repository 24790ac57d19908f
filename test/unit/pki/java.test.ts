// Java (Hono's runtime) as the real peer: keytool lists the stores, and test/peers/java/TlsPeer.java completes
// handshakes with the PKCS12 key store or PEM material against JKS, PKCS12 and PEM trust stores.
// TlsPeer is compiled once per file with javac (the same source runs as `java TlsPeer.java ...`) to keep JVM starts few.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ALGORITHMS, makeMaterial, nodeClient, nodeServerOnce, run, type RunResult } from './fixtures.js';

const SOURCE = join(import.meta.dirname, '../../peers/java/TlsPeer.java');

// JVM start-up (and source-mode compilation) is slow on a busy machine: allow generous time.
const JAVA_TIMEOUT_MS = 150_000;

const classes = (async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tlspeer-'));
  const r = await run('javac', ['-d', dir, SOURCE], { timeoutMs: JAVA_TIMEOUT_MS });
  if (r.code !== 0) throw new Error(`javac failed: ${r.stderr}`);
  return dir;
})();

async function peerClient(args: string[]): Promise<RunResult> {
  return run('java', ['-cp', await classes, 'TlsPeer', 'client', ...args], { timeoutMs: JAVA_TIMEOUT_MS });
}

/** Starts a TlsPeer server and resolves its port once it prints LISTENING; `done` gives its output and exit code. */
async function peerServer(args: string[]): Promise<{ port: number; done: Promise<RunResult> }> {
  const child = spawn('java', ['-cp', await classes, 'TlsPeer', 'server', '--port', '0', '--timeout-ms', String(JAVA_TIMEOUT_MS), ...args]);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<RunResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /LISTENING (\d+)/.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
    void done.then((r) => reject(new Error(`TlsPeer server exited before listening: ${r.stdout} ${r.stderr}`)));
  });
  return { port, done };
}

for (const { label, spec } of ALGORITHMS) {
  const material = makeMaterial(spec);

  test(`${label}: keytool lists the JKS and PKCS12 trust stores and the PKCS12 key store, and rejects wrong passwords`, async (t) => {
    const { f } = await material;
    const list = (store: string, passFile: string) => run('keytool', ['-list', '-keystore', store, '-storepass:file', passFile], { timeoutMs: JAVA_TIMEOUT_MS });
    const [jks, p12, ks, jksWrong, p12Wrong] = await Promise.all([
      list(f.trustJks, f.trustPassword),
      list(f.trustP12, f.trustPassword),
      list(f.serverKs, f.keyPassword),
      list(f.trustJks, f.wrongPassword),
      list(f.trustP12, f.wrongPassword),
    ]);
    t.is(jks.code, 0, jks.stdout + jks.stderr);
    t.regex(jks.stdout, /Keystore type: JKS/i);
    t.regex(jks.stdout, /Your keystore contains 2 entries/);
    t.is((jks.stdout.match(/trustedCertEntry/g) ?? []).length, 2);
    t.is(p12.code, 0, p12.stdout + p12.stderr);
    t.regex(p12.stdout, /Keystore type: PKCS12/i);
    t.is((p12.stdout.match(/trustedCertEntry/g) ?? []).length, 2);
    t.is(ks.code, 0, ks.stdout + ks.stderr);
    t.regex(ks.stdout, /auth-server, .*PrivateKeyEntry/);
    t.not(jksWrong.code, 0);
    t.regex(jksWrong.stdout + jksWrong.stderr, /tampered with, or password was incorrect/);
    t.not(p12Wrong.code, 0);
    t.regex(p12Wrong.stdout + p12Wrong.stderr, /password was incorrect/);
  });

  test(`${label}: Java server (PKCS12 key store, JKS trust) and Java client (PEM key+chain, PKCS12 trust) do mutual TLS`, async (t) => {
    const { f } = await material;
    const server = await peerServer(['--keystore', f.serverKs, '--keystore-password-file', f.keyPassword, '--truststore', f.trustJks, '--truststore-password-file', f.trustPassword, '--need-client-auth']);
    const client = await peerClient(['--host', '127.0.0.1', '--port', String(server.port), '--server-name', 'hono-service-auth', '--truststore', f.trustP12, '--truststore-password-file', f.trustPassword, '--key', f.clientKey, '--cert', f.clientChain]);
    const s = await server.done;
    t.is(client.code, 0, client.stdout + client.stderr);
    t.regex(client.stdout, /^OK CN=auth-server,OU=Hono,O=Eclipse IoT,L=Ottawa,C=CA/);
    t.is(s.code, 0, s.stdout + s.stderr);
    t.regex(s.stdout, /OK CN=http-adapter,OU=Hono,O=Eclipse IoT/);
  });

  test(`${label}: Java server (PEM key+chain, PEM trust) accepts a Node client; Java client (PKCS12 key store, JKS trust) checks an IP SAN against a Node server`, async (t) => {
    const m = await material;
    const { f } = m;
    const javaServer = await peerServer(['--key', f.serverKey, '--cert', f.serverChain, '--truststore', f.bundle, '--need-client-auth']);
    const node = await nodeClient({ host: '127.0.0.1', port: javaServer.port, servername: 'hono-service-auth.hono.svc', ca: m.ca.trustBundlePem, key: m.client.keyPem, cert: m.client.chainPem });
    t.true(node.ok, node.error);
    t.is(node.peer, 'auth-server');
    const s = await javaServer.done;
    t.is(s.code, 0, s.stdout + s.stderr);

    const nodeServer = await nodeServerOnce({ key: m.server.keyPem, cert: m.server.chainPem, ca: m.ca.trustBundlePem, requestCert: true, rejectUnauthorized: true });
    const client = await peerClient(['--host', '127.0.0.1', '--port', String(nodeServer.port), '--server-name', '127.0.0.1', '--truststore', f.trustJks, '--truststore-password-file', f.trustPassword, '--keystore', f.clientKs, '--keystore-password-file', f.keyPassword]);
    t.is(client.code, 0, client.stdout + client.stderr);
    const ns = await nodeServer.result;
    t.true(ns.ok, ns.error);
    t.is(ns.peer, 'http-adapter');
  });

  test(`${label}: Java client (java TlsPeer.java source mode) refuses a server whose SANs do not hold the requested name`, async (t) => {
    const m = await material;
    const nodeServer = await nodeServerOnce({ key: m.server.keyPem, cert: m.server.chainPem });
    // This run uses the documented source-file mode (`java TlsPeer.java ...`), as other tests and docs call it.
    const client = await run('java', [SOURCE, 'client', '--host', '127.0.0.1', '--port', String(nodeServer.port), '--server-name', 'hono-service-device-registry', '--truststore', m.f.trustP12, '--truststore-password-file', m.f.trustPassword], { timeoutMs: JAVA_TIMEOUT_MS });
    t.not(client.code, 0);
    t.regex(client.stdout, /^FAIL .*No subject alternative DNS name matching hono-service-device-registry/, `exit ${client.code}; stderr: ${client.stderr.slice(0, 2000)}`);
    await nodeServer.result;
  });
}
