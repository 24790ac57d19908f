// Proves that Pods really run on the control plane with pods (kube-scheduler + KWOK fake
// nodes): Deployments of the example stack roll out to completion, a pod-template change rolls
// again with the old pods deleted, and a rollout that no node can take stays incomplete.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { kubectl } from '../helpers/cluster.js';
import { rolloutGap } from '../helpers/rollouts.js';
import { clusterWith, type FeaturedCluster } from '../controlplane/cluster-with.js';
import { waitFor } from '../helpers/wait.js';

const STACK = 'examples/hono-stack.yaml';

const stackDeployments = (): k8s.V1Deployment[] =>
  (yaml.loadAll(fs.readFileSync(STACK, 'utf8')) as { kind?: string }[]).filter(
    (d) => d?.kind === 'Deployment',
  ) as k8s.V1Deployment[];

let cluster: FeaturedCluster;
let apps: k8s.AppsV1Api;
let core: k8s.CoreV1Api;

test.before(async () => {
  cluster = await clusterWith({ pods: true });
  apps = cluster.kubeConfig().makeApiClient(k8s.AppsV1Api);
  core = cluster.kubeConfig().makeApiClient(k8s.CoreV1Api);
});
test.after.always(async () => {
  await cluster?.stop();
});

async function namespace(t: { teardown(fn: () => unknown): void }, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  t.teardown(() => core.deleteNamespace({ name }).catch(() => undefined));
  // Pods need the namespace's default ServiceAccount, which kube-controller-manager makes.
  await waitFor('the default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(() => true, () => undefined), 30_000);
  return name;
}

/** Waits until the Deployment's rollout is complete; returns it and how long the wait took. */
async function rolledOut(ns: string, name: string, timeoutMs = 120_000): Promise<{ d: k8s.V1Deployment; ms: number }> {
  const t0 = performance.now();
  let last = '';
  try {
    const d = await waitFor(
      `Deployment ${ns}/${name} to complete its rollout`,
      async () => {
        const d = await apps.readNamespacedDeployment({ name, namespace: ns });
        last = rolloutGap(d) ?? '';
        return last ? undefined : d;
      },
      timeoutMs,
    );
    return { d, ms: performance.now() - t0 };
  } catch (e) {
    throw new Error(`${(e as Error).message} (still: ${last})`);
  }
}

const podsOf = async (ns: string, app: string): Promise<k8s.V1Pod[]> =>
  (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items;
const isReady = (p: k8s.V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

test('the example stack rolls out to completion on fake nodes, and a pod-template change rolls one Deployment again', async (t) => {
  const ns = await namespace(t, 'pods-rollout');
  const names = stackDeployments().map((d) => d.metadata!.name!);
  t.true(names.length >= 6, `the example stack has its Deployments (${names.join(', ')})`);

  const applied = await kubectl(['apply', '-n', ns, '-f', STACK], { kubeconfig: cluster.kubeconfigPath });
  t.is(applied.code, 0, applied.stderr);
  const t0 = performance.now();
  for (const name of names) await rolledOut(ns, name);
  t.log(`${names.length} Deployments of ${STACK} rolled out in ${((performance.now() - t0) / 1000).toFixed(1)}s`);

  for (const name of names) {
    const pods = await podsOf(ns, name);
    t.is(pods.length, 1, `${name}: one pod`);
    for (const p of pods) {
      t.is(p.status?.phase, 'Running', `${p.metadata?.name} runs`);
      t.true(isReady(p), `${p.metadata?.name} is Ready`);
      t.true(cluster.nodes.includes(p.spec?.nodeName ?? ''), `${p.metadata?.name} was scheduled to a fake node (${p.spec?.nodeName})`);
    }
  }
  // kubectl agrees, by its own reading of the status.
  const status = await kubectl(['rollout', 'status', '-n', ns, 'deployment/hono-service-auth', '--timeout=20s'], {
    kubeconfig: cluster.kubeconfigPath,
  });
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /successfully rolled out/);

  // A pod-template change (as `kubectl rollout restart` makes it) on one Deployment.
  const target = 'hono-service-auth';
  const oldPods = await podsOf(ns, target);
  const othersBefore = new Map(
    await Promise.all(
      names.filter((n) => n !== target).map(async (n) => [n, (await apps.readNamespacedDeployment({ name: n, namespace: ns })).metadata?.generation] as const),
    ),
  );
  const patch = { spec: { template: { metadata: { annotations: { 'hono.test/restarted': String(Date.now()) } } } } };
  const patched = await kubectl(['patch', '-n', ns, `deployment/${target}`, '--type=merge', '-p', JSON.stringify(patch)], {
    kubeconfig: cluster.kubeconfigPath,
  });
  t.is(patched.code, 0, patched.stderr);
  const { d, ms } = await rolledOut(ns, target);
  t.log(`one Deployment's rollout after a pod-template change: ${(ms / 1000).toFixed(1)}s`);
  t.is(d.metadata?.generation, 2);
  // The old pods are deleted (not just unready): KWOK finishes their deletion.
  await waitFor(
    'the old pods to be deleted',
    async () => {
      const uids = new Set((await podsOf(ns, target)).map((p) => p.metadata?.uid));
      return oldPods.every((p) => !uids.has(p.metadata?.uid)) ? true : undefined;
    },
    60_000,
  );
  const newPods = await podsOf(ns, target);
  t.is(newPods.length, 1);
  t.true(newPods.every((p) => p.status?.phase === 'Running' && isReady(p)));
  t.not(newPods[0]?.metadata?.labels?.['pod-template-hash'], oldPods[0]?.metadata?.labels?.['pod-template-hash']);
  const rs = (await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: `app=${target}` })).items;
  t.deepEqual(rs.map((r) => r.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort(), ['1', '2']);
  t.is(rs.find((r) => r.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1')?.status?.replicas, 0);
  // Only that one rolled.
  for (const [n, gen] of othersBefore) {
    t.is((await apps.readNamespacedDeployment({ name: n, namespace: ns })).metadata?.generation, gen, `${n} did not change`);
    t.is((await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: `app=${n}` })).items.length, 1, `${n} has one ReplicaSet`);
  }
});

test('a rollout that no node can take stays incomplete past its progress deadline, and completes once a node fits', async (t) => {
  const ns = await namespace(t, 'pods-stuck');
  const name = 'hono-server';
  const d = stackDeployments().find((x) => x.metadata?.name === name)!;
  await apps.createNamespacedDeployment({ namespace: ns, body: { ...d, metadata: { ...d.metadata, namespace: ns } } });
  // Positive control: this Deployment does roll out on these nodes.
  await rolledOut(ns, name);
  const [oldPod] = await podsOf(ns, name);

  // A node pool that no node is in (yet).
  const pool = `p-${randomBytes(4).toString('hex')}`;
  const patch = { spec: { progressDeadlineSeconds: 15, template: { spec: { nodeSelector: { 'hono.test/pool': pool } } } } };
  const patched = await kubectl(['patch', '-n', ns, `deployment/${name}`, '--type=merge', '-p', JSON.stringify(patch)], {
    kubeconfig: cluster.kubeconfigPath,
  });
  t.is(patched.code, 0, patched.stderr);

  // kube-controller-manager's own verdict after 15s without progress.
  const stuck = await waitFor(
    'the Deployment to report ProgressDeadlineExceeded',
    async () => {
      const x = await apps.readNamespacedDeployment({ name, namespace: ns });
      const p = x.status?.conditions?.find((c) => c.type === 'Progressing');
      return p?.status === 'False' && p.reason === 'ProgressDeadlineExceeded' ? x : undefined;
    },
    90_000,
  );
  t.regex(rolloutGap(stuck) ?? 'complete', /old replica|updated|ready|available/, 'the rollout is incomplete');
  t.is(stuck.status?.availableReplicas, 1, 'the old pod still serves');
  const pods = await podsOf(ns, name);
  const old = pods.find((p) => p.metadata?.uid === oldPod?.metadata?.uid);
  t.true(old !== undefined && old.status?.phase === 'Running' && isReady(old), 'the old pod is kept running');
  const pending = pods.filter((p) => p.metadata?.uid !== oldPod?.metadata?.uid);
  t.is(pending.length, 1);
  t.is(pending[0]?.status?.phase, 'Pending');
  const scheduled = pending[0]?.status?.conditions?.find((c) => c.type === 'PodScheduled');
  t.is(scheduled?.status, 'False');
  t.is(scheduled?.reason, 'Unschedulable', `the scheduler found no node: ${scheduled?.message}`);
  const status = await kubectl(['rollout', 'status', '-n', ns, `deployment/${name}`, '--timeout=10s'], {
    kubeconfig: cluster.kubeconfigPath,
  });
  t.not(status.code, 0);
  t.regex(status.stderr + status.stdout, /exceeded its progress deadline/);

  // Positive control: once a node is in the pool, the same rollout completes.
  const node = cluster.nodes[0]!;
  const label = (value: string | null): Promise<unknown> =>
    core.patchNode({ name: node, body: { metadata: { labels: { 'hono.test/pool': value } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  t.teardown(() => label(null).catch(() => undefined));
  await label(pool);
  await rolledOut(ns, name);
  await waitFor(
    'the old pod to be deleted',
    async () => ((await podsOf(ns, name)).some((p) => p.metadata?.uid === oldPod?.metadata?.uid) ? undefined : true),
    60_000,
  );
  const [now] = await podsOf(ns, name);
  t.is(now?.spec?.nodeName, node);
});
