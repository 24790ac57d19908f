// CONTRACT between the PKI library (operator/pki) and its users (issuers, controller).
import type { PrivateKeySpec } from '../api/v1alpha1.js';

export type { PrivateKeySpec };

/** What a leaf certificate is used for; sets keyUsage and extKeyUsage. */
export type LeafUsage = 'server' | 'client' | 'both';

export interface DistinguishedName {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  country?: string;
  locality?: string;
}

export interface LeafRequest {
  subject: DistinguishedName;
  dnsNames: string[];
  ipAddresses: string[];
  usage: LeafUsage;
  privateKey: PrivateKeySpec;
  /** Lifetime in milliseconds. */
  durationMs: number;
  /** Reuse this PKCS8 PEM key instead of generating one (renewal with rotationPolicy Never). */
  existingKeyPem?: string;
}

export interface IssuedLeaf {
  /** PKCS8 PEM, unencrypted. */
  keyPem: string;
  /** Leaf certificate alone. */
  certPem: string;
  /** Leaf plus intermediates, never the root. */
  chainPem: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the leaf's DER, lower-case hex with colons. */
  fingerprint: string;
}

export interface CertificateInfo {
  fingerprint: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  ipAddresses: string[];
  isCa: boolean;
  serialNumber: string;
}
