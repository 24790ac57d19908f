import test from 'ava';
import type { V1Deployment } from '@kubernetes/client-node';
import type { DeploymentWiring } from '../../../operator/controller/apply-body.js';
import { wiringDrift } from '../../../operator/controller/verify.js';

const wiring: DeploymentWiring = {
  annotations: { 'hono.eclipse.org/tls-digest': 'sha256:x' },
  containers: [
    {
      name: 'auth',
      env: [
        { name: 'HONO_AUTH_KEY_PATH', value: '/opt/hono/tls/key.pem' },
        { name: 'HONO_AUTH_TRUST_STORE_PASSWORD', valueFrom: { secretKeyRef: { name: 'hono-store-password', key: 'password' } } },
      ],
      volumeMounts: [{ name: 'hono-tls-auth', mountPath: '/opt/hono/tls', readOnly: true }],
    },
  ],
  volumes: [{ name: 'hono-tls-auth', secret: { secretName: 'hono-auth-tls' } }],
};

const deployment = (container: object, volumes: object[]): V1Deployment => ({ spec: { selector: {}, template: { spec: { containers: [{ name: 'auth', ...container }], volumes } } } }) as V1Deployment;

test('a Deployment that carries the wiring (with server defaults and its own entries) has no drift', (t) => {
  const d = deployment(
    {
      env: [{ name: 'HONO_AUTH_PORT', value: '5671' }, ...wiring.containers[0]!.env],
      volumeMounts: [{ name: 'hono-tls-auth', mountPath: '/opt/hono/tls', readOnly: true }],
    },
    [{ name: 'hono-tls-auth', secret: { secretName: 'hono-auth-tls', defaultMode: 420 } }],
  );
  t.deepEqual(wiringDrift(d, wiring), []);
});

test('each missing or different piece is named; the Deployment\'s own values are never quoted', (t) => {
  const d = deployment(
    {
      env: [
        { name: 'HONO_AUTH_KEY_PATH', value: '/secret/user/value' },
        { name: 'HONO_AUTH_TRUST_STORE_PASSWORD', value: 'hunter2' },
      ],
      volumeMounts: [{ name: 'hono-tls-auth', mountPath: '/opt/hono/tls' }],
    },
    [{ name: 'hono-tls-auth', emptyDir: {} }],
  );
  const drift = wiringDrift(d, wiring);
  t.deepEqual(drift, [
    'volume hono-tls-auth differs (want Secret hono-auth-tls)',
    'env HONO_AUTH_KEY_PATH of container auth differs (want value "/opt/hono/tls/key.pem")',
    'env HONO_AUTH_TRUST_STORE_PASSWORD of container auth differs (want valueFrom Secret hono-store-password key password)',
    'volumeMount at /opt/hono/tls of container auth differs (want volume hono-tls-auth, readOnly)',
  ]);
  t.false(drift.join(' ').includes('hunter2'));
  t.false(drift.join(' ').includes('/secret/user/value'));
  t.deepEqual(wiringDrift(deployment({}, []), wiring), [
    'volume hono-tls-auth is missing',
    'env HONO_AUTH_KEY_PATH of container auth is missing',
    'env HONO_AUTH_TRUST_STORE_PASSWORD of container auth is missing',
    'volumeMount at /opt/hono/tls of container auth is missing',
  ]);
});
