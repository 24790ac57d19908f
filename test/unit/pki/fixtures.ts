// Shared test material: a CA per algorithm, two components' leaves (server and client) and every store,
// written to a temp dir so real peers (openssl, keytool, Java, Node tls) can read them.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
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

/**
 * A chain made by openssl: a self-signed root and a CA under it (each with the given extension
 * lines), and a reference leaf for `leaf`'s names signed by openssl itself. `verify(file)` runs
 * `openssl verify -x509_strict -purpose sslserver` against the chain.
 */
export async function opensslChain(opts: { root: string[]; ca: string[]; sections?: string; leaf: { cn: string; dns: string; ip: string } }) {
  const dir = await mkdtemp(join(tmpdir(), 'pki-chain-'));
  const p = (n: string) => join(dir, n);
  const openssl = async (args: string[]) => {
    const r = await run('openssl', args);
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ext = async (name: string, lines: string[]) => {
    await writeFile(p(name), `[ext]\n${[...lines, 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'].join('\n')}\n${opts.sections ?? ''}`);
    return p(name);
  };
  const key = (n: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(n)]);
  await Promise.all([key('root.key'), key('ca.key'), key('leaf.key')]);
  const rootExt = await ext('root.cnf', opts.root);
  await openssl(['req', '-x509', '-new', '-key', p('root.key'), '-out', p('root.crt'), '-subj', '/O=Corp/CN=Corp Root', '-days', '10', '-config', rootExt, '-extensions', 'ext', '-batch']);
  await openssl(['req', '-new', '-key', p('ca.key'), '-out', p('ca.csr'), '-subj', '/O=Corp/CN=Corp Issuing', '-batch', '-config', rootExt]);
  await openssl(['x509', '-req', '-in', p('ca.csr'), '-CA', p('root.crt'), '-CAkey', p('root.key'), '-CAcreateserial', '-out', p('ca.crt'), '-days', '5', '-extfile', await ext('ca.cnf', opts.ca), '-extensions', 'ext']);
  await openssl(['req', '-new', '-key', p('leaf.key'), '-out', p('leaf.csr'), '-subj', `/O=Eclipse IoT/OU=Hono/CN=${opts.leaf.cn}`, '-batch', '-config', rootExt]);
  const leafExt = await ext('leaf.cnf', ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth,clientAuth', `subjectAltName=DNS:${opts.leaf.dns},IP:${opts.leaf.ip}`]);
  await openssl(['x509', '-req', '-in', p('leaf.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('leaf.crt'), '-days', '2', '-extfile', leafExt, '-extensions', 'ext']);
  const verify = (file: string) => run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', p('root.crt'), '-untrusted', p('ca.crt'), file]);
  const [certPem, keyPem, chainPem] = (await Promise.all(['ca.crt', 'ca.key', 'root.crt'].map((n) => readFile(p(n), 'utf8')))) as [string, string, string];
  return { p, verify, certPem, keyPem, chainPem };
}
