// The operator's RBAC, for real: the operator runs in-process as its ServiceAccount (impersonated
// through the admin kubeconfig), bound only by the project's own Role / ClusterRole from deploy/.
// A full reconcile of the example stack must reach Ready, and what it must not do gets 403.
import test from 'ava';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../operator/api/v1alpha1.js';
import { applyObjects, impersonatedKubeConfig, installCrds, withNamespace } from '../helpers/cluster.js';
import { renderKustomize, type K8sObject } from './deploy-render.js';
import { assertDenied, assertLeaseDenied, fullReconcile, namespacedOperator, status } from './rbac-checks.js';

const SA = 'hono-tls-operator';

/** The Lease name the Deployment passes (--leader-election-id), which its Role names too. */
function leaseName(objs: K8sObject[]): string {
  const args = (objs.find((o) => o.kind === 'Deployment') as any)?.spec.template.spec.containers[0].args as string[] | undefined;
  const id = args?.find((a) => a.startsWith('--leader-election-id='))?.split('=')[1];
  if (!id) throw new Error('the rendered Deployment passes no --leader-election-id');
  return id;
}

test('namespaced mode: the Role from deploy/namespaced suffices for a full reconcile, and nothing outside the namespace is readable', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'rbac-ns');
  const other = await withNamespace(t, 'rbac-other');
  const kc = await namespacedOperator(ns, SA);
  // A Secret the operator has no business with, in another namespace.
  await applyObjects([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated', namespace: other }, stringData: { password: 'not-yours' } }]);

  const lease = { namespace: ns, name: leaseName(await renderKustomize('deploy/namespaced')) };
  await fullReconcile(t, kc, ns, lease);

  await assertDenied(t, kc, ns);
  await assertLeaseDenied(t, kc, lease);
  const core = kc.makeApiClient(CoreV1Api);
  t.is(await status(() => core.readNamespacedSecret({ name: 'unrelated', namespace: other })), 403, 'a Secret in another namespace');
  t.is(await status(() => core.listNamespacedSecret({ namespace: other })), 403, 'Secrets of another namespace');
  t.is(await status(() => core.listSecretForAllNamespaces({})), 403, 'Secrets cluster-wide');
  t.is(await status(() => core.listNamespacedSecret({ namespace: 'kube-system' })), 403, 'kube-system Secrets');
  // A Role in a namespace grants get on that Namespace object, and on no other.
  t.is(await status(() => core.readNamespace({ name: ns })), 200, 'its own namespace (is it being deleted?)');
  t.is(await status(() => core.readNamespace({ name: other })), 403, 'another namespace');
  const apps = kc.makeApiClient(AppsV1Api);
  t.is(await status(() => apps.listNamespacedDeployment({ namespace: other })), 403, 'Deployments of another namespace');
  t.is(await status(() => core.createNamespacedSecret({ namespace: other, body: { metadata: { name: 'planted' } } })), 403, 'creating Secrets in another namespace');
  const custom = kc.makeApiClient(CustomObjectsApi);
  t.is(await status(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })), 403, 'HonoTlsConfigs cluster-wide');
});

test('cluster-wide mode: the ClusterRole from deploy/ suffices for a full reconcile, and denies what the operator does not need', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'rbac-cluster');
  const rendered = await renderKustomize('deploy');
  const objs = rendered.filter((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind));
  t.is(objs.length, 2);
  // Applied as rendered (cluster-scoped, the same objects `kubectl apply -k deploy/` creates).
  await applyObjects(objs);
  // The leader-election Role lives in the operator's namespace; here in the test's, bound to the
  // same ServiceAccount, so the run does not share (or delete) the operator's namespace.
  const leaseRbac = rendered.filter((o) => ['Role', 'RoleBinding'].includes(o.kind));
  t.deepEqual(leaseRbac.map((o) => o.metadata.name), ['hono-tls-operator-leader-election', 'hono-tls-operator-leader-election']);
  for (const o of leaseRbac) o.metadata.namespace = ns;
  await applyObjects(leaseRbac);
  const subject = (objs.find((o) => o.kind === 'ClusterRoleBinding')!['subjects'] as Array<{ name: string; namespace: string }>)[0]!;
  const kc = impersonatedKubeConfig(`system:serviceaccount:${subject.namespace}:${subject.name}`);
  await installCrds();
  // Cluster-wide grants are real (the operator can watch every namespace) ...
  const custom = kc.makeApiClient(CustomObjectsApi);
  t.is(await status(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })), 200);
  // ... but it reconciles only the test's namespace here, so it cannot race other tests' operators.
  const lease = { namespace: ns, name: leaseName(rendered) };
  await fullReconcile(t, kc, ns, lease);
  await assertDenied(t, kc, ns);
  await assertLeaseDenied(t, kc, lease);
});
