// Certification path validation of a leaf against its CA chain, as a verifier (OpenSSL, Java)
// does it, after RFC 5280 section 6.1: names and signatures, validity, basicConstraints CA and
// pathLenConstraint, keyUsage keyCertSign, extendedKeyUsage of the CAs, name constraints
// (dNSName, iPAddress, directoryName) and unknown critical extensions. pkijs'
// CertificateChainValidationEngine skips pathLenConstraint, so the checks are our own; the unit
// tests hold every rejection against `openssl verify`.
import { X509Certificate } from 'node:crypto';
import { pkijs, x509 } from './crypto.js';
import { PkiError } from './errors.js';

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  anyExtendedKeyUsage: '2.5.29.37.0',
  commonName: '2.5.4.3',
} as const;

/** Extensions a verifier understands; any other critical extension makes it refuse the certificate. */
const UNDERSTOOD = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.36', // policyConstraints
  '2.5.29.54', // inhibitAnyPolicy
  '2.5.29.18', // issuerAltName
]);

const dn = (c: X509Certificate) => c.subject.replaceAll('\n', ', ');

function fail(check: string, message: string): never {
  throw new PkiError('CHAIN_INVALID', `${check}: ${message}`, 'tls.crt');
}

interface Parsed {
  node: X509Certificate;
  peculiar: x509.X509Certificate;
  pki: pkijs.Certificate;
  selfIssued: boolean;
}

function parse(c: X509Certificate): Parsed {
  return {
    node: c,
    peculiar: new x509.X509Certificate(c.raw),
    pki: pkijs.Certificate.fromBER(c.raw),
    selfIssued: c.subject === c.issuer,
  };
}

/**
 * Validates `leaf` against `cas` (its issuer first, the self-signed root last) at `now`. Throws a
 * PkiError CHAIN_INVALID naming the check that failed and the certificate at fault. `names: false`
 * skips name constraints (a self-test leaf's names are not the ones that will be issued).
 */
export function validatePath(leaf: X509Certificate, cas: readonly X509Certificate[], now: Date, opts: { names?: boolean } = {}): void {
  const path = [leaf, ...cas].map(parse);
  const leafEku = path[0]!.peculiar.getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String) ?? [];
  path.forEach((p, i) => {
    const c = p.node;
    const issuer = path[i + 1]?.node ?? c;
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) fail('signature', `"${dn(c)}" is not signed by "${dn(issuer)}"`);
    if (now < new Date(c.validFrom) || now > new Date(c.validTo)) fail('validity', `"${dn(c)}" is not valid at ${now.toISOString()}`);
    for (const e of p.peculiar.extensions) {
      if (e.critical && !UNDERSTOOD.has(e.type)) fail('critical extension', `"${dn(c)}" has the critical extension ${e.type}, which verifiers refuse`);
    }
    if (i === 0) return;
    // Every certificate above the leaf must be a CA that may sign certificates.
    const bc = p.peculiar.getExtension(x509.BasicConstraintsExtension);
    if (!bc?.ca) fail('basicConstraints', `"${dn(c)}" signs a certificate below it but is not a CA (CA:true is missing)`);
    const ku = p.peculiar.getExtension(x509.KeyUsagesExtension);
    if (ku && !(ku.usages & x509.KeyUsageFlags.keyCertSign)) fail('keyUsage', `"${dn(c)}" has keyUsage without keyCertSign`);
    // pathLenConstraint counts the CA certificates below this one, self-issued ones excepted.
    const below = path.slice(1, i).filter((q) => !q.selfIssued).length;
    if (bc.pathLength !== undefined && below > bc.pathLength) {
      fail('pathLenConstraint', `"${dn(c)}" allows ${bc.pathLength} CA certificate(s) below it (pathLen:${bc.pathLength}), but the chain has ${below}; bring in a CA from a root that allows it, or sign leaves with a CA fewer levels down`);
    }
    // A CA's extendedKeyUsage restricts every certificate below it (OpenSSL and Java enforce it).
    const eku = p.peculiar.getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String);
    if (eku && !eku.includes(OID.anyExtendedKeyUsage)) {
      const missing = leafEku.filter((u) => !eku.includes(u));
      if (missing.length) fail('extendedKeyUsage', `"${dn(c)}" restricts extendedKeyUsage to ${eku.join(', ')}, so leaves for ${missing.join(', ')} are refused`);
    }
    if (opts.names !== false) checkNameConstraints(p, path.slice(0, i).filter((q, j) => j === 0 || !q.selfIssued));
  });
}

