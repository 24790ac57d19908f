// Who owns a Deployment's fields, on the real control plane: one field manager per HonoTlsConfig and
// no forcing, so two configs never fight; a Deployment is wired only when it opted in; the user's own
// env vars, mounts and volumes are reported, never taken, and survive the config's deletion; a
// deletion completes even when unwiring is refused; the former single manager's fields move to the
// owning config without a rollout.
import test, { type ExecutionContext } from 'ava';
import { PatchStrategy, setHeaderOptions, type CoreV1Event, type V1Deployment } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { LEGACY_FIELD_MANAGER, OPT_IN_LABEL, fieldManager } from '../../operator/controller/names.js';
import { applyObjects, kubectl, withNamespace } from '../helpers/cluster.js';
import { STACK, admissionPolicy, applyStack, clients, deployment, deploymentObject, getConfig, replicaSets, runOperator, seedConfig, waitFor, waitReady } from './controller-fixtures.js';

const http = STACK.find((s) => s.component === 'http')!;
const mqtt = STACK.find((s) => s.component === 'mqtt')!;
const auth = STACK.find((s) => s.component === 'auth')!;

/** A seed config with only the named components. */
function configOf(ns: string, name: string, only: string[]): HonoTlsConfig {
  const c = seedConfig(ns, name);
  c.spec.components = c.spec.components.filter((x) => only.includes(x.name));
  return c;
}

/** The component's status once its reason is `reason` (for the current generation) and its message matches. */
async function componentReason(ns: string, config: string, component: string, reason: string, match = /./, timeoutMs = 30_000) {
  let last = '';
  try {
    return await waitFor(
      `${config}/${component}: ${reason}`,
      async () => {
        const c = await getConfig(ns, config);
        const s = c.status?.components?.find((x) => x.name === component);
        last = `${s?.reason}: ${s?.message}`;
        return c.status?.observedGeneration === c.metadata.generation && s?.reason === reason && match.test(s.message ?? '') ? s : undefined;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (last: ${last})`);
  }
}

async function events(ns: string, config: string): Promise<CoreV1Event[]> {
  return (await clients().core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${config}` })).items;
}

const managersOf = (d: V1Deployment) => (d.metadata!.managedFields ?? []).map((m) => m.manager!);

/**
 * Counts the changes of a Deployment's generation while `during` runs, polling every 50 ms (the
 * fight of issue 8 moved it by about 13 a second).
 */
async function generationChanges(ns: string, name: string, during: () => Promise<void>): Promise<number> {
  let changes = 0;
  let last = (await deployment(ns, name)).metadata!.generation;
  let done = false;
  const poll = (async () => {
    while (!done) {
      const g = (await deployment(ns, name)).metadata!.generation;
      if (g !== last) changes++;
      last = g;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    await during();
  } finally {
    done = true;
    await poll;
  }
  const g = (await deployment(ns, name)).metadata!.generation;
  return changes + (g !== last ? 1 : 0);
}

/** A namespace with the HTTP adapter wired by the config `hono`, the operator running. */
async function wiredHttp(t: ExecutionContext, prefix: string): Promise<string> {
  const ns = await withNamespace(t, prefix);
  await applyStack(ns, ['http']);
  await runOperator(t, ns);
  await applyObjects([configOf(ns, 'hono', ['http'])], ns);
  await waitReady(ns);
  return ns;
}

async function deleteConfig(ns: string, name: string): Promise<void> {
  await clients().custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name });
  await waitFor(`${name} to be gone`, async () => {
    try {
      await getConfig(ns, name);
      return false;
    } catch {
      return true;
    }
  });
}

