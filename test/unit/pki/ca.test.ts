// The CA and its leaves, checked field by field; a brought-in CA made by openssl; Secret round trip.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { x509 } from '../../../operator/pki/crypto.js';
import { CertificateAuthority, certificateInfo, fingerprint, NOT_BEFORE_BACKDATE_MS, parseCertificates, verifyChain } from '../../../operator/pki/index.js';
import { ManualClock, systemClock } from '../../../operator/runtime/clock.js';
import { HONO_SUBJECT, run } from './fixtures.js';

const EC = { algorithm: 'ECDSA', size: 256 } as const;
const RSA = { algorithm: 'RSA', size: 2048 } as const;
const DAY = 864e5;
const NOW = new Date('2031-03-01T12:00:00Z');

const parsed = (pem: string) => new x509.X509Certificate(pem);

test('root + intermediate: leaf fields (serial, SKI/AKI, usages, validity, subject, chain without root)', async (t) => {
  const clock = new ManualClock(NOW);
  const ca = await CertificateAuthority.createSelfSigned({ commonName: 'Hono CA', intermediate: true, durationMs: 365 * DAY, privateKey: EC }, clock);
  const bundle = parseCertificates(ca.trustBundlePem);
  t.is(bundle.length, 2);
  t.regex(bundle[1]!.subject, /CN=Hono CA Root/);

  for (const [usage, eku] of [['server', ['1.3.6.1.5.5.7.3.1']], ['client', ['1.3.6.1.5.5.7.3.2']], ['both', ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']]] as const) {
    const leaf = await ca.issue({ subject: { ...HONO_SUBJECT, commonName: 'mqtt' }, dnsNames: ['Hono-Adapter-MQTT', 'hono-adapter-mqtt'], ipAddresses: ['10.0.0.1'], usage, privateKey: EC, durationMs: 30 * DAY });
    const cert = parsed(leaf.certPem);
    t.is(cert.subject, 'C=CA, L=Ottawa, O=Eclipse IoT, OU=Hono, CN=mqtt');
    t.is(cert.serialNumber.length, 32, '16 bytes');
    t.true(parseInt(cert.serialNumber.slice(0, 2), 16) < 0x80, 'positive');
    t.is(cert.notBefore.getTime(), NOW.getTime() - NOT_BEFORE_BACKDATE_MS);
    t.is(cert.notAfter.getTime(), NOW.getTime() + 30 * DAY);
    t.deepEqual(leaf.notAfter, cert.notAfter);
    const bc = cert.getExtension(x509.BasicConstraintsExtension)!;
    t.false(bc.ca);
    t.true(bc.critical);
    t.is(cert.getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.digitalSignature, 'EC: digitalSignature only');
    t.deepEqual([...cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages], [...eku]);
    const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId;
    t.is(aki, parsed(ca.signingCertPem).getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
    t.truthy(cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
    const info = certificateInfo(leaf.certPem);
    t.deepEqual(info.dnsNames, ['hono-adapter-mqtt'], 'lower-cased and de-duplicated');
    t.deepEqual(info.ipAddresses, ['10.0.0.1']);
    t.false(info.isCa);
    t.is(info.fingerprint, leaf.fingerprint);
    t.regex(leaf.fingerprint, /^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    const chain = parseCertificates(leaf.chainPem);
    t.is(chain.length, 2, 'leaf + intermediate');
    t.false(chain.some((c) => c.subject.includes('Root')), 'never the root');
    t.deepEqual(verifyChain(leaf.chainPem, ca.trustBundlePem, NOW), { ok: true, path: ['C=CA\nL=Ottawa\nO=Eclipse IoT\nOU=Hono\nCN=mqtt'.replaceAll('\n', ', '), 'CN=Hono CA'] });
    t.true(new X509Certificate(leaf.certPem).checkPrivateKey((await import('node:crypto')).createPrivateKey(leaf.keyPem)));
  }
  // Leaves cannot outlive the CA.
  const long = await ca.issue({ subject: { commonName: 'long' }, dnsNames: ['long'], ipAddresses: [], usage: 'server', privateKey: EC, durationMs: 1000 * DAY });
  t.deepEqual(long.notAfter, ca.notAfter);
});

test('single RSA root: keyEncipherment for server certs, chain is the leaf alone, verifyChain reports failures', async (t) => {
  const ca = await CertificateAuthority.createSelfSigned({ commonName: 'Solo', intermediate: false, durationMs: DAY, privateKey: RSA }, systemClock);
  t.is(parseCertificates(ca.trustBundlePem).length, 1);
  t.false('ca.crt' in ca.toSecretData());
  t.false('root.key' in ca.toSecretData());
  const leaf = await ca.issue({ subject: { commonName: 'srv' }, dnsNames: ['srv'], ipAddresses: [], usage: 'server', privateKey: RSA, durationMs: DAY });
  t.is(parsed(leaf.certPem).getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
  t.is(parseCertificates(leaf.chainPem).length, 1);
  t.true(verifyChain(leaf.chainPem, ca.trustBundlePem, new Date()).ok);
  const later = verifyChain(leaf.chainPem, ca.trustBundlePem, new Date(Date.now() + 2 * DAY));
  t.false(later.ok);
  t.regex((later as { reason: string }).reason, /is not valid at/);
  const other = await CertificateAuthority.createSelfSigned({ commonName: 'Other', intermediate: false, durationMs: DAY, privateKey: EC }, systemClock);
  const foreign = verifyChain(leaf.chainPem, other.trustBundlePem, new Date());
  t.false(foreign.ok);
  t.regex((foreign as { reason: string }).reason, /no issuer of "CN=srv" \(issuer "CN=Solo"\)/);
});

test('Secret round trip: a reloaded CA keeps its identity and issues leaves that verify; an existing key is reused', async (t) => {
  const ca = await CertificateAuthority.createSelfSigned({ commonName: 'Persist', intermediate: true, durationMs: DAY, privateKey: EC }, systemClock);
  const data = ca.toSecretData();
  t.deepEqual(Object.keys(data).sort(), ['ca.crt', 'root.key', 'tls.crt', 'tls.key']);
  const again = await CertificateAuthority.fromSecretData(data, systemClock);
  t.is(again.fingerprint, ca.fingerprint);
  t.is(again.trustBundlePem, ca.trustBundlePem);
  t.deepEqual(again.toSecretData(), data);
  const first = await again.issue({ subject: { commonName: 'a' }, dnsNames: ['a'], ipAddresses: [], usage: 'both', privateKey: EC, durationMs: DAY });
  t.true(verifyChain(first.chainPem, ca.trustBundlePem, new Date()).ok);
  const renewed = await again.issue({ subject: { commonName: 'a' }, dnsNames: ['a'], ipAddresses: [], usage: 'both', privateKey: EC, durationMs: DAY, existingKeyPem: first.keyPem });
  t.is(renewed.keyPem, first.keyPem);
  t.not(renewed.fingerprint, first.fingerprint);
  t.is(fingerprint(ca.signingCertPem), ca.fingerprint);
});

test('a brought-in CA made by openssl (root -> intermediate, PKCS1/SEC1 keys) is validated and issues verifiable leaves', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pki-byo-'));
  const p = (n: string) => join(dir, n);
  const sh = async (args: string[]) => {
    const r = await run('openssl', args);
    t.is(r.code, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
  };
  await sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', p('root.key'), '-out', p('root.crt'), '-subj', '/O=Corp/CN=Corp Root', '-days', '10',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await sh(['genrsa', '-traditional', '-out', p('int.key'), '2048']);
  await sh(['req', '-new', '-key', p('int.key'), '-out', p('int.csr'), '-subj', '/O=Corp/CN=Corp Issuing']);
  const ext = p('ext.cnf');
  await (await import('node:fs/promises')).writeFile(ext, 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  await sh(['x509', '-req', '-in', p('int.csr'), '-CA', p('root.crt'), '-CAkey', p('root.key'), '-CAcreateserial', '-out', p('int.crt'), '-days', '5', '-extfile', ext]);
  const [certPem, keyPem, chainPem] = (await Promise.all(['int.crt', 'int.key', 'root.crt'].map((n) => readFile(p(n), 'utf8')))) as [string, string, string];
  t.regex(keyPem, /BEGIN RSA PRIVATE KEY/);
  const ca = await CertificateAuthority.fromPem({ certPem, keyPem, chainPem }, systemClock);
  t.is(ca.keySpec.size, 2048);
  t.is(parseCertificates(ca.trustBundlePem).length, 2);
  t.regex(ca.toSecretData()['tls.key']!, /BEGIN PRIVATE KEY/, 'stored as PKCS8');
  const leaf = await ca.issue({ subject: { commonName: 'reg', organization: 'Corp' }, dnsNames: ['hono-service-device-registry'], ipAddresses: [], usage: 'server', privateKey: EC, durationMs: 30 * DAY });
  t.true(leaf.notAfter <= ca.notAfter, 'clamped to the intermediate');
  await (await import('node:fs/promises')).writeFile(p('leaf.crt'), leaf.certPem);
  const ok = await run('openssl', ['verify', '-x509_strict', '-CAfile', p('root.crt'), '-untrusted', p('int.crt'), '-purpose', 'sslserver', p('leaf.crt')]);
  t.is(ok.code, 0, ok.stderr);
});
