// PKI benchmark: material for 7 components per algorithm, timed side by side with bare crypto.generateKeyPair
// for the same 7 keys (alternating order, several rounds, medians), plus EC P-256 certificates/second.
import { generateKeyPair } from 'node:crypto';
import * as os from 'node:os';
import { promisify } from 'node:util';
import {
  CertificateAuthority,
  jksTrustStore,
  pemTrustBundle,
  pkcs12KeyStore,
  pkcs12TrustStore,
  storeInputDigest,
  type PrivateKeySpec,
} from '../../operator/pki/index.js';
import { systemClock } from '../../operator/runtime/clock.js';

const generateKeyPairAsync = promisify(generateKeyPair);
const COMPONENTS = ['auth-server', 'dispatch-router', 'device-registry', 'http-adapter', 'mqtt-adapter', 'amqp-adapter', 'command-router'];
const ALGORITHMS: Array<{ label: string; spec: PrivateKeySpec; rounds: number }> = [
  { label: 'EC P-256', spec: { algorithm: 'ECDSA', size: 256 }, rounds: 7 },
  { label: 'EC P-384', spec: { algorithm: 'ECDSA', size: 384 }, rounds: 7 },
  { label: 'RSA 2048', spec: { algorithm: 'RSA', size: 2048 }, rounds: 5 },
  { label: 'RSA 3072', spec: { algorithm: 'RSA', size: 3072 }, rounds: 3 },
];
const TRUST_PASSWORD = 'bench-trust';
const KEY_PASSWORD = 'bench-keys';
const DAY = 864e5;

/** The 7 keys alone, exported exactly as the PKI library exports them (PKCS8 PEM). */
async function bareKeys(spec: PrivateKeySpec): Promise<void> {
  const enc = { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'der' } } as const;
  await Promise.all(
    COMPONENTS.map(() =>
      spec.algorithm === 'ECDSA'
        ? generateKeyPairAsync('ec', { namedCurve: spec.size === 256 ? 'prime256v1' : 'secp384r1', ...enc })
        : generateKeyPairAsync('rsa', { modulusLength: spec.size, publicExponent: 0x10001, ...enc }),
    ),
  );
}

/**
 * Everything the controller writes for 7 components: per component key, certificate, chain, PKCS12 key store
 * and its input digest; the trust stores (PEM, JKS, PKCS12) and their digests once, as all 7 share one bundle.
 */
async function material(ca: CertificateAuthority, spec: PrivateKeySpec): Promise<void> {
  const bundle = ca.trustBundlePem;
  await Promise.all([
    ...COMPONENTS.map(async (name) => {
      const leaf = await ca.issue({
        subject: { commonName: name, organization: 'Eclipse IoT', organizationalUnit: 'Hono' },
        dnsNames: [name, `${name}.hono`, `${name}.hono.svc`, `${name}.hono.svc.cluster.local`],
        ipAddresses: [],
        usage: 'both',
        privateKey: spec,
        durationMs: 90 * DAY,
      });
      const ks = { keyPem: leaf.keyPem, chainPem: leaf.chainPem, password: KEY_PASSWORD, alias: name };
      await Promise.all([pkcs12KeyStore(ks), storeInputDigest({ format: 'pkcs12-keystore', certsPem: ks.chainPem, password: ks.password, alias: name, keyPem: ks.keyPem })]);
    }),
    (async () => {
      pemTrustBundle(bundle);
      jksTrustStore(bundle, TRUST_PASSWORD);
      await Promise.all([
        pkcs12TrustStore(bundle, TRUST_PASSWORD),
        storeInputDigest({ format: 'pem', certsPem: bundle }),
        storeInputDigest({ format: 'jks', certsPem: bundle, password: TRUST_PASSWORD }),
        storeInputDigest({ format: 'pkcs12', certsPem: bundle, password: TRUST_PASSWORD }),
      ]);
    })(),
  ]);
}

