// Stable digest of a store's inputs. Store bytes carry random salts, so the controller decides whether to
// rebuild from this digest and never from the bytes: same inputs -> same digest.
//
// The digest may sit in an annotation, readable by more people than the Secret. A plain hash over
// (public certificates + password) would let anyone test a password guess with one SHA-256. So when a
// password is involved the digest is an HMAC keyed by PBKDF2-SHA256(password, salt = hash of the other
// inputs, 10 000 iterations): a guess costs more than one against the PKCS#12 store's own MAC, and the
// input-dependent salt rules out precomputed tables. The private key (key stores) only enters as a hash
// inside the HMAC message, so nothing about it can be read back.
import { createHash, createHmac, pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { parsePrivateKey } from '../keys.js';
import { parseCertificates } from '../pem.js';

const pbkdf2Async = promisify(pbkdf2);
const DIGEST_VERSION = 'hono-tls-operator/store-digest/v1';
export const DIGEST_KDF_ITERATIONS = 10_000;

export type StoreFormat = 'pem' | 'jks' | 'pkcs12' | 'pkcs12-keystore';

export interface StoreInputs {
  format: StoreFormat;
  /** Trust stores: the bundle; key stores: the chain (leaf first). */
  certsPem: string;
  password?: string;
  alias?: string;
  /** Key stores only. */
  keyPem?: string;
}

/** Lower-case hex SHA-256/HMAC-SHA256 over the canonical inputs (certificates as DER, so PEM layout does not matter). */
export async function storeInputDigest(inputs: StoreInputs): Promise<string> {
  const h = createHash('sha256').update(DIGEST_VERSION).update('\0format\0' + inputs.format).update('\0alias\0' + (inputs.alias ?? ''));
  for (const cert of parseCertificates(inputs.certsPem, 'certsPem')) h.update('\0cert\0').update(cert.fingerprint256);
  if (inputs.keyPem) {
    h.update('\0key\0').update(createHash('sha256').update(parsePrivateKey(inputs.keyPem, 'keyPem').keyObject.export({ type: 'pkcs8', format: 'der' })).digest());
  }
  const message = h.digest();
  if (inputs.password === undefined) return message.toString('hex');
  const key = await pbkdf2Async(Buffer.from(inputs.password, 'utf8'), message, DIGEST_KDF_ITERATIONS, 32, 'sha256');
  return createHmac('sha256', key).update(message).digest('hex');
}
