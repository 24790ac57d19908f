import test from 'ava';
import { checkLeaf, type LeafWanted } from '../../../operator/controller/leaf-check.js';
import { CertificateAuthority } from '../../../operator/pki/ca.js';
import { ManualClock } from '../../../operator/runtime/clock.js';

const DAY = 24 * 3600 * 1000;

const wanted: LeafWanted = {
  subject: { commonName: 'auth', organization: 'Eclipse IoT', organizationalUnit: 'Hono' },
  dnsNames: ['hono-service-auth', 'hono-service-auth.hono'],
  ipAddresses: ['127.0.0.1'],
  usage: 'both',
  privateKey: { algorithm: 'ECDSA', size: 256 },
  durationMs: 90 * DAY,
  renewBeforeMs: 30 * DAY,
};

const caOpts = { commonName: 'hono-ca', intermediate: true, durationMs: 365 * DAY, privateKey: { algorithm: 'ECDSA', size: 256 } } as const;

async function setup() {
  // One clock per test: ava runs a file's tests concurrently.
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  const ca = await CertificateAuthority.createSelfSigned(caOpts, clock);
  const { renewBeforeMs: _r, ...req } = wanted;
  const leaf = await ca.issue(req);
  return { clock, ca, leaf, existing: { chainPem: leaf.chainPem, keyPem: leaf.keyPem } };
}

test('a fresh leaf matching the request is kept, with its renewal time', async (t) => {
  const { clock, ca, leaf, existing } = await setup();
  const v = checkLeaf(existing, wanted, ca.signingCertPem, clock.now());
  t.true(v.keep);
  if (v.keep) {
    t.is(v.notAfter.getTime(), leaf.notAfter.getTime());
    t.is(v.renewAt.getTime(), leaf.notAfter.getTime() - 30 * DAY);
  }
});

test('renewal is due at notAfter - renewBefore, not a second earlier', async (t) => {
  const { clock, ca, leaf, existing } = await setup();
  clock.set(new Date(leaf.notAfter.getTime() - 30 * DAY - 1000));
  t.true(checkLeaf(existing, wanted, ca.signingCertPem, clock.now()).keep);
  clock.advance(1000);
  t.deepEqual(checkLeaf(existing, wanted, ca.signingCertPem, clock.now()), { keep: false, reason: 'due for renewal' });
});

test('a leaf signed by another CA is re-issued', async (t) => {
  const { clock, existing } = await setup();
  const other = await CertificateAuthority.createSelfSigned(caOpts, clock);
  t.deepEqual(checkLeaf(existing, wanted, other.signingCertPem, clock.now()), { keep: false, reason: 'not signed by the current CA' });
});

test('changed SANs, subject, key spec or usage re-issue', async (t) => {
  const { clock, ca, existing } = await setup();
  const now = clock.now();
  const reason = (w: LeafWanted) => {
    const v = checkLeaf(existing, w, ca.signingCertPem, now);
    return v.keep ? 'keep' : v.reason;
  };
  t.is(reason({ ...wanted, dnsNames: [...wanted.dnsNames, 'extra.example'] }), 'dnsNames differ (missing: extra.example)');
  t.is(reason({ ...wanted, dnsNames: [...wanted.dnsNames].reverse() }), 'keep');
  t.is(reason({ ...wanted, ipAddresses: [] }), 'ipAddresses differ (extra: 127.0.0.1)');
  t.is(reason({ ...wanted, subject: { ...wanted.subject, organizationalUnit: 'Other' } }), 'subject OU (organizationalUnit) differs');
  t.is(reason({ ...wanted, privateKey: { algorithm: 'ECDSA', size: 384 } }), 'privateKey (algorithm or size) differs');
  t.is(reason({ ...wanted, privateKey: { algorithm: 'RSA', size: 2048 } }), 'privateKey (algorithm or size) differs');
  t.is(reason({ ...wanted, usage: 'server' }), 'usage differs');
  t.is(reason({ ...wanted, durationMs: 10 * DAY }), 'keep'); // lifetime applies at the next renewal
});

test('missing, unreadable or mismatched material is re-issued', async (t) => {
  const { clock, ca, existing } = await setup();
  const now = clock.now();
  const other = await ca.issue({ ...wanted, dnsNames: ['x'] });
  t.false(checkLeaf({}, wanted, ca.signingCertPem, now).keep);
  t.false(checkLeaf({ chainPem: 'garbage', keyPem: existing.keyPem }, wanted, ca.signingCertPem, now).keep);
  t.deepEqual(checkLeaf({ chainPem: existing.chainPem, keyPem: other.keyPem }, wanted, ca.signingCertPem, now), {
    keep: false,
    reason: 'key does not match certificate',
  });
});

