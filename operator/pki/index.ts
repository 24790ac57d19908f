// Public API of the PKI library. Pure functions (async where crypto is), no Kubernetes.
export { PkiError, isPkiError, type PkiErrorCode } from './errors.js';
export { generateKey, parsePrivateKey, assertSupportedKeySpec, type ParsedKey } from './keys.js';
export { CertificateAuthority, CA_SECRET_KEYS, type CaPem, type SelfSignedCaOptions } from './ca.js';
export { certificateInfo, fingerprint, verifyChain, type ChainVerification } from './inspect.js';
export { parseCertificates } from './pem.js';
export { validateDnsNames, validateIpAddresses } from './names.js';
export { NOT_BEFORE_BACKDATE_MS } from './sign.js';
export * from './stores/index.js';
export type * from './types.js';
