// Property: for random legal specs, plan -> issue with the real PKI -> the check keeps the leaf.
// A leaf the operator has just issued for a spec must satisfy that spec, or it re-issues forever.
// The seed is printed; rerun one with LEAF_PROPERTY_SEED=<seed>.
import test from 'ava';
import { checkLeaf } from '../../../operator/controller/leaf-check.js';
import { CertificateAuthority } from '../../../operator/pki/ca.js';
import { planConfig } from '../../../operator/plan/plan.js';
import { ManualClock } from '../../../operator/runtime/clock.js';
import { legalConfig, mulberry32 } from '../../helpers/legal-specs.js';

const CASES = 300;

test(`${CASES} random legal configs: every freshly issued leaf is kept`, async (t) => {
  const seed = Number(process.env.LEAF_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.log(`seed ${seed}`);
  const r = mulberry32(seed);
  const clock = new ManualClock(new Date('2026-06-01T00:00:00Z'));
  const ca = await CertificateAuthority.createSelfSigned({ commonName: 'property CA', intermediate: true, durationMs: 5 * 365 * 86400_000, privateKey: { algorithm: 'ECDSA', size: 256 } }, clock);
  let leaves = 0;
  for (let i = 0; i < CASES; i++) {
    const config = legalConfig(r);
    const plan = planConfig(config);
    for (const c of plan.components) {
      const { renewBeforeMs: _r, ...request } = c.certificate;
      const issued = await ca.issue(request);
      const verdict = checkLeaf({ chainPem: issued.chainPem, keyPem: issued.keyPem }, c.certificate, ca.signingCertPem, clock.now());
      leaves++;
      if (!verdict.keep) {
        t.fail(`seed ${seed}, case ${i}, component ${c.name}: re-issue because ${verdict.reason}; spec ${JSON.stringify(config.spec)}`);
        return;
      }
    }
  }
  t.log(`${leaves} leaves kept`);
  t.true(leaves >= CASES);
});