test('two configs on one Deployment: the first wins, the second reports DeploymentConflict, and the generation stops moving', async (t) => {
  const ns = await withNamespace(t, 'own-two');
  await applyStack(ns, ['http'], 'a');
  await runOperator(t, ns);
  await applyObjects([configOf(ns, 'a', ['http'])], ns);
  await waitReady(ns, 'a');
  await applyObjects([configOf(ns, 'b', ['http'])], ns);
  const byLabel = await componentReason(ns, 'b', 'http', 'DeploymentConflict');
  t.regex(byLabel.message!, /opted in for HonoTlsConfig a/);

  // The owner hands the Deployment to b while a still holds the wiring: b's apply meets a's fields.
  t.is((await kubectl(['-n', ns, 'label', 'deployment', http.deployment, `${OPT_IN_LABEL}=b`, '--overwrite'])).code, 0);
  const conflict = await componentReason(ns, 'b', 'http', 'DeploymentConflict', /already sets/);
  t.regex(conflict.message!, /volume hono-tls-http \(owned by hono-tls-operator\/a\)/, conflict.message);
  t.regex(conflict.message!, /wired by HonoTlsConfig a; wire it from one config only/);
  t.false(conflict.deploymentWired);
  const a = await componentReason(ns, 'a', 'http', 'DeploymentConflict', /opted in for HonoTlsConfig b/);
  t.true(a.message!.includes(`kubectl label deployment ${http.deployment} -n ${ns} ${OPT_IN_LABEL}=a --overwrite`));
  await waitFor('a Warning Event for the conflict', async () => (await events(ns, 'b')).some((e) => e.type === 'Warning' && e.reason === 'DeploymentConflict' && /hono-tls-operator\/a/.test(e.message ?? '')));

  // Positive control: the counter sees changes of the generation when there are some.
  const seen = await generationChanges(ns, http.deployment, async () => {
    for (let i = 0; i < 3; i++) {
      const r = await kubectl(['-n', ns, 'patch', 'deployment', http.deployment, '--type=merge', '-p', JSON.stringify({ spec: { template: { metadata: { annotations: { 'test/poke': String(i) } } } } })]);
      t.is(r.code, 0, r.stderr);
      await new Promise((r) => setTimeout(r, 300));
    }
  });
  t.true(seen >= 3, `the counter saw ${seen} changes`);
  const rsBefore = (await replicaSets(ns, http.deployment)).length;
  const d0 = await deployment(ns, http.deployment);
  const still = await generationChanges(ns, http.deployment, () => new Promise((r) => setTimeout(r, 30_000)));
  t.is(still, 0, 'no fight: the generation did not move in 30 s');
  t.is((await replicaSets(ns, http.deployment)).length, rsBefore);
  const d1 = await deployment(ns, http.deployment);
  t.deepEqual(d1.spec!.template, d0.spec!.template);
  t.true(managersOf(d1).includes(fieldManager('a')));
  t.false(managersOf(d1).includes(fieldManager('b')), 'b owns nothing');
});

test("a user's change to a wired field is reported with the apiserver's conflict, not reverted", async (t) => {
  const ns = await wiredHttp(t, 'own-edit');
  // kubectl set env is an Update: the value's ownership moves to kubectl-set, the operator still owns the entry.
  const r = await kubectl(['-n', ns, 'set', 'env', `deployment/${http.deployment}`, 'HONO_HTTP_KEY_FILE=/user/key.pem']);
  t.is(r.code, 0, r.stderr);
  const s = await componentReason(ns, 'hono', 'http', 'DeploymentConflict');
  t.regex(s.message!, /fields owned by kubectl-set conflict with the wiring \(\.spec\.template\.spec\.containers\[name="hono-adapter-http-vertx"\]\.env\[name="HONO_HTTP_KEY_FILE"\]\.value\)/, s.message);
  const env = (await deployment(ns, http.deployment)).spec!.template.spec!.containers[0]!.env!;
  t.is(env.find((e) => e.name === 'HONO_HTTP_KEY_FILE')?.value, '/user/key.pem', "the user's value stays");
});

test('without the opt-in label a Deployment is left alone, with the command that opts it in', async (t) => {
  const ns = await withNamespace(t, 'own-optin');
  await applyStack(ns, ['http'], null);
  await runOperator(t, ns);
  await applyObjects([configOf(ns, 'hono', ['http'])], ns);
  const s = await componentReason(ns, 'hono', 'http', 'DeploymentNotOptedIn');
  const command = `kubectl label deployment ${http.deployment} -n ${ns} ${OPT_IN_LABEL}=hono --overwrite`;
  t.true(s.message!.includes(command), s.message);
  const d = await deployment(ns, http.deployment);
  t.is(d.metadata!.generation, 1, 'not touched');
  t.false(managersOf(d).some((m) => m.startsWith('hono-tls-operator')));

  // The fix as printed (without the leading `kubectl`), and the Deployment is wired by the label's watch event.
  const r = await kubectl(command.split(' ').slice(1));
  t.is(r.code, 0, r.stderr);
  await waitReady(ns, 'hono', 30_000);
  const wired = await deployment(ns, http.deployment);
  t.true(managersOf(wired).includes(fieldManager('hono')));
  t.truthy(wired.spec!.template.spec!.containers[0]!.env!.find((e) => e.name === 'HONO_HTTP_KEY_FILE'));
});

