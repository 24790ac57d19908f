// The Dispatch Router's sslProfile as qdrouterd reads it: the rendered .conf and JSON forms read
// by our reader of the documented format (conf.ts), for both attribute sets; the example stack's
// qdrouterd.conf against the plan; and the files the profile names used by a real AMQP 1.0 TLS
// peer (Qpid Proton) with material from operator/pki, answered by a Proton client and a Node tls
// client. (No qdrouterd or skupper-router package exists in Debian bookworm or on PyPI, so
// Proton, the router's own TLS layer, stands in for it.)
import test from 'ava';
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import type { HonoTlsConfig } from '../../../operator/api/v1alpha1.js';
import { FILES } from '../../../operator/catalogue/files.js';
import { CertificateAuthority } from '../../../operator/pki/index.js';
import { planConfig } from '../../../operator/plan/plan.js';
import type { ComponentPlan } from '../../../operator/plan/types.js';
import { systemClock } from '../../../operator/runtime/clock.js';
import { readRouterConfig } from './conf.js';

const run = promisify(execFile);
const here = 'test/peers/qdrouterd';
const PEER = path.join(here, 'amqp_tls_peer.py');

/** A python3 that has Qpid Proton (Debian's python3-qpid-proton lives in /usr/bin/python3). */
const PYTHON = (() => {
  for (const p of ['python3', '/usr/bin/python3']) {
    if (spawnSync(p, ['-c', 'import proton'], { stdio: 'ignore' }).status === 0) return p;
  }
  throw new Error('no python3 with Qpid Proton: run `npm run provision` (apt-get install -y python3-qpid-proton)');
})();

type Section = [string, Record<string, string>];
const parseConf = (text: string, suffix: '.conf' | '.json'): Section[] => readRouterConfig(text, `qdrouterd${suffix}`) as Section[];

const routerConfig = (profile: 'seed' | 'hono-2', mountPath = '/opt/hono/tls'): HonoTlsConfig => ({
  apiVersion: 'hono.eclipse.org/v1alpha1',
  kind: 'HonoTlsConfig',
  metadata: { name: 'hono', namespace: 'hono' },
  spec: {
    profile,
    components: [
      { name: 'dispatch-router', type: 'dispatchRouter', serviceName: 'hono-dispatch-router', deployment: { name: 'hono-dispatch-router' }, mountPath },
      { name: 'hono-server', type: 'honoServer', profile: 'seed', serviceName: 'hono-server', deployment: { name: 'hono-server' } },
    ],
  },
});
const routerOf = (cfg: HonoTlsConfig) => planConfig(cfg).components.find((c) => c.type === 'dispatchRouter')!;
const text = (c: ComponentPlan, key: string) => {
  const s = c.entries.find((e) => e.key === key)!.source;
  if (s.kind !== 'text') throw new Error(`${key} is not text`);
  return s.text;
};

const LISTENER = ['listener {', '    host: 0.0.0.0', '    port: 5673', '    sslProfile: dispatch-router', '    requireSsl: yes', '    authenticatePeer: yes', '    saslMechanisms: EXTERNAL', '}', ''].join('\n');

for (const [profile, expected] of [
  ['seed', { certFile: '/opt/hono/tls/cert.pem', keyFile: '/opt/hono/tls/key.pem', certDb: '/opt/hono/tls/trusted-certs.pem' }],
  ['hono-2', { certFile: '/opt/hono/tls/cert.pem', privateKeyFile: '/opt/hono/tls/key.pem', caCertFile: '/opt/hono/tls/trusted-certs.pem', protocols: 'TLSv1.2 TLSv1.3' }],
] as const) {
  test(`${profile}: the rendered sslProfile reads as qdrouterd.conf (.conf and JSON) with a listener`, (t) => {
    const router = routerOf(routerConfig(profile));
    const conf = parseConf(text(router, 'sslprofile.conf') + '\n' + LISTENER, '.conf');
    t.deepEqual(conf, [
      ['sslProfile', { name: 'dispatch-router', ...expected }],
      ['listener', { host: '0.0.0.0', port: '5673', sslProfile: 'dispatch-router', requireSsl: 'yes', authenticatePeer: 'yes', saslMechanisms: 'EXTERNAL' }],
    ]);
    const jsonText = text(router, 'sslprofile.json');
    t.deepEqual(JSON.parse(jsonText), [['sslProfile', { name: 'dispatch-router', ...expected }]]);
    t.deepEqual(parseConf(jsonText, '.json'), [['sslProfile', { name: 'dispatch-router', ...expected }]]);
    // The mounted file names are the ones the volume projects.
    const items = router.workload!.volumes[0]!.secret!.items!;
    for (const p of [FILES.cert.path, FILES.key.path, FILES.caBundle.path]) t.truthy(items.find((i) => i.path === p));
  });
}

