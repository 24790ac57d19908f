// A brought-in CA is judged as a verifier judges it: for each chain made by openssl, OpenSSL's own
// `openssl verify` of a leaf with the component's names is the reference, and our CA must accept
// exactly the chains OpenSSL accepts, and refuse the others naming the failed check.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { CertificateAuthority, isPkiError } from '../../../operator/pki/index.js';
import { systemClock } from '../../../operator/runtime/clock.js';
import { run } from './fixtures.js';

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

async function chain(row: Row) {
  const dir = await mkdtemp(join(tmpdir(), 'pki-path-'));
  const p = (n: string) => join(dir, n);
  const openssl = async (args: string[]) => {
    const r = await run('openssl', args);
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ext = async (name: string, lines: string[]) => {
    await writeFile(p(name), `[ext]\n${[...lines, 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'].join('\n')}\n${row.sections ?? ''}`);
    return p(name);
  };
  const key = (n: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(n)]);
  await Promise.all([key('root.key'), key('ca.key'), key('leaf.key')]);
  const rootExt = await ext('root.cnf', row.root.filter((l) => !l.startsWith('authorityKeyIdentifier')));
  await openssl(['req', '-x509', '-new', '-key', p('root.key'), '-out', p('root.crt'), '-subj', '/O=Corp/CN=Corp Root', '-days', '10', '-config', rootExt, '-extensions', 'ext', '-batch']);
  await openssl(['req', '-new', '-key', p('ca.key'), '-out', p('ca.csr'), '-subj', '/O=Corp/CN=Corp Issuing', '-batch', '-config', rootExt]);
  await openssl(['x509', '-req', '-in', p('ca.csr'), '-CA', p('root.crt'), '-CAkey', p('root.key'), '-CAcreateserial', '-out', p('ca.crt'), '-days', '5', '-extfile', await ext('ca.cnf', row.ca), '-extensions', 'ext']);
  // The reference leaf: what a component gets, signed by openssl itself.
  await openssl(['req', '-new', '-key', p('leaf.key'), '-out', p('leaf.csr'), '-subj', `/O=Eclipse IoT/OU=Hono/CN=${LEAF.cn}`, '-batch', '-config', rootExt]);
  const leafExt = await ext('leaf.cnf', ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth,clientAuth', `subjectAltName=DNS:${LEAF.dns},IP:${LEAF.ip}`]);
  await openssl(['x509', '-req', '-in', p('leaf.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('leaf.crt'), '-days', '2', '-extfile', leafExt, '-extensions', 'ext']);
  const verify = async (leafFile: string) => run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', p('root.crt'), '-untrusted', p('ca.crt'), leafFile]);
  const [certPem, keyPem, chainPem] = (await Promise.all(['ca.crt', 'ca.key', 'root.crt'].map((n) => readFile(p(n), 'utf8')))) as [string, string, string];
  return { p, verify, certPem, keyPem, chainPem };
}

for (const row of ROWS) {
  test(`brought-in CA, ${row.title}`, async (t) => {
    const c = await chain(row);
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