/** Wall time and process CPU time (all threads: main + thread pool); CPU time holds up better on a busy machine. */
async function timed(fn: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const t = performance.now();
  const c = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(c);
  return { wall: performance.now() - t, cpu: (d.user + d.system) / 1000 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface PkiBenchRow {
  algorithm: string;
  rounds: number;
  materialMs: number;
  bareKeysMs: number;
  ratio: number;
  materialCpuMs: number;
  bareCpuMs: number;
  cpuRatio: number;
}

export async function runPkiBench(): Promise<void> {
  const rows: PkiBenchRow[] = [];
  for (const { label, spec, rounds } of ALGORITHMS) {
    const ca = await CertificateAuthority.createSelfSigned({ commonName: `Bench ${label}`, intermediate: true, durationMs: 365 * DAY, privateKey: spec }, systemClock);
    await material(ca, spec); // warm-up (JIT, module init)
    await bareKeys(spec);
    const ours: Array<{ wall: number; cpu: number }> = [];
    const bare: Array<{ wall: number; cpu: number }> = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which runs first, so neither side always gets the warmer or quieter slot.
      if (r % 2 === 0) {
        ours.push(await timed(() => material(ca, spec)));
        bare.push(await timed(() => bareKeys(spec)));
      } else {
        bare.push(await timed(() => bareKeys(spec)));
        ours.push(await timed(() => material(ca, spec)));
      }
    }
    const wall = (xs: typeof ours) => median(xs.map((x) => x.wall));
    const cpu = (xs: typeof ours) => median(xs.map((x) => x.cpu));
    rows.push({
      algorithm: label,
      rounds,
      materialMs: wall(ours),
      bareKeysMs: wall(bare),
      ratio: wall(ours) / wall(bare),
      materialCpuMs: cpu(ours),
      bareCpuMs: cpu(bare),
      cpuRatio: cpu(ours) / cpu(bare),
    });
    process.stderr.write(`pki bench: ${label} done (wall ${ours.map((x) => x.wall.toFixed(0)).join(',')} vs ${bare.map((x) => x.wall.toFixed(0)).join(',')} ms)\n`);
  }

  // Certificates per second, EC P-256: signing only (key reused, as renewals with rotationPolicy Never do)
  // and full issuance (fresh key per certificate); 8 in flight.
  const ec = { algorithm: 'ECDSA', size: 256 } as const;
  const ca = await CertificateAuthority.createSelfSigned({ commonName: 'Bench rate', intermediate: true, durationMs: 365 * DAY, privateKey: ec }, systemClock);
  const existingKeyPem = (await ca.issue({ subject: { commonName: 'k' }, dnsNames: ['k'], ipAddresses: [], usage: 'server', privateKey: ec, durationMs: DAY })).keyPem;
  const rate = async (reuseKey: boolean) => {
    const total = 400;
    const t = performance.now();
    for (let done = 0; done < total; done += 8) {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          ca.issue({ subject: { commonName: `c${done + i}` }, dnsNames: [`c${done + i}.hono.svc`], ipAddresses: [], usage: 'server', privateKey: ec, durationMs: DAY, existingKeyPem: reuseKey ? existingKeyPem : undefined }),
        ),
      );
    }
    return total / ((performance.now() - t) / 1000);
  };
  const signOnly = await rate(true);
  const withKeys = await rate(false);

  const table = [
    ['algorithm', 'rounds', 'material ms', 'bare keys ms', 'ratio (goal <= 1.2)', 'material CPU ms', 'bare keys CPU ms', 'CPU ratio', 'extra CPU ms/component'],
    ...rows.map((r) => [
      r.algorithm,
      String(r.rounds),
      r.materialMs.toFixed(1),
      r.bareKeysMs.toFixed(1),
      r.ratio.toFixed(2),
      r.materialCpuMs.toFixed(1),
      r.bareCpuMs.toFixed(1),
      r.cpuRatio.toFixed(2),
      ((r.materialCpuMs - r.bareCpuMs) / COMPONENTS.length).toFixed(1),
    ]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const line = (row: string[]) => '| ' + row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ') + ' |';
  console.log('\n## PKI: material for 7 components vs bare key generation');
  console.log('material = per component: key, certificate (+chain), PKCS12 key store, store digest; once: PEM/JKS/PKCS12 trust stores + digests');
  console.log(`medians over the rounds; wall and process CPU time; ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0]!.toFixed(1)} at the end`);
  console.log(line(table[0]!));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of table.slice(1)) console.log(line(row));
  console.log(`\nEC P-256 certificates/second: ${signOnly.toFixed(0)} (existing key), ${withKeys.toFixed(0)} (fresh key each)`);
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}
