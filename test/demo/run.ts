// The demo's core, on whatever control plane HONO_TEST_KUBECONFIG points at (main.ts starts
// one; test/e2e/demo.test.ts uses the test run's): install the CRD and the example Hono stack,
// apply the seed HonoTlsConfig, run the operator in-process until Ready and every wired
// Deployment has rolled, then prove the six channels with the material in the Secrets.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yaml from 'js-yaml';
import winston from 'winston';
import { AppsV1Api, type KubeConfig, type V1Deployment, type V1ReplicaSet } from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { startOperator } from '../../operator/controller/operator.js';
import { ownedFields } from '../../operator/controller/apply-body.js';
import { TLS_DIGEST_ANNOTATION, fieldManager } from '../../operator/controller/names.js';
import { secretNames } from '../../operator/plan/plan.js';
import { applyObjects, applyYamlFile, installCrds, kubectl, testKubeConfig } from '../helpers/cluster.js';
import { caIssuer, getCm, selfSignedClusterIssuer } from '../helpers/cert-manager.js';
import { waitReady } from '../integration/controller-fixtures.js';
import { allSixProven, formatChannelTable, proveChannels, type ChannelResult } from '../peers/channels.js';
import { table } from '../peers/table.js';

export interface ComponentRow {
  component: string;
  type: string;
  secret: string;
  envVars: string[];
  notAfter: string;
  deployment: string;
  replicaSet: string;
}

export interface DemoResult {
  ok: boolean;
  namespace: string;
  configName: string;
  components: ComponentRow[];
  channels: ChannelResult[];
  failures: string[];
  operatorLog: string;
}

export interface DemoOptions {
  namespace?: string;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
  stackFile?: string;
  configFile?: string;
  readyTimeoutMs?: number;
  /** Where the operator's JSON log goes. Default: a temp file. */
  operatorLog?: string;
  /** cert-manager: a CA Issuer made by cert-manager issues (the control plane runs its controllers). */
  issuer?: 'self-signed' | 'cert-manager';
}

