// spec.issuer.certManager on the real control plane with cert-manager's real controllers
// (test/certmanager): the operator owns one Certificate per component, cert-manager issues, the
// pods see cert-manager's key and chain and the operator's stores in one projected directory, and
// the six channels handshake on that material (Node for PEM, Java for JKS and PKCS12). Then the
// Certificates are edited, deleted and renewed by hand, and the failures cert-manager reports
// reach status with its words.
import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import type { HonoTlsConfig, HonoTlsConfigSpec } from '../../operator/api/v1alpha1.js';
import type { Certificate } from '../../operator/issuers/certificate-spec.js';
import { caCertificate as caCertificateBy, caIssuer, cm, cmReady, createCm, getCm, namespaceWithCaIssuer as withCaIssuer, type CmObject } from '../helpers/cert-manager.js';
import { clusterWith, type FeaturedCluster } from '../controlplane/cluster-with.js';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { applyObjects, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { namespacedOperator, status } from './rbac-checks.js';
import { allSixProven, formatChannelTable, proveChannels } from '../peers/channels.js';
import { fingerprint } from '../../operator/pki/inspect.js';
import { applyStack, clients, leafOf, getConfig, reconcileCounter, replicaSets, runOperator, secretData, seedConfig, STACK, waitFor, waitReady } from './controller-fixtures.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const suffix = randomBytes(3).toString('hex');
const SELF_SIGNED = `cm-selfsigned-${suffix}`;
const CA_CLUSTER_ISSUER = `cm-ca-${suffix}`;
/** cert-manager's --cluster-resource-namespace: the Secrets ClusterIssuers refer to. */
const CLUSTER_RESOURCE_NS = 'cert-manager';

let cluster: FeaturedCluster;

test.before(async () => {
  cluster = await clusterWith({ certManager: true });
  process.env.HONO_TEST_KUBECONFIG = cluster.kubeconfigPath;
  const { core } = clients();
  await core.createNamespace({ body: { metadata: { name: CLUSTER_RESOURCE_NS } } }).catch(() => undefined);
  await createCm('clusterissuers', { kind: 'ClusterIssuer', metadata: { name: SELF_SIGNED }, spec: { selfSigned: {} } });
  await cmReady('clusterissuers', SELF_SIGNED);
  // A CA ClusterIssuer from a CA the SelfSigned one issued.
  await caCertificate(CLUSTER_RESOURCE_NS, CA_CLUSTER_ISSUER);
  await createCm('clusterissuers', { kind: 'ClusterIssuer', metadata: { name: CA_CLUSTER_ISSUER }, spec: { ca: { secretName: CA_CLUSTER_ISSUER } } });
  await cmReady('clusterissuers', CA_CLUSTER_ISSUER);
});
test.after.always(async () => {
  for (const name of [SELF_SIGNED, CA_CLUSTER_ISSUER]) await clients().custom.deleteClusterCustomObject({ ...cm, plural: 'clusterissuers', name }).catch(() => undefined);
  await cluster?.stop();
});

const caCertificate = (namespace: string, name: string) => caCertificateBy(namespace, name, SELF_SIGNED);
const namespaceWithCaIssuer = (t: ExecutionContext, prefix: string) => withCaIssuer(t, prefix, SELF_SIGNED);

const issuerSpec = (name: string, kind = 'Issuer', extra: object = {}): Partial<HonoTlsConfigSpec> => ({ issuer: { certManager: { issuerRef: { name, kind }, ...extra } } });

async function certificate(ns: string, name: string): Promise<Certificate | undefined> {
  return (await getCm('certificates', name, ns)) as Certificate | undefined;
}

/** Names of ReplicaSets per Deployment of the stack. */
async function replicaSetNames(ns: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const s of STACK) out.set(s.deployment, (await replicaSets(ns, s.deployment)).map((r) => r.metadata!.name!).sort());
  return out;
}

