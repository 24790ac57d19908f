// The operator's RBAC, for real: the operator runs in-process as its ServiceAccount (impersonated
// through the admin kubeconfig), bound only by the project's own Role / ClusterRole from deploy/.
// A full reconcile of the example stack must reach Ready, and what it must not do gets 403.
import test, { type ExecutionContext } from 'ava';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../operator/api/v1alpha1.js';
import { startOperator } from '../../operator/controller/operator.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { waitFor, waitReady } from './controller-fixtures.js';
import { applyObjects, applyYamlFile, impersonatedKubeConfig, installCrds, withNamespace } from '../helpers/cluster.js';
import { renderKustomize, type K8sObject } from './deploy-render.js';

const SA = 'hono-tls-operator';

/** The HTTP status of a call; 429 (a new CRD's watch cache still initializing) is retried. */
async function status(call: () => Promise<unknown>): Promise<number> {
  const code = async () => {
    try {
      await call();
      return 200;
    } catch (e) {
      return (e as { code?: number }).code ?? -1;
    }
  };
  let last = 429;
  await waitFor('an answer other than 429', async () => (last = await code()) !== 429, 10_000, 200).catch(() => undefined);
  return last;
}

/** Runs the operator as `kc` on the example stack in `ns` until the seed config is Ready. */
async function fullReconcile(t: ExecutionContext, kc: KubeConfig, ns: string): Promise<void> {
  await installCrds();
  await applyYamlFile('examples/hono-stack.yaml', ns);
  const op = await startOperator({ kubeConfig: kc, namespace: ns, logger: silentLogger() });
  t.teardown(() => op.stop());
  await op.ready;
  await applyYamlFile('examples/honotlsconfig-seed.yaml', ns);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })) as { items: Array<{ metadata: { name: string } }> };
  t.is(list.items.length, 1);
  const cfg = await waitReady(ns, list.items[0]!.metadata.name, 120_000);
  const comps = cfg.status?.components ?? [];
  t.true(comps.length >= 6, `a multi-component config (${comps.length} components)`);
  for (const c of comps) {
    t.truthy(c.secretName, c.name);
    if (c.deployment) t.true(c.deploymentWired, `${c.name}: Deployment ${c.deployment} wired`);
  }
}

/** What the operator must never be able to do, whatever the mode. */
async function assertDenied(t: ExecutionContext, kc: KubeConfig, ns: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const denied: Array<[string, () => Promise<unknown>]> = [
    ['list configmaps', () => core.listNamespacedConfigMap({ namespace: ns })],
    ['read a configmap', () => core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: ns })],
    ['list pods', () => core.listNamespacedPod({ namespace: ns })],
    ['create a Deployment', () => apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } } })],
    ['delete a Deployment', () => apps.deleteNamespacedDeployment({ name: 'hono-service-auth', namespace: ns })],
    ['create a Role (escalation)', () => rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'x' }, rules: [] } })],
    ['list nodes', () => core.listNode()],
    ['create a namespace', () => core.createNamespace({ body: { metadata: { name: `${ns}-x` } } })],
    ['list statefulsets', () => apps.listNamespacedStatefulSet({ namespace: ns })],
  ];
  for (const [what, call] of denied) t.is(await status(call), 403, `the operator must not ${what}`);
}

test('namespaced mode: the Role from deploy/namespaced suffices for a full reconcile, and nothing outside the namespace is readable', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'rbac-ns');
  const other = await withNamespace(t, 'rbac-other');
  const objs = (await renderKustomize('deploy/namespaced')).filter((o) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind));
  t.is(objs.length, 3);
  for (const o of objs) {
    o.metadata.namespace = ns;
    for (const s of (o['subjects'] as Array<{ namespace?: string }> | undefined) ?? []) s.namespace = ns;
  }
  await applyObjects(objs as K8sObject[]);
  // A Secret the operator has no business with, in another namespace.
  await applyObjects([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated', namespace: other }, stringData: { password: 'not-yours' } }]);

  const kc = impersonatedKubeConfig(`system:serviceaccount:${ns}:${SA}`);
  await fullReconcile(t, kc, ns);

  await assertDenied(t, kc, ns);
  const core = kc.makeApiClient(CoreV1Api);
  t.is(await status(() => core.readNamespacedSecret({ name: 'unrelated', namespace: other })), 403, 'a Secret in another namespace');
  t.is(await status(() => core.listNamespacedSecret({ namespace: other })), 403, 'Secrets of another namespace');
  t.is(await status(() => core.listSecretForAllNamespaces({})), 403, 'Secrets cluster-wide');
  t.is(await status(() => core.listNamespacedSecret({ namespace: 'kube-system' })), 403, 'kube-system Secrets');
  const apps = kc.makeApiClient(AppsV1Api);
  t.is(await status(() => apps.listNamespacedDeployment({ namespace: other })), 403, 'Deployments of another namespace');
  t.is(await status(() => core.createNamespacedSecret({ namespace: other, body: { metadata: { name: 'planted' } } })), 403, 'creating Secrets in another namespace');
  const custom = kc.makeApiClient(CustomObjectsApi);
  t.is(await status(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })), 403, 'HonoTlsConfigs cluster-wide');
});

test('cluster-wide mode: the ClusterRole from deploy/ suffices for a full reconcile, and denies what the operator does not need', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'rbac-cluster');
  const objs = (await renderKustomize('deploy')).filter((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind));
  t.is(objs.length, 2);
  // Applied as rendered (cluster-scoped, the same objects `kubectl apply -k deploy/` creates).
  await applyObjects(objs);
  const subject = (objs.find((o) => o.kind === 'ClusterRoleBinding')!['subjects'] as Array<{ name: string; namespace: string }>)[0]!;
  const kc = impersonatedKubeConfig(`system:serviceaccount:${subject.namespace}:${subject.name}`);
  await installCrds();
  // Cluster-wide grants are real (the operator can watch every namespace) ...
  const custom = kc.makeApiClient(CustomObjectsApi);
  t.is(await status(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })), 200);
  // ... but it reconciles only the test's namespace here, so it cannot race other tests' operators.
  await fullReconcile(t, kc, ns);
  await assertDenied(t, kc, ns);
});
