// Proves the harness is real: a real kube-apiserver stores custom resources, the real
// kube-controller-manager turns Deployments into ReplicaSets (and rolls them), and RBAC is
// enforced for an impersonated ServiceAccount.
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import {
  apiserverRequestCounts,
  applyObjects,
  impersonatedKubeConfig,
  kubectl,
  testKubeConfig,
  withNamespace,
} from '../helpers/cluster.js';
import { pinnedVersions } from '../controlplane/controlplane.js';
import { waitFor } from '../helpers/wait.js';


// A small test-only CRD (the project's own CRDs live in crds/ and are tested elsewhere).
const GROUP = 'harness.test.hono-tls-operator.io';
const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                // A default and a CEL rule: applyObjects must carry raw schema fields unchanged.
                'x-kubernetes-validations': [{ rule: 'self.size <= 10', message: 'size must be at most 10' }],
                properties: { size: { type: 'integer', minimum: 1 }, colour: { type: 'string', default: 'grey' } },
              },
              status: { type: 'object', properties: { seen: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
};

test('the control plane is the real kube-apiserver of the pinned version', async (t) => {
  const kc = testKubeConfig();
  const version = await kc.makeApiClient(k8s.VersionApi).getCode();
  t.regex(version.gitVersion, /^v1\.\d+\.\d+/);
  // Built from versions.env, unless KUBEBUILDER_ASSETS points at other binaries.
  if (!process.env.KUBEBUILDER_ASSETS) t.is(version.gitVersion, pinnedVersions().K8S_VERSION ?? '(unset)');
  const r = await kubectl(['get', '--raw', '/readyz']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), 'ok');
});

test('a CRD is installed and a custom resource of it is created, validated and read back', async (t) => {
  const ns = await withNamespace(t, 'crd');
  await applyObjects([widgetCrd]);
  const custom = testKubeConfig().makeApiClient(k8s.CustomObjectsApi);
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1',
    namespace: ns,
    plural: 'widgets',
    body: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3, colour: 'teal' } },
  });
  const back = (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: 'v1',
    namespace: ns,
    plural: 'widgets',
    name: 'w1',
  })) as { spec: { size: number; colour: string }; metadata: { uid?: string } };
  t.deepEqual(back.spec, { size: 3, colour: 'teal' });
  t.truthy(back.metadata.uid);
  // The apiserver enforces the CRD's schema: a real server, not a store of anything.
  const err = await t.throwsAsync(
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 0 } },
    }),
  );
  t.regex(String(err?.message), /spec\.size|should be greater than or equal to 1/);
  const celErr = await t.throwsAsync(
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w3' }, spec: { size: 11 } },
    }),
  );
  t.regex(String(celErr?.message), /size must be at most 10/);
  const defaulted = (await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1',
    namespace: ns,
    plural: 'widgets',
    body: { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w4' }, spec: { size: 2 } },
  })) as { spec: { colour?: string } };
  t.is(defaulted.spec.colour, 'grey', 'the schema default is applied by the apiserver');
  // Applying the same CRD again (as several workers may) is harmless.
  await applyObjects([widgetCrd]);
});

test('kube-controller-manager makes a ReplicaSet for a Deployment, and a second one when the pod template changes', async (t) => {
  const ns = await withNamespace(t, 'rollout');
  const apps = testKubeConfig().makeApiClient(k8s.AppsV1Api);
  const deployment = (image: string): object => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  });
  const replicaSets = async (): Promise<k8s.V1ReplicaSet[]> =>
    (await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=web' })).items;

  await applyObjects([deployment('registry.example/web:1')]);
  const first = await waitFor('the first ReplicaSet', async () => {
    const rs = await replicaSets();
    return rs.length === 1 ? rs[0] : undefined;
  });
  t.is(first.metadata?.ownerReferences?.[0]?.kind, 'Deployment');
  t.is(first.spec?.template?.spec?.containers[0]?.image, 'registry.example/web:1');

  await applyObjects([deployment('registry.example/web:2')]);
  const all = await waitFor('a second ReplicaSet after the pod-template change', async () => {
    const rs = await replicaSets();
    return rs.length === 2 ? rs : undefined;
  });
  const images = all.map((rs) => rs.spec?.template?.spec?.containers[0]?.image).sort();
  t.deepEqual(images, ['registry.example/web:1', 'registry.example/web:2']);
  const revisions = all.map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort();
  t.deepEqual(revisions, ['1', '2']);
});

test('RBAC: an impersonated ServiceAccount may do what its Role allows and gets 403 for the rest', async (t) => {
  const ns = await withNamespace(t, 'rbac');
  await applyObjects(
    [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'configmap-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } },
    ],
    ns,
  );
  const asReader = impersonatedKubeConfig(`system:serviceaccount:${ns}:reader`).makeApiClient(k8s.CoreV1Api);

  const cm = await asReader.readNamespacedConfigMap({ name: 'settings', namespace: ns });
  t.is(cm.data?.a, '1');
  t.is((await asReader.listNamespacedConfigMap({ namespace: ns })).items.length >= 1, true);

  const status = async (p: Promise<unknown>): Promise<number> => {
    try {
      await p;
      return 200;
    } catch (e) {
      return e instanceof k8s.ApiException ? e.code : -1;
    }
  };
  t.is(await status(asReader.listNamespacedSecret({ namespace: ns })), 403, 'secrets are not in the Role');
  t.is(
    await status(asReader.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } })),
    403,
    'create is not in the Role',
  );
  t.is(await status(asReader.listNamespacedConfigMap({ namespace: 'default' })), 403, 'the Role is namespaced');

  // kubectl agrees (auth can-i via the same impersonation).
  const can = await kubectl(['auth', 'can-i', 'delete', 'configmaps', '-n', ns, `--as=system:serviceaccount:${ns}:reader`]);
  t.is(can.stdout.trim(), 'no');
});

test('apiserverRequestCounts reads the real apiserver_request_total', async (t) => {
  const ns = await withNamespace(t, 'metrics');
  const before = await apiserverRequestCounts();
  const core = testKubeConfig().makeApiClient(k8s.CoreV1Api);
  for (let i = 0; i < 3; i++) {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `c${i}` } } });
  }
  const after = await apiserverRequestCounts();
  t.true((after.get('POST configmaps') ?? 0) - (before.get('POST configmaps') ?? 0) >= 3);
});