test("the user's own env var, mount and volume are reported, not taken, and intact after the config is deleted", async (t) => {
  const ns = await withNamespace(t, 'own-user');
  // Created with a plain create (an Update manager, no server-side apply): what kubectl create does.
  const own = (s: { deployment: string; image: string }, patch: (c: Record<string, unknown>, spec: Record<string, unknown>) => void) => {
    const d = deploymentObject(s.deployment, s.image) as { spec: { template: { spec: { containers: Record<string, unknown>[] } & Record<string, unknown> } } };
    patch(d.spec.template.spec.containers[0]!, d.spec.template.spec);
    return d as unknown as V1Deployment;
  };
  const userDeployments = [
    own(mqtt, (c) => (c.env = [...(c.env as object[]), { name: 'HONO_MQTT_KEY_FILE', value: '/user/key.pem' }])),
    own(http, (c, spec) => {
      c.volumeMounts = [{ name: 'user-certs', mountPath: '/opt/hono/tls' }];
      spec.volumes = [{ name: 'user-certs', emptyDir: {} }];
    }),
    own(auth, (c, spec) => {
      c.volumeMounts = [{ name: 'hono-tls-auth', mountPath: '/user/certs' }];
      spec.volumes = [{ name: 'hono-tls-auth', emptyDir: {} }];
    }),
  ];
  for (const d of userDeployments) await clients().apps.createNamespacedDeployment({ namespace: ns, body: d });
  const before = new Map<string, V1Deployment>();
  for (const d of userDeployments) before.set(d.metadata!.name!, await deployment(ns, d.metadata!.name!));
  await runOperator(t, ns);
  await applyObjects([configOf(ns, 'hono', ['auth', 'http', 'mqtt'])], ns);

  const m = await componentReason(ns, 'hono', 'mqtt', 'DeploymentConflict');
  t.regex(m.message!, /env HONO_MQTT_KEY_FILE of container hono-adapter-mqtt-vertx \(owned by [^)]+\)/, m.message);
  const h = await componentReason(ns, 'hono', 'http', 'DeploymentConflict');
  t.regex(h.message!, /volumeMount at \/opt\/hono\/tls of container hono-adapter-http-vertx/, h.message);
  const a = await componentReason(ns, 'hono', 'auth', 'DeploymentConflict');
  t.regex(a.message!, /volume hono-tls-auth \(owned by/, a.message);
  // A positive control that the operator was at work: the components' Secrets exist.
  t.truthy(await clients().core.readNamespacedSecret({ name: 'hono-mqtt-tls', namespace: ns }));

  for (const [name, b] of before) {
    const d = await deployment(ns, name);
    t.deepEqual(d.spec!.template, b.spec!.template, `${name}: nothing taken`);
    t.is(d.metadata!.generation, b.metadata!.generation);
    t.false(managersOf(d).some((x) => x.startsWith('hono-tls-operator')), `${name}: the operator owns nothing`);
  }
  await deleteConfig(ns, 'hono');
  for (const [name, b] of before) t.deepEqual((await deployment(ns, name)).spec!.template, b.spec!.template, `${name}: intact after the deletion`);
});

test('deletion completes when removing the wiring is refused; the user keeps what refers to it', async (t) => {
  const ns = await wiredHttp(t, 'own-unwire');
  // The user mounts the operator's volume a second time: removing the volume would leave that mount dangling (422).
  const patch = { spec: { template: { spec: { containers: [{ name: http.deployment, volumeMounts: [{ name: 'hono-tls-http', mountPath: '/user/tls' }] }] } } } };
  const r = await kubectl(['-n', ns, 'patch', 'deployment', http.deployment, '--field-manager=user', '--type=strategic', '-p', JSON.stringify(patch)]);
  t.is(r.code, 0, r.stderr);
  await deleteConfig(ns, 'hono');
  const warning = (await events(ns, 'hono')).find((e) => e.reason === 'UnwireFailed');
  t.truthy(warning, 'an UnwireFailed Warning Event');
  t.regex(warning?.message ?? '', /volumes hono-tls-http stay/);
  const d = await deployment(ns, http.deployment);
  const c = d.spec!.template.spec!.containers[0]!;
  t.deepEqual(JSON.parse(JSON.stringify(c.volumeMounts)), [{ name: 'hono-tls-http', mountPath: '/user/tls' }], "the user's mount stays, the operator's went");
  t.truthy(d.spec!.template.spec!.volumes!.find((v) => v.name === 'hono-tls-http'));
  t.deepEqual((c.env ?? []).map((e) => e.name), ['JAVA_OPTS'], "the operator's env vars went, the user's stays");
  t.is(d.spec!.template.metadata?.annotations?.['hono.eclipse.org/tls-digest'], undefined);
});

