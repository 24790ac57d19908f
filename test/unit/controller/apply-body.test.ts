import test from 'ava';
import type { V1Deployment } from '@kubernetes/client-node';
import { applyBody, isSubset, ownedFields, wiringApplied, type DeploymentWiring } from '../../../operator/controller/apply-body.js';

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
        { manager: 'hono-tls-operator', operation: 'Apply', fieldsV1: over.fields ?? fieldsV1 },
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
  const o = ownedFields(deployment());
  t.deepEqual([...o.annotations], ['hono.eclipse.org/tls-digest']);
  t.deepEqual([...o.volumes], ['hono-tls']);
  t.deepEqual([...o.containers.get('auth')!.env].sort(), ['HONO_AUTH_KEY_FILE', 'HONO_AUTH_TRUST_STORE_PASSWORD']);
  t.deepEqual([...o.containers.get('auth')!.mounts], ['/etc/hono/tls']);
});

test('steady state: applied wiring is recognised, user fields do not matter', (t) => {
  t.true(wiringApplied(deployment(), wiring));
  t.true(wiringApplied(deployment({ userEnv: true }), wiring));
});

test('a changed digest, value or a stale owned field needs an apply', (t) => {
  t.false(wiringApplied(deployment({ digest: 'sha256:old' }), wiring));
  const changed = structuredClone(wiring);
  changed.containers[0]!.env[0]!.value = '/other';
  t.false(wiringApplied(deployment(), changed));
  const fewer = structuredClone(wiring);
  fewer.containers[0]!.env.pop(); // the operator still owns the password var: it must go
  t.false(wiringApplied(deployment(), fewer));
  t.false(wiringApplied(deployment({ fields: {} }), wiring)); // not owned yet
});

test('isSubset tolerates server defaults but not differences', (t) => {
  t.true(isSubset({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 2, d: 3 }, e: 4 }));
  t.false(isSubset({ a: [1, 2] }, { a: [1, 2, 3] }));
  t.false(isSubset({ a: 1 }, { a: 2 }));
});