const impersonatedCustom = (kc: KubeConfig) => kc.makeApiClient(CustomObjectsApi);

const projectedVolume = (d: V1Deployment, component: string) => d.spec?.template.spec?.volumes?.find((v) => v.name === `hono-tls-${component}`);

test('a CA Issuer: Ready, one owned Certificate per component, one projected directory, six channels over Node tls (PEM); hand edit restored, deletion recreated, renewal rolls only its Deployment', async (t) => {
  t.timeout(6 * 60_000);
  const ns = await namespaceWithCaIssuer(t, 'cm-ca');
  await applyStack(ns);
  const counter = reconcileCounter();
  await runOperator(t, ns, { onTimings: counter.onTimings });
  const config = seedConfig(ns, 'hono', { ...issuerSpec('hono-ca'), trustStore: { format: 'pem' } });
  await applyObjects([config], ns);
  const ready = await waitReady(ns, 'hono', 120_000);
  t.is(ready.status?.issuer, 'certManager/Issuer/hono-ca');

  // One Certificate per component, owned by the config as controller, with the plan's fields.
  const { core, apps, custom } = clients();
  for (const comp of ready.spec.components) {
    const name = `hono-${comp.name}`;
    const cert = (await certificate(ns, name))!;
    t.truthy(cert, name);
    const owner = cert.metadata.ownerReferences?.find((r) => r.uid === ready.metadata.uid);
    t.like(owner, { kind: 'HonoTlsConfig', controller: true });
    t.deepEqual(cert.spec?.usages, ['digital signature', 'server auth', 'client auth']);
    t.deepEqual(cert.spec?.subject, { organizations: ['Eclipse IoT'], organizationalUnits: ['Hono'] });
    t.like(cert.spec?.privateKey, { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8' });
    t.is(cert.spec?.duration, '2160h');
    t.is(cert.spec?.renewBefore, '720h');
    t.is(cert.spec?.secretName, `hono-${comp.name}-cm-tls`);
    t.not(cert.spec?.secretName, `hono-${comp.name}-tls`);
    const status = ready.status?.components?.find((c) => c.name === comp.name);
    t.like(status?.certificate, { name, ready: 'True' });
    // The operator's Secret holds no private key; cert-manager's holds it.
    const own = await secretData(ns, `hono-${comp.name}-tls`);
    t.false('tls.key' in own, `${comp.name}: no copy of the key in the operator's Secret`);
    t.true('ca.crt' in own);
    t.true('tls.key' in (await secretData(ns, `hono-${comp.name}-cm-tls`)));
  }
  // One directory: cert-manager's key and chain and the operator's files, read-only, 0400, no subPath.
  const auth = await apps.readNamespacedDeployment({ name: 'hono-service-auth', namespace: ns });
  const vol = projectedVolume(auth, 'auth');
  t.is(vol?.projected?.defaultMode, 0o400);
  t.deepEqual(vol?.projected?.sources?.map((s) => s.secret?.name), ['hono-auth-cm-tls', 'hono-auth-tls']);
  t.deepEqual(vol?.projected?.sources?.[0]?.secret?.items?.map((i) => ({ key: i.key, path: i.path })), [
    { key: 'tls.crt', path: 'cert.pem' },
    { key: 'tls.key', path: 'key.pem' },
  ]);
  for (const c of auth.spec?.template.spec?.containers ?? []) for (const m of c.volumeMounts ?? []) t.falsy(m.subPath);

  const rows = await proveChannels(testKubeConfig(), ns, 'hono');
  t.true(allSixProven(rows), formatChannelTable(rows));
  t.true(rows.filter((r) => r.client !== 'consumer').every((r) => r.peer === 'node'));

  // Nothing changed: reconciles write nothing (Certificates, Secrets keep their resourceVersions).
  const rvs = async () => {
    const out: Record<string, string> = {};
    for (const comp of ready.spec.components) {
      out[`cert/${comp.name}`] = (await certificate(ns, `hono-${comp.name}`))!.metadata.resourceVersion!;
      out[`secret/${comp.name}`] = (await core.readNamespacedSecret({ name: `hono-${comp.name}-tls`, namespace: ns })).metadata!.resourceVersion!;
    }
    return out;
  };
  const before = await rvs();
  await counter.more(3, 'three reconciles of an unchanged config');
  t.deepEqual(await rvs(), before, 'nothing written while nothing changed');

  // A hand edit (the positive control of the above: a change is seen and written back).
  await custom.patchNamespacedCustomObject({ ...cm, plural: 'certificates', namespace: ns, name: 'hono-http', body: { spec: { dnsNames: ['evil.example'], duration: '1h' } } }, mergePatch);
  const restored = await waitFor(
    'hono-http restored',
    async () => {
      const c = await certificate(ns, 'hono-http');
      return c?.spec?.duration === '2160h' && c.spec.dnsNames?.includes('hono-adapter-http-vertx') ? c : undefined;
    },
    30_000,
  );
  t.false(restored.spec?.dnsNames?.includes('evil.example'));
  t.not(restored.metadata.resourceVersion, before['cert/http']);

  // Deleted by hand: recreated (a new object).
  const oldUid = (await certificate(ns, 'hono-registry'))!.metadata.uid;
  await custom.deleteNamespacedCustomObject({ ...cm, plural: 'certificates', namespace: ns, name: 'hono-registry' });
  const recreated = await waitFor('hono-registry recreated', async () => {
    const c = await certificate(ns, 'hono-registry');
    return c && c.metadata.uid !== oldUid ? c : undefined;
  });
  t.like(recreated.metadata.ownerReferences?.[0], { uid: ready.metadata.uid, controller: true });
  await waitReady(ns, 'hono', 60_000);
  // Settle: every Deployment rolled out what it carries now, before the renewal is measured.
  await waitFor('all Certificates Ready', async () => {
    const c = await getConfig(ns);
    return c.status?.components?.every((x) => x.certificate?.ready === 'True') && c.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
  });

  // Renewal as cmctl renew triggers it: the Issuing condition set True in the status subresource.
  const rsBefore = await replicaSetNames(ns);
  const mqttBefore = (await secretData(ns, 'hono-mqtt-cm-tls'))['tls.crt']!.toString();
  const mqttCert = (await certificate(ns, 'hono-mqtt'))!;
  const conditions = [
    ...(mqttCert.status?.conditions ?? []).filter((c) => c.type !== 'Issuing'),
    { type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance manually triggered', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), observedGeneration: mqttCert.metadata.generation },
  ];
  await custom.patchNamespacedCustomObjectStatus({ ...cm, plural: 'certificates', namespace: ns, name: 'hono-mqtt', body: { status: { conditions } } }, mergePatch);
  await waitFor('mqtt renewed by cert-manager', async () => (await secretData(ns, 'hono-mqtt-cm-tls'))['tls.crt']!.toString() !== mqttBefore, 60_000);
  const mqttDeployment = STACK.find((s) => s.component === 'mqtt')!.deployment;
  const rsAfter = await waitFor(
    'a new ReplicaSet for the mqtt adapter',
    async () => {
      const now = await replicaSetNames(ns);
      return now.get(mqttDeployment)!.length > rsBefore.get(mqttDeployment)!.length ? now : undefined;
    },
    60_000,
  );
  await counter.more(2, 'reconciles after the renewal');
  const settled = await replicaSetNames(ns);
  for (const s of STACK) {
    if (s.deployment === mqttDeployment) continue;
    t.deepEqual(settled.get(s.deployment), rsBefore.get(s.deployment), `${s.deployment} did not roll`);
  }
  t.is(settled.get(mqttDeployment)!.length, rsAfter.get(mqttDeployment)!.length);
  const after = await getConfig(ns);
  const mqttStatus = after.status?.components?.find((c) => c.name === 'mqtt');
  t.not(mqttStatus?.fingerprint, ready.status?.components?.find((c) => c.name === 'mqtt')?.fingerprint, 'status shows the renewed certificate');

  // Deleting the config: its Certificates go with their owner (kube-controller-manager's GC), Deployments are unwired.
  await custom.deleteNamespacedCustomObject({ group: 'hono.eclipse.org', version: 'v1alpha1', plural: 'honotlsconfigs', namespace: ns, name: 'hono' });
  await waitFor('Certificates garbage-collected', async () => ((await custom.listNamespacedCustomObject({ ...cm, plural: 'certificates', namespace: ns, labelSelector: 'hono.eclipse.org/config=hono' })) as { items: unknown[] }).items.length === 0, 60_000);
  let left = '';
  await waitFor(
    'cert-manager Secrets garbage-collected',
    async () => {
      const items = (await core.listNamespacedSecret({ namespace: ns })).items.filter((s) => s.metadata?.name?.endsWith('-cm-tls'));
      left = items.map((s) => `${s.metadata?.name} owners=${JSON.stringify(s.metadata?.ownerReferences)} managers=${s.metadata?.managedFields?.map((m) => m.manager).join(',')}`).join('; ');
      return items.length === 0;
    },
    90_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${left}`);
  });
  const unwired = await apps.readNamespacedDeployment({ name: 'hono-service-auth', namespace: ns });
  t.falsy(projectedVolume(unwired, 'auth'));
});

for (const [format, issuer] of [
  ['pkcs12', 'Issuer'],
  ['jks', 'ClusterIssuer'],
] as const) {
  test(`a CA ${issuer}: six channels over Java with the ${format} trust store`, async (t) => {
    t.timeout(6 * 60_000);
    const ns = issuer === 'Issuer' ? await namespaceWithCaIssuer(t, `cm-${format}`) : await withNamespace(t, `cm-${format}`);
    await applyStack(ns);
    await runOperator(t, ns);
    const config = seedConfig(ns, 'hono', { ...issuerSpec(issuer === 'Issuer' ? 'hono-ca' : CA_CLUSTER_ISSUER, issuer), trustStore: { format } });
    await applyObjects([config], ns);
    const ready = await waitReady(ns, 'hono', 120_000);
    t.is(ready.status?.issuer, `certManager/${issuer}/${issuer === 'Issuer' ? 'hono-ca' : CA_CLUSTER_ISSUER}`);
    const rows = await proveChannels(testKubeConfig(), ns, 'hono');
    t.true(allSixProven(rows), formatChannelTable(rows));
    for (const r of rows.filter((x) => x.client !== 'consumer')) {
      t.is(r.peer, 'java', `${r.channel} ${r.client}`);
      t.true(r.trust.endsWith(format === 'pkcs12' ? '.p12' : '.jks'), r.trust);
    }
  });
}

/** A config with one authServer component and no Deployment. */
const authOnly = (ns: string, name: string, spec: Partial<HonoTlsConfigSpec>): HonoTlsConfig => {
  const c = seedConfig(ns, name, spec);
  c.spec.components = [{ name: 'auth', type: 'authServer', dnsNames: ['auth.example'] }];
  return c;
};

async function waitReason(ns: string, name: string, reason: string, component?: string): Promise<string> {
  let last = '';
  try {
    return await waitFor(
      `${name}: ${reason}`,
      async () => {
        const c = await getConfig(ns, name);
        const r = component ? c.status?.components?.find((x) => x.name === component) : c.status?.conditions?.find((x) => x.type === 'Ready');
        last = `${r?.reason}: ${r?.message}`;
        return r?.reason === reason ? (r.message ?? '') : undefined;
      },
      60_000,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (last: ${last})`);
  }
}

test('IssuerNotFound: issuerRef names no Issuer; the config turns Ready once it exists', async (t) => {
  const ns = await withNamespace(t, 'cm-nf');
  await runOperator(t, ns);
  await applyObjects([authOnly(ns, 'nf', issuerSpec('missing'))], ns);
  const msg = await waitReason(ns, 'nf', 'IssuerNotFound');
  t.regex(msg, /Issuer missing in namespace .* does not exist/);
  // Positive control: the same config, once the issuer exists.
  await caIssuer(ns, 'missing', SELF_SIGNED);
  await waitReady(ns, 'nf', 60_000);
});

test('IssuerNotReady: a CA Issuer whose Secret is missing; cert-manager\'s message is quoted', async (t) => {
  const ns = await withNamespace(t, 'cm-nr');
  await runOperator(t, ns);
  await createCm('issuers', { kind: 'Issuer', metadata: { name: 'broken' }, spec: { ca: { secretName: 'no-such-secret' } } }, ns);
  await applyObjects([authOnly(ns, 'nr', issuerSpec('broken'))], ns);
  const msg = await waitReason(ns, 'nr', 'IssuerNotReady');
  t.regex(msg, /Issuer broken .* is not Ready/);
  t.regex(msg, /no-such-secret/);
});

test('CertificateConflict: a Certificate of that name that the config does not own is left alone', async (t) => {
  const ns = await namespaceWithCaIssuer(t, 'cm-cf');
  await createCm('certificates', { kind: 'Certificate', metadata: { name: 'cf-auth' }, spec: { secretName: 'theirs', dnsNames: ['theirs.example'], issuerRef: { name: 'hono-ca' } } }, ns);
  await runOperator(t, ns);
  await applyObjects([authOnly(ns, 'cf', issuerSpec('hono-ca'))], ns);
  t.regex(await waitReason(ns, 'cf', 'CertificateConflict', 'auth'), /does not belong to this HonoTlsConfig/);
  const theirs = (await certificate(ns, 'cf-auth'))!;
  t.deepEqual(theirs.spec?.dnsNames, ['theirs.example']);
  t.falsy(theirs.metadata.ownerReferences?.length);
});

test('TrustBundleMissing: spec.issuer.certManager.trustBundle names a ConfigMap that does not exist', async (t) => {
  const ns = await namespaceWithCaIssuer(t, 'cm-tbm');
  await runOperator(t, ns);
  await applyObjects([authOnly(ns, 'tbm', issuerSpec('hono-ca', 'Issuer', { trustBundle: { configMap: { name: 'bundle' } } }))], ns);
  t.regex(await waitReason(ns, 'tbm', 'TrustBundleMissing'), /spec\.issuer\.certManager\.trustBundle\.configMap: ConfigMap bundle does not exist/);
  // Positive control: the issuer's own CA as the bundle makes it Ready.
  const ca = (await secretData(ns, 'hono-ca'))['ca.crt']!.toString();
  await clients().core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'bundle' }, data: { 'ca.crt': ca } } });
  await waitReady(ns, 'tbm', 60_000);
});

