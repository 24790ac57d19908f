// JKS trust store writer. No npm package writes JKS, and the format is small:
//   u4 magic 0xFEEDFEED, u4 version 2, u4 count, then per trusted-certificate entry:
//   u4 tag 2, UTF alias, u8 creation time (ms), UTF "X.509", u4 length, DER;
//   then SHA-1(password as UTF-16BE || "Mighty Aphrodite" || everything before).
// Entry times are the certificates' notBefore, so the same inputs give the same bytes.
import { createHash } from 'node:crypto';
import { parseCertificates } from '../pem.js';
import { certificateAliases } from './aliases.js';

const MAGIC = 0xfeedfeed;
const VERSION = 2;
const TRUSTED_CERT_TAG = 2;

export function jksTrustStore(certsPem: string, password: string): Buffer {
  const certs = parseCertificates(certsPem, 'trust bundle');
  const aliases = certificateAliases(certs);
  const parts: Buffer[] = [u32(MAGIC), u32(VERSION), u32(certs.length)];
  certs.forEach((cert, i) => {
    parts.push(u32(TRUSTED_CERT_TAG), javaUtf(aliases[i]!), u64(new Date(cert.validFrom).getTime()), javaUtf('X.509'));
    parts.push(u32(cert.raw.length), cert.raw);
  });
  const body = Buffer.concat(parts);
  const digest = createHash('sha1').update(utf16be(password)).update('Mighty Aphrodite', 'utf8').update(body).digest();
  return Buffer.concat([body, digest]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** DataOutputStream.writeUTF; aliases are ASCII here, so modified UTF-8 equals UTF-8. */
function javaUtf(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

function utf16be(s: string): Buffer {
  const b = Buffer.alloc(s.length * 2);
  for (let i = 0; i < s.length; i++) b.writeUInt16BE(s.charCodeAt(i), i * 2);
  return b;
}
