// The single place certificates get signed: serials, validity and the extensions every certificate carries.
import { randomBytes } from 'node:crypto';
import { x509, type CryptoKey } from './crypto.js';
import { signingAlgorithm } from './keys.js';
import type { PrivateKeySpec } from './types.js';

/** Clock-skew allowance: certificates are valid from a little before "now". */
export const NOT_BEFORE_BACKDATE_MS = 5 * 60 * 1000;

/** 16 random bytes, positive: top bit cleared, and bit 6 set so DER keeps all 16 bytes (126 random bits). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

export interface SignParams {
  subject: x509.Name | Array<Record<string, string[]>>;
  /** The issuer's subject Name, byte for byte; omit for self-signed. */
  issuerName?: x509.Name;
  /** SubjectPublicKeyInfo DER of the certified key. */
  spkiDer: Buffer;
  signingKey: CryptoKey;
  signingKeySpec: PrivateKeySpec;
  /** Hex SKI of the issuer (for the AKI); omit for self-signed, where AKI = own SKI. */
  issuerKeyId?: string;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}

export async function signCertificate(p: SignParams): Promise<x509.X509Certificate> {
  const ski = await x509.SubjectKeyIdentifierExtension.create(p.spkiDer);
  const aki = new x509.AuthorityKeyIdentifierExtension(p.issuerKeyId ?? ski.keyId);
  const subject = p.subject instanceof x509.Name ? p.subject : new x509.Name(p.subject);
  const alg = signingAlgorithm(p.signingKeySpec);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: p.issuerName ?? subject,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey: p.spkiDer,
    // Node's webcrypto types differ nominally from the DOM types the library declares.
    signingKey: p.signingKey as unknown as x509.X509CertificateCreateWithKeyParams['signingKey'],
    signingAlgorithm: { name: alg.name, hash: alg.hash } as x509.X509CertificateCreateParamsBase['signingAlgorithm'],
    extensions: [...p.extensions, ski, aki],
  });
}
