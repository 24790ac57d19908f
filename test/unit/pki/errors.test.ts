// Bad input gets a typed PkiError whose message names the problem and the fix, never key material.
import test from 'ava';
import { CertificateAuthority, generateKey, isPkiError, PkiError, type PkiErrorCode } from '../../../operator/pki/index.js';
import { ManualClock, systemClock } from '../../../operator/runtime/clock.js';
import { run } from './fixtures.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const EC = { algorithm: 'ECDSA', size: 256 } as const;
const DAY = 864e5;

async function expectPkiError(t: import('ava').ExecutionContext, p: Promise<unknown> | (() => unknown), code: PkiErrorCode, message: RegExp) {
  const err = await t.throwsAsync(async () => (typeof p === 'function' ? p() : p));
  t.true(isPkiError(err, code), `expected ${code}, got ${(err as PkiError)?.code}: ${err?.message}`);
  t.regex(err!.message, message);
  t.notRegex(err!.message, /PRIVATE KEY|MII[A-Za-z0-9+/]{20}/, 'no key material in messages');
  return err as PkiError;
}

const rootCa = (clock = systemClock) => CertificateAuthority.createSelfSigned({ commonName: 'Errors CA', intermediate: true, durationMs: DAY, privateKey: EC }, clock);
const leafRequest = { subject: { commonName: 'x' }, dnsNames: ['x'], ipAddresses: [], usage: 'server' as const, privateKey: EC, durationMs: DAY };

test('malformed PEM: garbage certificate and key text', async (t) => {
  const ca = await rootCa();
  const data = ca.toSecretData();
  await expectPkiError(t, CertificateAuthority.fromPem({ certPem: 'not a certificate', keyPem: data['tls.key']! }, systemClock), 'MALFORMED_PEM', /tls\.crt: no "-----BEGIN CERTIFICATE-----" block/);
  const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  await expectPkiError(t, CertificateAuthority.fromPem({ certPem: broken, keyPem: data['tls.key']! }, systemClock), 'MALFORMED_PEM', /does not decode as X\.509/);
  const badKey = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
  await expectPkiError(t, CertificateAuthority.fromPem({ certPem: data['tls.crt']!, keyPem: badKey }, systemClock), 'MALFORMED_PEM', /tls\.key: .*could not be decoded/);
});

test('a CA without CA:true is refused (a leaf brought in as CA)', async (t) => {
  const ca = await rootCa();
  const leaf = await ca.issue(leafRequest);
  const err = await expectPkiError(t, CertificateAuthority.fromPem({ certPem: leaf.certPem, keyPem: leaf.keyPem, chainPem: ca.trustBundlePem }, systemClock), 'NOT_A_CA', /"CN=x" is not a CA certificate \(basicConstraints CA:true is missing\)/);
  t.is(err.field, 'tls.crt');
});

test('an expired CA is refused at load and at issue time (ManualClock)', async (t) => {
  const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
  const ca = await rootCa(clock);
  clock.advance(2 * DAY);
  await expectPkiError(t, ca.issue(leafRequest), 'CA_EXPIRED', /expired at 2030-01-02T00:00:00\.000Z; renew it or bring in a current CA/);
  await expectPkiError(t, CertificateAuthority.fromSecretData(ca.toSecretData(), clock), 'CA_EXPIRED', /expired at/);
});

test('key/certificate mismatch is refused', async (t) => {
  const [a, b] = await Promise.all([rootCa(), rootCa()]);
  const err = await expectPkiError(t, CertificateAuthority.fromPem({ certPem: a.signingCertPem, keyPem: b.toSecretData()['tls.key']!, chainPem: a.toSecretData()['ca.crt'] }, systemClock), 'KEY_MISMATCH', /private key does not belong to the certificate/);
  t.is(err.field, 'tls.key');
});

test('unsupported algorithm or size is refused', async (t) => {
  await expectPkiError(t, generateKey({ algorithm: 'ECDSA', size: 521 }), 'UNSUPPORTED_KEY', /ECDSA size 521 is not supported; use 256 \(P-256\) or 384 \(P-384\)/);
  await expectPkiError(t, generateKey({ algorithm: 'RSA', size: 1024 }), 'UNSUPPORTED_KEY', /RSA size 1024 is not supported; use 2048, 3072 or 4096/);
  await expectPkiError(t, generateKey({ algorithm: 'Ed25519' as 'RSA', size: 256 }), 'UNSUPPORTED_KEY', /algorithm "Ed25519" is not supported; use ECDSA or RSA/);
  // A brought-in CA with an Ed25519 key made by openssl.
  const dir = await mkdtemp(join(tmpdir(), 'pki-ed-'));
  const r = await run('openssl', ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=ed', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE']);
  t.is(r.code, 0, r.stderr);
  const [certPem, keyPem] = await Promise.all([readFile(join(dir, 'c.pem'), 'utf8'), readFile(join(dir, 'k.pem'), 'utf8')]);
  await expectPkiError(t, CertificateAuthority.fromPem({ certPem, keyPem }, systemClock), 'UNSUPPORTED_KEY', /key type ed25519 is not supported/);
});

test('invalid DNS names are refused, naming the entry', async (t) => {
  const ca = await rootCa();
  const err = await expectPkiError(t, ca.issue({ ...leafRequest, dnsNames: ['hono-service-auth', 'bad_name.hono'] }), 'INVALID_DNS_NAME', /"bad_name\.hono" is not a valid DNS name/);
  t.is(err.field, 'dnsNames[1]');
  await expectPkiError(t, ca.issue({ ...leafRequest, dnsNames: ['a..b'] }), 'INVALID_DNS_NAME', /"a\.\.b"/);
  await expectPkiError(t, ca.issue({ ...leafRequest, dnsNames: ['-lead.example'] }), 'INVALID_DNS_NAME', /-lead/);
  await expectPkiError(t, ca.issue({ ...leafRequest, dnsNames: ['x'.repeat(64) + '.example'] }), 'INVALID_DNS_NAME', /labels of 1-63/);
  await expectPkiError(t, ca.issue({ ...leafRequest, ipAddresses: ['300.1.1.1'] }), 'INVALID_IP_ADDRESS', /"300\.1\.1\.1" is not an IPv4 or IPv6 address/);
});

test('an incomplete chain is refused, naming the missing issuer', async (t) => {
  const ca = await rootCa();
  const data = ca.toSecretData();
  const err = await expectPkiError(t, CertificateAuthority.fromPem({ certPem: data['tls.crt']!, keyPem: data['tls.key']! }, systemClock), 'INCOMPLETE_CHAIN', /the issuer "CN=Errors CA Root" of "CN=Errors CA" is missing; put every certificate above the CA, up to its self-signed root, into ca\.crt/);
  t.is(err.field, 'ca.crt');
});

test('a non-ASCII PKCS12 password is refused (Java cannot open such stores)', async (t) => {
  const { pkcs12TrustStore } = await import('../../../operator/pki/index.js');
  const ca = await rootCa();
  await expectPkiError(t, pkcs12TrustStore(ca.trustBundlePem, 'pässword'), 'UNSUPPORTED_PASSWORD', /must be printable ASCII/);
});
