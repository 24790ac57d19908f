// The selfSigned and ca issuers: both sign with a CertificateAuthority held in a Secret; they
// differ only in who made that Secret (the operator, or the user).
import type { CertificateAuthority } from '../pki/ca.js';
import type { IssuedLeaf, LeafRequest } from '../pki/types.js';
import type { Issuer } from './issuer.js';

export class AuthorityIssuer implements Issuer {
  constructor(
    readonly kind: 'selfSigned' | 'ca',
    readonly ca: CertificateAuthority,
  ) {}

  trustBundlePem(): string {
    return this.ca.trustBundlePem;
  }

  caInfo(): { fingerprint: string; notAfter: Date } {
    return { fingerprint: this.ca.fingerprint, notAfter: this.ca.notAfter };
  }

  signingCertificatePem(): string {
    return this.ca.signingCertPem;
  }

  issue(request: LeafRequest): Promise<IssuedLeaf> {
    return this.ca.issue(request);
  }
}
