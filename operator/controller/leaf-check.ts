// "Is the leaf in the Secret still good?" Decided from the objects alone (no memory of past
// reconciles), so a restart or a resync never re-issues: keep the leaf when it is signed by
// the current CA, matches the requested names, subject, key and usage, and is not due for renewal.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { LeafRequest } from '../pki/types.js';

export type LeafVerdict = { keep: true; notAfter: Date; renewAt: Date } | { keep: false; reason: string };

export interface LeafWanted extends Omit<LeafRequest, 'existingKeyPem'> {
  renewBeforeMs: number;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

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
  if (!leaf.verify(ca.publicKey) || leaf.issuer !== ca.subject) return { keep: false, reason: 'not signed by the current CA' };
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(existing.keyPem))) return { keep: false, reason: 'key does not match certificate' };
  } catch {
    return { keep: false, reason: 'stored key is not readable' };
  }
  if (!sameSet(sans(leaf, 'DNS'), wanted.dnsNames) || !sameSet(sans(leaf, 'IP Address'), wanted.ipAddresses)) {
    return { keep: false, reason: 'requested DNS names or IP addresses changed' };
  }
  if (!sameSubject(leaf.subject, wanted.subject)) return { keep: false, reason: 'requested subject changed' };
  if (!sameKeySpec(leaf, wanted.privateKey)) return { keep: false, reason: 'requested key algorithm or size changed' };
  if (!sameUsage(leaf, wanted.usage)) return { keep: false, reason: 'requested usage changed' };
  const notAfter = new Date(leaf.validTo);
  const renewAt = new Date(notAfter.getTime() - wanted.renewBeforeMs);
  if (now.getTime() >= renewAt.getTime()) return { keep: false, reason: 'due for renewal' };
  return { keep: true, notAfter, renewAt };
}

function sans(cert: X509Certificate, kind: 'DNS' | 'IP Address'): string[] {
  const out: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(/,\s*/)) {
    const i = part.indexOf(':');
    if (i > 0 && part.slice(0, i) === kind) out.push(part.slice(i + 1).replace(/^"|"$/g, ''));
  }
  return out;
}

function sameSet(a: string[], b: string[]): boolean {
  const norm = (xs: string[]) => [...new Set(xs.map((x) => x.toLowerCase()))].sort().join('\n');
  return norm(a) === norm(b);
}

function sameSubject(subject: string, wanted: LeafRequest['subject']): boolean {
  const got = new Map<string, string>();
  for (const line of subject.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) got.set(line.slice(0, i), line.slice(i + 1));
  }
  const pairs: [string, string | undefined][] = [
    ['CN', wanted.commonName],
    ['O', wanted.organization],
    ['OU', wanted.organizationalUnit],
    ['C', wanted.country],
    ['L', wanted.locality],
  ];
  return pairs.every(([k, v]) => (got.get(k) ?? undefined) === (v || undefined));
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
