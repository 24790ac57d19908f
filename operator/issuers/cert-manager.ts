// The certManager issuer: cert-manager issues each component's key and chain into a Secret of its
// own; this issuer hands those leaves to the component step and says what every component trusts
// (the issuers' ca.crt and/or the named trust bundle). It never signs anything itself.
import { parseCertificates } from '../pki/pem.js';
import { fingerprint } from '../pki/inspect.js';
import type { IssuedLeaf } from '../pki/types.js';
import type { ExternalLeaf, Issuer } from './issuer.js';

export class CertManagerIssuer implements Issuer {
  readonly kind = 'certManager' as const;

  constructor(
    /** PEM of every CA the components trust (deduplicated, never empty). */
    private readonly trustPem: string,
    /** Component name -> what cert-manager wrote for it, or why it is not there. */
    private readonly leaves: Map<string, ExternalLeaf>,
  ) {}

  trustBundlePem(): string {
    return this.trustPem;
  }

  /** The first trust anchor: the issuer's CA, for status. */
  caInfo(): { fingerprint: string; notAfter: Date } {
    const first = parseCertificates(this.trustPem, 'trust bundle')[0]!;
    return { fingerprint: fingerprint(first), notAfter: new Date(first.validTo) };
  }

  signingCertificatePem(): string {
    return parseCertificates(this.trustPem, 'trust bundle')[0]!.toString();
  }

  externalLeaf(component: string): ExternalLeaf {
    return this.leaves.get(component) ?? { failure: { reason: 'CertificateNotReady', message: `no Certificate for component ${component}`, retry: true } };
  }

  issue(): Promise<IssuedLeaf> {
    return Promise.reject(new Error('the certManager issuer does not sign: cert-manager does'));
  }
}
