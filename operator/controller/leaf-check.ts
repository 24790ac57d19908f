// "Is the leaf in the Secret still good?" Decided from the objects alone (no memory of past
// reconciles), so a restart or a resync never re-issues: keep the leaf when it is signed by
// the current CA, matches the requested names, subject, key and usage, and is not due for renewal.
// Names are compared as parsed values (subject attributes by OID, DNS names case-insensitively,
// IP addresses as bytes), never as a library's text form, which escapes and rewrites them.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { certificateNames } from '../pki/inspect.js';
import { canonicalIp, ipBytes, subjectAttributes } from '../pki/names.js';
import type { LeafRequest } from '../pki/types.js';
import { renewalTime } from './renewal.js';

export type LeafVerdict = { keep: true; notAfter: Date; renewAt: Date } | { keep: false; reason: string };

export interface LeafWanted extends Omit<LeafRequest, 'existingKeyPem'> {
  renewBeforeMs: number;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export const NOT_CURRENT_CA = 'not signed by the current CA';

export function firstPem(pem: string): string | undefined {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  return m?.[0];
}

export function checkLeaf(
  existing: { chainPem?: string; keyPem?: string },
  wanted: LeafWanted,
  signingCaPem: string,
  now: Date,
): LeafVerdict {
  if (!existing.chainPem || !existing.keyPem) return { keep: false, reason: 'no certificate yet' };
  let leaf: X509Certificate;
  let ca: X509Certificate;
  try {
    leaf = new X509Certificate(firstPem(existing.chainPem) ?? '');
    ca = new X509Certificate(firstPem(signingCaPem) ?? '');
  } catch {
    return { keep: false, reason: 'stored certificate is not readable' };
  }
  if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return { keep: false, reason: NOT_CURRENT_CA };
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(existing.keyPem))) return { keep: false, reason: 'key does not match certificate' };
  } catch {
    return { keep: false, reason: 'stored key is not readable' };
  }
  let names: string | undefined;
  try {
    names = namesDiffer(leaf, wanted);
  } catch {
    return { keep: false, reason: 'stored certificate is not readable' };
  }
  if (names) return { keep: false, reason: names };
  if (!sameKeySpec(leaf, wanted.privateKey)) return { keep: false, reason: 'privateKey (algorithm or size) differs' };
  if (!sameUsage(leaf, wanted.usage)) return { keep: false, reason: 'usage differs' };
  const notAfter = new Date(leaf.validTo);
  const renewAt = renewalTime(new Date(leaf.validFrom), notAfter, wanted.renewBeforeMs);
  if (now.getTime() >= renewAt.getTime()) return { keep: false, reason: 'due for renewal' };
  return { keep: true, notAfter, renewAt };
}

/** Which requested name the certificate does not carry (the field, and what differs), or undefined. */
export function namesDiffer(leaf: X509Certificate, wanted: Pick<LeafRequest, 'subject' | 'dnsNames' | 'ipAddresses'>): string | undefined {
  const got = certificateNames(leaf.raw);
  const dns = setDiff(got.dnsNames.map((d) => d.toLowerCase()), wanted.dnsNames.map((d) => d.toLowerCase()));
  if (dns) return `dnsNames differ (${dns})`;
  // A value that is no IP address cannot be in any certificate: it stays "missing" by its text.
  const ips = setDiff(got.ipAddresses, wanted.ipAddresses.map((ip) => ipBytes(ip)?.toString('hex') ?? ip), hexToIp);
  if (ips) return `ipAddresses differ (${ips})`;
  let attrs;
  try {
    attrs = subjectAttributes(wanted.subject);
  } catch (err) {
    return `subject cannot be issued (${(err as Error).message})`;
  }
  for (const a of attrs) {
    const values = got.subject.filter((s) => s.oid === a.oid).map((s) => s.value);
    if (values.length !== 1 || values[0] !== a.value) return `subject ${a.short} (${a.key}) differs`;
  }
  const extra = got.subject.find((s) => !attrs.some((a) => a.oid === s.oid));
  if (extra) return `subject attribute ${extra.oid} is not requested`;
  return undefined;
}

/** "missing: a, b; extra: c" for two sets, or undefined when they are equal. */
function setDiff(got: string[], want: string[], show: (x: string) => string = (x) => x): string | undefined {
  const g = new Set(got);
  const w = new Set(want);
  const missing = [...w].filter((x) => !g.has(x)).map(show);
  const extra = [...g].filter((x) => !w.has(x)).map(show);
  if (!missing.length && !extra.length) return undefined;
  return [missing.length ? `missing: ${missing.join(', ')}` : '', extra.length ? `extra: ${extra.join(', ')}` : ''].filter(Boolean).join('; ');
}

function hexToIp(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  return b.length === 4 || b.length === 16 ? canonicalIp(b) : hex;
}

function sameKeySpec(cert: X509Certificate, spec: LeafRequest['privateKey']): boolean {
  const key = cert.publicKey;
  const d = key.asymmetricKeyDetails ?? {};
  if (spec.algorithm === 'ECDSA') {
    const curve = spec.size === 384 ? 'secp384r1' : 'prime256v1';
    return key.asymmetricKeyType === 'ec' && d.namedCurve === curve;
  }
  return key.asymmetricKeyType === 'rsa' && d.modulusLength === spec.size;
}

function sameUsage(cert: X509Certificate, usage: LeafRequest['usage']): boolean {
  const eku = cert.keyUsage ?? [];
  const server = eku.includes(SERVER_AUTH);
  const client = eku.includes(CLIENT_AUTH);
  if (usage === 'server') return server && !client;
  if (usage === 'client') return client && !server;
  return server && client;
}
