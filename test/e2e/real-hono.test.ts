// Real Hono 1.2.3 (Maven Central's jars, provisioned by test/peers/hono/provision.sh) on the
// operator's wiring, on the real control plane: the example stack and a hono-2 HonoTlsConfig; each
// wired container's files materialised as the kubelet would; real Hono processes started with
// exactly the container's env (values rewritten only for the mount prefix and 0.0.0.0, passwords
// from the referenced Secret keys) plus the start-up settings of test/peers/hono/services.ts.
// Channels: Device Registry -> Auth Server with Hono's own client on the registry's wiring (login
// and token signature); devices -> MQTT and HTTP adapters; the adapters' Device Connection client
// -> Device Registry, seen by a listener holding the registry's material (registry-endpoint.ts):
// TLS with the wired trust in profile hono-1, plain AMQP in hono-2 (which does not wire that
// client). Each with a negative control, and the seed profile's names must leave the Auth Server
// unable to start. The two profiles run one after the other (test.serial): each starts several JVMs.
import test from 'ava';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import type { PodView } from '../peers/pod-view.js';
import { startOperator } from '../../operator/controller/operator.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { secretData, waitFor, waitReady } from '../integration/controller-fixtures.js';
import { applyObjects, installCrds, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { realHono, type RealHonoInstall } from '../peers/hono/install.js';
import { canConnect, podAddress, waitLog, type JavaProcess } from '../peers/hono/process.js';
import { startRegistryEndpoint, type EndpointSeen, type RegistryEndpoint } from '../peers/hono/registry-endpoint.js';
import { podProcessEnv } from '../peers/hono/services.js';
import { httpPostTelemetry, mqttConnect } from '../peers/hono/device.js';
import {
  applyStack,
  COMPONENTS,
  CONFIG_NAME,
  honoAuthLogin,
  materialise,
  otherCaConfig,
  realHonoConfig,
  startHono,
  startHonoListening,
  writeHostsFile,
  type RunningHono,
} from '../peers/hono/real-hono.js';
import { AppsV1Api } from '@kubernetes/client-node';

let install: RealHonoInstall;
// Missing or stale: fail at once, naming the command (never skip).
test.before(() => {
  install = realHono();
});

const component = (name: string) => COMPONENTS.find((c) => c.name === name)!;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const TLS_NAME = /KEY|CERT|TRUST|PROTOCOL|PASSWORD/;

function assertExactlyWired(t: import('ava').ExecutionContext, h: RunningHono, podEnvNames: string[]) {
  t.deepEqual(h.fromPod.sort(), [...podEnvNames].sort(), `${h.def.service}: every container env var, and only those, come from the pod`);
  t.deepEqual(
    Object.keys(h.env).sort(),
    [...new Set([...podEnvNames, ...h.startup])].sort(),
    `${h.def.service}: the process env is the container's plus the start-up settings`,
  );
  t.deepEqual(h.startup.filter((n) => TLS_NAME.test(n)), [], `${h.def.service}: no start-up setting is TLS material`);
  for (const r of h.rewritten.filter((x) => x.rule === 'mount')) t.true(h.env[r.name]!.startsWith(os.tmpdir()), `${r.name} points into the materialised mount`);
}

type Profile = 'hono-1' | 'hono-2';
type Ctx = import('ava').ExecutionContext;

/** Polls `endpoint.seen` until the adapter's Device Connection client has connected at least once. */
async function firstSeen(endpoint: RegistryEndpoint, h: RunningHono, timeoutMs = 90_000): Promise<EndpointSeen[]> {
  const deadline = Date.now() + timeoutMs;
  while (endpoint.seen.length === 0) {
    if (!h.proc.isRunning()) throw new Error(`${h.def.service} exited before its Device Connection client connected; log ${h.proc.logFile}:\n${h.proc.tail()}`);
    if (Date.now() > deadline) throw new Error(`${h.def.service}: no Device Connection client connected to ${endpoint.address}:${endpoint.port} within ${timeoutMs / 1000}s; log ${h.proc.logFile}:\n${h.proc.tail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return [...endpoint.seen];
}

/**
 * Starts an adapter whose Device Connection client is pointed (start-up settings: host and port
 * only) at a listener of ours holding the device-registry component's key and certificate. The
 * name it connects to is the registry's Service name `<svc>.<ns>.svc`, in the adapter's own hosts
 * file, so only that client reaches the listener (the stack's HONO_REGISTRATION_HOST stays
 * unresolved).
 */
async function adapterWithRegistryEndpoint(
  name: 'mqtt-adapter' | 'http-adapter',
  pod: PodView,
  o: { install: RealHonoInstall; ns: string; workDir: string; registryPod: PodView; procs: JavaProcess[]; endpoints: RegistryEndpoint[] },
) {
  const registryFile = (f: string) => fs.readFile(o.registryPod.hostPath(o.registryPod.files.find((x) => x.endsWith(`/${f}`))!));
  const port = Number(pod.env.get('HONO_REGISTRATION_PORT'));
  if (!port) throw new Error(`${name}: the stack gives no HONO_REGISTRATION_PORT (the registry's AMQPS port)`);
  const address = await podAddress(port);
  const endpoint = await startRegistryEndpoint({ address, port, keyPem: await registryFile('key.pem'), certPem: await registryFile('cert.pem') });
  o.endpoints.push(endpoint);
  const host = `${component('device-registry').serviceName}.${o.ns}.svc`;
  await fs.mkdir(o.workDir, { recursive: true });
  const hostsFile = path.join(o.workDir, 'hosts');
  await fs.writeFile(hostsFile, `${address} ${host}\n127.0.0.1 localhost\n`);
  const h = await startHonoListening(o.install, component(name).service!, pod, { workDir: o.workDir, deviceConnection: { host, port }, hostsFile, timeoutMs: 180_000 });
  o.procs.push(h.proc);
  return { h, endpoint, host };
}

/** The channels both profiles must carry, on one HonoTlsConfig of `profile` in a fresh namespace. */
async function channelsOnRealHono(t: Ctx, profile: Profile) {
  const wall0 = performance.now();
  const timings: string[] = [];
  const ns = await withNamespace(t, `real-${profile}`);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), `real-${profile}-`));
  const procs: JavaProcess[] = [];
  const endpoints: RegistryEndpoint[] = [];
  t.teardown(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(endpoints.map((e) => e.close()));
    await fs.rm(work, { recursive: true, force: true });
  });
  const kc = testKubeConfig();

  await installCrds();
  await applyStack(ns);
  const op = await startOperator({ kubeConfig: kc, namespace: ns, logger: silentLogger() });
  t.teardown(() => op.stop());
  await op.ready;
  await applyObjects([realHonoConfig(ns, profile), otherCaConfig(ns)]);
  const cfg = await waitReady(ns, CONFIG_NAME, 120_000);
  const other = await waitReady(ns, 'other-ca', 120_000);
  const secretOf = (c: HonoTlsConfig, name: string) => c.status!.components!.find((s) => s.name === name)!.secretName!;
  const otherCaPem = (await secretData(ns, secretOf(other, 'stranger')))['ca.crt']!;
  const otherCaFile = path.join(work, 'other-ca.pem');
  await fs.writeFile(otherCaFile, otherCaPem);

  // --- each wired container as the kubelet would give it
  const pods = await materialise(kc, ns, path.join(work, profile));
  for (const [name, pod] of pods) {
    const key = pod.files.find((f) => f.endsWith('/key.pem'));
    t.truthy(key, `${name}: its key is mounted`);
    t.is((await fs.stat(pod.hostPath(key!))).mode & 0o777, 0o400, `${name}: key.pem mode 0400 as the kubelet writes it`);
  }
  const authPod = pods.get('auth-server')!;
  const registryPod = pods.get('device-registry')!;
  t.truthy(authPod.env.get('HONO_AUTH_AMQP_KEYPATH'), `the operator wired ${profile} names into the Auth Server`);
  t.true(registryPod.secretEnv.has('HONO_AUTH_TRUSTSTOREPASSWORD'), 'the registry trust store password comes from a Secret key');
  for (const name of ['mqtt-adapter', 'http-adapter']) {
    t.is(pods.get(name)!.env.has('HONO_DEVICECONNECTION_TRUSTSTOREPATH'), profile === 'hono-1', `${name}: Device Connection trust wired in hono-1 only`);
  }

  // --- Auth Server from its wiring
  const auth = await startHonoListening(install, 'auth', authPod, { workDir: work, timeoutMs: 120_000 });
  procs.push(auth.proc);
  timings.push(`Auth Server listening after ${secs(auth.listenMs)}, ready after ${secs(auth.upMs)}`);
  assertExactlyWired(t, auth, [...authPod.env.keys()]);
  t.regex(auth.proc.log(), /Starting Application v1\.2\.3/, 'it is Hono 1.2.3');
  t.regex(auth.proc.log(), /server listens on standard secure port/);

  const hostsFile = path.join(work, 'hosts');
  await writeHostsFile(hostsFile, ns, [{ serviceName: component('auth-server').serviceName!, podIp: auth.podIp }]);
  const registryEnv = podProcessEnv(registryPod, '127.0.0.1').env;
  t.is(registryEnv.HONO_AUTH_HOST, component('auth-server').serviceName, 'the registry finds the Auth Server by its Service name (stack env)');

  // --- Device Registry -> Auth Server: Hono's client on the registry's wiring
  const login = await honoAuthLogin(install, registryEnv, { workDir: work, hostsFile, label: 'login' });
  timings.push(`Hono client login + verify ${secs(login.ms)}`);
  t.true(login.ok, login.line);
  t.regex(login.line, /^OK login .*subject=hono-client@HONO .*signature=verified/);

  // negative: trusting another CA, the TLS handshake fails
  const strangerTrust = await honoAuthLogin(install, { ...registryEnv, HONO_AUTH_TRUSTSTOREPATH: otherCaFile }, { workDir: work, hostsFile, label: 'other-ca' });
  t.false(strangerTrust.ok, strangerTrust.line);
  t.is(strangerTrust.stage, 'login', strangerTrust.line);
  // negative: a wrong validation certificate (the registry's own: same CA, another key) rejects the token
  const wrongValidation = await honoAuthLogin(install, { ...registryEnv, HONO_AUTH_VALIDATION_CERTPATH: registryPod.hostPath(registryPod.files.find((f) => f.endsWith('/cert.pem'))!) }, { workDir: work, hostsFile, label: 'wrong-validation' });
  t.false(wrongValidation.ok, wrongValidation.line);
  t.is(wrongValidation.stage, 'verify', wrongValidation.line);
  t.regex(wrongValidation.line, /signature/i);
  t.log(`login: ${login.line.slice(0, 160)}`);
  t.log(`other CA: ${strangerTrust.line.slice(0, 160)}`);
  t.log(`wrong validation cert: ${wrongValidation.line.slice(0, 160)}`);

  // --- devices -> MQTT and HTTP adapters; their Device Connection client -> our registry endpoint
  const adapterOpts = { install, ns, registryPod, procs, endpoints };
  const adapters = await Promise.allSettled(
    (['mqtt-adapter', 'http-adapter'] as const).map(async (name) => ({ name, ...(await adapterWithRegistryEndpoint(name, pods.get(name)!, { ...adapterOpts, workDir: path.join(work, name) })) })),
  );
  for (const a of adapters) {
    if (a.status === 'rejected') {
      t.fail(String((a.reason as Error).message));
      continue;
    }
    const { name, h, endpoint, host } = a.value;
    timings.push(`${name} listening after ${secs(h.listenMs)}, alive after ${secs(h.upMs)}`);
    assertExactlyWired(t, h, [...pods.get(name)!.env.keys()]);
    const caPem = (await secretData(ns, secretOf(cfg, name)))['ca.crt']!;
    const serverName = `${component(name).serviceName}.${ns}.svc`;
    const probe = name === 'mqtt-adapter' ? mqttConnect : httpPostTelemetry;
    const good = await probe({ host: h.podIp, port: h.port, serverName, caPem });
    t.true(good.ok, `${name}: ${good.error ?? ''}`);
    t.is(good.protocol, 'TLSv1.2', `${name}: Hono 1.x offers TLSv1.2 only`);
    t.regex(good.answer ?? '', name === 'mqtt-adapter' ? /^CONNACK rc=\d+$/ : /^HTTP\/1\.1 401/, `${name} answered as Hono`);
    const bad = await probe({ host: h.podIp, port: h.port, serverName, caPem: otherCaPem });
    t.false(bad.ok, `${name}: a device trusting another CA must fail`);
    t.regex(bad.error ?? '', /certificate/i, `${name}: ${bad.error}`);
    t.log(`${name}: ${good.answer} over ${good.protocol}; other CA: ${bad.error}`);

    const seen = await firstSeen(endpoint, h);
    if (profile === 'hono-1') {
      for (const s of seen) {
        t.like(s, { kind: 'tls', handshake: 'ok', protocol: 'TLSv1.2', servername: host }, `${name}: the Device Connection client completes TLS with the registry's certificate on the wired trust: ${JSON.stringify(s)}`);
        if (s.kind === 'tls' && s.handshake === 'ok') t.regex(s.inner, /^AMQP /, `${name}: AMQP inside TLS`);
      }
    } else {
      for (const s of seen) t.like(s, { kind: 'plain' }, `${name}: on hono-2's wiring the Device Connection client sends plain bytes: ${JSON.stringify(s)}`);
      if (seen[0]!.kind === 'plain') t.regex(seen[0]!.header, /^AMQP /, `${name}: plain AMQP to the registry`);
    }
    t.log(`${name} Device Connection client -> registry endpoint (${profile}): ${JSON.stringify(seen[0])}`);
    await h.proc.stop();
  }

  // --- hono-1 negative: the same client trusting another CA refuses the registry's certificate
  if (profile === 'hono-1') {
    const mqttPod = pods.get('mqtt-adapter')!;
    // Only this value differs from the wiring (a PEM file outside the mount: passed as is).
    const strangerPod: PodView = { ...mqttPod, env: new Map(mqttPod.env).set('HONO_DEVICECONNECTION_TRUSTSTOREPATH', otherCaFile) };
    const { h, endpoint } = await adapterWithRegistryEndpoint('mqtt-adapter', strangerPod, { ...adapterOpts, workDir: path.join(work, 'mqtt-other-ca') });
    t.is(h.env.HONO_DEVICECONNECTION_TRUSTSTOREPATH, otherCaFile);
    const seen = await firstSeen(endpoint, h);
    for (const s of seen) {
      t.like(s, { kind: 'tls', handshake: 'failed' }, `trusting another CA, the Device Connection client must refuse the registry: ${JSON.stringify(s)}`);
      if (s.kind === 'tls' && s.handshake === 'failed') t.regex(s.error, /certificate unknown/, 'the client (JSSE) rejected the certificate with an alert');
    }
    t.log(`Device Connection client trusting another CA: ${JSON.stringify(seen[0])}`);
    await h.proc.stop();
  }

  return { ns, kc, work, procs, auth, timings, wall0 };
}

