// The controller's behaviour over time on the real control plane: rolling exactly when material
// changes, user fields kept through server-side apply, missing pieces that appear later,
// self-healing Secrets, and cleanup on deletion with the real garbage collector.
import test from 'ava';
import { CertificateAuthority } from '../../operator/pki/ca.js';
import { ManualClock, systemClock } from '../../operator/runtime/clock.js';
import { applyObjects, kubectl, withNamespace } from '../helpers/cluster.js';
import {
  STACK,
  applyStack,
  clients,
  deployment,
  deploymentObject,
  serviceObject,
  getConfig,
  readyCondition,
  replicaSets,
  runOperator,
  secretData,
  seedConfig,
  reconcileCounter,
  waitFor,
  waitReady,
} from './controller-fixtures.js';

const rsCounts = async (ns: string) =>
  Object.fromEntries(await Promise.all(STACK.map(async (s) => [s.deployment, (await replicaSets(ns, s.deployment)).length] as const)));

const withExtraSan = (ns: string, component: string, dns: string) => {
  const c = seedConfig(ns);
  c.spec.components = c.spec.components.map((x) => (x.name === component ? { ...x, dnsNames: [dns] } : x));
  return c;
};

test('a SAN change rolls only that Deployment; an operator restart rolls nothing and writes no Secret', async (t) => {
  const ns = await withNamespace(t, 'ctrl-roll');
  await applyStack(ns);
  const op = await runOperator(t, ns);
  await applyObjects([seedConfig(ns)], ns);
  await waitReady(ns);
  // Let the first rollouts settle (each wired Deployment has 2 ReplicaSets: before and after wiring).
  const before = await waitFor('ReplicaSets of the wiring', async () => {
    const c = await rsCounts(ns);
    return Object.values(c).every((n) => n === 2) ? c : undefined;
  });
  const httpSecret = (await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns })).metadata!.resourceVersion;

  await applyObjects([withExtraSan(ns, 'http', 'http.example.org')], ns);
  await waitReady(ns);
  const after = await waitFor('a new ReplicaSet for the http adapter', async () => {
    const c = await rsCounts(ns);
    return c['hono-adapter-http-vertx'] === 3 ? c : undefined;
  });
  const leaf = (await secretData(ns, 'hono-http-tls'))['tls.crt']!.toString();
  t.true(new (await import('node:crypto')).X509Certificate(leaf).subjectAltName!.includes('DNS:http.example.org'));
  t.not((await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns })).metadata!.resourceVersion, httpSecret);
  for (const s of STACK) if (s.component !== 'http') t.is(after[s.deployment], before[s.deployment], `${s.deployment} did not roll`);

  // Restart: a new operator process finds everything in place.
  const snapshot = async () => {
    const secrets = await clients().core.listNamespacedSecret({ namespace: ns });
    const deps = await clients().apps.listNamespacedDeployment({ namespace: ns });
    return {
      secrets: secrets.items.map((s) => `${s.metadata!.name}@${s.metadata!.resourceVersion}`).sort(),
      deployments: deps.items.map((d) => `${d.metadata!.name}@${d.metadata!.generation}`).sort(),
      config: (await getConfig(ns)).metadata.resourceVersion,
    };
  };
  const settled = await snapshot();
  await op.stop();
  const restarted = reconcileCounter();
  const op2 = await runOperator(t, ns, { onTimings: restarted.onTimings });
  // Positive control: the new process reconciled, first sync and a resync (2 s in tests), before "nothing changed".
  await restarted.more(2, 'the restarted operator to reconcile twice');
  await op2.idle();
  t.deepEqual(await snapshot(), settled);
  t.deepEqual(await rsCounts(ns), after);
});

