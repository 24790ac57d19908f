// The Helm chart (deploy/helm/hono-tls-operator) with the real helm binary (test/tools/build.sh):
// lint, the values schema, the same RBAC and pod security as the kustomize deploy/, `helm
// template` applied to the real control plane, install / upgrade / uninstall keeping the user's
// HonoTlsConfigs, and an installed ServiceAccount reconciling the example stack as itself.
import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../operator/api/v1alpha1.js';
import { impersonatedKubeConfig, kubectl, withNamespace } from '../helpers/cluster.js';
import { runTool, type ToolResult } from '../tools/tools.js';
import { CRD_NAME, installCrdAsWritten } from './crd-install.js';
import { findObject, podCreated, renderKustomize, type K8sObject } from './deploy-render.js';
import { assertDenied, assertLeaseDenied, fullReconcile, status } from './rbac-checks.js';

const CHART = 'deploy/helm/hono-tls-operator';
// helm keeps its caches and repository config out of the user's home.
const helmHome = fs.mkdtempSync(path.join(os.tmpdir(), 'hono-helm-'));
const helmEnv = { HELM_CACHE_HOME: `${helmHome}/cache`, HELM_CONFIG_HOME: `${helmHome}/config`, HELM_DATA_HOME: `${helmHome}/data` };
test.after.always(() => fs.rmSync(helmHome, { recursive: true, force: true }));

/** helm against the run's control plane. */
function helm(args: string[]): Promise<ToolResult> {
  return runTool('helm', [...args, `--kubeconfig=${process.env.HONO_TEST_KUBECONFIG ?? ''}`], { env: helmEnv });
}

