// Real Hono 1.2.3 (Maven Central's jars, provisioned by test/peers/hono/provision.sh) on the
// operator's wiring, on the real control plane: the example stack and a hono-2 HonoTlsConfig; each
// wired container's files materialised as the kubelet would; real Hono processes started with
// exactly the container's env (values rewritten only for the mount prefix and 0.0.0.0, passwords
// from the referenced Secret keys) plus the start-up settings of test/peers/hono/services.ts.
// Channels: Device Registry -> Auth Server with Hono's own client on the registry's wiring (login
// and token signature); devices -> MQTT and HTTP adapters. Each with a negative control, and the
// seed profile's names must leave the Auth Server unable to start.
import test from 'ava';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { startOperator } from '../../operator/controller/operator.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { secretData, waitFor, waitReady } from '../integration/controller-fixtures.js';
import { applyObjects, installCrds, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { realHono, type RealHonoInstall } from '../peers/hono/install.js';
import { canConnect, waitLog, type JavaProcess } from '../peers/hono/process.js';
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

test('real Hono 1.2.3 on the hono-2 wiring: Auth Server login + token signature, MQTT and HTTP adapters over TLS, negative controls, seed names refused', async (t) => {
  t.timeout(10 * 60_000);
  const wall0 = performance.now();
  const timings: string[] = [];
  const ns = await withNamespace(t, 'real-hono');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'real-hono-'));
  const procs: JavaProcess[] = [];
  t.teardown(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await fs.rm(work, { recursive: true, force: true });
  });
  const kc = testKubeConfig();

  await installCrds();
  await applyStack(ns);
  const op = await startOperator({ kubeConfig: kc, namespace: ns, logger: silentLogger() });
  t.teardown(() => op.stop());
  await op.ready;
  await applyObjects([realHonoConfig(ns, 'hono-2'), otherCaConfig(ns)]);
  const cfg = await waitReady(ns, CONFIG_NAME, 120_000);
  const other = await waitReady(ns, 'other-ca', 120_000);
  const secretOf = (c: HonoTlsConfig, name: string) => c.status!.components!.find((s) => s.name === name)!.secretName!;
  const otherCaPem = (await secretData(ns, secretOf(other, 'stranger')))['ca.crt']!;
  const otherCaFile = path.join(work, 'other-ca.pem');
  await fs.writeFile(otherCaFile, otherCaPem);

  // --- each wired container as the kubelet would give it
  const pods = await materialise(kc, ns, path.join(work, 'hono-2'));
  for (const [name, pod] of pods) {
    const key = pod.files.find((f) => f.endsWith('/key.pem'));
    t.truthy(key, `${name}: its key is mounted`);
    t.is((await fs.stat(pod.hostPath(key!))).mode & 0o777, 0o400, `${name}: key.pem mode 0400 as the kubelet writes it`);
  }
  const authPod = pods.get('auth-server')!;
  const registryPod = pods.get('device-registry')!;
  t.truthy(authPod.env.get('HONO_AUTH_AMQP_KEYPATH'), 'the operator wired hono-2 names into the Auth Server');
  t.true(registryPod.secretEnv.has('HONO_AUTH_TRUSTSTOREPASSWORD'), 'the registry trust store password comes from a Secret key');

  // --- Auth Server from its wiring
  const registryHost = component('device-registry').serviceName!;
  const auth = await startHonoListening(install, 'auth', authPod, { workDir: work, deviceConnectionHost: registryHost, timeoutMs: 120_000 });
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

  // --- devices -> MQTT and HTTP adapters
  const adapters = await Promise.allSettled(
    (['mqtt-adapter', 'http-adapter'] as const).map(async (name) => {
      const h = await startHonoListening(install, component(name).service!, pods.get(name)!, { workDir: work, deviceConnectionHost: registryHost, timeoutMs: 180_000 });
      procs.push(h.proc);
      return { name, h };
    }),
  );
  for (const a of adapters) {
    if (a.status === 'rejected') {
      t.fail(String((a.reason as Error).message));
      continue;
    }
    const { name, h } = a.value;
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
    await h.proc.stop();
  }

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
  const seedAuth = await startHono(install, 'auth', seedPod, { workDir: path.join(work, 'seed'), deviceConnectionHost: registryHost });
  procs.push(seedAuth.proc);
  assertExactlyWired(t, seedAuth, [...seedPod.env.keys()]);
  const refusal = await waitLog(seedAuth.proc, /does not specify any signing tokens/, 120_000);
  t.truthy(refusal, `the Auth Server on the seed names must refuse to start; log:\n${seedAuth.proc.tail()}`);
  t.false(await canConnect(seedAuth.podIp, seedAuth.port), 'and it never listens');
  t.log(`seed names: ${/[^:;]*does not specify any signing tokens[^;]*/.exec(refusal ?? '')?.[0]?.trim()}`);

  timings.push(`test wall time ${secs(performance.now() - wall0)}`);
  t.log(timings.join('; '));
});