test('the example stack qdrouterd.conf carries exactly the sslProfile planned for examples/honotlsconfig-seed.yaml', (t) => {
  const docs = yaml.loadAll(fs.readFileSync('examples/hono-stack.yaml', 'utf8')) as any[];
  const cm = docs.find((d) => d?.kind === 'ConfigMap');
  const sections = parseConf(cm.data['qdrouterd.conf'], '.conf');
  const cfg = yaml.load(fs.readFileSync('examples/honotlsconfig-seed.yaml', 'utf8')) as HonoTlsConfig;
  cfg.metadata.namespace = 'hono';
  const router = routerOf(cfg);
  const profiles = sections.filter(([k]) => k === 'sslProfile').map(([, v]) => v);
  t.deepEqual(profiles, [router.sslProfile!.attributes]);
  const listeners = sections.filter(([k]) => k === 'listener').map(([, v]) => v);
  t.deepEqual(listeners.map((l) => l.sslProfile), [router.sslProfile!.name, router.sslProfile!.name]);
  t.true(listeners.every((l) => l.requireSsl === 'yes'));
  const internal = listeners.find((l) => l.port === '5673')!;
  t.is(internal.authenticatePeer, 'yes');
  t.is(internal.saslMechanisms, 'EXTERNAL');
  // The router Deployment reads the ConfigMap at qdrouterd's default location.
  const dep = docs.find((d) => d?.kind === 'Deployment' && d.metadata.name === 'hono-dispatch-router');
  t.is(dep.spec.template.spec.containers[0].volumeMounts[0].mountPath, '/etc/qpid-dispatch');
});

// --- a real AMQP 1.0 TLS peer configured from the sslProfile ---

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Writes the router's and the Hono Server's material like the Secret volumes project it. */
async function materialFor(profile: 'seed' | 'hono-2') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdr-tls-'));
  const routerDir = path.join(dir, 'router');
  const serverDir = path.join(dir, 'server');
  fs.mkdirSync(routerDir);
  fs.mkdirSync(serverDir);
  const plan = planConfig(routerConfig(profile, routerDir));
  const issuer = plan.issuer;
  if (issuer.kind !== 'selfSigned') throw new Error('expected selfSigned');
  const ca = await CertificateAuthority.createSelfSigned(
    { commonName: issuer.commonName, intermediate: issuer.intermediate, durationMs: issuer.durationMs, privateKey: issuer.privateKey },
    systemClock,
  );
  const write = async (c: ComponentPlan, into: string, by = ca) => {
    const leaf = await by.issue(c.certificate);
    fs.writeFileSync(path.join(into, FILES.key.path), leaf.keyPem, { mode: 0o400 });
    fs.writeFileSync(path.join(into, FILES.cert.path), leaf.chainPem);
    fs.writeFileSync(path.join(into, FILES.caBundle.path), ca.trustBundlePem);
  };
  const router = plan.components.find((c) => c.type === 'dispatchRouter')!;
  await write(router, routerDir);
  await write(plan.components.find((c) => c.type === 'honoServer')!, serverDir);
  // The profile as qdrouterd would read it from sslprofile.conf.
  const [[, attributes]] = parseConf(text(router, 'sslprofile.conf'), '.conf') as [Section];
  const profileFile = path.join(dir, 'sslprofile.json');
  fs.writeFileSync(profileFile, JSON.stringify(attributes));
  const other = await CertificateAuthority.createSelfSigned({ commonName: 'other', intermediate: false, durationMs: 3_600_000, privateKey: { algorithm: 'ECDSA', size: 256 } }, systemClock);
  fs.writeFileSync(path.join(dir, 'other-ca.pem'), other.trustBundlePem);
  // The Hono Server's name and key type, but issued by another CA: the router must refuse it.
  const strangerDir = path.join(dir, 'stranger');
  fs.mkdirSync(strangerDir);
  await write(plan.components.find((c) => c.type === 'honoServer')!, strangerDir, other);
  fs.writeFileSync(path.join(strangerDir, FILES.caBundle.path), ca.trustBundlePem);
  return { dir, routerDir, serverDir, strangerDir, profileFile, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the Proton listener; resolves once it listens, with a promise of its output. */
async function serve(port: number, profileFile: string, requireClientCert: boolean) {
  const child = spawn(PYTHON, [PEER, 'serve', String(port), profileFile, requireClientCert ? 'yes' : 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('LISTENING')) resolve();
    });
    child.on('exit', () => reject(new Error(`proton listener exited: ${out} ${err}`)));
  });
  return { done, kill: () => child.kill() };
}

