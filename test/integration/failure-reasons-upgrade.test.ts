// The IssueFailed row of the failure-reasons table (failure-reasons.test.ts counts it). Admission
// now refuses what the PKI refuses at issue (a DNS label over 63 characters), so the reason is
// reached by a config stored before that rule existed: an upgrade. On a private control plane (the
// shared one's CRD must stay as written): the old CRD (the current one without that rule), the
// config stored, the current CRD installed, then the operator started.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import yaml from 'js-yaml';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { startOperator } from '../../operator/controller/operator.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { kubectl, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { clients, getConfig, waitFor } from './controller-fixtures.js';
import { CRD_FILE, CRD_NAME } from './crd-install.js';

/** The admission rule the old CRD lacks. */
const LABEL_RULE = "!self.matches('[^.]{64}')";
const LONG_NAME = `${'a'.repeat(64)}.example`;

let cp: ControlPlane | undefined;
test.before(async () => {
  cp = await startControlPlane({ binDir: process.env.HONO_TEST_BIN_DIR, log: () => undefined });
  // Every helper of this worker (kubeconfig, kubectl, clients) now talks to the private control plane.
  process.env.HONO_TEST_KUBECONFIG = cp.kubeconfigPath;
  process.env.HONO_TEST_BIN_DIR = cp.binDir;
});
test.after.always(async () => {
  await cp?.stop();
});

/** The CRD without LABEL_RULE, written to a temp file; throws unless exactly one rule was removed. */
function oldCrdFile(): string {
  const crd = yaml.load(fs.readFileSync(CRD_FILE, 'utf8'));
  let removed = 0;
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(strip);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const rules = o['x-kubernetes-validations'];
    if (Array.isArray(rules)) {
      const kept = rules.filter((r) => (r as { rule?: string }).rule !== LABEL_RULE);
      removed += rules.length - kept.length;
      if (kept.length) o['x-kubernetes-validations'] = kept;
      else delete o['x-kubernetes-validations'];
    }
    Object.values(o).forEach(strip);
  };
  strip(crd);
  if (removed !== 1) throw new Error(`expected the rule ${LABEL_RULE} once in ${CRD_FILE}, found it ${removed} times`);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'old-crd-')), 'crd.yaml');
  fs.writeFileSync(file, yaml.dump(crd));
  return file;
}

async function installCrd(file: string): Promise<void> {
  const r = await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=hono-test-harness', '-f', file]);
  if (r.code !== 0) throw new Error(`installing ${file} failed: ${r.stderr}`);
  const w = await kubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=30s']);
  if (w.code !== 0) throw new Error(`${CRD_NAME} not Established: ${w.stderr}`);
}

const configOf = (ns: string, name: string): HonoTlsConfig => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'HonoTlsConfig',
  metadata: { name, namespace: ns },
  spec: { components: [{ name: 'auth', type: 'authServer', dnsNames: [LONG_NAME] }] },
});

test('IssueFailed: a DNS label of 64 characters, stored before admission refused it (an upgrade)', async (t) => {
  t.timeout(180_000);
  await installCrd(oldCrdFile());
  const ns = await withNamespace(t, 'reasons-upgrade');
  // The old version admitted it (its first request may race the CRD's start of serving).
  await waitFor('the config stored under the old CRD', () =>
    clients().custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: configOf(ns, 'old') }),
  10_000);

  // The upgrade; the signal that the new rule is in force: the same spec is refused now (dry run).
  await installCrd(CRD_FILE);
  const refused = await waitFor('the current CRD to refuse the 64-character label', async () => {
    const r = await kubectl(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(configOf(ns, 'new')) });
    return r.code !== 0 && /at most 63 characters/.test(r.stderr) ? r.stderr : undefined;
  }, 10_000);
  t.regex(refused, /dnsNames/);
  t.deepEqual((await getConfig(ns, 'old')).spec.components[0]!.dnsNames, [LONG_NAME], 'the stored config survived the upgrade');

  const op = await startOperator({ kubeConfig: testKubeConfig(), namespace: ns, logger: silentLogger(), resyncMs: 2000, backoffBaseMs: 200, backoffMaxMs: 2000 });
  t.teardown(() => op.stop());
  await op.ready;
  let last = '';
  const auth = await waitFor('old: IssueFailed on component auth', async () => {
    const c = await getConfig(ns, 'old');
    const ready = c.status?.conditions?.find((x) => x.type === 'Ready');
    const s = c.status?.components?.find((x) => x.name === 'auth');
    last = JSON.stringify({ ready, s });
    return ready?.status === 'False' && ready.reason === 'IssueFailed' && s?.reason === 'IssueFailed' ? s : undefined;
  }, 60_000, 200).catch((err: Error) => {
    throw new Error(`${err.message}; last: ${last}`);
  });
  const message = /component auth: dnsNames\[0\]: "a{64}\.example" is not a valid DNS name; .*labels of 1-63 characters/;
  t.regex(auth.message ?? '', message);
  const event = await waitFor('a Warning Event IssueFailed', async () => {
    const events = await clients().core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=old' });
    return events.items.find((e) => e.type === 'Warning' && e.reason === 'IssueFailed');
  }, 30_000, 200);
  t.regex(event.message ?? '', message);
});