test('fields of other managers survive the operator apply and its cleanup', async (t) => {
  const ns = await withNamespace(t, 'ctrl-ssa');
  await applyStack(ns, ['http']);
  await runOperator(t, ns);
  const one = seedConfig(ns);
  one.spec.components = one.spec.components.filter((c) => c.name === 'http');
  await applyObjects([one], ns);
  await waitReady(ns);
  const name = 'hono-adapter-http-vertx';
  const patch = {
    spec: {
      template: {
        spec: {
          containers: [{ name, env: [{ name: 'USER_ADDED', value: 'yes' }], volumeMounts: [{ name: 'user-vol', mountPath: '/user' }] }],
          volumes: [{ name: 'user-vol', emptyDir: {} }],
        },
      },
    },
  };
  const r = await kubectl(['-n', ns, 'patch', 'deployment', name, '--field-manager=kubectl', '--type=strategic', '-p', JSON.stringify(patch)]);
  t.is(r.code, 0, r.stderr);
  const digestBefore = (await deployment(ns, name)).spec!.template.metadata!.annotations!['hono.eclipse.org/tls-digest'];

  // A new SAN makes the operator apply again.
  one.spec.components = one.spec.components.map((c) => ({ ...c, dnsNames: ['new.example'] }));
  await applyObjects([one], ns);
  const d = await waitFor('the new digest', async () => {
    const x = await deployment(ns, name);
    return x.spec!.template.metadata!.annotations!['hono.eclipse.org/tls-digest'] !== digestBefore ? x : undefined;
  });
  const c = d.spec!.template.spec!.containers[0]!;
  t.truthy(c.env!.find((e) => e.name === 'USER_ADDED' && e.value === 'yes'));
  t.truthy(c.env!.find((e) => e.name === 'JAVA_OPTS'));
  t.truthy(c.env!.find((e) => e.name === 'HONO_HTTP_KEY_FILE'));
  t.truthy(c.volumeMounts!.find((m) => m.name === 'user-vol'));
  t.truthy(d.spec!.template.spec!.volumes!.find((v) => v.name === 'user-vol'));
  const managers = (d.metadata!.managedFields ?? []).map((m) => m.manager);
  t.true(managers.includes('kubectl') && managers.includes('hono-tls-operator/hono'));
});