test('IP addresses compare as addresses: any notation of the issued bytes is kept, another address is not', async (t) => {
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  const ca = await CertificateAuthority.createSelfSigned(caOpts, clock);
  const w: LeafWanted = { ...wanted, ipAddresses: ['::1', '10.0.0.1', '::ffff:1.2.3.4', '2001:db8::8:800:200c:417a'] };
  const { renewBeforeMs: _r, ...req } = w;
  const leaf = await ca.issue(req);
  const existing = { chainPem: leaf.chainPem, keyPem: leaf.keyPem };
  const verdict = (ips: string[]) => {
    const v = checkLeaf(existing, { ...w, ipAddresses: ips }, ca.signingCertPem, clock.now());
    return v.keep ? 'keep' : v.reason;
  };
  t.is(verdict(w.ipAddresses), 'keep');
  t.is(verdict(['0:0::1', '10.0.0.1', '0:0:0:0:0:FFFF:0102:0304', '2001:DB8:0:0:8:800:200C:417A']), 'keep');
  t.is(verdict(['0000:0000:0000:0000:0000:0000:0000:0001', '::1', '10.0.0.1', '::ffff:102:304', '2001:db8::8:800:200c:417a']), 'keep', 'duplicates by bytes');
  t.is(verdict(['::2', '10.0.0.1', '::ffff:1.2.3.4', '2001:db8::8:800:200c:417a']), 'ipAddresses differ (missing: 0:0:0:0:0:0:0:2; extra: 0:0:0:0:0:0:0:1)');
  t.is(verdict(['::1', '10.0.0.1', '1.2.3.4', '2001:db8::8:800:200c:417a']), 'ipAddresses differ (missing: 1.2.3.4; extra: 0:0:0:0:0:ffff:102:304)', 'IPv4 is not its mapped IPv6 form');
});

test('subjects compare attribute by attribute: DN special characters, spaces and unicode are kept; a changed value names its field', async (t) => {
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  const ca = await CertificateAuthority.createSelfSigned(caOpts, clock);
  const values = ['Acme, Inc.', 'Acme "Best" IoT', '#130541444d494e', 'a+b=c;d<e>f\\g', ' padded ', 'Zürich ☃ 😀', 'x'.repeat(64)];
  for (const v of values) {
    const w: LeafWanted = { ...wanted, subject: { commonName: 'auth', organization: v, organizationalUnit: v, locality: v, country: 'CA' } };
    const { renewBeforeMs: _r, ...req } = w;
    const leaf = await ca.issue(req);
    const existing = { chainPem: leaf.chainPem, keyPem: leaf.keyPem };
    t.true(checkLeaf(existing, w, ca.signingCertPem, clock.now()).keep, JSON.stringify(v));
    const other = (s: Partial<LeafWanted['subject']>) => {
      const r = checkLeaf(existing, { ...w, subject: { ...w.subject, ...s } }, ca.signingCertPem, clock.now());
      return r.keep ? 'keep' : r.reason;
    };
    t.is(other({ organization: 'other' }), 'subject O (organization) differs');
    t.is(other({ locality: undefined }), 'subject attribute 2.5.4.7 is not requested');
    t.is(other({ country: 'DE' }), 'subject C (country) differs');
  }
});

test('a leaf cut short by its CA renews at 2/3 of its real life, never at once', async (t) => {
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  const ca = await CertificateAuthority.createSelfSigned(caOpts, clock);
  // The CA has 10 days left; the leaf asks for 90 with renewBefore 30.
  clock.set(new Date(ca.notAfter.getTime() - 10 * DAY));
  const { renewBeforeMs: _r, ...req } = wanted;
  const leaf = await ca.issue(req);
  t.is(leaf.notAfter.getTime(), ca.notAfter.getTime(), 'capped at the CA');
  const v = checkLeaf({ chainPem: leaf.chainPem, keyPem: leaf.keyPem }, wanted, ca.signingCertPem, clock.now());
  t.true(v.keep, 'a fresh leaf is not due');
  if (!v.keep) return;
  const life = leaf.notAfter.getTime() - leaf.notBefore.getTime();
  t.is(v.renewAt.getTime(), leaf.notAfter.getTime() - life / 3);
  clock.set(new Date(v.renewAt.getTime() - 1000));
  t.true(checkLeaf({ chainPem: leaf.chainPem, keyPem: leaf.keyPem }, wanted, ca.signingCertPem, clock.now()).keep);
  clock.advance(1000);
  t.false(checkLeaf({ chainPem: leaf.chainPem, keyPem: leaf.keyPem }, wanted, ca.signingCertPem, clock.now()).keep);
});
