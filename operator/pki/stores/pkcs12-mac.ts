// PKCS#12 password MAC (RFC 7292 appendix B) on node:crypto. pkijs derives the MAC key in pure-JS SHA-256
// (about 3 us per iteration, on the event loop); node:crypto's one-shot hash is several times faster.
import { createHmac, hash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import { pkijs } from '../crypto.js';

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
/** Java 17 keytool's MAC salt length. */
const MAC_SALT_BYTES = 20;

/**
 * RFC 7292 B.2 with SHA-256 (u = 32, v = 64), ID byte 3 (MAC key), password as BMPString (UTF-16BE plus two
 * zero bytes). The HMAC-SHA256 key is u bytes, so one block A = H^iterations(D || S || P) is the whole key.
 */
export function pkcs12MacKey(password: string, salt: Uint8Array, iterations: number): Buffer {
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`PKCS#12 MAC iterations must be a positive integer, got ${iterations}`);
  const v = 64;
  const pass = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) pass.writeUInt16BE(password.charCodeAt(i), i * 2);
  // S and P: salt and password repeated to a multiple of v bytes (empty stays empty).
  const fill = (src: Uint8Array) => {
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  let A = hash('sha256', Buffer.concat([Buffer.alloc(v, 3), fill(salt), fill(pass)]), 'buffer');
  for (let j = 1; j < iterations; j++) A = hash('sha256', A, 'buffer');
  return A;
}

/** HMAC-SHA256 of `data` with the PKCS#12 MAC key. */
export function pkcs12Mac(password: string, salt: Uint8Array, iterations: number, data: Uint8Array): Buffer {
  return createHmac('sha256', pkcs12MacKey(password, salt, iterations)).update(data).digest();
}

/**
 * Does what pkijs PFX.makeInternalValues does for integrityMode 0 (password MAC), with the KDF on node:crypto:
 * authSafe = ContentInfo(data, OCTET STRING(DER of the AuthenticatedSafe)), MAC over that OCTET STRING's content.
 */
export function stampPfx(store: pkijs.PFX, password: string, iterations: number): void {
  const authenticatedSafe = store.parsedValue?.authenticatedSafe;
  if (!authenticatedSafe) throw new Error('PFX has no parsedValue.authenticatedSafe');
  const data = new Uint8Array(authenticatedSafe.toSchema().toBER(false));
  const salt = randomBytes(MAC_SALT_BYTES);
  store.authSafe = new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.DATA, content: new asn1js.OctetString({ valueHex: data }) });
  store.macData = new pkijs.MacData({
    mac: new pkijs.DigestInfo({
      // NULL parameters, as Java and OpenSSL write them.
      digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_OID, algorithmParams: new asn1js.Null() }),
      digest: new asn1js.OctetString({ valueHex: pkcs12Mac(password, salt, iterations, data) }),
    }),
    macSalt: new asn1js.OctetString({ valueHex: salt }),
    iterations,
  });
}