test('when an admission policy refuses every change to the Deployment: DeploymentRejected, and the deletion completes with the fields left in place', async (t) => {
  const ns = await wiredHttp(t, 'own-frozen');
  // A real admission policy that refuses every update of Deployments in this namespace (in force when a dry-run patch is refused).
  await admissionPolicy(t, ns, {
    name: `freeze-${ns}`,
    apiGroup: 'apps',
    resource: 'deployments',
    operation: 'UPDATE',
    expression: 'false',
    message: 'frozen by the test',
    probe: ['patch', 'deployment', http.deployment, '--type=merge', '-p', '{"metadata":{"annotations":{"test/x":"y"}}}'],
  });
  const before = await deployment(ns, http.deployment);
  // Wiring that the apiserver refuses is reported with its message (a new SAN needs a new digest).
  const changed = configOf(ns, 'hono', ['http']);
  changed.spec.components[0]!.dnsNames = ['new.example'];
  await applyObjects([changed], ns);
  const s = await componentReason(ns, 'hono', 'http', 'DeploymentRejected');
  t.regex(s.message!, /refused the wiring \(HTTP 4\d\d: .*frozen by the test/, s.message);
  await deleteConfig(ns, 'hono');
  const warning = (await events(ns, 'hono')).find((e) => e.reason === 'UnwireFailed');
  t.regex(warning?.message ?? '', /refused .*frozen by the test.*they stay in place/, warning?.message);
  const after = await deployment(ns, http.deployment);
  t.deepEqual(after.spec!.template, before.spec!.template, 'nothing could change');
  t.true(managersOf(after).includes(fieldManager('hono')));
});

test('upgrade: fields of the former single field manager move to the owning config without a rollout, opted in or not', async (t) => {
  const ns = await withNamespace(t, 'own-migrate');
  await applyStack(ns, ['http', 'mqtt']);
  const first = await runOperator(t, ns); // stopped below (stop is idempotent for the teardown)
  await applyObjects([configOf(ns, 'hono', ['http', 'mqtt'])], ns);
  await waitReady(ns);
  await first.stop();
  // The state a release with one manager left: the same fields, applied by `hono-tls-operator`.
  for (const s of [http, mqtt]) {
    const d = await deployment(ns, s.deployment);
    const i = d.metadata!.managedFields!.findIndex((m) => m.manager === fieldManager('hono'));
    await clients().apps.patchNamespacedDeployment(
      { name: s.deployment, namespace: ns, body: [{ op: 'replace', path: `/metadata/managedFields/${i}/manager`, value: LEGACY_FIELD_MANAGER }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
  }
  // mqtt's owner has not labelled it yet (releases with one manager needed no opt-in).
  t.is((await kubectl(['-n', ns, 'label', 'deployment', mqtt.deployment, `${OPT_IN_LABEL}-`])).code, 0);
  const before = new Map<string, { d: V1Deployment; rs: number }>();
  for (const s of [http, mqtt]) {
    const d = await deployment(ns, s.deployment);
    t.deepEqual(managersOf(d).filter((m) => m.startsWith('hono-tls-operator')), [LEGACY_FIELD_MANAGER]);
    before.set(s.deployment, { d, rs: (await replicaSets(ns, s.deployment)).length });
  }

  await runOperator(t, ns);
  for (const s of [http, mqtt]) {
    const d = await waitFor(`${s.deployment} owned by the config's manager`, async () => {
      const x = await deployment(ns, s.deployment);
      return managersOf(x).includes(fieldManager('hono')) ? x : undefined;
    });
    const b = before.get(s.deployment)!;
    t.false(managersOf(d).includes(LEGACY_FIELD_MANAGER));
    t.deepEqual(d.spec!.template, b.d.spec!.template, `${s.deployment}: pod template unchanged`);
    t.is(d.metadata!.generation, b.d.metadata!.generation, `${s.deployment}: no new generation`);
    t.is((await replicaSets(ns, s.deployment)).length, b.rs, `${s.deployment}: no new ReplicaSet`);
  }
  const m = await componentReason(ns, 'hono', 'mqtt', 'DeploymentNotOptedIn');
  t.false(m.deploymentWired);
  t.is((await events(ns, 'hono')).filter((e) => e.reason === 'OwnershipMigrated').length, 2);
  // And the migrated fields are the config's own: deleting it removes them, opted in or not.
  await deleteConfig(ns, 'hono');
  for (const s of [http, mqtt]) {
    const d = await deployment(ns, s.deployment);
    t.deepEqual((d.spec!.template.spec!.containers[0]!.env ?? []).map((e) => e.name), ['JAVA_OPTS']);
  }
});
