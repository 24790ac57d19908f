// Every example applied to the real control plane: HonoTlsConfigs created for real (defaults
// read back, then planned), the Hono stack by server-side dry-run.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import type { HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { GROUP, PLURAL, VERSION } from '../../operator/api/v1alpha1.js';
import { OPT_IN_LABEL } from '../../operator/controller/names.js';
import { planConfig } from '../../operator/plan/plan.js';
import { kubectl, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { ensureCrdAsWritten, installCrdAsWritten } from './crd-install.js';

const dir = 'examples';
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const docsOf = (f: string) => yaml.loadAll(fs.readFileSync(path.join(dir, f), 'utf8')).filter(Boolean) as Array<{ kind: string; metadata: { name: string } }>;

test.before(async () => {
  await installCrdAsWritten();
});
test.beforeEach(async () => {
  await ensureCrdAsWritten();
});

test('the examples directory has the stack and a HonoTlsConfig per issuer mode and trust-store format', (t) => {
  const configs = files.flatMap(docsOf).filter((d) => d.kind === 'HonoTlsConfig') as unknown as HonoTlsConfig[];
  const issuers = new Set(configs.map((c) => Object.keys(c.spec.issuer ?? { selfSigned: {} })[0]));
  const formats = new Set(configs.flatMap((c) => [c.spec.trustStore?.format ?? 'pem', ...(c.spec.trustStore?.additionalFormats ?? [])]));
  t.deepEqual([...issuers].sort(), ['ca', 'certManager', 'selfSigned']);
  t.deepEqual([...formats].sort(), ['jks', 'pem', 'pkcs12']);
  t.true(files.includes('hono-stack.yaml') && files.includes('honotlsconfig-seed.yaml'));
});

for (const f of files.filter((x) => docsOf(x).every((d) => d.kind === 'HonoTlsConfig'))) {
  test(`${f}: created for real, defaults applied, and it plans`, async (t) => {
    const ns = await withNamespace(t, 'examples');
    const r = await kubectl(['apply', '--server-side', '--field-manager=examples-test', '-n', ns, '-f', path.join(dir, f)]);
    t.is(r.code, 0, r.stderr);
    const api = testKubeConfig().makeApiClient(k8s.CustomObjectsApi);
    for (const d of docsOf(f)) {
      const got = (await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: d.metadata.name })) as HonoTlsConfig;
      t.truthy(got.spec.profile, 'profile defaulted');
      t.truthy(got.spec.certificate?.duration && got.spec.certificate.renewBefore, 'certificate defaults');
      t.truthy(got.spec.trustStore?.format);
      t.true(got.spec.components.every((c) => c.mountPath?.startsWith('/')));
      const plan = planConfig(got);
      t.is(plan.components.length, got.spec.components.length);
    }
  });
}

test('hono-stack.yaml: accepted by the apiserver (server-side dry-run), images as in the seed', async (t) => {
  const ns = await withNamespace(t, 'examples-stack');
  const r = await kubectl(['apply', '--dry-run=server', '-n', ns, '-f', path.join(dir, 'hono-stack.yaml')]);
  t.is(r.code, 0, r.stderr);
  t.is((r.stdout.match(/created \(server dry run\)/g) ?? []).length, 13, r.stdout);
  const images = docsOf('hono-stack.yaml')
    .filter((d) => d.kind === 'Deployment')
    .map((d) => (d as unknown as k8s.V1Deployment).spec!.template.spec!.containers[0]!.image!.split(':')[0]);
  t.deepEqual(images.sort(), [
    'eclipsehono/dispatch-router',
    'eclipsehono/hono-adapter-mqtt-vertx',
    'eclipsehono/hono-adapter-rest-vertx',
    'eclipsehono/hono-server',
    'eclipsehono/hono-service-auth',
    'eclipsehono/hono-service-device-registry',
  ]);
});

test('honotlsconfig-seed.yaml wires every Deployment and Service of hono-stack.yaml', (t) => {
  const stack = docsOf('hono-stack.yaml');
  const cfg = docsOf('honotlsconfig-seed.yaml')[0] as unknown as HonoTlsConfig;
  const deployments = stack.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name).sort();
  const services = stack.filter((d) => d.kind === 'Service').map((d) => d.metadata.name).sort();
  t.deepEqual(cfg.spec.components.flatMap((c) => (c.deployment ? [c.deployment.name] : [])).sort(), deployments);
  t.deepEqual(cfg.spec.components.flatMap((c) => (c.serviceName ? [c.serviceName] : [])).sort(), services);
  // One `kubectl apply` away: every Deployment opts in for that config.
  for (const d of stack.filter((x) => x.kind === 'Deployment') as Array<{ metadata: { name: string; labels?: Record<string, string> } }>) {
    t.is(d.metadata.labels?.[OPT_IN_LABEL], cfg.metadata.name, `${d.metadata.name} opts in for ${cfg.metadata.name}`);
  }
});
