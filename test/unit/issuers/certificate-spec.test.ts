// The certManager issuer's pure half: what the plan puts where (cert-manager's Secret vs the
// operator's), the projected volume, and the cert-manager Certificate built from the plan.
import test from 'ava';
import type { HonoTlsConfig } from '../../../operator/api/v1alpha1.js';
import { certificateMatches } from '../../../operator/controller/certificates.js';
import { desiredCertificate } from '../../../operator/issuers/certificate-spec.js';
import { formatGoDuration, parseGoDuration } from '../../../operator/plan/duration.js';
import { planConfig, SECRET_FILE_MODE } from '../../../operator/plan/plan.js';
import { withPodSecurity } from '../../../operator/plan/pod-security.js';
import { comp, stackConfig } from '../catalogue/fixtures.js';

const owner = { apiVersion: 'hono.eclipse.org/v1alpha1', kind: 'HonoTlsConfig', name: 'hono', uid: 'u-1', controller: true, blockOwnerDeletion: true };
const meta = { labels: { a: 'b' }, annotations: { c: 'd' } };

function cmConfig(profile: 'seed' | 'hono-0.5' = 'seed', extra: Partial<HonoTlsConfig['spec']> = {}): HonoTlsConfig {
  const c = stackConfig(profile, [
    comp('auth', 'authServer', { serviceName: 'hono-service-auth', ipAddresses: ['10.0.0.7'], subject: { organization: 'ACME', organizationalUnit: 'IoT' } }),
    comp('router', 'dispatchRouter', { serviceName: 'hono-dispatch-router', privateKey: { algorithm: 'RSA', size: 3072 } }),
    comp('registry', 'deviceRegistry'),
    { name: 'consumer', type: 'client', dnsNames: ['consumer.example'] },
  ]);
  c.spec.issuer = { certManager: { issuerRef: { name: 'corp', kind: 'ClusterIssuer', group: 'cert-manager.io' } } };
  c.spec.certificate = { duration: '2160h', renewBefore: '90m' };
  Object.assign(c.spec, extra);
  return c;
}

test('the plan leaves key and chain to cert-manager: the operator Secret holds the rest, the projected volume joins both under the same file names', (t) => {
  const plan = planConfig(cmConfig());
  const registry = plan.components.find((c) => c.name === 'registry')!;
  t.deepEqual(registry.certManager, {
    certificateName: 'hono-registry',
    secretName: 'hono-registry-cm-tls',
    secretKeys: [
      { key: 'tls.crt', source: { kind: 'certChain' } },
      { key: 'tls.key', source: { kind: 'privateKey' } },
    ],
  });
  t.deepEqual(registry.entries.map((e) => e.key), ['auth-server-cert.pem', 'ca.crt', 'truststore.jks']);
  const v = registry.workload!.volumes[0]!;
  t.falsy(v.secret);
  t.is(v.projected?.defaultMode, SECRET_FILE_MODE);
  t.deepEqual(v.projected?.sources, [
    { secret: { name: 'hono-registry-cm-tls', items: [{ key: 'tls.crt', path: 'cert.pem' }, { key: 'tls.key', path: 'key.pem' }] } },
    {
      secret: {
        name: 'hono-registry-tls',
        items: [
          { key: 'auth-server-cert.pem', path: 'auth-server-cert.pem' },
          { key: 'ca.crt', path: 'trusted-certs.pem' },
          { key: 'truststore.jks', path: 'truststore.jks' },
        ],
      },
    },
  ]);
  // The same files, env vars and mount as with the operator's own CA (positive control: selfSigned).
  const own = planConfig({ ...cmConfig(), spec: { ...cmConfig().spec, issuer: { selfSigned: {} } } }).components.find((c) => c.name === 'registry')!;
  t.falsy(own.certManager);
  t.deepEqual(own.workload!.env, registry.workload!.env);
  t.deepEqual(own.workload!.volumeMounts, registry.workload!.volumeMounts);
  const files = (w: typeof v) => (w.secret?.items ?? w.projected!.sources!.flatMap((s) => s.secret!.items!)).map((i) => i.path).sort();
  t.deepEqual(files(v), files(own.workload!.volumes[0]!));
  t.deepEqual(own.entries.map((e) => e.key).sort(), [...registry.entries, ...registry.certManager!.secretKeys].map((e) => e.key).sort());
  // An fsGroup pod gets 0440 on the projected volume too.
  t.is(withPodSecurity(registry.workload!, { podSecurityContext: { fsGroup: 1000 } }).workload.volumes[0]!.projected?.defaultMode, 0o440);
});

