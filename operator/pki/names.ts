// Validation of SAN inputs and building of subject names.
import { isIP } from 'node:net';
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

/** De-duplicated IPv4/IPv6 addresses; INVALID_IP_ADDRESS names the first bad entry. */
export function validateIpAddresses(ips: string[], field = 'ipAddresses'): string[] {
  const out: string[] = [];
  ips.forEach((ip, i) => {
    if (isIP(ip) === 0) {
      throw new PkiError('INVALID_IP_ADDRESS', `${JSON.stringify(ip)} is not an IPv4 or IPv6 address; use e.g. 10.0.0.1 or ::1`, `${field}[${i}]`);
    }
    if (!out.includes(ip)) out.push(ip);
  });
  return out;
}

/** Subject in the order of Hono's demo certificates: C, L, O, OU, CN. */
export function subjectName(dn: DistinguishedName, field = 'subject'): Array<Record<string, string[]>> {
  if (!dn.commonName?.trim()) {
    throw new PkiError('INVALID_REQUEST', 'commonName is empty; set a common name', `${field}.commonName`);
  }
  if (dn.country !== undefined && !/^[A-Z]{2}$/.test(dn.country)) {
    throw new PkiError('INVALID_REQUEST', `country ${JSON.stringify(dn.country)} must be a two-letter ISO 3166 code such as CA`, `${field}.country`);
  }
  const parts: Array<[string, string | undefined]> = [
    ['C', dn.country],
    ['L', dn.locality],
    ['O', dn.organization],
    ['OU', dn.organizationalUnit],
    ['CN', dn.commonName],
  ];
  return parts.filter((p): p is [string, string] => !!p[1]).map(([k, v]) => ({ [k]: [v] }));
}