async function template(t: ExecutionContext, release: string, namespace: string, set: string[] = []): Promise<K8sObject[]> {
  const r = await helm(['template', release, CHART, '--namespace', namespace, ...set.flatMap((s) => ['--set', s])]);
  t.is(r.code, 0, r.stderr);
  return yaml.loadAll(r.stdout).filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

// Release names that contain the chart's name are the objects' names too (the chart's fullname).
const release = () => `hono-tls-operator-${randomBytes(3).toString('hex')}`;

test('helm lint passes for both modes and with the ServiceMonitor', async (t) => {
  for (const set of [[], ['watchNamespace=hono'], ['metrics.serviceMonitor.enabled=true', 'logLevel=debug']]) {
    const r = await helm(['lint', CHART, '--strict', ...set.flatMap((s) => ['--set', s])]);
    t.is(r.code, 0, `${set.join(',')}: ${r.stdout}${r.stderr}`);
    t.regex(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  }
});

test('values of a wrong type or an unknown key fail at helm template with the schema message naming the value', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['metrics.port=metrics', /metrics[./]port[\s\S]*(integer|number)/i],
    ['logLevel=verbose', /logLevel[\s\S]*(enum|must be one of|error, warn, info, debug)/i],
    ['crds.keep=sometimes', /crds[./]keep[\s\S]*boolean/i],
    ['replicas=two', /replicas[\s\S]*integer/i],
    ['watchNamespace=Not_A_Namespace', /watchNamespace/],
  ];
  for (const [set, message] of bad) {
    const r = await helm(['template', 'x', CHART, '--set', set]);
    t.not(r.code, 0, `${set} must fail`);
    t.regex(r.stderr, /values don't meet the specifications of the schema/, set);
    t.regex(r.stderr, message, `${set}: ${r.stderr}`);
  }
  // Positive control: the same keys with values of the right type render.
  const ok = await helm(['template', 'x', CHART, '--set', 'metrics.port=9090', '--set', 'logLevel=debug', '--set', 'crds.keep=false', '--set', 'watchNamespace=hono', '--set', 'replicas=3']);
  t.is(ok.code, 0, ok.stderr);
});

test('the chart grants exactly the rules of the kustomize RBAC, in both modes, to its own ServiceAccount', async (t) => {
  const clusterRole = findObject(await renderKustomize('deploy'), 'ClusterRole', 'hono-tls-operator');
  const role = findObject(await renderKustomize('deploy/namespaced'), 'Role', 'hono-tls-operator');

  const cluster = await template(t, 'hto', 'ops');
  const leader = (objs: K8sObject[]) => objs.filter((o) => o.metadata.name.endsWith('-leader-election'));
  t.false(cluster.some((o) => (o.kind === 'Role' || o.kind === 'RoleBinding') && !leader([o]).length), 'cluster-wide: no Role but the leader-election one');
  t.deepEqual(findObject(cluster, 'ClusterRole')['rules'], clusterRole['rules']);
  const crb = findObject(cluster, 'ClusterRoleBinding') as K8sObject & { roleRef: { kind: string; name: string }; subjects: unknown[] };
  t.deepEqual(crb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: findObject(cluster, 'ClusterRole').metadata.name });
  t.deepEqual(crb.subjects, [{ kind: 'ServiceAccount', name: findObject(cluster, 'ServiceAccount').metadata.name, namespace: 'ops' }]);

  const namespaced = await template(t, 'hto', 'ops', ['watchNamespace=hono']);
  t.false(namespaced.some((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding'));
  const r = findObject(namespaced, 'Role', 'hto-hono-tls-operator');
  t.deepEqual(r['rules'], role['rules']);
  t.is(r.metadata.namespace, 'hono');
  const rb = findObject(namespaced, 'RoleBinding', 'hto-hono-tls-operator') as K8sObject & { roleRef: { kind: string }; subjects: unknown[] };
  t.is(rb.metadata.namespace, 'hono');
  t.is(rb.roleRef.kind, 'Role');
  t.deepEqual(rb.subjects, [{ kind: 'ServiceAccount', name: findObject(namespaced, 'ServiceAccount').metadata.name, namespace: 'ops' }]);
  // Leader election, both modes: the same rules as deploy/rbac/leader-election/, for the Lease named
  // like the release (which the Deployment passes as --leader-election-id), in the release's namespace.
  const kustomizedLease = findObject(await renderKustomize('deploy'), 'Role', 'hono-tls-operator-leader-election');
  for (const objs of [cluster, namespaced]) {
    const [lr, lrb] = [findObject(leader(objs), 'Role'), findObject(leader(objs), 'RoleBinding') as K8sObject & { roleRef: { name: string }; subjects: unknown[] }];
    const fullname = findObject(objs, 'Deployment').metadata.name;
    const expected = (kustomizedLease['rules'] as Array<{ resourceNames?: string[] }>).map((r) => (r.resourceNames ? { ...r, resourceNames: [fullname] } : r));
    t.deepEqual(lr['rules'], expected);
    t.is(lr.metadata.namespace, 'ops');
    t.is(lrb.metadata.namespace, 'ops');
    t.is(lrb.roleRef.name, lr.metadata.name);
    t.deepEqual(lrb.subjects, [{ kind: 'ServiceAccount', name: findObject(objs, 'ServiceAccount').metadata.name, namespace: 'ops' }]);
    t.true(((findObject(objs, 'Deployment') as any).spec.template.spec.containers[0].args as string[]).includes(`--leader-election-id=${fullname}`));
  }
  const env = (findObject(namespaced, 'Deployment') as any).spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
  t.deepEqual(env.find((e) => e.name === 'WATCH_NAMESPACE'), { name: 'WATCH_NAMESPACE', value: 'hono' });
  const clusterEnv = (findObject(cluster, 'Deployment') as any).spec.template.spec.containers[0].env as Array<{ name: string }>;
  t.false(clusterEnv.some((e) => e.name === 'WATCH_NAMESPACE'), 'cluster-wide: no WATCH_NAMESPACE');
});

test('the chart Deployment has the pod security, probes, resources and strategy of deploy/, and the values reach it', async (t) => {
  const kustomized = findObject(await renderKustomize('deploy'), 'Deployment', 'hono-tls-operator') as any;
  // Released as `hono-tls-operator`, its objects (and Lease) are named as deploy/ names them.
  const charted = findObject(await template(t, 'hono-tls-operator', 'ops'), 'Deployment') as any;
  const [kp, cp] = [kustomized.spec.template.spec, charted.spec.template.spec];
  t.deepEqual(cp.securityContext, kp.securityContext);
  t.deepEqual(cp.volumes, kp.volumes);
  t.deepEqual(charted.spec.strategy, kustomized.spec.strategy);
  t.is(charted.spec.replicas, kustomized.spec.replicas);
  for (const key of ['securityContext', 'livenessProbe', 'readinessProbe', 'resources', 'ports', 'volumeMounts', 'args', 'env']) {
    t.deepEqual(cp.containers[0][key], kp.containers[0][key], key);
  }
  t.is(cp.containers[0].image, 'hono-tls-operator:0.1.0', "the chart's appVersion");

  const set = await template(t, 'hto', 'ops', ['image.repository=registry.example.com/hto', 'image.tag=9.9.9', 'logLevel=debug', 'metrics.port=9090', 'resources.limits.memory=1Gi', 'metrics.serviceMonitor.enabled=true']);
  const c = (findObject(set, 'Deployment') as any).spec.template.spec.containers[0];
  t.is(c.image, 'registry.example.com/hto:9.9.9');
  t.true(c.args.includes('--log-level=debug'));
  t.true(c.args.includes('--metrics-addr=:9090'));
  t.is(c.ports.find((p: { name: string }) => p.name === 'metrics').containerPort, 9090);
  t.is(c.resources.limits.memory, '1Gi');
  const sm = findObject(set, 'ServiceMonitor') as any;
  t.is(sm.spec.endpoints[0].port, 'metrics');
  t.is((findObject(set, 'Service') as any).spec.ports[0].port, 9090);
  t.false((await template(t, 'hto', 'ops')).some((o) => o.kind === 'ServiceMonitor'), 'no ServiceMonitor by default');
});

test('helm template (one namespace) applies to the real control plane and its pod passes the restricted Pod Security Standard', async (t) => {
  const ns = await withNamespace(t, 'helm-tpl');
  await kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);
  const objs = (await template(t, release(), ns, ['watchNamespace=' + ns])).filter((o) => o.kind !== 'CustomResourceDefinition');
  t.deepEqual(objs.map((o) => o.kind).sort(), ['Deployment', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'ServiceAccount']);
  const r = await kubectl(['apply', '--server-side', '-f', '-'], { input: objs.map((o) => yaml.dump(o)).join('---\n') });
  t.is(r.code, 0, r.stderr);
  const pod = await podCreated(t, ns);
  t.true(pod.ok, pod.why);
});

test('helm template with the CRD applies to the real control plane: the chart CRD is crds/ as written', async (t) => {
  const crd = findObject(await template(t, 'hto', 'ops'), 'CustomResourceDefinition') as any;
  const written = yaml.load(fs.readFileSync('crds/hono.eclipse.org_honotlsconfigs.yaml', 'utf8')) as any;
  t.deepEqual(crd.spec, written.spec);
  t.is(crd.metadata.annotations['helm.sh/resource-policy'], 'keep');
  const noKeep = findObject(await template(t, 'hto', 'ops', ['crds.keep=false']), 'CustomResourceDefinition') as any;
  t.is(noKeep.metadata.annotations?.['helm.sh/resource-policy'], undefined, 'crds.keep=false drops the annotation');
  t.false((await template(t, 'hto', 'ops', ['crds.install=false'])).some((o) => o.kind === 'CustomResourceDefinition'));
  // The API server accepts it (a dry run: the CRD is shared with the other tests).
  const r = await kubectl(['apply', '--server-side', '--dry-run=server', '--force-conflicts', '--field-manager=hono-test-harness', '-f', '-'], { input: yaml.dump(crd) });
  t.is(r.code, 0, r.stderr);
});

/**
 * Lets a release own the CRD the whole run shares (helm adopts objects that carry its ownership
 * metadata). It is installed first, so another test creating it meanwhile cannot race the install.
 */
async function adoptCrd(releaseName: string, namespace: string): Promise<void> {
  await installCrdAsWritten();
  const a = await kubectl(['annotate', '--overwrite', 'crd', CRD_NAME, `meta.helm.sh/release-name=${releaseName}`, `meta.helm.sh/release-namespace=${namespace}`]);
  const l = await kubectl(['label', '--overwrite', 'crd', CRD_NAME, 'app.kubernetes.io/managed-by=Helm']);
  if (a.code !== 0 || l.code !== 0) throw new Error(`adopting ${CRD_NAME}: ${a.stderr}${l.stderr}`);
}

const uid = async (args: string[]) => (await kubectl(['get', ...args, '-o', 'jsonpath={.metadata.uid}'])).stdout;

test.serial('helm install (cluster-wide, with the CRD) reconciles as its ServiceAccount; upgrade and uninstall keep the HonoTlsConfigs and the CRD', async (t) => {
  t.timeout(5 * 60_000);
  const ops = await withNamespace(t, 'helm-ops');
  const ns = await withNamespace(t, 'helm-hono');
  const rel = release();
  // The CRD is shared by the whole run: the release must never delete it.
  const crd = findObject(await template(t, rel, ops), 'CustomResourceDefinition') as any;
  t.is(crd.metadata.annotations['helm.sh/resource-policy'], 'keep');
  await adoptCrd(rel, ops);
  const installed = await helm(['install', rel, CHART, '--namespace', ops]);
  t.is(installed.code, 0, installed.stderr);
  t.teardown(async () => {
    await helm(['uninstall', rel, '--namespace', ops]);
  });
  const crdUid = await uid(['crd', CRD_NAME]);
  t.truthy(crdUid);

  const sa = JSON.parse((await kubectl(['get', 'serviceaccount', '-n', ops, '-o', 'json'])).stdout).items.map((s: any) => s.metadata.name).filter((n: string) => n !== 'default');
  t.deepEqual(sa, [rel]);
  const kc = impersonatedKubeConfig(`system:serviceaccount:${ops}:${rel}`);
  const custom = kc.makeApiClient(CustomObjectsApi);
  t.is(await status(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })), 200, 'cluster-wide grants');
  const lease = { namespace: ops, name: rel };
  await fullReconcile(t, kc, ns, lease);
  await assertDenied(t, kc, ns);
  await assertLeaseDenied(t, kc, lease);
  const configs = async () => JSON.parse((await kubectl(['get', 'honotlsconfigs', '-n', ns, '-o', 'json'])).stdout).items.map((c: any) => c.metadata.uid).sort();
  const before = await configs();
  t.is(before.length, 1);

  const upgraded = await helm(['upgrade', rel, CHART, '--namespace', ops, '--set', 'logLevel=debug']);
  t.is(upgraded.code, 0, upgraded.stderr);
  // Positive control: the upgrade did change the release.
  const args = JSON.parse((await kubectl(['get', 'deployment', rel, '-n', ops, '-o', 'json'])).stdout).spec.template.spec.containers[0].args;
  t.true(args.includes('--log-level=debug'));
  t.is(await uid(['crd', CRD_NAME]), crdUid, 'the CRD is the same object after the upgrade');
  t.deepEqual(await configs(), before, 'the HonoTlsConfigs survive the upgrade');

  const removed = await helm(['uninstall', rel, '--namespace', ops]);
  t.is(removed.code, 0, removed.stderr);
  t.regex(removed.stdout + removed.stderr, /kept due to the resource policy/);
  t.is((await kubectl(['get', 'deployment', rel, '-n', ops])).code, 1, 'positive control: the release objects are gone');
  t.is(await uid(['crd', CRD_NAME]), crdUid, 'the CRD is kept');
  t.deepEqual(await configs(), before, 'the HonoTlsConfigs survive the uninstall');
});

