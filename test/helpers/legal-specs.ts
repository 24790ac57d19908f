// Random HonoTlsConfigs that admission accepts, from a seeded PRNG of our own (mulberry32), for
// property tests: awkward subject values (every DN special character, spaces at the ends,
// unicode beyond the BMP), IP addresses in every notation, DNS names up to the label limits.
// test/integration/crd-validation.test.ts sends a sample to the real apiserver, so "legal" is checked.
import { GROUP, VERSION, type ComponentSpec, type HonoTlsConfig } from '../../operator/api/v1alpha1.js';

export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, 0, xs.length - 1)]!;

// Characters a subject value may hold, weighted towards the ones DN text forms escape.
const SPECIAL = [',', '+', '"', '\\', '#', '<', '>', ';', '=', ' ', "'", '/', '*', '|', '%', '&'];
const UNICODE = ['é', 'ü', 'ß', '\u00a0', 'Ω', 'ж', '中', '文', '☃', '€', '\u202e', 'ﬁ', 'e\u0301', '😀', '𝄞', '🇨🇦'];

function subjectValue(r: Rng, max: number): string {
  const n = int(r, 1, Math.min(max, r() < 0.1 ? max : 24));
  const chars: string[] = [];
  while (chars.length < n) {
    const k = r();
    const c = k < 0.35 ? pick(r, SPECIAL) : k < 0.55 ? pick(r, UNICODE) : String.fromCharCode(int(r, 0x21, 0x7e));
    for (const cp of c) if (chars.length < n) chars.push(cp);
  }
  if (r() < 0.15) chars[0] = '#';
  if (r() < 0.15) chars[0] = ' ';
  if (r() < 0.15) chars[chars.length - 1] = ' ';
  return chars.join('');
}

function subject(r: Rng): NonNullable<ComponentSpec['subject']> {
  const s: NonNullable<ComponentSpec['subject']> = {};
  if (r() < 0.8) s.organization = subjectValue(r, 64);
  if (r() < 0.6) s.organizationalUnit = subjectValue(r, 64);
  if (r() < 0.4) s.locality = subjectValue(r, 128);
  if (r() < 0.4) s.country = String.fromCharCode(int(r, 65, 90), int(r, 65, 90));
  return s;
}

const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function label(r: Rng, max = 63, first = LABEL_CHARS): string {
  const n = int(r, 1, r() < 0.1 ? max : Math.min(max, 12));
  let s = pick(r, [...first]);
  for (let i = 1; i < n; i++) s += i === n - 1 ? pick(r, [...LABEL_CHARS]) : pick(r, [...LABEL_CHARS, '-']);
  return s;
}

function dnsName(r: Rng): string {
  const labels = Array.from({ length: int(r, 1, 4) }, () => label(r));
  let name = (r() < 0.15 ? '*.' : '') + labels.join('.');
  while (name.length > 253) name = name.slice(name.indexOf('.') + 1);
  return name;
}

/** An IP address in one of its notations: dotted, full, compressed, upper case, leading zeros, IPv4 embedded. */
export function ipText(r: Rng): string {
  if (r() < 0.35) return Array.from({ length: 4 }, () => int(r, 0, 255)).join('.');
  const groups = Array.from({ length: 8 }, () => (r() < 0.4 ? 0 : int(r, 0, 0xffff)));
  if (r() < 0.2) groups.splice(0, 8, 0, 0, 0, 0, 0, 0, 0, int(r, 0, 2));
  // Admission (CEL isIP) refuses IPv4-mapped addresses (::ffff:a.b.c.d): write the IPv4 address instead.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) groups[5] = 0xfffe;
  const hex = (g: number) => {
    let s = g.toString(16);
    if (r() < 0.2) s = s.padStart(4, '0');
    return r() < 0.2 ? s.toUpperCase() : s;
  };
  const texts = groups.map(hex);
  if (r() < 0.15) {
    // The last 32 bits as dotted IPv4 (allowed for any address, not only ::ffff:0:0/96).
    const [a, b] = [groups[6]!, groups[7]!];
    texts.splice(6, 2, `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`);
  }
  if (r() < 0.7) {
    // Compress one run of zero groups (any run, not only the longest; more than one "::" is illegal).
    const runs: [number, number][] = [];
    for (let i = 0; i < 6 + (texts.length === 7 ? 1 : 2); i++) {
      if (groups[i] !== 0 || i >= texts.length) continue;
      let j = i;
      while (j < texts.length && groups[j] === 0 && !texts[j]!.includes('.')) j++;
      if (j > i) runs.push([i, j]);
    }
    if (runs.length) {
      const [i, j] = pick(r, runs);
      return `${texts.slice(0, i).join(':')}::${texts.slice(j).join(':')}`;
    }
  }
  return texts.join(':');
}

export function legalConfig(r: Rng): HonoTlsConfig {
  const n = int(r, 1, 3);
  const names = new Set<string>();
  while (names.size < n) names.add(label(r, 20, 'abcdefghijklmnopqrstuvwxyz'));
  const types = ['authServer', 'httpAdapter', 'mqttAdapter', 'client', 'deviceRegistry'] as const;
  const components: ComponentSpec[] = [...names].map((name, i) => {
    const c: ComponentSpec = { name, type: i === 0 && r() < 0.5 ? 'authServer' : pick(r, types.slice(1)) };
    if (r() < 0.7) c.serviceName = label(r, 63, 'abcdefghijklmnopqrstuvwxyz');
    if (r() < 0.6) c.dnsNames = [...new Set(Array.from({ length: int(r, 1, 4) }, () => dnsName(r)))];
    if (r() < 0.6) c.ipAddresses = [...new Set(Array.from({ length: int(r, 1, 4) }, () => ipText(r)))];
    if (r() < 0.4) c.subject = subject(r);
    if (r() < 0.3) c.privateKey = { algorithm: 'ECDSA', size: pick(r, [256, 384] as const) };
    return c;
  });
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'HonoTlsConfig',
    metadata: { name: label(r, 40, 'abcdefghijklmnopqrstuvwxyz'), namespace: label(r, 63, 'abcdefghijklmnopqrstuvwxyz') },
    spec: {
      components,
      ...(r() < 0.7 ? { certificate: { subject: subject(r) } } : {}),
    },
  };
}
