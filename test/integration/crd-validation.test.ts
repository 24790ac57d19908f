// The bad-input corpus: invalid HonoTlsConfigs, each rejected at admission by the real
// kube-apiserver (schema, enums, patterns, CEL rules of crds/), with an error naming the field.
// Each case breaks exactly one thing of a valid base object.
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { GROUP, KIND, PLURAL, VERSION } from '../../operator/api/v1alpha1.js';
import { testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { legalConfig, mulberry32 } from '../helpers/legal-specs.js';
import { ensureCrdAsWritten, installCrdAsWritten } from './crd-install.js';

type Spec = Record<string, any>;
const base = (): Spec => ({
  components: [{ name: 'auth', type: 'authServer', serviceName: 'hono-service-auth', deployment: { name: 'hono-service-auth' } }],
});
const withComponent = (extra: Spec, type = 'authServer'): Spec => ({ components: [{ name: 'c', type, ...extra }] });

interface Case {
  name: string;
  spec: Spec | undefined;
  metadataName?: string;
  /** The field the apiserver names (a cause's field, or the message prefix). */
  field: string;
  message: RegExp;
}

// System directories and sub-paths, the service-account token directory among them, and the image's own directories.
const SHADOWED = ['/etc', '/etc/foo', '/etc/hono', '/var/run/secrets/kubernetes.io/serviceaccount', '/run/secrets', '/usr/lib/jvm', '/lib64', '/proc/self', '/dev/shm', '/tmp', '/opt/hono', '/root/.ssh'];
// Variables that change how a process loads or runs.
const LOADER_VARS = ['LD_PRELOAD', 'PATH', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'JAVA_OPTS', 'NODE_OPTIONS', 'PYTHONPATH', 'CLASSPATH', 'BASH_ENV', 'HOME'];

const CASES: Case[] = [
  { name: 'two issuers', spec: { ...base(), issuer: { selfSigned: {}, ca: { secretName: 'corp-ca' } } }, field: 'spec.issuer', message: /set exactly one of issuer\.selfSigned, issuer\.ca or issuer\.certManager/ },
  { name: 'three issuers', spec: { ...base(), issuer: { selfSigned: {}, ca: { secretName: 'x' }, certManager: { issuerRef: { name: 'le' } } } }, field: 'spec.issuer', message: /exactly one/ },
  { name: 'an issuer object with no issuer in it', spec: { ...base(), issuer: {} }, field: 'spec.issuer', message: /exactly one/ },
  { name: 'ca issuer without secretName', spec: { ...base(), issuer: { ca: {} } }, field: 'spec.issuer.ca.secretName', message: /Required value/ },
  { name: 'certManager trustBundle with both a Secret and a ConfigMap', spec: { ...base(), issuer: { certManager: { issuerRef: { name: 'le' }, trustBundle: { secret: { name: 'a' }, configMap: { name: 'b' } } } } }, field: 'spec.issuer.certManager.trustBundle', message: /set exactly one of trustBundle\.secret or trustBundle\.configMap/ },
  { name: 'certManager trustBundle with neither', spec: { ...base(), issuer: { certManager: { issuerRef: { name: 'le' }, trustBundle: {} } } }, field: 'spec.issuer.certManager.trustBundle', message: /set exactly one of trustBundle\.secret or trustBundle\.configMap/ },
  { name: 'certManager trustBundle ConfigMap name not a DNS name', spec: { ...base(), issuer: { certManager: { issuerRef: { name: 'le' }, trustBundle: { configMap: { name: 'Bad_Name' } } } } }, field: 'spec.issuer.certManager.trustBundle.configMap.name', message: /should match/ },
  { name: 'certManager issuerRef without name', spec: { ...base(), issuer: { certManager: { issuerRef: { kind: 'ClusterIssuer' } } } }, field: 'spec.issuer.certManager.issuerRef.name', message: /Required value/ },
  { name: 'CA shorter-lived than its leaves', spec: { ...base(), issuer: { selfSigned: { duration: '1000h' } } }, field: 'spec.issuer.selfSigned.duration', message: /must be longer than certificate\.duration/ },
  { name: 'no spec.components', spec: {}, field: 'spec.components', message: /Required value/ },
  { name: 'empty spec.components', spec: { components: [] }, field: 'spec.components', message: /should have at least 1 items/ },
  { name: 'duplicate component names', spec: { components: [{ name: 'a', type: 'authServer' }, { name: 'a', type: 'client' }] }, field: 'spec.components[1]', message: /Duplicate value/ },
  { name: 'two authServer components', spec: { components: [{ name: 'a', type: 'authServer' }, { name: 'b', type: 'authServer' }] }, field: 'spec.components', message: /at most one component may have type authServer/ },
  { name: 'unknown component type', spec: withComponent({}, 'honoBroker'), field: 'spec.components[0].type', message: /Unsupported value: "honoBroker"/ },
  { name: 'component without type', spec: { components: [{ name: 'c' }] }, field: 'spec.components[0].type', message: /Required value/ },
  { name: 'unknown profile', spec: { ...base(), profile: 'hono-1.4' }, field: 'spec.profile', message: /Unsupported value: "hono-1\.4"/ },
  { name: 'unknown wiring mode', spec: { ...base(), wiring: 'patch' }, field: 'spec.wiring', message: /Unsupported value: "patch"/ },
  { name: 'unknown component profile', spec: withComponent({ profile: 'quarkus' }), field: 'spec.components[0].profile', message: /Unsupported value: "quarkus"/ },
  { name: 'a coapAdapter with the seed profile', spec: withComponent({}, 'coapAdapter'), field: 'spec.components', message: /exist only in newer Hono; set profile hono-2/ },
  { name: 'a honoServer with the hono-2 profile', spec: { ...withComponent({}, 'honoServer'), profile: 'hono-2' }, field: 'spec.components', message: /Hono 1\.0 removed the honoServer/ },
  { name: 'a honoServer with the hono-1 profile (on the component)', spec: withComponent({ profile: 'hono-1' }, 'honoServer'), field: 'spec.components', message: /Hono 1\.0 removed the honoServer/ },
  { name: 'component name with upper case', spec: { components: [{ name: 'Auth', type: 'authServer' }] }, field: 'spec.components[0].name', message: /should match/ },
  { name: 'component name longer than 40', spec: { components: [{ name: 'a'.repeat(41), type: 'authServer' }] }, field: 'spec.components[0].name', message: /may not be more than 40/ },
  { name: 'renewBefore longer than duration', spec: { ...base(), certificate: { duration: '2h', renewBefore: '3h' } }, field: 'spec.certificate.renewBefore', message: /renewBefore must be shorter than duration/ },
  { name: 'renewBefore equal to duration', spec: { ...base(), certificate: { duration: '90m', renewBefore: '1h30m' } }, field: 'spec.certificate.renewBefore', message: /shorter than duration/ },
  { name: 'duration in days (not a Go duration)', spec: { ...base(), certificate: { duration: '90d' } }, field: 'spec.certificate.duration', message: /should match/ },
  { name: 'duration with a space', spec: { ...base(), certificate: { duration: '1h 30m' } }, field: 'spec.certificate.duration', message: /should match/ },
  { name: 'duration below 1h', spec: { ...base(), certificate: { duration: '30m', renewBefore: '10m' } }, field: 'spec.certificate.duration', message: /duration must be at least 1h/ },
  { name: 'renewBefore below 5m', spec: { ...base(), certificate: { renewBefore: '1m' } }, field: 'spec.certificate.renewBefore', message: /renewBefore must be at least 5m/ },
  { name: 'RSA key below 2048 bits', spec: { ...base(), certificate: { privateKey: { algorithm: 'RSA', size: 1024 } } }, field: 'spec.certificate.privateKey.size', message: /RSA key size must be 2048, 3072 or 4096/ },
  { name: 'RSA key of an odd size', spec: { ...base(), certificate: { privateKey: { algorithm: 'RSA', size: 2000 } } }, field: 'spec.certificate.privateKey.size', message: /RSA key size/ },
  { name: 'ECDSA P-521', spec: { ...base(), certificate: { privateKey: { algorithm: 'ECDSA', size: 521 } } }, field: 'spec.certificate.privateKey.size', message: /ECDSA key size must be 256 \(P-256\) or 384 \(P-384\)/ },
  { name: 'component RSA key below 2048 bits', spec: withComponent({ privateKey: { algorithm: 'RSA', size: 1024 } }), field: 'spec.components[0].privateKey.size', message: /RSA key size/ },
  { name: 'CA key ECDSA 2048', spec: { ...base(), issuer: { selfSigned: { privateKey: { algorithm: 'ECDSA', size: 2048 } } } }, field: 'spec.issuer.selfSigned.privateKey.size', message: /ECDSA key size/ },
  { name: 'unknown key algorithm', spec: { ...base(), certificate: { privateKey: { algorithm: 'Ed25519' } } }, field: 'spec.certificate.privateKey.algorithm', message: /Unsupported value: "Ed25519"/ },
  { name: 'subject country not two letters', spec: { ...base(), certificate: { subject: { country: 'Canada' } } }, field: 'spec.certificate.subject.country', message: /should match/ },
  { name: 'subject organization with a newline', spec: { ...base(), certificate: { subject: { organization: 'Acme\nInc' } } }, field: 'spec.certificate.subject.organization', message: /organization must not contain control characters .*write it on one line/ },
  { name: 'component subject organizationalUnit with a tab', spec: withComponent({ subject: { organizationalUnit: 'Hono\tIoT' } }), field: 'spec.components[0].subject.organizationalUnit', message: /must not contain control characters/ },
  { name: 'component subject locality with a C1 control (NEL)', spec: withComponent({ subject: { locality: 'Ottawa\u0085' } }), field: 'spec.components[0].subject.locality', message: /must not contain control characters/ },
  { name: 'empty subject organization', spec: withComponent({ subject: { organization: '' } }), field: 'spec.components[0].subject.organization', message: /at least 1 chars long/ },
  { name: 'subject organization over 64 characters (X.520)', spec: { ...base(), certificate: { subject: { organization: 'é'.repeat(65) } } }, field: 'spec.certificate.subject.organization', message: /may not be more than 64/ },
  { name: 'CA commonName with a newline', spec: { ...base(), issuer: { selfSigned: { commonName: 'my\nCA' } } }, field: 'spec.issuer.selfSigned.commonName', message: /must not contain control characters/ },
  { name: 'DNS label over 63 characters', spec: withComponent({ dnsNames: [`${'a'.repeat(64)}.example.org`] }), field: 'spec.components[0].dnsNames[0]', message: /each dot-separated label of a DNS name must be at most 63 characters/ },
  { name: 'DNS name over 253 characters', spec: withComponent({ dnsNames: [Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.')] }), field: 'spec.components[0].dnsNames[0]', message: /may not be more than 253/ },
  { name: 'bad DNS name (underscore, upper case)', spec: withComponent({ dnsNames: ['Hono_Auth.example.org'] }), field: 'spec.components[0].dnsNames[0]', message: /should match/ },
  { name: 'bad DNS name (empty label)', spec: withComponent({ dnsNames: ['hono..example.org'] }), field: 'spec.components[0].dnsNames[0]', message: /should match/ },
  { name: 'wildcard not in the first label', spec: withComponent({ dnsNames: ['hono.*.example.org'] }), field: 'spec.components[0].dnsNames[0]', message: /should match/ },
  { name: 'duplicate DNS names', spec: withComponent({ dnsNames: ['a.example.org', 'a.example.org'] }), field: 'spec.components[0].dnsNames[1]', message: /Duplicate value/ },
  { name: 'too many DNS names', spec: withComponent({ dnsNames: Array.from({ length: 33 }, (_, i) => `h${i}.example.org`) }), field: 'spec.components[0].dnsNames', message: /must have at most 32 items/ },
  { name: 'serviceName not a DNS label', spec: withComponent({ serviceName: 'hono.auth' }), field: 'spec.components[0].serviceName', message: /should match/ },
  { name: 'bad IP address', spec: withComponent({ ipAddresses: ['10.0.0.256'] }), field: 'spec.components[0].ipAddresses[0]', message: /must be an IPv4 or IPv6 address/ },
  { name: 'IPv4-mapped IPv6 address', spec: withComponent({ ipAddresses: ['::ffff:1.2.3.4'] }), field: 'spec.components[0].ipAddresses[0]', message: /for an IPv4-mapped IPv6 address \(::ffff:1\.2\.3\.4\) write the IPv4 address/ },
  { name: 'IPv6 address with a zone', spec: withComponent({ ipAddresses: ['fe80::1%eth0'] }), field: 'spec.components[0].ipAddresses[0]', message: /without a zone/ },
  { name: 'relative mountPath', spec: withComponent({ mountPath: 'opt/hono/tls' }), field: 'spec.components[0].mountPath', message: /should match/ },
  { name: 'mountPath with ..', spec: withComponent({ mountPath: '/opt/../etc' }), field: 'spec.components[0].mountPath', message: /must not contain \. or \.\. segments/ },
  ...SHADOWED.map((mountPath) => ({ name: `mountPath shadowing a system directory: ${mountPath}`, spec: withComponent({ mountPath }), field: 'spec.components[0].mountPath', message: /must not shadow a system directory/ })),
  ...LOADER_VARS.map((to) => ({
    name: `env override renaming to ${to}`,
    spec: withComponent({ envOverrides: { HONO_AUTH_KEY_FILE: to } }),
    field: 'spec.components[0].envOverrides',
    message: /envOverrides\.HONO_AUTH_KEY_FILE: the new name must not be a variable that changes how a process loads or runs/,
  })),
  { name: 'env override to an invalid name', spec: withComponent({ envOverrides: { HONO_AUTH_KEY_FILE: 'hono-auth-key' } }), field: 'spec.components[0].envOverrides.HONO_AUTH_KEY_FILE', message: /should match '\^\(\[A-Z_\]\[A-Z0-9_\]\*\)\?\$'/ },
  { name: 'env override starting with a digit', spec: withComponent({ envOverrides: { HONO_AUTH_KEY_FILE: '1KEY' } }), field: 'spec.components[0].envOverrides.HONO_AUTH_KEY_FILE', message: /should match/ },
  { name: 'env override of an invalid key', spec: withComponent({ envOverrides: { 'hono.auth.keyFile': 'HONO_KEY' } }), field: 'spec.components[0].envOverrides', message: /envOverrides keys must be env var names/ },
  { name: 'env override on a dispatchRouter', spec: withComponent({ envOverrides: { HONO_X: 'HONO_Y' } }, 'dispatchRouter'), field: 'spec.components[0].envOverrides', message: /dispatchRouter reads qdrouterd\.conf/ },
  { name: 'unknown trust-store format', spec: { ...base(), trustStore: { format: 'bks' } }, field: 'spec.trustStore.format', message: /Unsupported value: "bks"/ },
  { name: 'unknown additional trust-store format', spec: { ...base(), trustStore: { additionalFormats: ['p7b'] } }, field: 'spec.trustStore.additionalFormats[0]', message: /Unsupported value: "p7b"/ },
  { name: 'additional format repeating the format', spec: { ...base(), trustStore: { format: 'jks', additionalFormats: ['jks'] } }, field: 'spec.trustStore.additionalFormats', message: /must not repeat format/ },
  { name: 'password Secret without name', spec: { ...base(), trustStore: { passwordSecretRef: { key: 'pw' } } }, field: 'spec.trustStore.passwordSecretRef.name', message: /Required value/ },
  { name: 'password from the CA Secret', spec: { ...base(), trustStore: { format: 'jks', passwordSecretRef: { name: 'htc-ca', key: 'pw' } } }, field: 'spec.trustStore.passwordSecretRef.name', message: /must not name the operator's own Secrets/ },
  { name: 'password from the generated password Secret', spec: { ...base(), trustStore: { format: 'jks', passwordSecretRef: { name: 'htc-store-password' } } }, field: 'spec.trustStore.passwordSecretRef.name', message: /must not name the operator's own Secrets/ },
  { name: 'password from a component Secret', spec: { ...base(), trustStore: { format: 'jks', passwordSecretRef: { name: 'htc-auth-tls', key: 'pw' } } }, field: 'spec.trustStore.passwordSecretRef.name', message: /must not name a component Secret/ },
  { name: 'password from a TLS key', spec: { ...base(), trustStore: { format: 'jks', passwordSecretRef: { name: 'corp-tls', key: 'tls.key' } } }, field: 'spec.trustStore.passwordSecretRef.key', message: /must not be a key of TLS material/ },
  { name: 'deployment without name', spec: withComponent({ deployment: { containers: ['auth'] } }), field: 'spec.components[0].deployment.name', message: /Required value/ },
  { name: 'no spec at all', spec: undefined, field: 'spec', message: /Required value/ },
  { name: 'metadata.name too long for the Secret names', spec: base(), metadataName: 'h'.repeat(64), field: 'metadata.name', message: /metadata\.name must be at most 63 characters/ },
];

const api = () => testKubeConfig().makeApiClient(k8s.CustomObjectsApi);
const object = (spec: Spec | undefined, name = 'htc'): object => ({ apiVersion: `${GROUP}/${VERSION}`, kind: KIND, metadata: { name }, ...(spec ? { spec } : {}) });

interface Status {
  message: string;
  reason?: string;
  details?: { causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

test.before(async () => {
  await installCrdAsWritten();
});
test.beforeEach(async () => {
  await ensureCrdAsWritten();
});

test(`the corpus has at least 30 cases (${CASES.length})`, (t) => {
  t.true(CASES.length >= 30);
  t.is(new Set(CASES.map((c) => c.name)).size, CASES.length);
});

for (const c of CASES) {
  test(`rejected: ${c.name}`, async (t) => {
    // Nothing is persisted when admission rejects, so the default namespace serves every case.
    const ns = 'default';
    const err = await t.throwsAsync(() => api().createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: object(c.spec, c.metadataName) }));
    t.true(err instanceof k8s.ApiException, String(err));
    const e = err as k8s.ApiException<string>;
    t.is(e.code, 422, e.body);
    const status = JSON.parse(e.body) as Status;
    t.is(status.reason, 'Invalid');
    const causes = status.details?.causes ?? [];
    const hit = causes.find((x) => x.field === c.field && c.message.test(x.message ?? '')) ?? (c.field === 'metadata.name' && c.message.test(status.message) ? { field: c.field } : undefined);
    t.truthy(hit, `expected ${c.field} ~ ${c.message}; got: ${JSON.stringify(causes)}`);
    t.true(status.message.includes(c.field), `the message names ${c.field}: ${status.message}`);
  });
}

test('mountPaths and env names of their own are accepted (the limits do not catch legitimate ones)', async (t) => {
  const ns = await withNamespace(t, 'crd-limits-ok');
  const components = ['/opt/hono/tls', '/etc/hono/tls', '/etc/qpid-dispatch/ssl', '/tls', '/var/hono/certs', '/opt/hono/certs'].map((mountPath, i) => ({
    name: `c${i}`,
    type: 'authServer' as const,
    mountPath,
    ...(i === 0 ? { envOverrides: { HONO_AUTH_KEY_FILE: 'HONO_AUTH_KEY_PATH', HONO_AUTH_CERT_FILE: 'QUARKUS_HTTP_SSL_CERTIFICATE_FILES', HONO_AUTH_TRUST_STORE_PATH: '' } } : {}),
  }));
  // one authServer per config: one config per path
  for (const [i, c] of components.entries()) {
    await t.notThrowsAsync(api().createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: object({ components: [c] }, `ok-${i}`) }), c.mountPath);
  }
});

test('a minimal valid HonoTlsConfig is accepted and read back with every default applied', async (t) => {
  const ns = await withNamespace(t, 'crd-good');
  await api().createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: object(base(), 'good') });
  const got = (await api().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'good' })) as HonoTlsConfig;
  t.deepEqual(got.spec, {
    profile: 'seed',
    issuer: { selfSigned: { intermediate: true, duration: '43800h', privateKey: { algorithm: 'ECDSA', size: 256 } } },
    certificate: {
      duration: '2160h',
      renewBefore: '720h',
      privateKey: { algorithm: 'ECDSA', size: 256 },
      subject: { organization: 'Eclipse IoT', organizationalUnit: 'Hono' },
    },
    trustStore: { format: 'pem' },
    wiring: 'apply',
    components: [{ name: 'auth', type: 'authServer', serviceName: 'hono-service-auth', deployment: { name: 'hono-service-auth' }, mountPath: '/opt/hono/tls' }],
  });
});

test('hono-1 and hono-2 accept the newer component types (the positive side of the profile/type rules)', async (t) => {
  const ns = await withNamespace(t, 'crd-profiles');
  for (const profile of ['hono-1', 'hono-2']) {
    const components = ['amqpAdapter', 'coapAdapter', 'commandRouter'].map((type) => ({ name: type.toLowerCase(), type }));
    await t.notThrowsAsync(
      () => api().createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: object({ profile, components }, profile), dryRun: 'All' }),
      profile,
    );
  }
});