/** The demo's cert-manager issuers: a SelfSigned ClusterIssuer makes the CA of the Issuer the config names. */
const DEMO_SELF_SIGNED = 'hono-demo-selfsigned';
const DEMO_CA_ISSUER = 'hono-demo-ca';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Prints "step ... done (1.2s)" around each step, with the time since the start. */
export function stepper(log: (l: string) => void) {
  const t0 = performance.now();
  const secs = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)}s`;
  return async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    log(`[${secs(t0).padStart(6)}] ${what} ...`);
    try {
      const out = await fn();
      log(`[${secs(t0).padStart(6)}] ${what} ... done (${secs(t)})`);
      return out;
    } catch (e) {
      log(`[${secs(t0).padStart(6)}] ${what} ... FAILED (${secs(t)}): ${(e as Error).message}`);
      throw e;
    }
  };
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const step = stepper(log);
  const namespace = opts.namespace ?? 'hono';
  const stackFile = opts.stackFile ?? 'examples/hono-stack.yaml';
  const configFile = opts.configFile ?? 'examples/honotlsconfig-seed.yaml';
  const config = (yaml.loadAll(fs.readFileSync(configFile, 'utf8')) as HonoTlsConfig[]).find((d) => d?.kind === 'HonoTlsConfig');
  if (!config) throw new Error(`${configFile} holds no HonoTlsConfig`);
  const configName = config.metadata.name;
  const kc = testKubeConfig();
  const operatorLog = opts.operatorLog ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hono-demo-')), 'operator.log');
  const result: DemoResult = { ok: false, namespace, configName, components: [], channels: [], failures: [], operatorLog };

  await step('installing the HonoTlsConfig CRD', () => installCrds('crds'));
  await step(`creating namespace ${namespace}`, async () => {
    const r = await kubectl(['create', 'namespace', namespace]);
    if (r.code !== 0 && !r.stderr.includes('AlreadyExists')) throw new Error(r.stderr.trim());
  });
  await step(`applying the example Hono stack (${stackFile})`, () => applyYamlFile(stackFile, namespace));

  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.File({ filename: operatorLog })],
  });
  const op = await step(`starting the operator (watching ${namespace}; log: ${operatorLog})`, async () => {
    const o = await startOperator({ kubeConfig: kc, namespace, logger, metricsPort: 0, healthPort: 0 });
    await o.ready;
    return o;
  });
  try {
    if (opts.issuer === 'cert-manager') {
      await step(`cert-manager: SelfSigned ClusterIssuer ${DEMO_SELF_SIGNED}, CA Issuer ${DEMO_CA_ISSUER} in ${namespace}`, async () => {
        await selfSignedClusterIssuer(DEMO_SELF_SIGNED);
        if (!(await getCm('issuers', DEMO_CA_ISSUER, namespace))) await caIssuer(namespace, DEMO_CA_ISSUER, DEMO_SELF_SIGNED);
      });
      const cmConfig = structuredClone(config);
      cmConfig.metadata = { ...cmConfig.metadata, namespace };
      cmConfig.spec.issuer = { certManager: { issuerRef: { name: DEMO_CA_ISSUER, kind: 'Issuer' } } };
      await step(`applying HonoTlsConfig ${configName} (${configFile}, issuer: cert-manager Issuer ${DEMO_CA_ISSUER})`, () => applyObjects([cmConfig], namespace));
    } else {
      await step(`applying HonoTlsConfig ${configName} (${configFile})`, () => applyYamlFile(configFile, namespace));
    }
    const ready = await step(`waiting for ${configName} to be Ready`, () => waitReady(namespace, configName, opts.readyTimeoutMs ?? 120_000));
    result.components = await step('waiting for the wired Deployments to roll out new ReplicaSets', () => componentRows(kc, namespace, ready));
    log('');
    log(formatComponentTable(result.components));
    log('');
    result.channels = await step('proving the six channels with real TLS handshakes', () => proveChannels(kc, namespace, configName));
    log('');
    log(formatChannelTable(result.channels));
    log('');
  } catch (e) {
    result.failures.push((e as Error).message);
  } finally {
    await op.stop();
    logger.close();
  }
  for (const c of result.components) if (!c.replicaSet.startsWith('rs/') && c.deployment) result.failures.push(`${c.component}: Deployment ${c.deployment} did not roll (${c.replicaSet})`);
  for (const r of result.channels) if (!r.peerVerified) result.failures.push(`channel ${r.channel} ${r.client} -> ${r.server}: ${r.error ?? 'not verified'}`);
  if (result.channels.length && !allSixProven(result.channels)) result.failures.push('not all six channels were proven');
  result.ok = result.failures.length === 0 && result.channels.length > 0;
  return result;
}

/** The ReplicaSet whose pod template carries the Deployment's current TLS digest. */
function newReplicaSet(dep: V1Deployment, sets: V1ReplicaSet[]): V1ReplicaSet | undefined {
  const digest = dep.spec?.template.metadata?.annotations?.[TLS_DIGEST_ANNOTATION];
  if (!digest) return undefined;
  return sets.find(
    (rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && o.uid === dep.metadata?.uid) && rs.spec?.template?.metadata?.annotations?.[TLS_DIGEST_ANNOTATION] === digest,
  );
}

async function componentRows(kc: KubeConfig, namespace: string, cfg: HonoTlsConfig, timeoutMs = 60_000): Promise<ComponentRow[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sets = (await apps.listNamespacedReplicaSet({ namespace })).items;
    const rows: ComponentRow[] = [];
    let pending = false;
    for (const spec of cfg.spec.components) {
      const st = cfg.status?.components?.find((c) => c.name === spec.name);
      const row: ComponentRow = { component: spec.name, type: spec.type, secret: st?.certificate ? `${st.secretName ?? ''}\n+ ${secretNames.certManager(cfg.metadata.name, spec.name)}` : (st?.secretName ?? ''), envVars: [], notAfter: st?.notAfter ?? '', deployment: spec.deployment?.name ?? '', replicaSet: '-' };
      if (spec.deployment) {
        const dep = await apps.readNamespacedDeployment({ name: spec.deployment.name, namespace });
        row.envVars = [...ownedFields(dep, fieldManager(cfg.metadata.name)).containers.values()].flatMap((c) => [...c.env]).sort();
        const rs = newReplicaSet(dep, sets);
        if (rs) row.replicaSet = `rs/${rs.metadata?.name} (revision ${rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '?'})`;
        else {
          pending = true;
          row.replicaSet = 'no ReplicaSet with the TLS digest yet';
        }
      }
      rows.push(row);
    }
    if (!pending || Date.now() > deadline) return rows;
    await sleep(250);
  }
}

export function formatComponentTable(rows: ComponentRow[]): string {
  return table(
    ['component', 'Secret', 'env vars set', 'expires', 'new ReplicaSet'],
    rows.map((r) => [r.component, r.secret, r.type === 'dispatchRouter' && !r.envVars.length ? '(none: qdrouterd reads its sslProfile)' : r.envVars.length ? chunks(r.envVars, 2).map((c) => c.join(' ')).join('\n') : r.deployment ? '(none)' : '(no Deployment: material only)', r.notAfter, r.replicaSet]),
  );
}

function chunks<T>(xs: T[], n: number): T[][] {
  return Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
}
