// Shared test material: a CA per algorithm, two components' leaves (server and client) and every store,
// written to a temp dir so real peers (openssl, keytool, Java, Node tls) can read them.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { CertificateAuthority, jksTrustStore, pkcs12KeyStore, pkcs12TrustStore, type IssuedLeaf, type PrivateKeySpec } from '../../../operator/pki/index.js';
import { systemClock } from '../../../operator/runtime/clock.js';

export const ALGORITHMS: Array<{ label: string; spec: PrivateKeySpec }> = [
  { label: 'EC P-256', spec: { algorithm: 'ECDSA', size: 256 } },
  { label: 'RSA 2048', spec: { algorithm: 'RSA', size: 2048 } },
];

export const SERVER_DNS = ['hono-service-auth', 'hono-service-auth.hono.svc', 'localhost'];
export const SERVER_IPS = ['127.0.0.1', '::1'];
export const HONO_SUBJECT = { organization: 'Eclipse IoT', organizationalUnit: 'Hono', country: 'CA', locality: 'Ottawa' };

export interface Material {
  dir: string;
  ca: CertificateAuthority;
  server: IssuedLeaf;
  client: IssuedLeaf;
  /** File paths. */
  f: Record<
    | 'bundle' | 'serverKey' | 'serverCert' | 'serverChain' | 'clientKey' | 'clientCert' | 'clientChain' | 'intermediates'
    | 'trustJks' | 'trustP12' | 'serverKs' | 'clientKs' | 'trustPassword' | 'keyPassword' | 'wrongPassword',
    string
  >;
  trustPassword: string;
  keyPassword: string;
}

export async function makeMaterial(spec: PrivateKeySpec, opts: { intermediate?: boolean } = {}): Promise<Material> {
  const dir = await mkdtemp(join(tmpdir(), 'pki-test-'));
  const ca = await CertificateAuthority.createSelfSigned(
    { commonName: 'Hono Test CA', intermediate: opts.intermediate ?? true, durationMs: 30 * 864e5, privateKey: spec, subject: { organization: 'Eclipse IoT' } },
    systemClock,
  );
  const [server, client] = await Promise.all([
    ca.issue({ subject: { ...HONO_SUBJECT, commonName: 'auth-server' }, dnsNames: SERVER_DNS, ipAddresses: SERVER_IPS, usage: 'server', privateKey: spec, durationMs: 864e5 }),
    ca.issue({ subject: { ...HONO_SUBJECT, commonName: 'http-adapter' }, dnsNames: [], ipAddresses: [], usage: 'client', privateKey: spec, durationMs: 864e5 }),
  ]);
  // Test-only passwords; the space checks the password encodings (UTF-16BE for JKS and the MAC, UTF-8 for PBES2).
  const trustPassword = 'hono trust';
  const keyPassword = 'honokeys-' + Math.random().toString(36).slice(2);
  const bundle = ca.trustBundlePem;
  const certs = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g)!;
  const files: Record<keyof Material['f'], string | Buffer | Promise<Buffer>> = {
    bundle,
    serverKey: server.keyPem,
    serverCert: server.certPem,
    serverChain: server.chainPem,
    clientKey: client.keyPem,
    clientCert: client.certPem,
    clientChain: client.chainPem,
    intermediates: certs(server.chainPem).slice(1).join('') || '\n',
    trustJks: jksTrustStore(bundle, trustPassword),
    trustP12: pkcs12TrustStore(bundle, trustPassword),
    serverKs: pkcs12KeyStore({ keyPem: server.keyPem, chainPem: server.chainPem, password: keyPassword, alias: 'auth-server' }),
    clientKs: pkcs12KeyStore({ keyPem: client.keyPem, chainPem: client.chainPem, password: keyPassword, alias: 'http-adapter' }),
    trustPassword: trustPassword + '\n',
    keyPassword: keyPassword + '\n',
    wrongPassword: 'not-the-password\n',
  };
  const suffix: Partial<Record<keyof Material['f'], string>> = { trustJks: '.jks', trustP12: '.p12', serverKs: '.p12', clientKs: '.p12' };
  const f = {} as Material['f'];
  await Promise.all(
    Object.entries(files).map(async ([name, content]) => {
      const path = join(dir, name + (suffix[name as keyof Material['f']] ?? (name.endsWith('Password') ? '.txt' : '.pem')));
      await writeFile(path, await content);
      f[name as keyof Material['f']] = path;
    }),
  );
  return { dir, ca, server, client, f, trustPassword, keyPassword };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A Node TLS server for ONE connection that, like TlsPeer, writes "OK <peer CN|->" once the handshake succeeds. */
export async function nodeServerOnce(options: tls.TlsOptions): Promise<{ port: number; result: Promise<{ ok: boolean; peer?: string; error?: string }> }> {
  const server = tls.createServer(options);
  const result = new Promise<{ ok: boolean; peer?: string; error?: string }>((resolve) => {
    server.on('secureConnection', (socket) => {
      const peer = (socket.getPeerCertificate()?.subject?.CN as string | undefined) ?? '-';
      socket.end(`OK ${peer}\n`);
      server.close();
      resolve({ ok: true, peer });
    });
    server.on('tlsClientError', (err) => {
      server.close();
      resolve({ ok: false, error: err.message });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, result };
}

/** A Node TLS client that succeeds only when the handshake verifies AND the server says OK. */
export function nodeClient(options: tls.ConnectionOptions): Promise<{ ok: boolean; line?: string; error?: string; peer?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect(options);
    let data = '';
    let peer: string | undefined;
    socket.on('secureConnect', () => (peer = socket.getPeerCertificate()?.subject?.CN as string | undefined));
    socket.setEncoding('utf8');
    socket.setTimeout(90_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (d) => (data += d));
    socket.on('error', (err) => resolve({ ok: false, error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` }));
    socket.on('close', () => {
      const line = data.split('\n')[0];
      if (line?.startsWith('OK')) resolve({ ok: true, line, peer });
      else resolve({ ok: false, error: 'closed without OK' });
    });
  });
}
