// Every way of getting certificates sits behind this one interface: the operator's own CA
// (selfSigned), a brought-in CA (ca), and cert-manager (certManager), which hands over leaves it issued.
import type { Failure } from '../controller/context.js';
import type { IssuedLeaf, LeafRequest } from '../pki/types.js';

/** A leaf someone else issued (cert-manager): the key and chain, every entry a pod reads from its Secret, or why there is none. */
export type ExternalLeaf = { keyPem: string; chainPem: string; data: Record<string, Buffer>; failure?: Failure } | { failure: Failure };

export interface Issuer {
  readonly kind: 'selfSigned' | 'ca' | 'certManager';
  /** PEM certificates every component must trust (root first is not required). */
  trustBundlePem(): string;
  /** Fingerprint and expiry of the CA certificate that signs leaves, for status. */
  caInfo(): { fingerprint: string; notAfter: Date };
  /** PEM of the certificate that signs leaves, to check whether a stored leaf is still current. */
  signingCertificatePem(): string;
  /** During a CA rotation: every signing certificate a stored leaf may be signed by and still be kept. */
  acceptedSignersPem?(): string[];
  issue(request: LeafRequest): Promise<IssuedLeaf>;
  /** Set when leaves come from elsewhere (cert-manager): the component step takes them instead of issuing. */
  externalLeaf?(component: string): ExternalLeaf;
}
