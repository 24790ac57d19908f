// `npm run demo -- --real-hono`'s last part: the example stack in its own namespace with a hono-1
// HonoTlsConfig, then the real Hono Auth Server (Maven Central's 1.2.3 jars) started from the
// operator's wiring of its Deployment, and Hono's own client logging in on the Device Registry's
// wiring and verifying the token's signature. Prints the Hono version and the env vars used.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startOperator } from '../../operator/controller/operator.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { installCrds, applyObjects, kubectl, testKubeConfig } from '../helpers/cluster.js';
import { waitReady } from '../integration/controller-fixtures.js';
import { PROVISION_COMMAND, PROVISION_SCRIPT, realHono } from '../peers/hono/install.js';
import { podProcessEnv, SERVICES } from '../peers/hono/services.js';
import { COMPONENTS, CONFIG_NAME, describeEnv, honoAuthLogin, materialise, realHonoConfig, startHonoListening, writeHostsFile, applyStack } from '../peers/hono/real-hono.js';
import { stepper } from './run.js';

export interface RealHonoDemoResult {
  ok: boolean;
  failures: string[];
}

export async function runRealHonoDemo(opts: { namespace: string; log: (l: string) => void }): Promise<RealHonoDemoResult> {
  const { namespace, log } = opts;
  const step = stepper(log);
  const failures: string[] = [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hono-demo-real-'));
  const kc = testKubeConfig();
  let stopAll: Array<() => Promise<void>> = [];
  try {
    const install = await step(`real Hono: ${PROVISION_COMMAND} (Maven; cached after the first run)`, async () => {
      const r = spawnSync('bash', [PROVISION_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${PROVISION_COMMAND} exited ${r.status ?? r.signal}`);
      log(`  ${r.stdout.trim()}`);
      return realHono();
    });
    await step(`creating namespace ${namespace} with the example stack`, async () => {
      await installCrds('crds');
      const r = await kubectl(['create', 'namespace', namespace]);
      if (r.code !== 0 && !r.stderr.includes('AlreadyExists')) throw new Error(r.stderr.trim());
      await applyStack(namespace);
    });
    const op = await startOperator({ kubeConfig: kc, namespace, logger: silentLogger(), metricsPort: 0, healthPort: 0 });
    stopAll.push(() => op.stop());
    await op.ready;
    await step(`applying HonoTlsConfig ${CONFIG_NAME} (profile hono-1, the profile for Hono 1.x) and waiting for Ready`, async () => {
      await applyObjects([realHonoConfig(namespace, 'hono-1')]);
      await waitReady(namespace, CONFIG_NAME, 120_000);
    });
    const pods = await step('materialising the wired containers as the kubelet would', () => materialise(kc, namespace, path.join(work, 'pods')));
    const auth = await step(`starting the real Hono Auth Server ${install.version} (${SERVICES.auth.mainClass})`, () =>
      startHonoListening(install, 'auth', pods.get('auth-server')!, { workDir: work, timeoutMs: 120_000 }),
    );
    stopAll.push(() => auth.proc.stop());
    const version = /Starting Application v(\S+)/.exec(auth.proc.log())?.[1] ?? '?';
    log('');
    log(`Hono Auth Server ${version} listens on ${auth.podIp}:${auth.port} and is ready (pid ${auth.proc.pid}), started with:`);
    for (const l of describeEnv(auth)) log(`  ${l}`);
    log(`  (start-up settings: ${SERVICES.auth.why})`);
    log('');
    const hostsFile = path.join(work, 'hosts');
    await writeHostsFile(hostsFile, namespace, [{ serviceName: COMPONENTS[0]!.serviceName!, podIp: auth.podIp }]);
    const registryPod = pods.get('device-registry')!;
    const registryEnv = podProcessEnv(registryPod, '127.0.0.1').env;
    const login = await step("Hono's AuthenticationServerClient on the Device Registry's wiring: SASL PLAIN login over TLS, token signature check", () =>
      honoAuthLogin(install, registryEnv, { workDir: work, hostsFile, label: 'login' }),
    );
    log('');
    log(`Hono client ${install.version} (Device Registry's wiring) ran with:`);
    for (const l of describeEnv({ env: registryEnv, secretEnv: registryPod.secretEnv, startup: [] })) log(`  ${l}`);
    log(`  -> ${login.line}`);
    log('');
    if (!login.ok) failures.push(`real Hono: Device Registry -> Auth Server: ${login.line}`);
    else log(`real Hono ${version}: channel Device Registry -> Auth Server proven (TLS, login, token signature verified with the validation certificate)`);
  } catch (e) {
    failures.push(`real Hono: ${(e as Error).message}`);
  } finally {
    for (const s of stopAll.reverse()) await s().catch(() => undefined);
    stopAll = [];
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { ok: failures.length === 0, failures };
}
