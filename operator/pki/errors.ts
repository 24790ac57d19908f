// Typed PKI errors. Messages name the problem and the fix, and never carry key material or passwords.
export type PkiErrorCode =
  | 'MALFORMED_PEM'
  | 'NOT_A_CA'
  | 'CA_EXPIRED'
  | 'CA_NOT_YET_VALID'
  | 'KEY_MISMATCH'
  | 'UNSUPPORTED_KEY'
  | 'INVALID_DNS_NAME'
  | 'INVALID_IP_ADDRESS'
  | 'INCOMPLETE_CHAIN'
  /** A leaf from this CA would not verify against its chain (RFC 5280 path validation). */
  | 'CHAIN_INVALID'
  | 'UNSUPPORTED_PASSWORD'
  | 'INVALID_REQUEST';

export class PkiError extends Error {
  constructor(
    readonly code: PkiErrorCode,
    message: string,
    /** The input field at fault, e.g. 'tls.crt' or 'dnsNames[2]'. */
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'PkiError';
  }
}

export function isPkiError(err: unknown, code?: PkiErrorCode): err is PkiError {
  return err instanceof PkiError && (code === undefined || err.code === code);
}
