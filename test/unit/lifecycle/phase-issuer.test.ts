// The phase issuer's trust and acceptance, and the CA's replacement time, with real CAs and an injected clock.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { PhaseIssuer, mergeBundles } from '../../../operator/issuers/phase-issuer.js';
import { caRenewalTime } from '../../../operator/controller/renewal.js';
import { CertificateAuthority } from '../../../operator/pki/ca.js';
import { ManualClock } from '../../../operator/runtime/clock.js';

const DAY = 86400_000;
const key = { algorithm: 'ECDSA' as const, size: 256 };

test('TrustBoth: the bundle holds both CAs once each; leaves of the old CA are kept, new ones come from the signer', async (t) => {
  const clock = new ManualClock(new Date('2026-12-02T00:00:00Z'));
  const oldCa = await CertificateAuthority.createSelfSigned({ commonName: 'old', intermediate: true, durationMs: 365 * DAY, privateKey: key }, clock);
  const newCa = await CertificateAuthority.createSelfSigned({ commonName: 'new', intermediate: true, durationMs: 365 * DAY, privateKey: key }, clock);
  const issuer = new PhaseIssuer('selfSigned', oldCa, [oldCa.signingCertPem], [oldCa.trustBundlePem, newCa.trustBundlePem, oldCa.trustBundlePem]);
  const fps = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p).fingerprint256);
  const bundle = fps(issuer.trustBundlePem());
  t.is(bundle.length, 4, 'root and intermediate of each, no duplicates');
  t.deepEqual(new Set(bundle), new Set([...fps(oldCa.trustBundlePem), ...fps(newCa.trustBundlePem)]));
  t.deepEqual(issuer.acceptedSignersPem(), [oldCa.signingCertPem]);
  t.is(issuer.caInfo().fingerprint, oldCa.fingerprint);
  const leaf = await issuer.issue({ subject: { commonName: 'x' }, dnsNames: ['x'], ipAddresses: [], usage: 'server', privateKey: key, durationMs: 30 * DAY });
  t.true(new X509Certificate(leaf.certPem).checkIssued(new X509Certificate(oldCa.signingCertPem)));
  t.is(mergeBundles(['', '  ']), '', 'empty bundles merge to nothing');
});

test('caRenewalTime: a long-lived CA is replaced when a leaf issued then would still get its duration plus renewBefore; a short one at 2/3 of its life', (t) => {
  const nb = new Date('2026-01-01T00:00:00Z');
  const long = caRenewalTime(nb, new Date(nb.getTime() + 5 * 365 * DAY), 90 * DAY, 30 * DAY);
  t.is(long.getTime(), nb.getTime() + 5 * 365 * DAY - 120 * DAY);
  const short = caRenewalTime(nb, new Date(nb.getTime() + 90 * DAY), 90 * DAY, 30 * DAY);
  t.is(short.getTime(), nb.getTime() + 60 * DAY);
});
