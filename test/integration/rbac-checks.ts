// What the operator's RBAC must allow and deny, checked as its impersonated ServiceAccount:
// shared by the kustomize (rbac-impersonation.test.ts) and Helm (helm-chart.test.ts) tests.
import type { ExecutionContext } from 'ava';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_LEASE_TIMING } from '../../operator/controller/leader-election.js';
import { GROUP, PLURAL, VERSION } from '../../operator/api/v1alpha1.js';
import { startOperator } from '../../operator/controller/operator.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { waitFor, waitReady } from './controller-fixtures.js';
import { applyObjects, applyYamlFile, impersonatedKubeConfig, installCrds } from '../helpers/cluster.js';
import { renderKustomize, type K8sObject } from './deploy-render.js';

/** The HTTP status of a call; 429 (a new CRD's watch cache still initializing) is retried. */
export async function status(call: () => Promise<unknown>): Promise<number> {
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

/** The Lease the operator elects its leader on, as deploy/ names it (the chart: the release's name). */
export interface LeaseRef {
  namespace: string;
  name: string;
}

/**
 * Runs the operator as `kc` on the example stack in `ns` until the seed config is Ready; with a
 * Lease, as deployed: with leader election, so it reconciles only once it holds that Lease.
 */
export async function fullReconcile(t: ExecutionContext, kc: KubeConfig, ns: string, lease?: LeaseRef): Promise<void> {
  await installCrds();
  await applyYamlFile('examples/hono-stack.yaml', ns);
  const identity = `rbac-test-${ns}`;
  const leaderElection = lease && { ...lease, identity, ...DEFAULT_LEASE_TIMING };
  const op = await startOperator({ kubeConfig: kc, namespace: ns, logger: silentLogger(), leaderElection });
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
  if (lease) {
    const held = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease(lease);
    t.is(held.spec?.holderIdentity, identity, 'it created and holds the Lease');
    await waitFor('a renewal of the Lease', async () => {
      const l = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease(lease);
      return String(l.spec?.renewTime) !== String(held.spec?.renewTime);
    }, 3 * DEFAULT_LEASE_TIMING.retryPeriodMs);
  }
}

/** Leases: only the operator's own, only get/update (create cannot be narrowed to a name). */
export async function assertLeaseDenied(t: ExecutionContext, kc: KubeConfig, lease: LeaseRef): Promise<void> {
  const api = kc.makeApiClient(CoordinationV1Api);
  t.is(await status(() => api.readNamespacedLease(lease)), 200, 'positive control: its own Lease');
  const other = { name: `${lease.name}-other`, namespace: lease.namespace };
  t.is(await status(() => api.readNamespacedLease(other)), 403, 'reading another Lease');
  t.is(await status(() => api.replaceNamespacedLease({ ...other, body: { metadata: other } })), 403, 'updating another Lease');
  t.is(await status(() => api.deleteNamespacedLease(lease)), 403, 'deleting its Lease');
  t.is(await status(() => api.listNamespacedLease({ namespace: lease.namespace })), 403, 'listing Leases');
  t.is(await status(() => api.readNamespacedLease({ name: lease.name, namespace: 'kube-system' })), 403, 'a Lease in another namespace');
}

/** What the operator must never be able to do, whatever the mode. */
export async function assertDenied(t: ExecutionContext, kc: KubeConfig, ns: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const denied: Array<[string, () => Promise<unknown>]> = [
    ['list configmaps', () => core.listNamespacedConfigMap({ namespace: ns })],
    // Read by name only (a certManager trust bundle): never listed, never written.
    ['create a configmap', () => core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' }, data: { a: 'b' } } })],
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

/** deploy/namespaced's ServiceAccount, Role and RoleBinding applied in `ns`; the operator's kubeconfig as that ServiceAccount. */
export async function namespacedOperator(ns: string, sa = 'hono-tls-operator'): Promise<KubeConfig> {
  const objs = (await renderKustomize('deploy/namespaced')).filter((o) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind));
  // The ServiceAccount, the operator's Role and the leader-election Role, and their bindings.
  if (objs.length !== 5) throw new Error(`deploy/namespaced renders ${objs.length} of ServiceAccount, Role, RoleBinding (expected 5)`);
  for (const o of objs) {
    o.metadata.namespace = ns;
    for (const s of (o['subjects'] as Array<{ namespace?: string }> | undefined) ?? []) s.namespace = ns;
  }
  await applyObjects(objs as K8sObject[]);
  return impersonatedKubeConfig(`system:serviceaccount:${ns}:${sa}`);
}
