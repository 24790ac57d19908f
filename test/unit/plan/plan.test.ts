import test from 'ava';
import type { HonoTlsConfig } from '../../../operator/api/v1alpha1.js';
import { planConfig, SECRET_FILE_MODE } from '../../../operator/plan/plan.js';
import { comp, stackConfig } from '../catalogue/fixtures.js';

const stack = (format: 'pem' | 'jks' | 'pkcs12' = 'jks'): HonoTlsConfig =>
  stackConfig(
    'seed',
    [
      comp('auth', 'authServer', { serviceName: 'hono-service-auth', dnsNames: ['auth.example.org'], ipAddresses: ['10.0.0.7'] }),
      comp('router', 'dispatchRouter', { serviceName: 'hono-dispatch-router' }),
      comp('server', 'honoServer', { serviceName: 'hono-server', mountPath: '/etc/hono/tls' }),
      comp('registry', 'deviceRegistry'),
      comp('http', 'httpAdapter', { deployment: { name: 'http', containers: ['zeta', 'adapter'] } }),
      { name: 'consumer', type: 'client' },
    ],
    format,
  );

test('SANs: the four service names, dnsNames, localhost; CN from serviceName; O/OU defaults', (t) => {
  const auth = planConfig(stack()).components.find((c) => c.name === 'auth')!;
  t.deepEqual(auth.certificate.dnsNames, [
    'hono-service-auth',
    'hono-service-auth.hono',
    'hono-service-auth.hono.svc',
    'hono-service-auth.hono.svc.cluster.local',
    'auth.example.org',
    'localhost',
  ]);
  t.deepEqual(auth.certificate.ipAddresses, ['10.0.0.7']);
  t.deepEqual(auth.certificate.subject, { commonName: 'hono-service-auth', organization: 'Eclipse IoT', organizationalUnit: 'Hono' });
  t.is(auth.certificate.usage, 'both');
  t.deepEqual(auth.certificate.privateKey, { algorithm: 'ECDSA', size: 256 });
  t.is(auth.certificate.durationMs, 2160 * 3_600_000);
  t.is(auth.certificate.renewBeforeMs, 720 * 3_600_000);
  const consumer = planConfig(stack()).components.find((c) => c.name === 'consumer')!;
  t.deepEqual(consumer.certificate.dnsNames, ['localhost']);
  t.is(consumer.certificate.subject.commonName, 'consumer');
  t.is(consumer.workload, undefined, 'material only');
});

test('volumes: a read-only directory mount, defaultMode 0400, never subPath', (t) => {
  for (const c of planConfig(stack()).components.filter((x) => x.workload)) {
    const w = c.workload!;
    t.is(w.volumes.length, 1);
    t.is(w.volumes[0]!.secret!.secretName, `hono-${c.name}-tls`);
    t.is(w.volumes[0]!.secret!.defaultMode, SECRET_FILE_MODE);
    t.is(SECRET_FILE_MODE, 0o400);
    t.deepEqual(w.volumeMounts, [{ name: `hono-tls-${c.name}`, mountPath: c.name === 'server' ? '/etc/hono/tls' : '/opt/hono/tls', readOnly: true }]);
    t.false(JSON.stringify(w).includes('subPath'));
    // Every projected key is an entry of the Secret, and every entry is projected.
    t.deepEqual(w.volumes[0]!.secret!.items!.map((i) => i.key), c.entries.map((e) => e.key));
  }
});

test('passwords only through secretKeyRef to the password Secret, never inline', (t) => {
  const plan = planConfig(stack('pkcs12'));
  t.deepEqual(plan.password, { secretName: 'hono-store-password', key: 'password', generated: true });
  const env = plan.components.flatMap((c) => c.workload?.env ?? []);
  const passwords = env.filter((e) => e.name.includes('PASSWORD'));
  t.is(passwords.length, 7); // auth 1, server 2, registry 1, http 3
  for (const e of passwords) {
    t.is(e.value, undefined);
    t.deepEqual(e.valueFrom, { secretKeyRef: { name: 'hono-store-password', key: 'password' } });
  }
  for (const e of env.filter((x) => !x.name.includes('PASSWORD'))) t.regex(e.value!, /^\/(opt|etc)\/hono\/tls\/[a-z-]+\.(pem|p12)$/);
  t.truthy(env.find((e) => e.name === 'HONO_AUTH_TRUST_STORE_PATH' && e.value === '/opt/hono/tls/truststore.p12'));
});

