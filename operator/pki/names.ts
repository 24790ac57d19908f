// Names in certificates, one way in and one way out: SAN inputs are validated and normalised
// (IP addresses to their bytes), and subjects are built from structured values with explicit
// OIDs and string types, never parsed from DN text, so every legal value comes back unchanged.
import { isIP } from 'node:net';
import { x509 } from './crypto.js';
import { PkiError } from './errors.js';
import type { DistinguishedName } from './types.js';

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Lower-cased, de-duplicated DNS names; INVALID_DNS_NAME names the first bad entry. A leading "*." wildcard is allowed. */
export function validateDnsNames(names: string[], field = 'dnsNames'): string[] {
  const out: string[] = [];
  names.forEach((raw, i) => {
    const name = raw.toLowerCase();
    const labels = name.split('.');
    if (labels[0] === '*' && labels.length > 1) labels.shift();
    const ok = name.length > 0 && name.length <= 253 && labels.every((l) => LABEL.test(l));
    if (!ok) {
      throw new PkiError(
        'INVALID_DNS_NAME',
        `${JSON.stringify(raw)} is not a valid DNS name; use lower-case letters, digits, "-" and "." (labels of 1-63 characters, e.g. hono-service-auth.hono.svc)`,
        `${field}[${i}]`,
      );
    }
    if (!out.includes(name)) out.push(name);
  });
  return out;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * The bytes an IP address SAN carries: 4 for IPv4, 16 for IPv6 in any notation (`::1`, `0:0::1`,
 * `::ffff:1.2.3.4`). Undefined for anything else, zone ids (`fe80::1%eth0`) included: a SAN has none.
 */
export function ipBytes(text: string): Buffer | undefined {
  if (IPV4.test(text)) return Buffer.from(text.split('.').map(Number));
  if (isIP(text) !== 6 || text.includes('%')) return undefined;
  let s = text;
  const v4 = /^(.*:)([^:]+\.[^:]+)$/.exec(s);
  if (v4) {
    const b = ipBytes(v4[2]!);
    if (b?.length !== 4) return undefined;
    s = `${v4[1]}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [left, right] = s.split('::') as [string, string | undefined];
  const head = left ? left.split(':') : [];
  const tail = right === undefined ? [] : right ? right.split(':') : [];
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  if (groups.length !== 8) return undefined;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** An address in a form every parser reads alike: dotted decimal, or eight uncompressed hex groups. */
export function canonicalIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  return Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':');
}

/** IP addresses as canonical text, de-duplicated by their bytes; INVALID_IP_ADDRESS names the first bad entry. */
export function validateIpAddresses(ips: string[], field = 'ipAddresses'): string[] {
  const out: string[] = [];
  ips.forEach((ip, i) => {
    const bytes = ipBytes(ip);
    if (!bytes) {
      throw new PkiError('INVALID_IP_ADDRESS', `${JSON.stringify(ip)} is not an IPv4 or IPv6 address; use e.g. 10.0.0.1 or ::1 (no zone id)`, `${field}[${i}]`);
    }
    const text = canonicalIp(bytes);
    if (!out.includes(text)) out.push(text);
  });
  return out;
}

/**
 * The subject attributes the operator writes, in the order of Hono's demo certificates (C, L, O,
 * OU, CN), with their OIDs and X.520 upper bounds (in characters). Country is a PrintableString
 * of two letters; the others are PrintableString when the value fits that set, else UTF8String.
 */
export const SUBJECT_ATTRIBUTES = [
  { key: 'country', short: 'C', oid: '2.5.4.6', max: 2 },
  { key: 'locality', short: 'L', oid: '2.5.4.7', max: 128 },
  { key: 'organization', short: 'O', oid: '2.5.4.10', max: 64 },
  { key: 'organizationalUnit', short: 'OU', oid: '2.5.4.11', max: 64 },
  // No bound enforced on CN: a CA's root CN is its commonName (up to 64) plus " Root".
  { key: 'commonName', short: 'CN', oid: '2.5.4.3', max: Infinity },
] as const satisfies ReadonlyArray<{ key: keyof DistinguishedName; short: string; oid: string; max: number }>;

export interface SubjectAttribute {
  key: keyof DistinguishedName;
  short: string;
  oid: string;
  value: string;
}

/** Why a subject value would not come back unchanged from a certificate, or undefined when it would. */
export function subjectValueProblem(key: keyof DistinguishedName, value: string): string | undefined {
  const attr = SUBJECT_ATTRIBUTES.find((a) => a.key === key)!;
  if (value.length === 0) return `${key} is empty; set a value or leave the field out`;
  if (/\p{Cs}/u.test(value)) return `${key} is not well-formed Unicode (a lone surrogate); correct the value`;
  // Cc: C0 controls (newline, tab ...), DEL and C1 controls. Tools print them escaped or not at all.
  if (/\p{Cc}/u.test(value)) return `${key} contains a control character (newline, tab ...); write it on one line without control characters`;
  if (key === 'country' && !/^[A-Z]{2}$/.test(value)) return `country ${JSON.stringify(value)} must be a two-letter ISO 3166 code such as CA`;
  const length = [...value].length;
  if (length > attr.max) return `${key} has ${length} characters; X.520 allows at most ${attr.max}: shorten it`;
  return undefined;
}

/** The attributes a subject carries, validated, in certificate order; absent fields are left out. */
export function subjectAttributes(dn: DistinguishedName, field = 'subject'): SubjectAttribute[] {
  const out: SubjectAttribute[] = [];
  for (const a of SUBJECT_ATTRIBUTES) {
    const value = dn[a.key];
    if (value === undefined && a.key !== 'commonName') continue;
    const problem = subjectValueProblem(a.key, value ?? '');
    if (problem) throw new PkiError('INVALID_REQUEST', problem, `${field}.${a.key}`);
    out.push({ key: a.key, short: a.short, oid: a.oid, value: value! });
  }
  return out;
}

/** The subject as an x509.Name built from typed values (no DN string parsing, so no escaping rules apply). */
export function subjectName(dn: DistinguishedName, field = 'subject'): x509.Name {
  return new x509.Name(
    subjectAttributes(dn, field).map((a) => ({
      [a.oid]: [a.key === 'country' || x509.Name.isPrintableString(a.value) ? { printableString: a.value } : { utf8String: a.value }],
    })),
  );
}
