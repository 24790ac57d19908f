import test from 'ava';
import type { V1Deployment } from '@kubernetes/client-node';
import { applyBody, foreignFields, isEmpty, isSubset, ownedFields, wiringApplied, type DeploymentWiring } from '../../../operator/controller/apply-body.js';
import { fieldManager } from '../../../operator/controller/names.js';
import { applyConflicts, conflictFailure, consentFailure } from '../../../operator/controller/ownership.js';

const MANAGER = fieldManager('hono');

const wiring: DeploymentWiring = {
  annotations: { 'hono.eclipse.org/tls-digest': 'sha256:abc' },
  containers: [
    {
      name: 'auth',
      env: [{ name: 'HONO_AUTH_KEY_FILE', value: '/etc/hono/tls/tls.key' }, { name: 'HONO_AUTH_TRUST_STORE_PASSWORD', valueFrom: { secretKeyRef: { name: 'pw', key: 'password' } } }],
      volumeMounts: [{ name: 'hono-tls', mountPath: '/etc/hono/tls', readOnly: true }],
    },
  ],
  volumes: [{ name: 'hono-tls', secret: { secretName: 'auth-tls', defaultMode: 0o400 } }],
};

// managedFields as the apiserver writes them after applying `wiring` with the operator's manager.
const fieldsV1 = {
  'f:spec': {
    'f:template': {
      'f:metadata': { 'f:annotations': { 'f:hono.eclipse.org/tls-digest': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"auth"}': {
            '.': {},
            'f:env': {
              'k:{"name":"HONO_AUTH_KEY_FILE"}': { '.': {}, 'f:name': {}, 'f:value': {} },
              'k:{"name":"HONO_AUTH_TRUST_STORE_PASSWORD"}': { '.': {}, 'f:name': {}, 'f:valueFrom': {} },
            },
            'f:name': {},
            'f:volumeMounts': { 'k:{"mountPath":"/etc/hono/tls"}': { '.': {}, 'f:mountPath': {}, 'f:name': {}, 'f:readOnly': {} } },
          },
        },
        'f:volumes': { 'k:{"name":"hono-tls"}': { '.': {}, 'f:name': {}, 'f:secret': {} } },
      },
    },
  },
};

function deployment(over: { fields?: object; userEnv?: boolean; digest?: string } = {}): V1Deployment {
  return {
    metadata: {
      name: 'auth',
      managedFields: [
        { manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        { manager: MANAGER, operation: 'Apply', fieldsV1: over.fields ?? fieldsV1 },
      ],
    },
    spec: {
      selector: {},
      template: {
        metadata: { annotations: { 'hono.eclipse.org/tls-digest': over.digest ?? 'sha256:abc', 'user/x': 'y' } },
        spec: {
          containers: [
            {
              name: 'auth',
              image: 'eclipse/hono-service-auth',
              env: [
                ...(over.userEnv ? [{ name: 'USER_VAR', value: '1' }] : []),
                { name: 'HONO_AUTH_KEY_FILE', value: '/etc/hono/tls/tls.key' },
                { name: 'HONO_AUTH_TRUST_STORE_PASSWORD', valueFrom: { secretKeyRef: { name: 'pw', key: 'password' } } },
              ],
              volumeMounts: [{ name: 'hono-tls', mountPath: '/etc/hono/tls', readOnly: true }],
            },
          ],
          // the server defaults nothing here, but may add fields: a subset match is enough
          volumes: [{ name: 'hono-tls', secret: { secretName: 'auth-tls', defaultMode: 0o400, optional: undefined } }],
        },
      },
    },
  };
}

test('the apply body carries only the operator fields, keyed by container name', (t) => {
  const body = applyBody('ns', 'auth', wiring) as { spec: { template: { spec: { containers: object[] } } } };
  t.deepEqual(Object.keys(body), ['apiVersion', 'kind', 'metadata', 'spec']);
  t.deepEqual(body.spec.template.spec.containers[0], { name: 'auth', env: wiring.containers[0]!.env, volumeMounts: wiring.containers[0]!.volumeMounts });
  t.deepEqual(applyBody('ns', 'auth', undefined), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'auth', namespace: 'ns' } });
});

test('owned fields come from the manager own Apply entry', (t) => {
  t.true(isEmpty(ownedFields(deployment(), fieldManager('other'))), 'another config owns nothing here');
  const o = ownedFields(deployment(), MANAGER);
  t.deepEqual([...o.annotations], ['hono.eclipse.org/tls-digest']);
  t.deepEqual([...o.volumes], ['hono-tls']);
  t.deepEqual([...o.containers.get('auth')!.env].sort(), ['HONO_AUTH_KEY_FILE', 'HONO_AUTH_TRUST_STORE_PASSWORD']);
  t.deepEqual([...o.containers.get('auth')!.mounts], ['/etc/hono/tls']);
});

