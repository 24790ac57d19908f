// PKCS#12 trust and key stores with pkijs, shaped like Java 17 keytool output: bags encrypted with PBES2
// (PBKDF2-HMAC-SHA256, AES-256-CBC) and a SHA-256 MAC. Java only lists a certificate bag as a trusted entry
// when it carries the Oracle attribute 2.16.840.1.113894.746875.1.1 = anyExtendedKeyUsage, plus a friendlyName.
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import { pkijs } from '../crypto.js';
import { PkiError } from '../errors.js';
import { parsePrivateKey } from '../keys.js';
import { parseCertificates } from '../pem.js';
import { certificateAliases } from './aliases.js';
import { stampPfx } from './pkcs12-mac.js';

const OID = {
  certBag: '1.2.840.113549.1.12.10.1.3',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  oracleTrustedKeyUsage: '2.16.840.1.113894.746875.1.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

/** PBKDF2 iterations for bag encryption: Java 17 keytool's default (native PBKDF2, about 2 ms). */
export const PKCS12_ITERATIONS = 10_000;
/**
 * MAC iterations: OpenSSL 3's default. Java 17 writes 10 000 but reads any count. The MAC KDF (pkcs12-mac.ts)
 * is an iterated SHA-256 with no native API: about 1-1.6 us per iteration even on node:crypto, so 2048 costs
 * 2-3 ms per store and 10 000 would cost 8-16 ms.
 */
export const PKCS12_MAC_ITERATIONS = 2048;

const encryption = (password: ArrayBuffer) => ({
  password,
  contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 } as const,
  hmacHashAlgorithm: 'SHA-256',
  iterationCount: PKCS12_ITERATIONS,
});

/** Trusted-certificate entries only (what *_TRUST_STORE_PATH=...p12 reads). */
export async function pkcs12TrustStore(certsPem: string, password: string): Promise<Buffer> {
  assertPkcs12Password(password);
  const certs = parseCertificates(certsPem, 'trust bundle');
  const aliases = certificateAliases(certs);
  const bags = certs.map((cert, i) =>
    certBag(cert.raw, [
      attribute(OID.friendlyName, new asn1js.BmpString({ value: aliases[i]! })),
      attribute(OID.oracleTrustedKeyUsage, new asn1js.ObjectIdentifier({ value: OID.anyExtendedKeyUsage })),
    ]),
  );
  return pfx([{ bags, encrypted: true }], password);
}

export interface KeyStoreInput {
  keyPem: string;
  /** Leaf first, then intermediates. */
  chainPem: string;
  password: string;
  alias: string;
}

/** One private-key entry with its chain (what KEYSTOREPATH reads). */
export async function pkcs12KeyStore(input: KeyStoreInput): Promise<Buffer> {
  assertPkcs12Password(input.password);
  const key = parsePrivateKey(input.keyPem, 'keyPem');
  const chain = parseCertificates(input.chainPem, 'chainPem');
  // localKeyId ties the key to its certificate; Java and OpenSSL pair them by it.
  const localKeyId = new asn1js.OctetString({ valueHex: randomBytes(20) });
  const named = (extra: pkijs.Attribute[] = []) => [attribute(OID.friendlyName, new asn1js.BmpString({ value: input.alias })), ...extra];
  const keyInfo = new pkijs.PrivateKeyInfo({ schema: asn1js.fromBER(key.keyObject.export({ type: 'pkcs8', format: 'der' })).result });
  const keyBag = new pkijs.SafeBag({
    bagId: OID.shroudedKeyBag,
    bagValue: new pkijs.PKCS8ShroudedKeyBag({ parsedValue: keyInfo }),
    bagAttributes: named([attribute(OID.localKeyId, localKeyId)]),
  });
  await (keyBag.bagValue as pkijs.PKCS8ShroudedKeyBag).makeInternalValues(encryption(utf8(input.password)));
  const certBags = chain.map((cert, i) => certBag(cert.raw, i === 0 ? named([attribute(OID.localKeyId, localKeyId)]) : []));
  return pfx(
    [
      { bags: certBags, encrypted: true },
      { bags: [keyBag], encrypted: false },
    ],
    input.password,
  );
}

function attribute(type: string, value: asn1js.BaseBlock): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

function certBag(der: Buffer, bagAttributes: pkijs.Attribute[]): pkijs.SafeBag {
  const certificate = pkijs.Certificate.fromBER(der);
  return new pkijs.SafeBag({
    bagId: OID.certBag,
    bagValue: new pkijs.CertBag({ parsedValue: certificate }),
    bagAttributes: bagAttributes.length > 0 ? bagAttributes : undefined,
  });
}

/** Java 17 derives PBES2 keys only from ASCII passwords ("getSecretKey failed: Password is not ASCII"). */
export function assertPkcs12Password(password: string, field = 'password'): void {
  if (!/^[\x20-\x7e]*$/.test(password)) {
    throw new PkiError('UNSUPPORTED_PASSWORD', 'PKCS#12 store passwords must be printable ASCII, because Java cannot open a PKCS#12 store with any other password; choose an ASCII password', field);
  }
}

async function pfx(contents: Array<{ bags: pkijs.SafeBag[]; encrypted: boolean }>, password: string): Promise<Buffer> {
  const pass = utf8(password);
  const store = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0, // password MAC
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: contents.map((c) => ({ privacyMode: c.encrypted ? 1 : 0, value: new pkijs.SafeContents({ safeBags: c.bags }) })),
        },
      }),
    },
  });
  await store.parsedValue!.authenticatedSafe!.makeInternalValues({
    safeContents: contents.map((c) => (c.encrypted ? encryption(pass) : {})),
  });
  stampPfx(store, password, PKCS12_MAC_ITERATIONS);
  return Buffer.from(store.toSchema().toBER(false));
}

function utf8(s: string): ArrayBuffer {
  const b = Buffer.from(s, 'utf8');
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