test('the PKCS12 key store (hono-0.5, ECDSA) comes from cert-manager, with the store password Secret', (t) => {
  const plan = planConfig(cmConfig('hono-0.5'));
  const server = plan.components.find((c) => c.certManager?.secretKeys.some((e) => e.key === 'keystore.p12'));
  t.truthy(server, 'some hono-0.5 component reads a PKCS12 key store');
  t.false(server!.entries.some((e) => e.key === 'keystore.p12'));
  const cert = desiredCertificate(plan, server!, owner, meta);
  t.deepEqual(cert.spec?.keystores, { pkcs12: { create: true, profile: 'Modern2023', passwordSecretRef: { name: 'hono-store-password', key: 'password' } } });
  // Without a key store, none is asked for.
  t.falsy(desiredCertificate(plan, plan.components.find((c) => c.name === 'consumer')!, owner, meta).spec?.keystores);
});

test('the Certificate: SANs, usages, subject, key, duration and renewBefore from the plan; owned; labels on it and its Secret', (t) => {
  const plan = planConfig(cmConfig());
  const auth = plan.components.find((c) => c.name === 'auth')!;
  const cert = desiredCertificate(plan, auth, owner, meta);
  t.is(cert.apiVersion, 'cert-manager.io/v1');
  t.is(cert.kind, 'Certificate');
  t.deepEqual(cert.metadata, { name: 'hono-auth', namespace: 'hono', labels: meta.labels, annotations: meta.annotations, ownerReferences: [owner] });
  t.deepEqual(cert.spec, {
    secretName: 'hono-auth-cm-tls',
    secretTemplate: meta,
    issuerRef: { name: 'corp', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    commonName: 'hono-service-auth',
    subject: { organizations: ['ACME'], organizationalUnits: ['IoT'] },
    dnsNames: auth.certificate.dnsNames,
    ipAddresses: ['10.0.0.7'],
    usages: ['digital signature', 'server auth', 'client auth'],
    privateKey: { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8', rotationPolicy: 'Always' },
    duration: '2160h',
    renewBefore: '90m',
    revisionHistoryLimit: 2,
  });
  const router = desiredCertificate(plan, plan.components.find((c) => c.name === 'router')!, owner, meta);
  t.deepEqual(router.spec?.usages, ['digital signature', 'key encipherment', 'server auth', 'client auth']);
  t.like(router.spec?.privateKey, { algorithm: 'RSA', size: 3072 });
  t.falsy(router.spec?.ipAddresses);
  // Only a certManager plan has Certificates.
  const own = planConfig({ ...cmConfig(), spec: { ...cmConfig().spec, issuer: { selfSigned: {} } } });
  t.throws(() => desiredCertificate(own, own.components[0]!, owner, meta));
});

test('certificateMatches: the plan\'s fields in place match; an edited field or a lost label does not; fields others add are left alone', (t) => {
  const plan = planConfig(cmConfig());
  const desired = desiredCertificate(plan, plan.components[0]!, owner, meta);
  const stored = structuredClone(desired);
  t.true(certificateMatches(desired, stored));
  t.true(certificateMatches(desired, { ...stored, spec: { ...stored.spec!, emailAddresses: ['x@example.org'] } }));
  t.false(certificateMatches(desired, { ...stored, spec: { ...stored.spec!, duration: '1h' } }));
  t.false(certificateMatches(desired, { ...stored, spec: { ...stored.spec!, dnsNames: ['evil.example'] } }));
  t.false(certificateMatches(desired, { ...stored, metadata: { ...stored.metadata, labels: {} } }));
});

test('formatGoDuration gives back what parseGoDuration reads', (t) => {
  for (const s of ['2160h', '90m', '45s', '1h']) t.is(formatGoDuration(parseGoDuration(s)), s);
  t.is(formatGoDuration(parseGoDuration('1h30m')), '90m');
});