test('a user password Secret is used as given', (t) => {
  const cfg = stack();
  cfg.spec.trustStore!.passwordSecretRef = { name: 'my-pw', key: 'secret' };
  const plan = planConfig(cfg);
  t.deepEqual(plan.password, { secretName: 'my-pw', key: 'secret', generated: false });
  t.deepEqual(plan.components.find((c) => c.name === 'auth')!.workload!.env.find((e) => e.name === 'HONO_AUTH_TRUST_STORE_PASSWORD')!.valueFrom, {
    secretKeyRef: { name: 'my-pw', key: 'secret' },
  });
});

test('pem trust store: trusted-certs.pem wired, no password variables, no store entries', (t) => {
  const plan = planConfig(stack('pem'));
  const env = plan.components.flatMap((c) => c.workload?.env ?? []);
  t.false(env.some((e) => e.name.endsWith('PASSWORD')));
  t.truthy(env.find((e) => e.name === 'HONO_CLIENT_TRUST_STORE_PATH' && e.value === '/opt/hono/tls/trusted-certs.pem'));
  t.false(plan.components.some((c) => c.entries.some((e) => e.source.kind === 'trustStore')));
});

test('Secret entries: PKCS8 key, chain, CA bundle, stores per format, auth cert, router sslProfile', (t) => {
  const cfg = stack('jks');
  cfg.spec.trustStore!.additionalFormats = ['pkcs12', 'pem'];
  const plan = planConfig(cfg);
  t.deepEqual(plan.trustStoreFormats, ['jks', 'pem', 'pkcs12']);
  const keys = (n: string) => plan.components.find((c) => c.name === n)!.entries.map((e) => e.key);
  t.deepEqual(keys('auth'), ['ca.crt', 'tls.crt', 'tls.key', 'truststore.jks', 'truststore.p12']);
  t.deepEqual(keys('server'), ['auth-server-cert.pem', 'ca.crt', 'tls.crt', 'tls.key', 'truststore.jks', 'truststore.p12']);
  t.deepEqual(keys('registry'), ['auth-server-cert.pem', 'ca.crt', 'tls.crt', 'tls.key', 'truststore.jks', 'truststore.p12']);
  t.deepEqual(keys('router'), ['ca.crt', 'sslprofile.conf', 'sslprofile.json', 'tls.crt', 'tls.key', 'truststore.jks', 'truststore.p12']);
  const server = plan.components.find((c) => c.name === 'server')!;
  t.deepEqual(server.entries[0]!.source, { kind: 'peerCertificate', component: 'auth' });
  const items = server.workload!.volumes[0]!.secret!.items!;
  t.deepEqual(
    items.map((i) => `${i.key}->${i.path}`),
    ['auth-server-cert.pem->auth-server-cert.pem', 'ca.crt->trusted-certs.pem', 'tls.crt->cert.pem', 'tls.key->key.pem', 'truststore.jks->truststore.jks', 'truststore.p12->truststore.p12'],
  );
});

test('the Dispatch Router gets an sslProfile naming its mounted files', (t) => {
  const router = planConfig(stack()).components.find((c) => c.name === 'router')!;
  t.deepEqual(router.workload!.env, []);
  t.deepEqual(router.sslProfile!.attributes, {
    name: 'router',
    certFile: '/opt/hono/tls/cert.pem',
    keyFile: '/opt/hono/tls/key.pem',
    certDb: '/opt/hono/tls/trusted-certs.pem',
  });
  const json = router.entries.find((e) => e.key === 'sslprofile.json')!.source;
  t.is(json.kind, 'text');
  t.deepEqual(JSON.parse((json as { text: string }).text), [['sslProfile', router.sslProfile!.attributes]]);
  const hono2 = planConfig(stackConfig('hono-2', [comp('router', 'dispatchRouter')])).components[0]!;
  t.deepEqual(Object.keys(hono2.sslProfile!.attributes), ['name', 'certFile', 'privateKeyFile', 'caCertFile', 'protocols']);
});