test('awkward but legal values are accepted as written: subjects with , + " \\ # < > ; = and spaces, unicode, IPs in any notation', async (t) => {
  const ns = await withNamespace(t, 'crd-awkward');
  const subject = { organization: 'Acme, "Best" IoT; <a+b=c> \\ ☃', organizationalUnit: '#130541444d494e', locality: ' Zürich 😀 ', country: 'CH' };
  const ipAddresses = ['::1', '0:0::1', '1.2.3.4', '2001:db8::1', 'fe80:0:0:0:0:0:0:1'];
  const dnsNames = [`${'a'.repeat(63)}.example.org`];
  const spec = { ...base(), certificate: { subject }, components: [{ name: 'c', type: 'client', subject: { organization: 'Acme, Inc.' }, ipAddresses, dnsNames }] };
  await api().createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: object(spec, 'awkward') });
  const got = (await api().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'awkward' })) as HonoTlsConfig;
  t.deepEqual(got.spec.certificate!.subject, subject);
  t.deepEqual(got.spec.components[0]!.ipAddresses, ipAddresses);
  t.deepEqual(got.spec.components[0]!.dnsNames, dnsNames);
});

test('the property tests\' random legal configs pass admission (dry run)', async (t) => {
  const ns = await withNamespace(t, 'crd-legal');
  const seed = Math.floor(Math.random() * 2 ** 31);
  t.log(`seed ${seed}`);
  const r = mulberry32(seed);
  for (let i = 0; i < 60; i++) {
    const cfg = legalConfig(r);
    try {
      await api().createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: { ...cfg, metadata: { name: cfg.metadata.name } }, dryRun: 'All' });
    } catch (err) {
      t.fail(`seed ${seed}, case ${i}: ${(err as k8s.ApiException<string>).body ?? err}; spec ${JSON.stringify(cfg.spec)}`);
      return;
    }
  }
  t.pass();
});

