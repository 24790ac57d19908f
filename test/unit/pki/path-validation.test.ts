// A brought-in CA is judged as a verifier judges it: for each chain made by openssl, OpenSSL's own
// `openssl verify` of a leaf with the component's names is the reference, and our CA must accept
// exactly the chains OpenSSL accepts, and refuse the others naming the failed check.
import { writeFile } from 'node:fs/promises';
import test from 'ava';
import { CertificateAuthority, isPkiError } from '../../../operator/pki/index.js';
import { systemClock } from '../../../operator/runtime/clock.js';
import { opensslChain } from './fixtures.js';

const EC = { algorithm: 'ECDSA', size: 256 } as const;
const LEAF = { cn: 'hono-service-auth', dns: 'hono-service-auth.hono.svc', ip: '127.0.0.1' };
const CA_KU = 'keyUsage=critical,keyCertSign,cRLSign';

interface Row {
  title: string;
  /** Extensions of the self-signed root, and of the CA brought in (signed by the root). */
  root: string[];
  ca: string[];
  /** Extra config sections (e.g. a dirName). */
  sections?: string;
  /** undefined: accepted; else the check our error must name. */
  refused?: RegExp;
}

const ROWS: Row[] = [
  { title: 'root pathLen:1 over a CA: accepted', root: ['basicConstraints=critical,CA:TRUE,pathlen:1', CA_KU], ca: ['basicConstraints=critical,CA:TRUE,pathlen:0', CA_KU] },
  { title: 'root pathLen:0 over a CA: path length exceeded', root: ['basicConstraints=critical,CA:TRUE,pathlen:0', CA_KU], ca: ['basicConstraints=critical,CA:TRUE', CA_KU], refused: /pathLenConstraint/ },
  { title: 'CA name constraints that cover the names: accepted', root: ['basicConstraints=critical,CA:TRUE', CA_KU], ca: ['basicConstraints=critical,CA:TRUE', CA_KU, 'nameConstraints=critical,permitted;DNS:hono.svc,permitted;IP:127.0.0.0/255.0.0.0'] },
  { title: 'CA permits other DNS names only', root: ['basicConstraints=critical,CA:TRUE', CA_KU], ca: ['basicConstraints=critical,CA:TRUE', CA_KU, 'nameConstraints=critical,permitted;DNS:.example.com'], refused: /nameConstraints.*DNS:hono-service-auth\.hono\.svc/ },
  { title: 'root excludes the DNS names', root: ['basicConstraints=critical,CA:TRUE', CA_KU, 'nameConstraints=critical,excluded;DNS:hono.svc'], ca: ['basicConstraints=critical,CA:TRUE', CA_KU], refused: /nameConstraints.*excludes DNS:hono\.svc/ },
  { title: 'CA permits another IP range only', root: ['basicConstraints=critical,CA:TRUE', CA_KU], ca: ['basicConstraints=critical,CA:TRUE', CA_KU, 'nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0'], refused: /nameConstraints.*IP:127\.0\.0\.1/ },
  {
    title: 'CA permits another directory name only',
    root: ['basicConstraints=critical,CA:TRUE', CA_KU],
    ca: ['basicConstraints=critical,CA:TRUE', CA_KU, 'nameConstraints=critical,permitted;dirName:dir_sect'],
    sections: '[dir_sect]\nO=Other Corp\n',
    refused: /nameConstraints.*DirName/,
  },
  { title: 'CA restricted to clientAuth', root: ['basicConstraints=critical,CA:TRUE', CA_KU], ca: ['basicConstraints=critical,CA:TRUE', CA_KU, 'extendedKeyUsage=clientAuth'], refused: /extendedKeyUsage/ },
  { title: 'CA without keyCertSign', root: ['basicConstraints=critical,CA:TRUE', CA_KU], ca: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature'], refused: /keyCertSign/ },
];

for (const row of ROWS) {
  test(`brought-in CA, ${row.title}`, async (t) => {
    const c = await opensslChain({ root: row.root, ca: row.ca, sections: row.sections, leaf: LEAF });
    const reference = await c.verify(c.p('leaf.crt'));
    // OpenSSL is the reference: it must agree with the row, or the row tests nothing.
    t.is(reference.code === 0, !row.refused, `openssl verify: ${reference.stdout}${reference.stderr}`);
    let verdict: unknown;
    try {
      const ca = await CertificateAuthority.fromPem({ certPem: c.certPem, keyPem: c.keyPem, chainPem: c.chainPem }, systemClock);
      const leaf = await ca.issue({ subject: { commonName: LEAF.cn, organization: 'Eclipse IoT', organizationalUnit: 'Hono' }, dnsNames: [LEAF.dns], ipAddresses: [LEAF.ip], usage: 'both', privateKey: EC, durationMs: 86_400_000 });
      await writeFile(c.p('ours.crt'), leaf.certPem);
      const ours = await c.verify(c.p('ours.crt'));
      t.is(ours.code, 0, `openssl verify of our leaf: ${ours.stdout}${ours.stderr}`);
    } catch (err) {
      verdict = err;
    }
    if (!row.refused) {
      t.is(verdict, undefined, String(verdict));
      return;
    }
    t.true(isPkiError(verdict), String(verdict));
    t.regex((verdict as Error).message, row.refused);
  });
}
