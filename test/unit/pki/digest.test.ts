// Stable regeneration: the store digest depends only on the inputs, never on the (salted) store bytes.
import test from 'ava';
import { CertificateAuthority, jksTrustStore, pkcs12TrustStore, storeInputDigest } from '../../../operator/pki/index.js';
import { systemClock } from '../../../operator/runtime/clock.js';

const EC = { algorithm: 'ECDSA', size: 256 } as const;
const cas = Promise.all([1, 2].map(() => CertificateAuthority.createSelfSigned({ commonName: 'Digest CA', intermediate: true, durationMs: 864e5, privateKey: EC }, systemClock)));

test('same inputs give the same digest, while the store bytes differ (random salts)', async (t) => {
  const [ca] = await cas;
  const inputs = { format: 'pkcs12' as const, certsPem: ca!.trustBundlePem, password: 'pw' };
  t.is(await storeInputDigest(inputs), await storeInputDigest({ ...inputs }));
  // PEM layout does not matter: the certificates enter as DER.
  t.is(await storeInputDigest(inputs), await storeInputDigest({ ...inputs, certsPem: '\n\n' + ca!.trustBundlePem.replaceAll('\n', '\r\n') }));
  const [a, b] = await Promise.all([pkcs12TrustStore(ca!.trustBundlePem, 'pw'), pkcs12TrustStore(ca!.trustBundlePem, 'pw')]);
  t.false(a.equals(b));
});

test('a changed certificate, password, format, alias or key changes the digest', async (t) => {
  const [ca, other] = await cas;
  const base = { format: 'pkcs12' as const, certsPem: ca!.trustBundlePem, password: 'pw' };
  const d = await storeInputDigest(base);
  t.regex(d, /^[0-9a-f]{64}$/);
  const variants = await Promise.all([
    storeInputDigest({ ...base, certsPem: other!.trustBundlePem }),
    storeInputDigest({ ...base, password: 'pw2' }),
    storeInputDigest({ ...base, format: 'jks' }),
    storeInputDigest({ ...base, alias: 'x' }),
    storeInputDigest({ ...base, password: undefined }),
  ]);
  for (const v of variants) t.not(v, d);
  t.is(new Set(variants).size, variants.length);

  const leaf = await ca!.issue({ subject: { commonName: 'k' }, dnsNames: ['k'], ipAddresses: [], usage: 'server', privateKey: EC, durationMs: 864e5 });
  const ks = { format: 'pkcs12-keystore' as const, certsPem: leaf.chainPem, password: 'pw', alias: 'k', keyPem: leaf.keyPem };
  const otherKey = (await ca!.issue({ subject: { commonName: 'k' }, dnsNames: ['k'], ipAddresses: [], usage: 'server', privateKey: EC, durationMs: 864e5 })).keyPem;
  t.not(await storeInputDigest(ks), await storeInputDigest({ ...ks, keyPem: otherKey }));
});

test('the digest does not carry the password in clear', async (t) => {
  const [ca] = await cas;
  const d = await storeInputDigest({ format: 'jks', certsPem: ca!.trustBundlePem, password: 'honotrust' });
  t.false(d.includes(Buffer.from('honotrust').toString('hex')));
});

test('JKS bytes are a pure function of the inputs (entry dates come from the certificates)', async (t) => {
  const [ca, other] = await cas;
  t.true(jksTrustStore(ca!.trustBundlePem, 'pw').equals(jksTrustStore(ca!.trustBundlePem, 'pw')));
  t.false(jksTrustStore(ca!.trustBundlePem, 'pw').equals(jksTrustStore(ca!.trustBundlePem, 'pw2')));
  t.false(jksTrustStore(ca!.trustBundlePem, 'pw').equals(jksTrustStore(other!.trustBundlePem, 'pw')));
});
