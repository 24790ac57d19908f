// Names in and out of certificates: IP addresses in every notation become the same bytes,
// subject values are written as typed strings (never parsed from DN text), and OpenSSL reads
// back exactly the value that was asked for.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority } from '../../../operator/pki/ca.js';
import { certificateNames } from '../../../operator/pki/inspect.js';
import yaml from 'js-yaml';
import { SUBJECT_ATTRIBUTES, canonicalIp, ipBytes, subjectAttributes, subjectValueProblem, validateIpAddresses } from '../../../operator/pki/names.js';
import { isPkiError } from '../../../operator/pki/errors.js';
import { systemClock } from '../../../operator/runtime/clock.js';
import { run } from './fixtures.js';

const hex = (ip: string) => ipBytes(ip)?.toString('hex');

test('IPv4 and IPv6 in every notation give the bytes a SAN carries', (t) => {
  t.is(hex('1.2.3.4'), '01020304');
  t.is(hex('0.0.0.0'), '00000000');
  t.is(hex('255.255.255.255'), 'ffffffff');
  const loopback = '00000000000000000000000000000001';
  for (const s of ['::1', '0:0::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '::0:1', '0::1']) t.is(hex(s), loopback, s);
  t.is(hex('::'), '0'.repeat(32));
  const mapped = '00000000000000000000ffff01020304';
  for (const s of ['::ffff:1.2.3.4', '::FFFF:1.2.3.4', '0:0:0:0:0:ffff:102:304', '::ffff:0102:0304']) t.is(hex(s), mapped, s);
  t.is(hex('2001:DB8::8:800:200C:417A'), '20010db80000000000080800200c417a');
  t.is(hex('2001:db8:0:0:1::1'), '20010db8000000000001000000000001');
  t.is(hex('1::'), '00010000000000000000000000000000');
  t.is(hex('::1.2.3.4'), '00000000000000000000000001020304');
  for (const bad of ['01.2.3.4', '1.2.3', '1.2.3.4.', '256.1.1.1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', ':::', 'localhost', '', '::ffff:1.2.3.256']) {
    t.is(ipBytes(bad), undefined, bad);
  }
});

test('canonical IP text reads back to the same bytes, and validation de-duplicates by bytes', (t) => {
  for (const s of ['::1', '::ffff:1.2.3.4', '2001:db8::1', '10.0.0.1', 'fe80::']) t.is(hex(canonicalIp(ipBytes(s)!)), hex(s));
  t.deepEqual(validateIpAddresses(['::1', '0:0::1', '127.0.0.1', '0:0:0:0:0:0:0:1']), ['0:0:0:0:0:0:0:1', '127.0.0.1']);
  const err = t.throws(() => validateIpAddresses(['10.0.0.1', 'fe80::1%eth0']));
  t.true(isPkiError(err, 'INVALID_IP_ADDRESS'));
  t.regex(err!.message, /^ipAddresses\[1\]: .*no zone id/);
});

test('subject values that would not come back unchanged are refused, naming the field and the fix', (t) => {
  t.is(subjectValueProblem('organization', 'Acme, "Best" IoT; <a+b=c> \\ # ☃ 😀'), undefined);
  t.is(subjectValueProblem('organization', ' leading and trailing '), undefined);
  t.is(subjectValueProblem('organization', 'é'.repeat(64)), undefined, '64 characters, 128 bytes');
  t.regex(subjectValueProblem('organization', 'é'.repeat(65))!, /65 characters; X\.520 allows at most 64: shorten it/);
  t.is(subjectValueProblem('locality', 'x'.repeat(128)), undefined);
  t.regex(subjectValueProblem('locality', 'x'.repeat(129))!, /at most 128/);
  for (const c of ['\n', '\r', '\t', '\0', '\x7f', '\u0085']) t.regex(subjectValueProblem('organizationalUnit', `a${c}b`)!, /control character.*one line/);
  t.regex(subjectValueProblem('organization', '')!, /empty; set a value or leave the field out/);
  t.regex(subjectValueProblem('organization', 'a\ud800b')!, /lone surrogate/);
  t.regex(subjectValueProblem('country', 'ca')!, /two-letter ISO 3166/);
  const err = t.throws(() => subjectAttributes({ commonName: 'x', organization: 'a\nb' }, 'spec.components[0].subject'));
  t.regex(err!.message, /^spec\.components\[0\]\.subject\.organization: organization contains a control character/);
});

const AWKWARD = [
  'Acme "Best" IoT',
  '#130541444d494e',
  'Acme, Inc.',
  ' lead+trail ',
  'Zürich ☃ 😀',
  'a\\b;c<d>e=f',
];

test('issued subjects hold exactly the requested values: parsed back by OID, and as OpenSSL prints them', async (t) => {
  const ca = await CertificateAuthority.createSelfSigned({ commonName: 'names CA', intermediate: false, durationMs: 86400_000, privateKey: { algorithm: 'ECDSA', size: 256 } }, systemClock);
  const dir = tmpdir();
  for (const [i, o] of AWKWARD.entries()) {
    const leaf = await ca.issue({
      subject: { commonName: 'c', organization: o, organizationalUnit: AWKWARD[(i + 1) % AWKWARD.length], locality: o, country: 'CA' },
      dnsNames: ['c.example'],
      ipAddresses: ['::ffff:1.2.3.4'],
      usage: 'both',
      privateKey: { algorithm: 'ECDSA', size: 256 },
      durationMs: 3600_000,
    });
    const names = certificateNames(new X509Certificate(leaf.certPem).raw);
    t.deepEqual(names.subject, [
      { oid: '2.5.4.6', value: 'CA' },
      { oid: '2.5.4.7', value: o },
      { oid: '2.5.4.10', value: o },
      { oid: '2.5.4.11', value: AWKWARD[(i + 1) % AWKWARD.length] },
      { oid: '2.5.4.3', value: 'c' },
    ]);
    t.deepEqual(names.ipAddresses, ['00000000000000000000ffff01020304'], 'the IPv4-mapped address keeps its bytes');
    const file = join(dir, `names-${process.pid}-${i}.pem`);
    await writeFile(file, leaf.certPem);
    // One attribute per line, unescaped: the value OpenSSL decoded.
    const r = await run('openssl', ['x509', '-in', file, '-noout', '-subject', '-nameopt', 'utf8,sep_multiline,sname,-esc_msb,-esc_2253']);
    t.is(r.code, 0, r.stderr);
    t.true(r.stdout.split('\n').includes(`    O=${o}`), `${JSON.stringify(o)} in ${JSON.stringify(r.stdout)}`);
    if (o === 'Acme, Inc.' || o === '#130541444d494e' || o === 'Acme "Best" IoT') {
      const rfc = await run('openssl', ['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253']);
      const escaped = { 'Acme, Inc.': 'O=Acme\\, Inc.', '#130541444d494e': 'O=\\#130541444d494e', 'Acme "Best" IoT': 'O=Acme \\"Best\\" IoT' }[o];
      t.true(rfc.stdout.includes(`,${escaped},`), `${escaped} in ${rfc.stdout}`);
    }
  }
});

test('admission and issuing agree: both subject schemas of the CRD carry the bounds and the control-character rule the PKI applies', (t) => {
  const crd = yaml.load(readFileSync('crds/hono.eclipse.org_honotlsconfigs.yaml', 'utf8')) as any;
  const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
  const schemas = { 'spec.certificate.subject': spec.certificate.properties.subject, 'spec.components[].subject': spec.components.items.properties.subject };
  for (const [where, schema] of Object.entries(schemas) as [string, any][]) {
    t.deepEqual(Object.keys(schema.properties).sort(), SUBJECT_ATTRIBUTES.filter((a) => a.key !== 'commonName').map((a) => a.key).sort(), where);
    for (const a of SUBJECT_ATTRIBUTES) {
      if (a.key === 'commonName') continue;
      const p = schema.properties[a.key];
      if (a.key === 'country') {
        t.is(p.pattern, '^[A-Z]{2}$', `${where}.country`);
        continue;
      }
      t.is(p.minLength, 1, `${where}.${a.key}`);
      t.is(p.maxLength, a.max, `${where}.${a.key}`);
      t.deepEqual(p['x-kubernetes-validations'].map((v: { rule: string }) => v.rule), ["!self.matches('\\\\p{Cc}')"], `${where}.${a.key}`);
    }
  }
});