test('helm install in one namespace: its ServiceAccount reconciles the example stack there and reads nothing elsewhere', async (t) => {
  t.timeout(5 * 60_000);
  const ns = await withNamespace(t, 'helm-ns');
  const other = await withNamespace(t, 'helm-other');
  const rel = release();
  const installed = await helm(['install', rel, CHART, '--namespace', ns, '--set', `watchNamespace=${ns}`, '--set', 'crds.install=false']);
  t.is(installed.code, 0, installed.stderr);
  t.teardown(async () => {
    await helm(['uninstall', rel, '--namespace', ns]);
  });
  await kubectl(['create', 'secret', 'generic', 'unrelated', '-n', other, '--from-literal=password=not-yours']);
  const kc = impersonatedKubeConfig(`system:serviceaccount:${ns}:${rel}`);
  const lease = { namespace: ns, name: rel };
  await fullReconcile(t, kc, ns, lease);
  await assertDenied(t, kc, ns);
  await assertLeaseDenied(t, kc, lease);
  const core = kc.makeApiClient(CoreV1Api);
  t.is(await status(() => core.readNamespacedSecret({ name: 'unrelated', namespace: other })), 403, 'a Secret in another namespace');
  t.is(await status(() => core.listSecretForAllNamespaces({})), 403, 'Secrets cluster-wide');
  const custom = kc.makeApiClient(CustomObjectsApi);
  t.is(await status(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })), 403, 'HonoTlsConfigs cluster-wide');
});