test('steady state: applied wiring is recognised, user fields do not matter', (t) => {
  t.true(wiringApplied(deployment(), wiring, MANAGER));
  t.true(wiringApplied(deployment({ userEnv: true }), wiring, MANAGER));
});

test('a changed digest, value or a stale owned field needs an apply', (t) => {
  t.false(wiringApplied(deployment({ digest: 'sha256:old' }), wiring, MANAGER));
  const changed = structuredClone(wiring);
  changed.containers[0]!.env[0]!.value = '/other';
  t.false(wiringApplied(deployment(), changed, MANAGER));
  const fewer = structuredClone(wiring);
  fewer.containers[0]!.env.pop(); // the operator still owns the password var: it must go
  t.false(wiringApplied(deployment(), fewer, MANAGER));
  t.false(wiringApplied(deployment({ fields: {} }), wiring, MANAGER)); // not owned yet
});

test('isSubset tolerates server defaults but not differences', (t) => {
  t.true(isSubset({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 2, d: 3 }, e: 4 }));
  t.false(isSubset({ a: [1, 2] }, { a: [1, 2, 3] }));
  t.false(isSubset({ a: 1 }, { a: 2 }));
});

test('each config has its own field manager, within the 128-character limit', (t) => {
  t.is(fieldManager('hono'), 'hono-tls-operator/hono');
  t.not(fieldManager('a'), fieldManager('b'));
  t.true(fieldManager('x'.repeat(200)).length <= 128);
});

test('fields someone else set with another value are foreign; own and identical ones are not', (t) => {
  t.deepEqual(foreignFields(deployment(), wiring, MANAGER), [], 'all owned by the manager');
  const userOwned = deployment({ fields: {} });
  userOwned.metadata!.managedFields!.push({ manager: 'kubectl-create', operation: 'Update', fieldsV1: fieldsV1 });
  t.deepEqual(foreignFields(userOwned, wiring, MANAGER), [], 'identical values are shared, not taken');
  const changed = structuredClone(wiring);
  changed.containers[0]!.env[0]!.value = '/opt/hono/tls/key.pem';
  changed.containers[0]!.volumeMounts[0]!.name = 'hono-tls-auth';
  changed.volumes[0]!.secret!.secretName = 'other';
  changed.annotations['hono.eclipse.org/tls-digest'] = 'sha256:new';
  const found = foreignFields(userOwned, changed, MANAGER);
  t.deepEqual(
    found.map((f) => f.what),
    ['pod-template annotation hono.eclipse.org/tls-digest', 'volume hono-tls', 'env HONO_AUTH_KEY_FILE of container auth', 'volumeMount at /etc/hono/tls of container auth'],
  );
  t.true(found.every((f) => f.owners.includes('kubectl-create')), JSON.stringify(found));
  t.deepEqual(foreignFields(deployment(), changed, MANAGER), [], 'the manager may change what it owns');
});

test('a volume of the same name with another source is foreign', (t) => {
  const d = deployment({ fields: {} });
  d.spec!.template.spec!.volumes = [{ name: 'hono-tls', emptyDir: {} }];
  t.deepEqual(foreignFields(d, wiring, MANAGER).map((f) => [f.what, f.owners]), [['volume hono-tls', []]]);
});

test('a 409 from server-side apply names the managers and fields', (t) => {
  const body = JSON.stringify({
    kind: 'Status',
    code: 409,
    reason: 'Conflict',
    details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "hono-tls-operator/a" using apps/v1', field: '.spec.template.metadata.annotations.hono.eclipse.org/tls-digest' }] },
  });
  const conflicts = applyConflicts({ code: 409, body })!;
  t.deepEqual(conflicts, [{ manager: 'hono-tls-operator/a', field: '.spec.template.metadata.annotations.hono.eclipse.org/tls-digest' }]);
  const f = conflictFailure('hono-server', conflicts);
  t.is(f.reason, 'DeploymentConflict');
  t.regex(f.message, /owned by hono-tls-operator\/a.*wired by HonoTlsConfig a/);
  t.is(applyConflicts({ code: 422, body }), undefined);
});

test('consent: the label must name this config', (t) => {
  const d = (labels?: Record<string, string>) => ({ metadata: { name: 'x', labels } });
  t.is(consentFailure(d({ 'hono.eclipse.org/tls-config': 'hono' }), 'ns', 'hono'), undefined);
  const none = consentFailure(d(), 'ns', 'hono')!;
  t.is(none.reason, 'DeploymentNotOptedIn');
  t.true(none.message.includes('kubectl label deployment x -n ns hono.eclipse.org/tls-config=hono --overwrite'));
  t.is(consentFailure(d({ 'hono.eclipse.org/tls-config': 'other' }), 'ns', 'hono')!.reason, 'DeploymentConflict');
});
