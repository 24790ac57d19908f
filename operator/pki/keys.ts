// Private keys: generation off the event loop (libuv thread pool), PKCS8 PEM export, parsing and validation.
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, type webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { subtle, type CryptoKey } from './crypto.js';
import { PkiError } from './errors.js';
import type { PrivateKeySpec } from './types.js';

const generateKeyPairAsync = promisify(generateKeyPair);

const CURVES: Record<number, { node: string; web: string; hash: string }> = {
  256: { node: 'prime256v1', web: 'P-256', hash: 'SHA-256' },
  384: { node: 'secp384r1', web: 'P-384', hash: 'SHA-384' },
};
const RSA_SIZES = [2048, 3072, 4096];

/** Throws UNSUPPORTED_KEY unless the spec is ECDSA 256/384 or RSA 2048/3072/4096. */
export function assertSupportedKeySpec(spec: PrivateKeySpec, field = 'privateKey'): void {
  if (spec.algorithm === 'ECDSA') {
    if (!CURVES[spec.size]) {
      throw new PkiError('UNSUPPORTED_KEY', `ECDSA size ${spec.size} is not supported; use 256 (P-256) or 384 (P-384)`, field);
    }
    return;
  }
  if (spec.algorithm === 'RSA') {
    if (!RSA_SIZES.includes(spec.size)) {
      throw new PkiError('UNSUPPORTED_KEY', `RSA size ${spec.size} is not supported; use 2048, 3072 or 4096`, field);
    }
    return;
  }
  throw new PkiError(
    'UNSUPPORTED_KEY',
    `algorithm ${JSON.stringify((spec as { algorithm: unknown }).algorithm)} is not supported; use ECDSA or RSA`,
    field,
  );
}

/** Generates a key pair on the thread pool and returns the private key as unencrypted PKCS8 PEM. */
export async function generateKey(spec: PrivateKeySpec): Promise<string> {
  assertSupportedKeySpec(spec);
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const publicKeyEncoding = { type: 'spki', format: 'der' } as const;
  const { privateKey } =
    spec.algorithm === 'ECDSA'
      ? await generateKeyPairAsync('ec', { namedCurve: CURVES[spec.size]!.node, privateKeyEncoding, publicKeyEncoding })
      : await generateKeyPairAsync('rsa', { modulusLength: spec.size, publicExponent: 0x10001, privateKeyEncoding, publicKeyEncoding });
  return privateKey;
}

export interface ParsedKey {
  keyObject: KeyObject;
  spec: PrivateKeySpec;
  /** SubjectPublicKeyInfo DER of the matching public key. */
  spkiDer: Buffer;
  /** Unencrypted PKCS8 PEM (normalised, whatever the input encoding was). */
  pkcs8Pem: string;
}

/** Parses an unencrypted private key PEM (PKCS8, or PKCS1/SEC1 from a brought-in CA) and checks it is supported. */
export function parsePrivateKey(pem: string, field = 'key'): ParsedKey {
  if (!/-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----/.test(pem)) {
    const hint = pem.includes('ENCRYPTED PRIVATE KEY')
      ? 'the key is encrypted; provide it unencrypted'
      : 'expected a PEM block "-----BEGIN PRIVATE KEY-----" (PKCS8)';
    throw new PkiError('MALFORMED_PEM', `not a PEM private key: ${hint}`, field);
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The library's message may quote the input; keep our own.
    throw new PkiError('MALFORMED_PEM', 'the private key PEM could not be decoded; provide an unencrypted PKCS8 PEM key', field);
  }
  const spec = keySpecOf(keyObject, field);
  const spkiDer = createPublicKey(keyObject).export({ type: 'spki', format: 'der' });
  const pkcs8Pem = keyObject.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { keyObject, spec, spkiDer, pkcs8Pem };
}

/** The PrivateKeySpec of a key object; UNSUPPORTED_KEY for anything but ECDSA P-256/P-384 and RSA 2048/3072/4096. */
export function keySpecOf(key: KeyObject, field = 'key'): PrivateKeySpec {
  const details = key.asymmetricKeyDetails ?? {};
  let spec: PrivateKeySpec;
  if (key.asymmetricKeyType === 'ec') {
    const size = Object.entries(CURVES).find(([, c]) => c.node === details.namedCurve)?.[0];
    if (!size) {
      throw new PkiError('UNSUPPORTED_KEY', `EC curve ${details.namedCurve} is not supported; use P-256 or P-384`, field);
    }
    spec = { algorithm: 'ECDSA', size: Number(size) };
  } else if (key.asymmetricKeyType === 'rsa') {
    spec = { algorithm: 'RSA', size: details.modulusLength ?? 0 };
  } else {
    throw new PkiError('UNSUPPORTED_KEY', `key type ${key.asymmetricKeyType} is not supported; use ECDSA (P-256, P-384) or RSA`, field);
  }
  assertSupportedKeySpec(spec, field);
  return spec;
}

/** WebCrypto algorithm for signing with a key of this spec (ECDSA with the curve's hash, RSA PKCS#1 v1.5 SHA-256). */
export function signingAlgorithm(spec: PrivateKeySpec): (webcrypto.EcKeyImportParams & webcrypto.EcdsaParams) | webcrypto.RsaHashedImportParams {
  if (spec.algorithm === 'ECDSA') {
    const curve = CURVES[spec.size]!;
    return { name: 'ECDSA', namedCurve: curve.web, hash: curve.hash };
  }
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

/** Imports a parsed key into WebCrypto for signing certificates. */
export async function toSigningKey(key: ParsedKey): Promise<CryptoKey> {
  const der = key.keyObject.export({ type: 'pkcs8', format: 'der' });
  return subtle.importKey('pkcs8', der, signingAlgorithm(key.spec), false, ['sign']);
}
