// OpenSSL as the real peer: chain verification, hostname/IP checks, and reading the PKCS#12 stores.
import test from 'ava';
import { ALGORITHMS, makeMaterial, run, SERVER_DNS, SERVER_IPS } from './fixtures.js';

for (const { label, spec } of ALGORITHMS) {
  const material = makeMaterial(spec);

  test(`${label}: openssl verify accepts server and client chains against the bundle, with the right purpose`, async (t) => {
    const { f } = await material;
    for (const [cert, purpose] of [[f.serverCert, 'sslserver'], [f.clientCert, 'sslclient']] as const) {
      const r = await run('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', f.bundle, '-untrusted', f.intermediates, cert]);
      t.is(r.code, 0, r.stderr + r.stdout);
      t.regex(r.stdout, /: OK/);
    }
    // OpenSSL wants the self-signed root in the CA file: the intermediate alone is no anchor (no partial chains),
    // which is why the trust bundle carries the root too.
    const rootOnly = await run('openssl', ['verify', '-CAfile', f.intermediates, f.serverCert]);
    t.not(rootOnly.code, 0);
  });

  test(`${label}: openssl x509 -checkhost/-checkip accept every SAN and refuse other names`, async (t) => {
    const { f } = await material;
    // openssl x509 keeps only the last -checkhost/-checkip, so one run per name.
    const check = async (flag: string, value: string) => (await run('openssl', ['x509', '-in', f.serverCert, '-noout', flag, value])).stdout;
    for (const name of SERVER_DNS) t.regex(await check('-checkhost', name), new RegExp(`Hostname ${name} does match`));
    for (const ip of SERVER_IPS) t.true((await check('-checkip', ip)).includes(`IP ${ip} does match`));
    t.regex(await check('-checkhost', 'hono-service-device-registry'), /does NOT match/);
    t.regex(await check('-checkhost', 'evil-hono-service-auth'), /does NOT match/);
    t.regex(await check('-checkip', '10.9.9.9'), /does NOT match/);
  });

  test(`${label}: openssl pkcs12 reads the trust and key stores with the right password and refuses a wrong one`, async (t) => {
    const { f } = await material;
    const trust = await run('openssl', ['pkcs12', '-info', '-nokeys', '-in', f.trustP12, '-passin', `file:${f.trustPassword}`]);
    t.is(trust.code, 0, trust.stderr);
    t.regex(trust.stderr + trust.stdout, /MAC: sha256/);
    t.regex(trust.stderr + trust.stdout, /PBES2, PBKDF2, AES-256-CBC/);
    t.is((trust.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    t.is((trust.stdout.match(/2\.16\.840\.1\.113894\.746875\.1\.1/g) ?? []).length, 2, 'every cert bag carries the Java trusted-usage attribute');

    const key = await run('openssl', ['pkcs12', '-info', '-nodes', '-in', f.serverKs, '-passin', `file:${f.keyPassword}`]);
    t.is(key.code, 0, key.stderr);
    t.regex(key.stderr + key.stdout, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
    t.is((key.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length, 2, 'leaf + intermediate, no root');
    t.is((key.stdout.match(/BEGIN PRIVATE KEY/g) ?? []).length, 1);
    t.is((key.stdout.match(/localKeyID/g) ?? []).length, 2, 'key and leaf are paired by localKeyID');

    for (const store of [f.trustP12, f.serverKs]) {
      const wrong = await run('openssl', ['pkcs12', '-info', '-nokeys', '-in', store, '-passin', `file:${f.wrongPassword}`]);
      t.not(wrong.code, 0);
      t.regex(wrong.stderr, /mac verify|invalid password/i);
    }
  });
}
