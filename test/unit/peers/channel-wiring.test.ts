// The pure parts of the channel proof (test/peers/): which env var is whose trust store, the
// Dispatch Router's sslProfile reader, and the table formatter.
import test from 'ava';
import type { ComponentSpec } from '../../../operator/api/v1alpha1.js';
import { CHANNELS, clientWiring, serverWiring } from '../../peers/channel-table.js';
import { parseSslProfile } from '../../peers/ssl-profile.js';
import { table } from '../../peers/table.js';

const comp = (type: ComponentSpec['type'], extra: Partial<ComponentSpec> = {}): ComponentSpec => ({ name: type, type, ...extra });

test('the six seed channels come from the catalogue, channel 2 with a client certificate', (t) => {
  t.deepEqual(CHANNELS.map((c) => c.id), [1, 2, 3, 4, 5, 6]);
  t.deepEqual(CHANNELS.filter((c) => c.clientCert).map((c) => c.id), [2]);
});

test('seed profile: each client finds the trust store of its channel, the mutual one also its key and cert', (t) => {
  t.deepEqual(clientWiring(comp('honoServer'), 'seed', 2, 'dispatchRouter'), {
    trustPathEnv: 'HONO_DOWNSTREAM_TRUST_STORE_PATH',
    trustPasswordEnv: 'HONO_DOWNSTREAM_TRUST_STORE_PASSWORD',
    keyEnv: 'HONO_DOWNSTREAM_KEY_FILE',
    certEnv: 'HONO_DOWNSTREAM_CERT_FILE',
  });
  t.is(clientWiring(comp('honoServer'), 'seed', 3, 'authServer')?.trustPathEnv, 'HONO_AUTH_TRUST_STORE_PATH');
  t.is(clientWiring(comp('deviceRegistry'), 'seed', 4, 'authServer')?.trustPathEnv, 'HONO_AUTH_TRUST_STORE_PATH');
  t.is(clientWiring(comp('mqttAdapter'), 'seed', 5, 'deviceRegistry')?.trustPathEnv, 'HONO_REGISTRATION_TRUST_STORE_PATH');
  t.is(clientWiring(comp('httpAdapter'), 'seed', 6, 'honoServer')?.trustPasswordEnv, 'HONO_CLIENT_TRUST_STORE_PASSWORD');
  // The consumer application is configured in code: no env vars, so its Secret is used.
  t.is(clientWiring(comp('client'), 'seed', 1, 'dispatchRouter'), undefined);
});

test('servers present their identity variables; the Dispatch Router its sslProfile', (t) => {
  t.deepEqual(serverWiring(comp('honoServer'), 'seed'), { kind: 'env', keyEnv: 'HONO_SERVER_KEY_FILE', certEnv: 'HONO_SERVER_CERT_FILE' });
  t.deepEqual(serverWiring(comp('deviceRegistry'), 'seed'), { kind: 'env', keyEnv: 'HONO_DEVICE_REGISTRY_KEY_FILE', certEnv: 'HONO_DEVICE_REGISTRY_CERT_FILE' });
  t.deepEqual(serverWiring(comp('dispatchRouter'), 'hono-2'), { kind: 'sslProfile' });
});

test('per-component env overrides and profiles are honoured, as the operator wires them', (t) => {
  const renamed = comp('httpAdapter', { envOverrides: { HONO_CLIENT_TRUST_STORE_PATH: 'MY_TRUST' } });
  t.is(clientWiring(renamed, 'seed', 6, 'honoServer')?.trustPathEnv, 'MY_TRUST');
  const dropped = comp('httpAdapter', { envOverrides: { HONO_CLIENT_TRUST_STORE_PATH: '' } });
  t.is(clientWiring(dropped, 'seed', 6, 'honoServer'), undefined);
  // hono-2 has no seed channel numbers: the relation is found by the server's type.
  const w = clientWiring(comp('mqttAdapter', { profile: 'hono-2' }), 'seed', 5, 'deviceRegistry');
  t.regex(w?.trustPathEnv ?? '', /^HONO_(TENANT|REGISTRATION|CREDENTIALS)_TRUSTSTOREPATH$/);
  t.is(w?.trustPasswordEnv, w?.trustPathEnv.replace('PATH', 'PASSWORD'));
  t.throws(() => serverWiring(comp('honoServer', { profile: 'hono-2' }), 'seed'), { message: /removed the Hono Server/ });
});

test('sslProfile: both attribute sets, .conf and JSON form', (t) => {
  const conf = 'router {\n  mode: standalone\n}\nsslProfile {\n  name: internal\n  certFile: /t/cert.pem\n  privateKeyFile: /t/key.pem\n  caCertFile: /t/ca.pem\n}\nlistener {\n  sslProfile: internal\n}\n';
  t.deepEqual(parseSslProfile(conf, 'qdrouterd.conf'), { certFile: '/t/cert.pem', privateKeyFile: '/t/key.pem', caCertFile: '/t/ca.pem' });
  const old = 'ssl-profile {\n name: x\n cert-file: /a/c.pem\n key-file: /a/k.pem\n cert-db: /a/trusted-certs.pem\n}';
  t.deepEqual(parseSslProfile(old, 'qdrouterd.conf'), { certFile: '/a/c.pem', privateKeyFile: '/a/k.pem', caCertFile: '/a/trusted-certs.pem' });
  const json = JSON.stringify([['router', { mode: 'standalone' }], ['sslProfile', { name: 'x', certFile: '/j/c.pem', privateKeyFile: '/j/k.pem' }]]);
  t.deepEqual(parseSslProfile(json, 'sslprofile.json'), { certFile: '/j/c.pem', privateKeyFile: '/j/k.pem', caCertFile: undefined });
  t.is(parseSslProfile('listener {\n port: 5671\n}', 'qdrouterd.conf'), undefined);
  t.is(parseSslProfile('sslProfile {\n name: x\n certFile: /c.pem\n}', 'qdrouterd.conf'), undefined, 'a key file is required');
});

test('table: padded columns, multi-line cells', (t) => {
  t.is(table(['a', 'bb'], [['x', 'y\nzzz'], ['long', '']]), ['a     bb', '----  ---', 'x     y', '      zzz', 'long'].join('\n'));
});
