// Real Hono on the operator's wiring, shared by test/e2e/real-hono.test.ts and the demo's
// --real-hono: the example stack, a HonoTlsConfig for the components real Hono can run, each
// wired container's files materialised as the kubelet would (pod-view.ts), and real Hono
// processes started with exactly the container's env (services.ts says what is added and why).
import * as fs from 'node:fs/promises';
import * as fsSync from 'node:fs';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ComponentSpec, HonoTlsConfig, ProfileName } from '../../../operator/api/v1alpha1.js';
import { applyObjects } from '../../helpers/cluster.js';
import { materializePod, type PodView } from '../pod-view.js';
import type { HonoService, RealHonoInstall } from './install.js';
import { podAddress, startJava, waitHealthy, waitListening, type JavaProcess } from './process.js';
import { HEALTH_PORT, podProcessEnv, securePort, SERVICES, type DeviceConnection, type ServiceDef } from './services.js';

export const STACK_FILE = 'examples/hono-stack.yaml';
/** The Deployment opt-in label (issue 8); set here, in one place, on every Deployment applied. */
export const OPT_IN_LABEL = 'hono.eclipse.org/tls-config';
export const CONFIG_NAME = 'hono';

/** The stack's components that real Hono 1.2.3 runs (service) or whose wiring our Hono client uses. */
export const COMPONENTS: Array<ComponentSpec & { service?: HonoService }> = [
  { name: 'auth-server', type: 'authServer', serviceName: 'hono-service-auth', deployment: { name: 'hono-service-auth' }, service: 'auth' },
  { name: 'device-registry', type: 'deviceRegistry', serviceName: 'hono-service-device-registry', deployment: { name: 'hono-service-device-registry' } },
  { name: 'mqtt-adapter', type: 'mqttAdapter', serviceName: 'hono-adapter-mqtt-vertx', deployment: { name: 'hono-adapter-mqtt-vertx' }, service: 'mqtt' },
  { name: 'http-adapter', type: 'httpAdapter', serviceName: 'hono-adapter-rest-vertx', deployment: { name: 'hono-adapter-rest-vertx' }, service: 'http' },
];

/** Hono's own default user for PLAIN logins (permissions.json in hono-service-auth-1.2.3.jar). */
export const HONO_DEFAULT_USER = { name: 'hono-client@HONO', password: 'secret' };

export function realHonoConfig(namespace: string, profile: ProfileName): HonoTlsConfig {
  return {
    apiVersion: 'hono.eclipse.org/v1alpha1',
    kind: 'HonoTlsConfig',
    metadata: { name: CONFIG_NAME, namespace },
    // PKCS12 trust stores: the password travels through secretKeyRef, as in a pod.
    spec: { profile, trustStore: { format: 'pkcs12' }, components: COMPONENTS.map(({ service: _s, ...c }) => c) },
  } as HonoTlsConfig;
}

/** A second, unrelated CA (a client component: material only) for the negative controls. */
export function otherCaConfig(namespace: string): HonoTlsConfig {
  return {
    apiVersion: 'hono.eclipse.org/v1alpha1',
    kind: 'HonoTlsConfig',
    metadata: { name: 'other-ca', namespace },
    spec: { components: [{ name: 'stranger', type: 'client' }] },
  } as HonoTlsConfig;
}

/** examples/hono-stack.yaml, every Deployment opted in to `configName`. */
export function stackObjects(configName = CONFIG_NAME): object[] {
  const docs = yaml.loadAll(fsSync.readFileSync(STACK_FILE, 'utf8')).filter((d) => d && typeof d === 'object') as Array<{ kind?: string; metadata?: { labels?: Record<string, string> } }>;
  for (const d of docs) {
    if (d.kind === 'Deployment') d.metadata = { ...d.metadata, labels: { ...d.metadata?.labels, [OPT_IN_LABEL]: configName } };
  }
  return docs;
}

export async function applyStack(namespace: string): Promise<void> {
  await applyObjects(stackObjects(), namespace);
}

/** Each component's container as the kubelet would give it: files under root/<component>/. */
export async function materialise(kc: KubeConfig, namespace: string, root: string): Promise<Map<string, PodView>> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const pods = new Map<string, PodView>();
  for (const c of COMPONENTS) {
    const dep = await apps.readNamespacedDeployment({ name: c.deployment!.name, namespace });
    pods.set(c.name, await materializePod(core, dep, path.join(root, c.name)));
  }
  return pods;
}

/** Cluster DNS for the Hono client: each Service name of a started pod -> its pod address. */
export async function writeHostsFile(file: string, namespace: string, entries: Array<{ serviceName: string; podIp: string }>): Promise<void> {
  const lines = entries.map(({ serviceName: s, podIp }) => `${podIp} ${s} ${s}.${namespace} ${s}.${namespace}.svc ${s}.${namespace}.svc.cluster.local`);
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}

export interface RunningHono {
  def: ServiceDef;
  proc: JavaProcess;
  podIp: string;
  port: number;
  /** The process env: the container's (rewritten) plus the start-up settings. */
  env: Record<string, string>;
  fromPod: string[];
  startup: string[];
  rewritten: Array<{ name: string; rule: string }>;
  /** Names whose value came from a Secret (never print those values). */
  secretEnv: Set<string>;
}

