// The PKCS#12 MAC KDF (RFC 7292 B.2) on node:crypto, checked against independent implementations:
// OpenSSL's own `pkcs12 -export -macalg sha256` output and pkijs's pure-JS KDF.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as asn1js from 'asn1js';
import { CertificateAuthority, pkcs12KeyStore, pkcs12TrustStore } from '../../../operator/pki/index.js';
import { pkijs } from '../../../operator/pki/crypto.js';
import { pkcs12Mac } from '../../../operator/pki/stores/pkcs12-mac.js';
import { PKCS12_MAC_ITERATIONS } from '../../../operator/pki/stores/pkcs12.js';
import { systemClock } from '../../../operator/runtime/clock.js';
import { run } from './fixtures.js';

const ca = CertificateAuthority.createSelfSigned(
  { commonName: 'MAC Test CA', intermediate: false, durationMs: 864e5, privateKey: { algorithm: 'ECDSA', size: 256 } },
  systemClock,
);

function macParts(der: Buffer) {
  const pfx = pkijs.PFX.fromBER(der);
  const mac = pfx.macData!;
  return {
    pfx,
    salt: new Uint8Array(mac.macSalt.valueBlock.valueHexView),
    iterations: mac.iterations ?? 1,
    digest: Buffer.from(mac.mac.digest.valueBlock.valueHexView),
    digestOid: mac.mac.digestAlgorithm.algorithmId,
    digestParams: mac.mac.digestAlgorithm.algorithmParams,
    data: new Uint8Array((pfx.authSafe.content as asn1js.OctetString).getValue()),
  };
}

test('MAC key derivation reproduces the MAC OpenSSL wrote (-macalg sha256, its salt and iteration count)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pkcs12-mac-'));
  const cert = join(dir, 'ca.pem');
  const out = join(dir, 'ossl.p12');
  await writeFile(cert, (await ca).trustBundlePem);
  const password = 'Open Sesame 42!';
  const r = await run('openssl', ['pkcs12', '-export', '-nokeys', '-in', cert, '-macalg', 'sha256', '-iter', '3001', '-passout', `pass:${password}`, '-out', out]);
  t.is(r.code, 0, r.stderr);
  const m = macParts(await readFile(out));
  t.is(m.digestOid, '2.16.840.1.101.3.4.2.1');
  t.is(m.iterations, 3001);
  t.true(m.salt.length >= 8);
  t.deepEqual(pkcs12Mac(password, m.salt, m.iterations, m.data), m.digest);
  t.notDeepEqual(pkcs12Mac(password + 'x', m.salt, m.iterations, m.data), m.digest, 'wrong password, wrong MAC');
  t.notDeepEqual(pkcs12Mac(password, m.salt, m.iterations - 1, m.data), m.digest, 'every iteration counts');
});

test('MAC key derivation equals pkijs (pure-JS KDF) for the same salt, with salt and password longer than a block', async (t) => {
  const engine = pkijs.getCrypto(true);
  const salt = new Uint8Array(Array.from({ length: 70 }, (_, i) => (i * 37 + 11) & 0xff)); // longer than one 64-byte block
  const data = new TextEncoder().encode('authenticated safe bytes');
  const password = 'p'.repeat(40); // BMPString spans two blocks
  const ours = pkcs12Mac(password, salt, 1000, data);
  const theirs = Buffer.from(
    await engine.stampDataWithPassword({
      password: new TextEncoder().encode(password).buffer as ArrayBuffer,
      hashAlgorithm: 'SHA-256',
      salt: salt.buffer as ArrayBuffer,
      iterationCount: 1000,
      contentToStamp: data.buffer as ArrayBuffer,
    }),
  );
  t.deepEqual(ours, theirs);
});

test('our stores carry a SHA-256 MAC (NULL params, 20-byte salt) that pkijs verifies and a wrong password fails', async (t) => {
  const c = await ca;
  const leaf = await c.issue({ subject: { commonName: 'k' }, dnsNames: ['k'], ipAddresses: [], usage: 'server', privateKey: { algorithm: 'ECDSA', size: 256 }, durationMs: 864e5 });
  const stores = [
    await pkcs12TrustStore(c.trustBundlePem, 'pw-trust'),
    await pkcs12KeyStore({ keyPem: leaf.keyPem, chainPem: leaf.chainPem, password: 'pw-trust', alias: 'k' }),
  ];
  for (const der of stores) {
    const m = macParts(der);
    t.is(m.digestOid, '2.16.840.1.101.3.4.2.1');
    t.true(m.digestParams instanceof asn1js.Null);
    t.is(m.salt.length, 20);
    t.is(m.iterations, PKCS12_MAC_ITERATIONS);
    await t.notThrowsAsync(pkijs.PFX.fromBER(der).parseInternalValues({ password: new TextEncoder().encode('pw-trust').buffer as ArrayBuffer }));
    await t.throwsAsync(pkijs.PFX.fromBER(der).parseInternalValues({ password: new TextEncoder().encode('pw-wrong').buffer as ArrayBuffer }), { message: /Integrity/ });
  }
});