test('TrustBundleInvalid: the trust bundle Secret holds no PEM certificate', async (t) => {
  const ns = await namespaceWithCaIssuer(t, 'cm-tbi');
  await clients().core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'bundle' }, stringData: { 'ca.crt': 'not a certificate' } } });
  await runOperator(t, ns);
  await applyObjects([authOnly(ns, 'tbi', issuerSpec('hono-ca', 'Issuer', { trustBundle: { secret: { name: 'bundle' } } }))], ns);
  t.regex(await waitReason(ns, 'tbi', 'TrustBundleInvalid'), /trustBundle\.secret: Secret bundle key ca\.crt: .*BEGIN CERTIFICATE/);
});

// An external issuer's group: cert-manager's controllers create and approve the request, and no
// signer answers (the test plays the external issuer, or the approval policy).
const EXTERNAL = { name: 'ext', kind: 'ExampleIssuer', group: 'issuer.example.com' };

async function newestRequest(ns: string, config: string): Promise<CmObject & { status?: { conditions?: object[] } }> {
  return waitFor(`a CertificateRequest for ${config}`, async () => {
    const list = (await clients().custom.listNamespacedCustomObject({ ...cm, plural: 'certificaterequests', namespace: ns, labelSelector: `hono.eclipse.org/config=${config}` })) as { items: CmObject[] };
    return list.items[0];
  });
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

test('CertificateNotReady: an external issuer that has not signed yet; cert-manager\'s state is mirrored into the component status', async (t) => {
  const ns = await withNamespace(t, 'cm-wait');
  await runOperator(t, ns);
  await applyObjects([authOnly(ns, 'wait', { issuer: { certManager: { issuerRef: EXTERNAL } } })], ns);
  t.regex(await waitReason(ns, 'wait', 'CertificateNotReady'), /Certificate wait-auth/);
  await newestRequest(ns, 'wait');
  const c = await getConfig(ns, 'wait');
  t.is(c.status?.components?.[0]?.reason, 'CertificateNotReady');
});

test('CertificateRequestDenied: the newest CertificateRequest denied by an approval policy', async (t) => {
  const ns = await withNamespace(t, 'cm-deny');
  await runOperator(t, ns);
  await applyObjects([authOnly(ns, 'deny', { issuer: { certManager: { issuerRef: EXTERNAL } } })], ns);
  const cr = await newestRequest(ns, 'deny');
  await clients().custom.patchNamespacedCustomObjectStatus(
    { ...cm, plural: 'certificaterequests', namespace: ns, name: cr.metadata.name!, body: { status: { conditions: [{ type: 'Denied', status: 'True', reason: 'PolicyDenied', message: 'no policy allows this request', lastTransitionTime: now() }] } } },
    mergePatch,
  );
  const msg = await waitReason(ns, 'deny', 'CertificateRequestDenied', 'auth');
  t.regex(msg, /was denied \(PolicyDenied: no policy allows this request\)/);
});

test('CertificateRequestFailed: the issuer failed the request; cert-manager\'s message is quoted', async (t) => {
  const ns = await withNamespace(t, 'cm-fail');
  await runOperator(t, ns);
  await applyObjects([authOnly(ns, 'fail', { issuer: { certManager: { issuerRef: EXTERNAL } } })], ns);
  const cr = await newestRequest(ns, 'fail');
  const conditions = [...((cr.status?.conditions ?? []) as { type: string }[]).filter((c) => c.type !== 'Ready'), { type: 'Ready', status: 'False', reason: 'Failed', message: 'the HSM is offline', lastTransitionTime: now() }];
  await clients().custom.patchNamespacedCustomObjectStatus(
    { ...cm, plural: 'certificaterequests', namespace: ns, name: cr.metadata.name!, body: { status: { conditions, failureTime: now() } } },
    mergePatch,
  );
  t.regex(await waitReason(ns, 'fail', 'CertificateRequestFailed', 'auth'), /the HSM is offline/);
});

test('RBAC: the Role from deploy/namespaced suffices for certManager mode (create, restore, and delete of a dropped component\'s Certificate)', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await namespaceWithCaIssuer(t, 'cm-rbac');
  const kc = await namespacedOperator(ns);
  // The Role is namespaced: cert-manager objects elsewhere are not the operator's.
  t.is(await status(() => impersonatedCustom(kc).listClusterCustomObject({ ...cm, plural: 'certificates' })), 403, 'Certificates cluster-wide are not the Role\'s');
  await runOperator(t, ns, { kubeConfig: kc });
  const config = authOnly(ns, 'rb', issuerSpec('hono-ca'));
  config.spec.components.push({ name: 'consumer', type: 'client', dnsNames: ['consumer.example'] });
  await applyObjects([config], ns);
  await waitReady(ns, 'rb', 90_000);
  // A hand edit is restored by the operator as its ServiceAccount.
  await clients().custom.patchNamespacedCustomObject({ ...cm, plural: 'certificates', namespace: ns, name: 'rb-auth', body: { spec: { duration: '1h' } } }, mergePatch);
  await waitFor('rb-auth restored', async () => (await certificate(ns, 'rb-auth'))?.spec?.duration === '2160h');
  // A component dropped from the spec: its Certificate and cert-manager's Secret are deleted.
  await clients().custom.patchNamespacedCustomObject(
    { group: 'hono.eclipse.org', version: 'v1alpha1', plural: 'honotlsconfigs', namespace: ns, name: 'rb', body: [{ op: 'remove', path: '/spec/components/1' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  await waitFor('rb-consumer deleted', async () => !(await certificate(ns, 'rb-consumer')));
  await waitFor('its cert-manager Secret deleted', async () => !(await clients().core.listNamespacedSecret({ namespace: ns })).items.some((s) => s.metadata?.name === 'rb-consumer-cm-tls'));
  t.truthy(await certificate(ns, 'rb-auth'), 'the kept component keeps its Certificate');
  await waitReady(ns, 'rb', 60_000);
});

test('the renew trigger (hono.eclipse.org/renew) is passed to cert-manager through the Issuing condition: every component re-issued once', async (t) => {
  const ns = await namespaceWithCaIssuer(t, 'cm-renew');
  const counter = reconcileCounter();
  await runOperator(t, ns, { onTimings: counter.onTimings });
  const config = authOnly(ns, 'rn', issuerSpec('hono-ca'));
  config.spec.components.push({ name: 'consumer', type: 'client', dnsNames: ['consumer.example'] });
  await applyObjects([config], ns);
  await waitReady(ns, 'rn', 60_000);
  const chains = async () => Object.fromEntries(await Promise.all(['auth', 'consumer'].map(async (c) => [c, (await secretData(ns, `rn-${c}-cm-tls`))['tls.crt']!.toString()] as const)));
  const before = await chains();
  await clients().custom.patchNamespacedCustomObject(
    { group: 'hono.eclipse.org', version: 'v1alpha1', plural: 'honotlsconfigs', namespace: ns, name: 'rn', body: { metadata: { annotations: { 'hono.eclipse.org/renew': 't1' } } } },
    mergePatch,
  );
  const renewed = await waitFor('both re-issued by cert-manager', async () => {
    const now = await chains();
    return now.auth !== before.auth && now.consumer !== before.consumer ? now : undefined;
  }, 60_000);
  // The token is recorded once passed on; status then follows cert-manager's new Secrets.
  await waitFor('lastRenewToken t1, Ready, the re-issued certificates in status', async () => {
    const c = await getConfig(ns, 'rn');
    const fp = (n: string) => c.status?.components?.find((x) => x.name === n)?.fingerprint;
    return (
      c.status?.lastRenewToken === 't1' &&
      c.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') &&
      fp('auth') === fingerprint(leafOf(renewed.auth!)) &&
      fp('consumer') === fingerprint(leafOf(renewed.consumer!))
    );
  });
  // Once: the same token re-issues nothing more (the change above is this check's positive control).
  await counter.more(3, 'reconciles after the renewal');
  t.deepEqual(await chains(), renewed);
  // rotate-ca does not apply: said so, nothing re-issued.
  await clients().custom.patchNamespacedCustomObject(
    { group: 'hono.eclipse.org', version: 'v1alpha1', plural: 'honotlsconfigs', namespace: ns, name: 'rn', body: { metadata: { annotations: { 'hono.eclipse.org/rotate-ca': 'r1' } } } },
    mergePatch,
  );
  const msg = await waitFor('the rotate-ca note', async () => (await getConfig(ns, 'rn')).status?.conditions?.find((x) => x.type === 'Ready' && x.message.includes('RotateNeedsNewCa'))?.message);
  t.regex(msg, /does not apply to spec\.issuer\.certManager/);
  t.deepEqual(await chains(), renewed);
});
