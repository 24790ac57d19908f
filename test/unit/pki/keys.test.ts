// Every supported key spec: generated in parallel off the event loop, PKCS8 PEM, read back with the same spec;
// a P-384 CA signs with ECDSA-SHA384 and OpenSSL verifies the result.
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { CertificateAuthority, generateKey, parsePrivateKey, type PrivateKeySpec } from '../../../operator/pki/index.js';
import { systemClock } from '../../../operator/runtime/clock.js';
import { run } from './fixtures.js';

const SPECS: PrivateKeySpec[] = [
  { algorithm: 'ECDSA', size: 256 },
  { algorithm: 'ECDSA', size: 384 },
  { algorithm: 'RSA', size: 2048 },
  { algorithm: 'RSA', size: 3072 },
  { algorithm: 'RSA', size: 4096 },
];

test('generateKey: all supported specs, in parallel, unencrypted PKCS8 PEM that parses back to the same spec', async (t) => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const pems = await Promise.all(SPECS.map((s) => generateKey(s)));
  clearInterval(timer);
  t.true(ticks > 0, 'the event loop kept running while keys were generated');
  pems.forEach((pem, i) => {
    t.regex(pem, /^-----BEGIN PRIVATE KEY-----\n/);
    t.notRegex(pem, /ENCRYPTED/);
    t.deepEqual(parsePrivateKey(pem).spec, SPECS[i]);
    t.is(createPrivateKey(pem).asymmetricKeyType, SPECS[i]!.algorithm === 'ECDSA' ? 'ec' : 'rsa');
  });
});

test('a P-384 CA signs with ecdsa-with-SHA384 and OpenSSL verifies its leaves', async (t) => {
  const p384 = { algorithm: 'ECDSA', size: 384 } as const;
  const ca = await CertificateAuthority.createSelfSigned({ commonName: 'P384 CA', intermediate: true, durationMs: 864e5, privateKey: p384 }, systemClock);
  const leaf = await ca.issue({ subject: { commonName: 'amqp' }, dnsNames: ['hono-adapter-amqp'], ipAddresses: [], usage: 'server', privateKey: p384, durationMs: 864e5 });
  const dir = await mkdtemp(join(tmpdir(), 'pki-p384-'));
  await Promise.all([writeFile(join(dir, 'bundle.pem'), ca.trustBundlePem), writeFile(join(dir, 'chain.pem'), leaf.chainPem), writeFile(join(dir, 'leaf.pem'), leaf.certPem)]);
  const v = await run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, 'bundle.pem'), '-untrusted', join(dir, 'chain.pem'), join(dir, 'leaf.pem')]);
  t.is(v.code, 0, v.stderr);
  const text = await run('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text']);
  t.regex(text.stdout, /Signature Algorithm: ecdsa-with-SHA384/);
  t.regex(text.stdout, /NIST CURVE: P-384/);
});