type GeneralName = { type: number; value: unknown };
const GN = { dns: 2, directoryName: 4, ip: 7 } as const;

function checkNameConstraints(ca: Parsed, below: Parsed[]): void {
  const ext = ca.pki.extensions?.find((e) => e.extnID === OID.nameConstraints);
  if (!ext) return;
  const nc = ext.parsedValue as pkijs.NameConstraints;
  const permitted = (nc.permittedSubtrees ?? []).map((s) => s.base as GeneralName);
  const excluded = (nc.excludedSubtrees ?? []).map((s) => s.base as GeneralName);
  for (const q of below) {
    const names = namesOf(q, q === below[0]);
    for (const n of names) {
      const hit = excluded.find((b) => b.type === n.type && matches(n, b));
      if (hit) fail('nameConstraints', `"${dn(ca.node)}" excludes ${describe(hit)}, and "${dn(q.node)}" has ${describe(n)}`);
      const sameType = permitted.filter((b) => b.type === n.type);
      if (sameType.length && !sameType.some((b) => matches(n, b))) {
        fail('nameConstraints', `"${dn(ca.node)}" permits only ${sameType.map(describe).join(', ')}, and "${dn(q.node)}" has ${describe(n)}; bring in a CA whose name constraints cover the component's names`);
      }
    }
  }
}

/** The names constraints apply to: subject DN, SAN dNSName and iPAddress, and a leaf's host-like CN when it has no DNS SAN. */
function namesOf(p: Parsed, isLeaf: boolean): GeneralName[] {
  const out: GeneralName[] = [];
  if (p.pki.subject.typesAndValues.length) out.push({ type: GN.directoryName, value: p.pki.subject });
  const san = p.pki.extensions?.find((e) => e.extnID === OID.subjectAltName)?.parsedValue as pkijs.AltName | undefined;
  for (const n of san?.altNames ?? []) if (n.type === GN.dns || n.type === GN.ip) out.push({ type: n.type, value: n.value });
  if (isLeaf && !out.some((n) => n.type === GN.dns)) {
    for (const tv of p.pki.subject.typesAndValues) {
      const cn = String((tv.value as { valueBlock?: { value?: string } }).valueBlock?.value ?? '');
      if (tv.type === OID.commonName && /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(cn)) out.push({ type: GN.dns, value: cn });
    }
  }
  return out;
}

function matches(n: GeneralName, base: GeneralName): boolean {
  switch (n.type) {
    case GN.dns: {
      // As OpenSSL's nc_dns: an empty base matches all; otherwise labels may be added on the left.
      const name = String(n.value).toLowerCase();
      const b = String(base.value).toLowerCase();
      if (!b) return true;
      if (name.length < b.length || !name.endsWith(b)) return false;
      return name.length === b.length || b.startsWith('.') || name[name.length - b.length - 1] === '.';
    }
    case GN.ip: {
      const ip = bytes(n.value);
      const b = bytes(base.value);
      if (b.length !== ip.length * 2) return false;
      return ip.every((x, k) => (x & b[ip.length + k]!) === (b[k]! & b[ip.length + k]!));
    }
    case GN.directoryName: {
      const subject = (n.value as pkijs.RelativeDistinguishedNames).typesAndValues;
      const prefix = (base.value as pkijs.RelativeDistinguishedNames).typesAndValues;
      return prefix.length <= subject.length && prefix.every((tv, k) => tv.isEqual(subject[k]!));
    }
    default:
      return false;
  }
}

function bytes(v: unknown): Uint8Array {
  return new Uint8Array((v as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView);
}

function describe(n: GeneralName): string {
  switch (n.type) {
    case GN.dns:
      return `DNS:${String(n.value)}`;
    case GN.ip: {
      const b = [...bytes(n.value)];
      return `IP:${b.length === 4 || b.length === 8 ? b.slice(0, 4).join('.') : Buffer.from(b.slice(0, 16)).toString('hex')}${b.length === 8 ? `/${b.slice(4).join('.')}` : b.length === 32 ? `/${Buffer.from(b.slice(16)).toString('hex')}` : ''}`;
    }
    case GN.directoryName:
      return `DirName:${(n.value as pkijs.RelativeDistinguishedNames).typesAndValues.map((tv) => `${tv.type}=${String((tv.value as { valueBlock?: { value?: string } }).valueBlock?.value ?? '')}`).join(',')}`;
    default:
      return `name of type ${n.type}`;
  }
}