test('deletion removes only the operator fields; the garbage collector takes the Secrets', async (t) => {
  const ns = await withNamespace(t, 'ctrl-delete');
  await applyStack(ns);
  await runOperator(t, ns);
  await applyObjects([seedConfig(ns)], ns);
  await waitReady(ns);
  const owned = await clients().core.listNamespacedSecret({ namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=hono-tls-operator' });
  t.is(owned.items.length, 8); // the CA and 7 components (PEM trust: no store password)

  await clients().custom.deleteNamespacedCustomObject({ group: 'hono.eclipse.org', version: 'v1alpha1', namespace: ns, plural: 'honotlsconfigs', name: 'hono' });
  await waitFor('the config to be gone', async () => {
    try {
      await getConfig(ns);
      return false;
    } catch {
      return true;
    }
  });
  for (const s of STACK) {
    const d = await deployment(ns, s.deployment);
    const tpl = d.spec!.template;
    const c = tpl.spec!.containers[0]!;
    t.deepEqual((c.env ?? []).map((e) => e.name), ['JAVA_OPTS'], `${s.deployment}: only the user's env var is left`);
    t.deepEqual(c.volumeMounts ?? [], []);
    t.deepEqual(tpl.spec!.volumes ?? [], []);
    t.is(tpl.metadata?.annotations?.['hono.eclipse.org/tls-digest'], undefined);
    t.is(c.image, s.image);
    t.false((d.metadata!.managedFields ?? []).some((m) => m.manager?.startsWith('hono-tls-operator')));
  }
  await waitFor(
    'kube-controller-manager to collect the Secrets',
    async () => (await clients().core.listNamespacedSecret({ namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=hono-tls-operator' })).items.length === 0,
    60_000,
    250,
  );
  t.deepEqual((await clients().core.listNamespacedSecret({ namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=hono-tls-operator' })).items, []);
});

test('a missing Deployment and Service are reported, the others are wired, and each is picked up within seconds of appearing', async (t) => {
  const ns = await withNamespace(t, 'ctrl-missing');
  await applyStack(ns, ['auth', 'router', 'server', 'registry', 'http']);
  // Long backoff: only the Deployment watch can bring the reconcile back quickly.
  await runOperator(t, ns, { backoffBaseMs: 120_000, backoffMaxMs: 120_000, resyncMs: 600_000 });
  await applyObjects([seedConfig(ns)], ns);
  const status = await waitFor('DeploymentMissing for mqtt', async () => {
    const c = await getConfig(ns);
    const mqtt = c.status?.components?.find((x) => x.name === 'mqtt');
    return mqtt?.reason === 'DeploymentMissing' ? c.status : undefined;
  });
  const ready = status!.conditions!.find((c) => c.type === 'Ready')!;
  t.is(ready.status, 'False');
  t.is(ready.reason, 'DeploymentMissing');
  t.regex(ready.message, /hono-adapter-mqtt-vertx/);
  for (const c of status!.components!) if (c.deployment && c.name !== 'mqtt') t.true(c.deploymentWired, `${c.name} is wired`);
  // The Warning follows the status write that reports the failure.
  await waitFor('a DeploymentMissing Warning event', async () =>
    (await clients().core.listNamespacedEvent({ namespace: ns })).items.some((e) => e.reason === 'DeploymentMissing' && e.type === 'Warning'),
  10_000);
  t.pass('DeploymentMissing Warning recorded');

  const mqtt = STACK.find((s) => s.component === 'mqtt')!;
  let appeared = Date.now();
  await applyObjects([deploymentObject(mqtt.deployment, mqtt.image)], ns);
  const wired = await waitFor('mqtt wired, its Service still missing', async () => {
    const c = await getConfig(ns);
    const m = c.status?.components?.find((x) => x.name === 'mqtt');
    return m?.deploymentWired && m.reason === 'ServiceMissing' ? c : undefined;
  }, 10_000);
  t.log(`wired ${((Date.now() - appeared) / 1000).toFixed(2)} s after the Deployment appeared`);
  t.is(wired.status!.conditions!.find((c) => c.type === 'Ready')!.reason, 'ServiceMissing');
  t.truthy((await deployment(ns, mqtt.deployment)).spec!.template.spec!.containers[0]!.env!.find((e) => e.name === 'HONO_MQTT_KEY_FILE'));

  appeared = Date.now();
  await applyObjects([serviceObject(mqtt.deployment)], ns);
  await waitReady(ns, 'hono', 10_000);
  const seconds = (Date.now() - appeared) / 1000;
  t.log(`Ready ${seconds.toFixed(2)} s after the Service appeared`);
  t.true(seconds < 10);
});

test('a component Secret deleted by hand comes back, and only its Deployment rolls', async (t) => {
  const ns = await withNamespace(t, 'ctrl-heal');
  await applyStack(ns, ['http', 'mqtt']);
  await runOperator(t, ns);
  const two = seedConfig(ns);
  two.spec.components = two.spec.components.filter((c) => c.name === 'http' || c.name === 'mqtt');
  await applyObjects([two], ns);
  await waitReady(ns);
  const rsBefore = await waitFor('the first rollouts', async () => {
    const [h, m] = [(await replicaSets(ns, 'hono-adapter-http-vertx')).length, (await replicaSets(ns, 'hono-adapter-mqtt-vertx')).length];
    return h === 2 && m === 2 ? { h, m } : undefined;
  });
  const old = await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns });
  const mqttRv = (await clients().core.readNamespacedSecret({ name: 'hono-mqtt-tls', namespace: ns })).metadata!.resourceVersion;
  await clients().core.deleteNamespacedSecret({ name: 'hono-http-tls', namespace: ns });
  const back = await waitFor('the Secret to come back', async () => {
    try {
      const s = await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns });
      return s.metadata!.uid !== old.metadata!.uid ? s : undefined;
    } catch {
      return undefined;
    }
  }, 15_000);
  t.is(back.type, 'kubernetes.io/tls');
  t.not(back.data!['tls.crt'], old.data!['tls.crt']);
  const cfg = await waitReady(ns);
  t.is(cfg.status!.components!.find((c) => c.name === 'http')!.fingerprint !== undefined, true);
  t.is((await clients().core.readNamespacedSecret({ name: 'hono-mqtt-tls', namespace: ns })).metadata!.resourceVersion, mqttRv);
  await waitFor('the http adapter to roll', async () => (await replicaSets(ns, 'hono-adapter-http-vertx')).length === rsBefore.h + 1);
  t.is((await replicaSets(ns, 'hono-adapter-mqtt-vertx')).length, rsBefore.m, 'the MQTT adapter did not roll');
});

test('ca issuer: a missing CA Secret is reported; its watch brings the reconcile back within seconds of its creation', async (t) => {
  const ns = await withNamespace(t, 'ctrl-ca');
  await applyStack(ns, ['auth']);
  // Long backoff and resync: only the watch on the named Secret can act quickly.
  await runOperator(t, ns, { backoffBaseMs: 120_000, backoffMaxMs: 120_000, resyncMs: 600_000 });
  const cfg = seedConfig(ns, 'hono', { issuer: { ca: { secretName: 'my-ca' } } });
  cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'auth');
  await applyObjects([cfg], ns);
  await waitFor('CaSecretMissing', async () => (await readyCondition(ns))?.reason === 'CaSecretMissing');
  t.is((await readyCondition(ns))!.status, 'False');

  const ca = await CertificateAuthority.createSelfSigned({ commonName: 'brought-in', intermediate: false, durationMs: 365 * 86400_000, privateKey: { algorithm: 'ECDSA', size: 256 } }, systemClock);
  const data = ca.toSecretData();
  const created = Date.now();
  await clients().core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'my-ca' }, type: 'kubernetes.io/tls', stringData: data } });
  // 60 s: far below the 120 s backoff and 600 s resync, so only the watch can make it, on a loaded machine too.
  const ready = await waitReady(ns, 'hono', 60_000);
  t.log(`Ready ${((Date.now() - created) / 1000).toFixed(2)} s after the CA Secret appeared`);
  t.is(ready.status!.ca!.fingerprint, ca.fingerprint);
  const leaf = (await secretData(ns, 'hono-auth-tls'))['tls.crt']!.toString();
  const { X509Certificate } = await import('node:crypto');
  t.true(new X509Certificate(leaf).verify(new X509Certificate(ca.signingCertPem).publicKey));
});