test.serial('real Hono 1.2.3 on the hono-1 wiring: Auth Server login + token signature, MQTT and HTTP adapters over TLS, their Device Connection client over TLS to the registry, negative controls', async (t) => {
  t.timeout(10 * 60_000);
  const { timings, wall0 } = await channelsOnRealHono(t, 'hono-1');
  timings.push(`test wall time ${secs(performance.now() - wall0)}`);
  t.log(timings.join('; '));
});

test.serial('real Hono 1.2.3 on the hono-2 wiring: the same channels, the Device Connection client in plain AMQP, seed names refused', async (t) => {
  t.timeout(10 * 60_000);
  const { ns, kc, work, procs, auth, timings, wall0 } = await channelsOnRealHono(t, 'hono-2');

  // --- the seed profile's names: the Auth Server cannot start (README's claim)
  await applyObjects([realHonoConfig(ns, 'seed')]);
  await waitReady(ns, CONFIG_NAME, 120_000);
  const apps = kc.makeApiClient(AppsV1Api);
  await waitFor('the Auth Server rewired with the seed names', async () => {
    const d = await apps.readNamespacedDeployment({ name: component('auth-server').deployment!.name, namespace: ns });
    const names = d.spec!.template.spec!.containers[0]!.env?.map((e) => e.name) ?? [];
    return names.includes('HONO_AUTH_KEY_FILE') && !names.includes('HONO_AUTH_AMQP_KEYPATH');
  });
  const seedPod = (await materialise(kc, ns, path.join(work, 'seed'))).get('auth-server')!;
  t.truthy(seedPod.env.get('HONO_AUTH_CERT_FILE'));
  await auth.proc.stop(); // the same pod address must not answer for the hono-2 process
  const seedAuth = await startHono(install, 'auth', seedPod, { workDir: path.join(work, 'seed') });
  procs.push(seedAuth.proc);
  assertExactlyWired(t, seedAuth, [...seedPod.env.keys()]);
  const refusal = await waitLog(seedAuth.proc, /does not specify any signing tokens/, 120_000);
  t.truthy(refusal, `the Auth Server on the seed names must refuse to start; log:\n${seedAuth.proc.tail()}`);
  t.false(await canConnect(seedAuth.podIp, seedAuth.port), 'and it never listens');
  t.log(`seed names: ${/[^:;]*does not specify any signing tokens[^;]*/.exec(refusal ?? '')?.[0]?.trim()}`);

  timings.push(`test wall time ${secs(performance.now() - wall0)}`);
  t.log(timings.join('; '));
});