test('deterministic: component and override order do not change the plan', (t) => {
  const a = stack();
  const b = stack();
  b.spec.components.reverse();
  a.spec.components[0]!.envOverrides = { HONO_AUTH_KEY_FILE: 'A_KEY', HONO_AUTH_CERT_FILE: '' };
  b.spec.components.find((c) => c.name === 'auth')!.envOverrides = { HONO_AUTH_CERT_FILE: '', HONO_AUTH_KEY_FILE: 'A_KEY' };
  t.deepEqual(planConfig(a), planConfig(b));
  t.is(JSON.stringify(planConfig(a)), JSON.stringify(planConfig(b)));
  const plan = planConfig(a);
  t.deepEqual(plan.components.map((c) => c.name), ['auth', 'consumer', 'http', 'registry', 'router', 'server']);
  for (const c of plan.components) {
    const names = (c.workload?.env ?? []).map((e) => e.name);
    t.deepEqual(names, [...names].sort());
  }
  t.deepEqual(plan.components.find((c) => c.name === 'http')!.workload!.containers, ['adapter', 'zeta']);
});

test('overrides: rename, drop, and clear errors for unknown names and collisions', (t) => {
  const cfg = stack();
  cfg.spec.components[0]!.envOverrides = { HONO_AUTH_KEY_FILE: 'HONO_AUTH_KEY_PATH', HONO_AUTH_TRUST_STORE_PASSWORD: '' };
  const auth = planConfig(cfg).components.find((c) => c.name === 'auth')!;
  t.deepEqual(auth.workload!.env.map((e) => e.name), ['HONO_AUTH_CERT_FILE', 'HONO_AUTH_KEY_PATH', 'HONO_AUTH_TRUST_STORE_PATH']);
  t.deepEqual(auth.trust.map((x) => x.env), ['HONO_AUTH_TRUST_STORE_PATH']);

  cfg.spec.components[0]!.envOverrides = { HONO_AUTH_KEYFILE: 'X' };
  t.regex(t.throws(() => planConfig(cfg))!.message, /^spec\.components\[0\]\.envOverrides\.HONO_AUTH_KEYFILE: HONO_AUTH_KEYFILE is not a variable of type authServer.*known: HONO_AUTH_CERT_FILE/);
  cfg.spec.components[0]!.envOverrides = { HONO_AUTH_KEY_FILE: 'HONO_AUTH_CERT_FILE' };
  t.regex(t.throws(() => planConfig(cfg))!.message, /^spec\.components\[0\]\.envOverrides: .* would both be named HONO_AUTH_CERT_FILE/);
});

test('hono-0.5: ECDSA keys come in a PKCS12 key store, RSA keys as PEM _PATH files', (t) => {
  const ec = planConfig(stackConfig('hono-0.5', [comp('mqtt', 'mqttAdapter')], 'pem')).components[0]!;
  t.deepEqual(ec.workload!.env.map((e) => e.name), ['HONO_MESSAGING_TRUST_STORE_PATH', 'HONO_MQTT_KEY_STORE_PASSWORD', 'HONO_MQTT_KEY_STORE_PATH', 'HONO_MQTT_TRUST_STORE_PATH', 'HONO_REGISTRATION_TRUST_STORE_PATH']);
  t.truthy(ec.entries.find((e) => e.key === 'keystore.p12' && e.source.kind === 'keyStore'));
  const rsa = planConfig(stackConfig('hono-0.5', [comp('mqtt', 'mqttAdapter', { privateKey: { algorithm: 'RSA' } })], 'pem')).components[0]!;
  t.deepEqual(rsa.certificate.privateKey, { algorithm: 'RSA', size: 2048 });
  t.deepEqual(rsa.workload!.env.map((e) => e.name), ['HONO_MESSAGING_TRUST_STORE_PATH', 'HONO_MQTT_CERT_PATH', 'HONO_MQTT_KEY_PATH', 'HONO_MQTT_TRUST_STORE_PATH', 'HONO_REGISTRATION_TRUST_STORE_PATH']);
  t.falsy(rsa.entries.find((e) => e.key === 'keystore.p12'));
});