test('certManager issuer on a cluster without cert-manager says to install it', async (t) => {
  const ns = await withNamespace(t, 'ctrl-cm');
  await runOperator(t, ns);
  const cfg = seedConfig(ns, 'hono', { issuer: { certManager: { issuerRef: { name: 'letsencrypt' } } } });
  cfg.spec.components = [{ name: 'consumer', type: 'client', dnsNames: ['consumer.example'] }];
  await applyObjects([cfg], ns);
  const cond = await waitFor('CertManagerNotInstalled', async () => {
    const c = await readyCondition(ns);
    return c?.reason === 'CertManagerNotInstalled' ? c : undefined;
  });
  t.is(cond.status, 'False');
  t.regex(cond.message, /does not serve certificates\.cert-manager\.io\/v1; install cert-manager/);
});

test('a component dropped from the spec: its Deployment is unwired and its Secret deleted', async (t) => {
  const ns = await withNamespace(t, 'ctrl-drop');
  await applyStack(ns, ['http', 'mqtt']);
  await runOperator(t, ns);
  const cfg = seedConfig(ns);
  cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'http' || c.name === 'mqtt');
  await applyObjects([cfg], ns);
  await waitReady(ns);
  cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'http');
  await applyObjects([cfg], ns);
  await waitReady(ns);
  await waitFor('the mqtt Secret to go', async () => {
    try {
      await clients().core.readNamespacedSecret({ name: 'hono-mqtt-tls', namespace: ns });
      return false;
    } catch {
      return true;
    }
  });
  const mqtt = await deployment(ns, 'hono-adapter-mqtt-vertx');
  t.deepEqual((mqtt.spec!.template.spec!.containers[0]!.env ?? []).map((e) => e.name), ['JAVA_OPTS']);
  t.is(mqtt.spec!.template.metadata?.annotations?.['hono.eclipse.org/tls-digest'], undefined);
  const http = await deployment(ns, 'hono-adapter-http-vertx');
  t.truthy(http.spec!.template.spec!.containers[0]!.env!.find((e) => e.name === 'HONO_HTTP_KEY_FILE'));
});

