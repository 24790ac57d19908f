// client-node's informer stops on any error but 410; RestartingInformer restarts it with backoff.
// Proved with a real failure: a watch forbidden by RBAC, then allowed.
import test from 'ava';
import { AppsV1Api, RbacAuthorizationV1Api, type V1Deployment } from '@kubernetes/client-node';
import { RestartingInformer } from '../../operator/controller/informers.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { impersonatedKubeConfig, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { applyStack, waitFor } from './controller-fixtures.js';

test('an informer that fails (403) restarts, syncs once allowed, and then sees events', async (t) => {
  const ns = await withNamespace(t, 'ctrl-informer');
  await applyStack(ns, ['auth']);
  const user = `system:serviceaccount:${ns}:watcher`;
  const kc = impersonatedKubeConfig(user);
  const apps = kc.makeApiClient(AppsV1Api);
  const seen: string[] = [];
  const informer = new RestartingInformer<V1Deployment>({
    name: 'deployments',
    kubeConfig: kc,
    path: `/apis/apps/v1/namespaces/${ns}/deployments`,
    list: () => apps.listNamespacedDeployment({ namespace: ns }),
    logger: silentLogger(),
    onEvent: (e, d) => seen.push(`${e} ${d.metadata!.name}`),
    restartBaseMs: 100,
    restartMaxMs: 400,
  });
  informer.start();
  t.teardown(() => informer.stop());
  await waitFor('the list to be refused', async () => informer.health(0).ok === false, 10_000);
  t.false(informer.hasSynced);

  const rbac = testKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'watch' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['list', 'watch'] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: { metadata: { name: 'watch' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'watch' }, subjects: [{ kind: 'User', name: user }] },
  });
  await waitFor('the informer to sync', () => informer.hasSynced, 15_000);
  t.true(informer.health(0).ok);
  t.deepEqual(seen, ['add hono-service-auth']);
  t.truthy(informer.cache.get('hono-service-auth', ns));

  await testKubeConfig().makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: 'hono-service-auth', namespace: ns });
  await waitFor('the delete event', async () => seen.includes('delete hono-service-auth'), 10_000);
  t.deepEqual(seen, ['add hono-service-auth', 'delete hono-service-auth']);
  t.is(informer.cache.get('hono-service-auth', ns), undefined);
});
