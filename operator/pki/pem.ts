// PEM text handling shared by the PKI modules: split bundles, parse certificates, normalise output.
import { X509Certificate } from 'node:crypto';
import { PkiError } from './errors.js';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Parses every CERTIFICATE block of a PEM text (MALFORMED_PEM if there is none or one does not decode). */
export function parseCertificates(pem: string, field = 'certificate'): X509Certificate[] {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new PkiError('MALFORMED_PEM', 'no "-----BEGIN CERTIFICATE-----" block found; provide PEM-encoded X.509 certificates', field);
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new PkiError('MALFORMED_PEM', `certificate #${i + 1} does not decode as X.509; re-export it as PEM`, field);
    }
  });
}

/** Exactly one certificate (the first block when the text holds a chain). */
export function parseCertificate(pem: string, field = 'certificate'): X509Certificate {
  return parseCertificates(pem, field)[0]!;
}

/** Canonical PEM of one certificate (64-column base64, trailing newline). */
export function toPem(cert: X509Certificate): string {
  return cert.toString().trimEnd() + '\n';
}

/** Concatenates certificates as PEM, dropping duplicates (same DER), in the given order. */
export function pemBundle(certs: X509Certificate[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const cert of certs) {
    if (seen.has(cert.fingerprint256)) continue;
    seen.add(cert.fingerprint256);
    out += toPem(cert);
  }
  return out;
}

/** A certificate is self-signed when it names itself as issuer and its own key verifies it. */
export function isSelfSigned(cert: X509Certificate): boolean {
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}