test('token validation: hono-0.5 and hono-2 name the file, without an authServer a warning', (t) => {
  const p05 = planConfig(stackConfig('hono-0.5', [comp('auth', 'authServer', { privateKey: { algorithm: 'RSA', size: 4096 } }), comp('reg', 'deviceRegistry')], 'pem'));
  t.is(p05.components[1]!.workload!.env.find((e) => e.name === 'HONO_AUTH_VALIDATION_CERT_PATH')!.value, '/opt/hono/tls/auth-server-cert.pem');
  t.deepEqual(p05.warnings, []);
  const p2 = planConfig(stackConfig('hono-2', [comp('reg', 'deviceRegistry')], 'pem'));
  t.falsy(p2.components[0]!.workload!.env.find((e) => e.name === 'HONO_AUTH_VALIDATION_CERTPATH'));
  t.falsy(p2.components[0]!.entries.find((e) => e.key === 'auth-server-cert.pem'));
  t.deepEqual(p2.warnings, ['reg: no component of type authServer: the Auth Server certificate for token validation is not provided']);
});

test('per-component profile, subject and key override the config defaults', (t) => {
  const cfg = stackConfig('seed', [
    comp('coap', 'coapAdapter', { profile: 'hono-2', subject: { organizationalUnit: 'Adapters', country: 'CA' }, privateKey: { algorithm: 'ECDSA', size: 384 } }),
  ]);
  cfg.spec.certificate = { duration: '1h30m', renewBefore: '10m', subject: { organization: 'ACME' } };
  const c = planConfig(cfg).components[0]!;
  t.is(c.profile, 'hono-2');
  t.deepEqual(c.certificate.subject, { commonName: 'coap', organization: 'ACME', organizationalUnit: 'Adapters', country: 'CA' });
  t.deepEqual(c.certificate.privateKey, { algorithm: 'ECDSA', size: 384 });
  t.is(c.certificate.durationMs, 90 * 60_000);
  t.is(c.certificate.renewBeforeMs, 10 * 60_000);
  t.regex(t.throws(() => planConfig(stackConfig('seed', [comp('coap', 'coapAdapter')])))!.message, /coapAdapter in profile seed: .*set profile hono-2/);
});

test('issuer: selfSigned default, ca, certManager', (t) => {
  const cfg = stack();
  t.deepEqual(planConfig(cfg).issuer, {
    kind: 'selfSigned',
    caSecretName: 'hono-ca',
    commonName: 'hono/hono root',
    intermediate: true,
    durationMs: 43800 * 3_600_000,
    privateKey: { algorithm: 'ECDSA', size: 256 },
  });
  cfg.spec.issuer = { ca: { secretName: 'corp-ca' } };
  t.deepEqual(planConfig(cfg).issuer, { kind: 'ca', caSecretName: 'corp-ca' });
  cfg.spec.issuer = { certManager: { issuerRef: { name: 'le', kind: 'ClusterIssuer' } } };
  t.deepEqual(planConfig(cfg).issuer, { kind: 'certManager', issuerRef: { name: 'le', kind: 'ClusterIssuer', group: 'cert-manager.io' } });
  cfg.spec.issuer = { ca: { secretName: 'x' }, selfSigned: {} };
  t.regex(t.throws(() => planConfig(cfg))!.message, /^spec\.issuer: set exactly one/);
});

test('two components mounting at one path of one Deployment are rejected', (t) => {
  const cfg = stackConfig('seed', [comp('a', 'client', { deployment: { name: 'd' } }), comp('b', 'client', { deployment: { name: 'd' } })]);
  t.regex(t.throws(() => planConfig(cfg))!.message, /components a and b both mount at \/opt\/hono\/tls in Deployment d/);
  cfg.spec.components[1]!.mountPath = '/opt/hono/tls-b';
  t.is(planConfig(cfg).components.length, 2);
});