test('partial objects get nested defaults; the status subresource and printer columns exist', async (t) => {
  const ns = await withNamespace(t, 'crd-defaults');
  const spec = { ...base(), issuer: { certManager: { issuerRef: { name: 'le' } } }, trustStore: { format: 'jks', passwordSecretRef: { name: 'pw' } }, certificate: { duration: '1000h' } };
  await api().createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: object(spec, 'partial') });
  const got = (await api().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'partial' })) as HonoTlsConfig;
  t.deepEqual(got.spec.issuer, { certManager: { issuerRef: { name: 'le', kind: 'Issuer', group: 'cert-manager.io' } } });
  t.deepEqual(got.spec.trustStore, { format: 'jks', passwordSecretRef: { name: 'pw', key: 'password' } });
  t.is(got.spec.certificate!.renewBefore, '720h');
  // Status is a subresource: a status write through the main resource is ignored.
  const status = { issuer: 'certManager/Issuer/le', phase: 'Rotating', earliestNotAfter: '2030-01-01T00:00:00Z', conditions: [{ type: 'Ready', status: 'True', reason: 'Issued', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' }] };
  await api().patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'partial', body: { status } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  const { kubectl } = await import('../helpers/cluster.js');
  const r = await kubectl(['get', 'htc', 'partial', '-n', ns]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /NAME\s+READY\s+PHASE\s+ISSUER\s+EARLIEST EXPIRY\s+AGE/);
  t.regex(r.stdout, /partial\s+True\s+Rotating\s+certManager\/Issuer\/le\s+2030-01-01T00:00:00Z/);
  const explain = await kubectl(['explain', 'honotlsconfig.spec.trustStore.format']);
  t.regex(explain.stdout, /The format wired into the \*_TRUST_STORE_PATH variables/);
});
