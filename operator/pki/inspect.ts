// Read-only views of certificates for the controller and status: info, fingerprints, chain verification.
import { X509Certificate } from 'node:crypto';
import { pkijs, x509 } from './crypto.js';
import { parseCertificate, parseCertificates } from './pem.js';
import type { CertificateInfo } from './types.js';

/** SHA-256 of the DER, lower-case hex with colons (the format of IssuedLeaf.fingerprint). */
export function fingerprint(cert: string | X509Certificate): string {
  const c = typeof cert === 'string' ? parseCertificate(cert) : cert;
  return c.fingerprint256.toLowerCase();
}

export function certificateInfo(pem: string): CertificateInfo {
  const node = parseCertificate(pem);
  const cert = new x509.X509Certificate(node.raw);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.items ?? [];
  return {
    fingerprint: fingerprint(node),
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: new Date(node.validFrom),
    notAfter: new Date(node.validTo),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    isCa: node.ca,
    serialNumber: node.serialNumber.toLowerCase(),
  };
}

/** The names a certificate carries, as parsed values: subject attributes by OID, DNS SANs, IP SANs as bytes (hex). */
export interface CertificateNames {
  /** In certificate order; `value` is the decoded string, or undefined for a value that is no string type. */
  subject: { oid: string; value: string | undefined }[];
  dnsNames: string[];
  /** Lower-case hex of each IP SAN's bytes (4 or 16). */
  ipAddresses: string[];
}

const SAN_OID = '2.5.29.17';
const GN_DNS = 2;
const GN_IP = 7;

export function certificateNames(der: Uint8Array): CertificateNames {
  const cert = pkijs.Certificate.fromBER(der);
  const subject = cert.subject.typesAndValues.map((tv) => {
    const block = tv.value.valueBlock as { value?: unknown };
    // String types (UTF8, Printable, BMP, Universal, Teletex, IA5) decode to a JS string here.
    return { oid: tv.type, value: typeof block.value === 'string' && tv.value.idBlock.tagClass === 1 ? block.value : undefined };
  });
  const san = cert.extensions?.find((e) => e.extnID === SAN_OID)?.parsedValue as pkijs.AltName | undefined;
  const names = san?.altNames ?? [];
  return {
    subject,
    dnsNames: names.filter((n) => n.type === GN_DNS).map((n) => String(n.value)),
    ipAddresses: names.filter((n) => n.type === GN_IP).map((n) => Buffer.from((n.value as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView).toString('hex')),
  };
}

export type ChainVerification = { ok: true; path: string[] } | { ok: false; reason: string };

const MAX_DEPTH = 8;

/**
 * Does the chain (leaf first, then intermediates) verify against the bundle at time `at`?
 * Checks signatures, issuer names, validity periods and CA:true on every issuer; the path ends at the
 * first certificate found in the bundle (a bundle may hold intermediates, as Hono's trusted-certs.pem does).
 * `path` lists subjects from the leaf to the trust anchor.
 */
export function verifyChain(chainPem: string, bundlePem: string, at: Date): ChainVerification {
  let chain: X509Certificate[];
  let anchors: X509Certificate[];
  try {
    chain = parseCertificates(chainPem, 'chain');
    anchors = parseCertificates(bundlePem, 'bundle');
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const within = (c: X509Certificate) => at >= new Date(c.validFrom) && at <= new Date(c.validTo);
  const issues = (issuer: X509Certificate, c: X509Certificate) => c.checkIssued(issuer) && c.verify(issuer.publicKey);
  let current = chain[0]!;
  const path = [current.subject.replaceAll('\n', ', ')];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (!within(current)) {
      return { ok: false, reason: `certificate "${path.at(-1)}" is not valid at ${at.toISOString()} (valid ${current.validFrom} to ${current.validTo})` };
    }
    const anchor = anchors.find((a) => a.raw.equals(current.raw)) ?? anchors.find((a) => issues(a, current));
    if (anchor) {
      if (!anchor.raw.equals(current.raw)) {
        if (!anchor.ca) return { ok: false, reason: `trusted certificate "${anchor.subject.replaceAll('\n', ', ')}" is not a CA` };
        if (!within(anchor)) return { ok: false, reason: `trusted CA "${anchor.subject.replaceAll('\n', ', ')}" is not valid at ${at.toISOString()}` };
        path.push(anchor.subject.replaceAll('\n', ', '));
      }
      return { ok: true, path };
    }
    const next = chain.slice(1).find((c) => c !== current && issues(c, current));
    if (!next) {
      return { ok: false, reason: `no issuer of "${path.at(-1)}" (issuer "${current.issuer.replaceAll('\n', ', ')}") in the chain or the bundle` };
    }
    if (!next.ca) return { ok: false, reason: `issuer "${next.subject.replaceAll('\n', ', ')}" is not a CA` };
    current = next;
    path.push(current.subject.replaceAll('\n', ', '));
  }
  return { ok: false, reason: `chain longer than ${MAX_DEPTH} certificates` };
}
