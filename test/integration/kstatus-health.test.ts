// Health as GitOps tools read it, on live objects: kstatus (the real
// sigs.k8s.io/cli-utils/pkg/kstatus/status, through our test/tools/kstatus program) and the Argo CD
// health check shipped in deploy/gitops/ (run with a real Lua interpreter) read the same
// HonoTlsConfig: Current / Healthy when Ready, InProgress / Progressing while a change is not yet
// observed or is being worked through (a live rotation: controller-rotation.test.ts), Failed / Degraded when it cannot be satisfied.
import test, { type ExecutionContext } from 'ava';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { applyObjects, withNamespace } from '../helpers/cluster.js';
import { gitopsHealth, type GitopsHealth as Health } from '../tools/gitops-health.js';
import { applyStack, clients, deploymentObject, getConfig, runOperator, seedConfig, STACK, waitFor, waitReady } from './controller-fixtures.js';

/** kstatus and the Argo CD health of the live object, read once. */
async function health(namespace: string, name: string): Promise<Health> {
  return gitopsHealth(await getConfig(namespace, name));
}

async function waitHealth(t: ExecutionContext, namespace: string, name: string, kstatus: string, argo: string): Promise<Health> {
  let last: Health | undefined;
  try {
    return await waitFor(`${namespace}/${name}: kstatus ${kstatus}, Argo CD ${argo}`, async () => {
      last = await health(namespace, name);
      return last.kstatus === kstatus && last.argo === argo ? last : undefined;
    }, 90_000, 200);
  } catch (err) {
    t.log(last);
    throw err;
  }
}

test('a Ready config is Current (Healthy); a change not yet observed is InProgress (Progressing) until the operator observes it', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'kstatus-ready');
  await applyStack(ns);
  const op = await runOperator(t, ns);
  await applyObjects([seedConfig(ns)], ns);
  await waitReady(ns);
  const ready = await waitHealth(t, ns, 'hono', 'Current', 'Healthy');
  t.regex(ready.argoMessage, /components issued and wired/);

  // The operator is away; the spec changes: generation moves past observedGeneration.
  await op.stop();
  const before = await getConfig(ns, 'hono');
  const spec = structuredClone(before.spec);
  spec.components.find((c) => c.name === 'consumer')!.dnsNames = ['consumer.example', 'consumer2.example'];
  await clients().custom.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'hono', body: { ...before, spec } });
  const after = await getConfig(ns, 'hono');
  t.true(after.metadata.generation! > after.status!.observedGeneration!, 'the change is not observed yet');
  const pending = await health(ns, 'hono');
  t.is(pending.kstatus, 'InProgress', pending.kstatusMessage);
  t.is(pending.argo, 'Progressing', pending.argoMessage);
  t.regex(pending.argoMessage, /not yet observed/);

  // Back: the operator observes the change and the config is Current again.
  await runOperator(t, ns);
  await waitReady(ns);
  await waitHealth(t, ns, 'hono', 'Current', 'Healthy');
});

test('a config whose Deployment does not exist yet is Reconciling: InProgress (Progressing), then Current once it appears', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'kstatus-reconciling');
  const s = STACK.find((x) => x.component === 'auth')!;
  await runOperator(t, ns);
  const config: HonoTlsConfig = seedConfig(ns, 'auth', {
    components: [{ name: 'auth', type: 'authServer', deployment: { name: s.deployment } }],
  });
  await applyObjects([config], ns);
  const h = await waitHealth(t, ns, 'auth', 'InProgress', 'Progressing');
  t.regex(h.kstatusMessage, /does not exist/);
  const live = await getConfig(ns, 'auth');
  t.is(live.status?.conditions?.find((c) => c.type === 'Reconciling')?.status, 'True');
  t.falsy(live.status?.conditions?.find((c) => c.type === 'Stalled'), 'a retried failure is not Stalled');
  await applyObjects([deploymentObject(s.deployment, s.image, 'auth')], ns);
  await waitHealth(t, ns, 'auth', 'Current', 'Healthy');
  const done = await getConfig(ns, 'auth');
  t.falsy(done.status?.conditions?.find((c) => c.type === 'Reconciling'), 'Reconciling is removed once Ready');
});

test('a config that cannot be satisfied is Stalled: Failed (Degraded), with the reason', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'kstatus-stalled');
  await runOperator(t, ns);
  // The planner refuses it (InvalidSpec): only a change of the spec helps.
  const config: HonoTlsConfig = seedConfig(ns, 'cm', {
    components: [{ name: 'auth', type: 'authServer', dnsNames: ['auth.example'], envOverrides: { NOT_A_HONO_VARIABLE: 'X' } }],
  });
  await applyObjects([config], ns);
  const h = await waitHealth(t, ns, 'cm', 'Failed', 'Degraded');
  t.regex(h.kstatusMessage, /envOverrides\.NOT_A_HONO_VARIABLE/);
  t.is(h.argoMessage, h.kstatusMessage, 'both read the Stalled message');
  const live = await getConfig(ns, 'cm');
  const ready = live.status?.conditions?.find((c) => c.type === 'Ready');
  t.is(ready?.status, 'False');
  t.is(live.status?.conditions?.find((c) => c.type === 'Stalled')?.reason, ready?.reason);
  t.falsy(live.status?.conditions?.find((c) => c.type === 'Reconciling'), 'nothing is being worked through');
});
