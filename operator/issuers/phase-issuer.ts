// The issuer during a CA rotation: it signs with one CA, accepts leaves signed by the CAs the
// phase still trusts them from, and hands out a trust bundle holding the old and the new CA.
import type { CertificateAuthority } from '../pki/ca.js';
import { parseCertificates, pemBundle } from '../pki/pem.js';
import { fingerprint } from '../pki/inspect.js';
import type { IssuedLeaf, LeafRequest } from '../pki/types.js';
import type { Issuer } from './issuer.js';

export class PhaseIssuer implements Issuer {
  constructor(
    readonly kind: 'selfSigned' | 'ca',
    /** Signs new leaves; its certificate is the one status reports. */
    private readonly signer: CertificateAuthority,
    /** Signing certificates (PEM) a stored leaf may be signed by and still be kept. */
    private readonly accepted: string[],
    /** Trust bundles (PEM) every component trusts in this phase. */
    private readonly trusted: string[],
  ) {}

  trustBundlePem(): string {
    return mergeBundles(this.trusted);
  }

  caInfo(): { fingerprint: string; notAfter: Date } {
    return { fingerprint: this.signer.fingerprint, notAfter: this.signer.notAfter };
  }

  signingCertificatePem(): string {
    return this.accepted[0] ?? this.signer.signingCertPem;
  }

  acceptedSignersPem(): string[] {
    return this.accepted;
  }

  issue(request: LeafRequest): Promise<IssuedLeaf> {
    return this.signer.issue(request);
  }
}

/** One PEM bundle of every certificate in `bundles`, each once, in order. */
export function mergeBundles(bundles: string[]): string {
  const seen = new Set<string>();
  const certs = bundles.flatMap((b) => (b.trim() ? parseCertificates(b, 'trust bundle') : [])).filter((c) => {
    const f = fingerprint(c);
    if (seen.has(f)) return false;
    seen.add(f);
    return true;
  });
  return pemBundle(certs);
}