test('renewal: once the clock passes notAfter - renewBefore, leaves are re-issued and the Deployment rolls', async (t) => {
  const ns = await withNamespace(t, 'ctrl-renew');
  await applyStack(ns, ['http']);
  const clock = new ManualClock(new Date());
  const reconciles = reconcileCounter();
  await runOperator(t, ns, { clock, resyncMs: 1000, onTimings: reconciles.onTimings });
  const cfg = seedConfig(ns, 'hono', { certificate: { duration: '2160h', renewBefore: '720h' } });
  cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'http');
  await applyObjects([cfg], ns);
  const first = await waitReady(ns);
  const rs = await waitFor('the first rollout', async () => ((await replicaSets(ns, 'hono-adapter-http-vertx')).length === 2 ? 2 : undefined));
  const fp = first.status!.components![0]!.fingerprint;
  // 59 days later: not yet due (renewal at 90 - 30 = 60 days); a resync keeps the certificate.
  clock.advance(59 * 86400_000);
  // Positive control: a reconcile after the clock moved looked at the leaf (it renews one day later, below).
  await reconciles.more(2, 'two reconciles after the clock moved');
  t.is((await getConfig(ns)).status!.components![0]!.fingerprint, fp);
  clock.advance(1 * 86400_000 + 60_000);
  const renewed = await waitFor('a new certificate', async () => {
    const c = await getConfig(ns);
    return c.status!.components![0]!.fingerprint !== fp ? c : undefined;
  }, 15_000);
  const notAfter = Date.parse(renewed.status!.components![0]!.notAfter!);
  t.true(Math.abs(notAfter - (clock.now().getTime() + 90 * 86400_000)) < 5000, 'the new leaf lives 90 days from the (manual) now');
  const rollouts = await waitFor('the rollout of the renewed material', async () => {
    const n = (await replicaSets(ns, 'hono-adapter-http-vertx')).length;
    return n === rs + 1 ? n : undefined;
  });
  t.is(rollouts, rs + 1);
});

test('a changed store password (passwordSecretRef) rebuilds the stores and rolls the Deployment', async (t) => {
  const ns = await withNamespace(t, 'ctrl-password');
  await applyStack(ns, ['http']);
  await clients().core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'store-pw' }, stringData: { password: 'first-password' } } });
  await runOperator(t, ns, { resyncMs: 600_000 });
  const cfg = seedConfig(ns, 'hono', { trustStore: { format: 'jks', passwordSecretRef: { name: 'store-pw', key: 'password' } } });
  cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'http');
  await applyObjects([cfg], ns);
  const first = await waitReady(ns);
  const rs = await waitFor('the first rollout', async () => ((await replicaSets(ns, 'hono-adapter-http-vertx')).length === 2 ? 2 : undefined));
  const storeBefore = (await secretData(ns, 'hono-http-tls'))['truststore.jks']!;
  const jks = (await import('node:module')).createRequire(import.meta.url)('jks-js') as { toPem(b: Buffer, p: string): object };
  t.notThrows(() => jks.toPem(storeBefore, 'first-password'));

  await clients().core.replaceNamespacedSecret({ name: 'store-pw', namespace: ns, body: { metadata: { name: 'store-pw' }, stringData: { password: 'second-password' } } });
  // No resync in this test: the watch on the referenced Secret picks the change up.
  const store = await waitFor('a rebuilt trust store', async () => {
    const s = (await secretData(ns, 'hono-http-tls'))['truststore.jks']!;
    return s.equals(storeBefore) ? undefined : s;
  }, 20_000);
  t.notThrows(() => jks.toPem(store, 'second-password'));
  t.throws(() => jks.toPem(store, 'first-password'));
  await waitFor('the rollout', async () => (await replicaSets(ns, 'hono-adapter-http-vertx')).length === rs + 1);
  t.is((await getConfig(ns)).status!.components![0]!.fingerprint, first.status!.components![0]!.fingerprint, 'the certificate itself stays');
});