export interface StartOptions {
  workDir: string;
  deviceConnection?: DeviceConnection;
  /** Cluster DNS for the service: Service names -> addresses (writeHostsFile), read by the JVM's resolver. */
  hostsFile?: string;
}

/** JVM flags (not env) that make Vert.x resolve names through the JDK, from `hostsFile` only. */
const hostsFileJvmArgs = (hostsFile: string | undefined) => (hostsFile ? ['-Dvertx.disableDnsResolver=true', `-Djdk.net.hosts.file=${hostsFile}`] : []);

/** Starts a real Hono service from a materialised pod; does not wait for it to listen. */
export async function startHono(install: RealHonoInstall, service: HonoService, pod: PodView, o: StartOptions): Promise<RunningHono> {
  const def = SERVICES[service];
  const fromPod = podProcessEnv(pod, '0.0.0.0');
  const port = securePort(def, fromPod.env);
  const podIp = await podAddress(port);
  const { env: podEnv, rewritten } = podProcessEnv(pod, podIp);
  const startup = def.startup({ podIp, deviceConnection: o.deviceConnection });
  const clash = Object.keys(startup).find((k) => k in podEnv);
  if (clash) throw new Error(`${service}: start-up setting ${clash} is also in the container's env; the test must not override the wiring`);
  const env = { ...podEnv, ...startup };
  const proc = startJava({ classpath: install.classpath[service], mainClass: def.mainClass, jvmArgs: hostsFileJvmArgs(o.hostsFile), env, logFile: path.join(o.workDir, `${service}.log`), cwd: o.workDir });
  return { def, proc, podIp, port, env, fromPod: Object.keys(podEnv), startup: Object.keys(startup), rewritten, secretEnv: pod.secretEnv };
}

/** Starts the service and waits until its TLS port accepts connections and Hono's health check says UP. */
export async function startHonoListening(install: RealHonoInstall, service: HonoService, pod: PodView, o: StartOptions & { timeoutMs?: number }): Promise<RunningHono & { listenMs: number; upMs: number }> {
  const h = await startHono(install, service, pod, o);
  const what = `Hono ${service} (${h.def.mainClass})`;
  try {
    const listenMs = await waitListening(h.proc, h.podIp, h.port, what, o.timeoutMs);
    const upMs = listenMs + (await waitHealthy(h.proc, `http://${h.podIp}:${HEALTH_PORT}/${h.def.health}`, what, o.timeoutMs));
    return { ...h, listenMs, upMs };
  } catch (e) {
    await h.proc.stop();
    throw e;
  }
}

export interface LoginResult {
  ok: boolean;
  stage?: 'config' | 'login' | 'verify';
  line: string;
  ms: number;
}

/**
 * Hono's AuthenticationServerClient (test/peers/hono/java/HonoAuthLogin.java) with `env` as its
 * only configuration: the Device Registry's wiring, as a Hono service binds `hono.auth`.
 */
export async function honoAuthLogin(install: RealHonoInstall, env: Record<string, string>, o: { workDir: string; hostsFile: string; label: string; user?: { name: string; password: string } }): Promise<LoginResult> {
  const user = o.user ?? HONO_DEFAULT_USER;
  const pw = path.join(o.workDir, `${o.label}.password`);
  await fs.writeFile(pw, `${user.password}\n`, { mode: 0o600 });
  const t0 = performance.now();
  // The client retries a connection attempt that merely timed out (Hono's 5 s, covering TCP, TLS
  // and AMQP open) three times; on a machine loaded far beyond its cores two cold JVMs can still miss
  // that, so run it again (at most 3 runs). Any other failure (TLS, SASL, signature) is final.
  for (let run = 1; ; run++) {
    const p = startJava({
      classpath: install.peerClasspath,
      mainClass: 'HonoAuthLogin',
      args: ['--hosts-file', o.hostsFile, '--user', user.name, '--password-file', pw],
      env,
      logFile: path.join(o.workDir, `${o.label}${run > 1 ? `-${run}` : ''}.log`),
      cwd: o.workDir,
    });
    const timer = setTimeout(() => void p.stop(), 120_000);
    const code = await p.exited;
    clearTimeout(timer);
    const line = p.log().split('\n').find((l) => /^(OK|FAIL) /.test(l)) ?? `no result line (exit ${code}); log ${p.logFile}:\n${p.tail()}`;
    if (run < 3 && /^FAIL stage=login ConnectTimeoutException/.test(line)) continue;
    const stage = /^FAIL stage=(\w+)/.exec(line)?.[1] as LoginResult['stage'];
    return { ok: code === 0 && line.startsWith('OK '), stage, line: run > 1 ? `${line} (run ${run})` : line, ms: performance.now() - t0 };
  }
}

/** NAME=value lines for printing: Secret-sourced values masked. */
export function describeEnv(h: Pick<RunningHono, 'env' | 'secretEnv' | 'startup'> & { rewritten?: RunningHono['rewritten'] }): string[] {
  const note = (k: string) => {
    if (h.startup.includes(k)) return '   (start-up setting)';
    const r = h.rewritten?.find((x) => x.name === k)?.rule;
    return r === 'bind-all' ? '   (0.0.0.0 in the pod)' : '';
  };
  return Object.keys(h.env)
    .sort()
    .map((k) => `${k}=${h.secretEnv.has(k) ? '<from its Secret>' : h.env[k]}${note(k)}`);
}