for (const profile of ['seed', 'hono-2'] as const) {
  test(`${profile}: a Proton AMQP listener from the sslProfile accepts the Hono Server's client certificate, refuses none or another CA's (Proton client)`, async (t) => {
    const m = await materialFor(profile);
    t.teardown(m.cleanup);
    const port = await freePort();
    const server = await serve(port, m.profileFile, true);
    t.teardown(server.kill);
    // Without a client certificate the listener (VERIFY_PEER, like authenticatePeer: yes) refuses.
    const anonymous = await run(PYTHON, [PEER, 'connect', String(port), 'hono-dispatch-router', path.join(m.serverDir, 'trusted-certs.pem')]).catch((e: { stdout: string }) => e);
    t.regex(anonymous.stdout, /^FAILED .*SSL/m);
    // A client certificate from another CA is refused too (it trusts the router, so the refusal is the router's).
    const stranger = await run(PYTHON, [PEER, 'connect', String(port), 'hono-dispatch-router', path.join(m.strangerDir, 'trusted-certs.pem'), path.join(m.strangerDir, 'cert.pem'), path.join(m.strangerDir, 'key.pem')]).catch((e: { stdout: string }) => e);
    t.regex(stranger.stdout, /^FAILED .*SSL/m);
    const client = await run(PYTHON, [PEER, 'connect', String(port), 'hono-dispatch-router', path.join(m.serverDir, 'trusted-certs.pem'), path.join(m.serverDir, 'cert.pem'), path.join(m.serverDir, 'key.pem')]);
    t.regex(client.stdout, /^CONNECTED .*CN=hono-dispatch-router/m);
    const result = await server.done;
    t.is(result.code, 0, result.err);
    t.regex(result.out, /OPENED .*CN=hono-server/);
    t.regex(result.out, /OU=Hono/, 'O/OU reach the router (uidFormat)');
  });
}

test('the Proton listener from the sslProfile: Node tls client verifies it; wrong CA and wrong name fail', async (t) => {
  const m = await materialFor('hono-2');
  t.teardown(m.cleanup);
  const port = await freePort();
  const server = await serve(port, m.profileFile, false);
  t.teardown(server.kill);
  const handshake = (ca: string, servername: string) =>
    new Promise<{ ok: boolean; error?: string; protocol?: string | null }>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: fs.readFileSync(ca), servername }, () => {
        const protocol = s.getProtocol();
        // Say hello in AMQP so the listener sees a real AMQP peer, then leave.
        s.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x00, 0x01, 0x00, 0x00]));
        s.end();
        resolve({ ok: s.authorized, protocol });
      });
      s.on('error', (e) => resolve({ ok: false, error: e.message }));
    });
  const bad = await handshake(path.join(m.dir, 'other-ca.pem'), 'hono-dispatch-router');
  t.false(bad.ok);
  t.regex(bad.error!, /unable to get local issuer certificate|self.signed|unable to verify/);
  const wrongName = await handshake(path.join(m.serverDir, 'trusted-certs.pem'), 'hono-server');
  t.false(wrongName.ok);
  t.regex(wrongName.error!, /Hostname\/IP does not match|altnames/);
  const good = await handshake(path.join(m.serverDir, 'trusted-certs.pem'), 'hono-dispatch-router.hono.svc');
  t.true(good.ok, good.error);
  t.regex(good.protocol ?? '', /^TLSv1\.[23]$/);
  server.kill();
});
