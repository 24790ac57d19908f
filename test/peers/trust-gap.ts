// The trust-gap sampler: while Deployments roll (pods control plane), it samples the namespace's
// live pods every `intervalMs` and checks, for every (client pod, server pod) pair on one of the
// six channels, that the client's trust material validates the server's chain and name (and, on
// channels with a client certificate, that the server's CA file validates the client's chain).
//
// Each pod's material is the one it read at start-up: the Secrets as they were when its pod
// template got its digest (hono.eclipse.org/tls-digest). The sampler watches Secrets (every
// version, by resourceVersion) and Deployments (the resourceVersion at which each template digest
// appeared, each time it did); a pod's material is, per Secret, the latest version at or before
// its template's latest appearance before the pod was created.
// resourceVersions are compared as numbers: the test control plane has one etcd, whose revision
// they are. A pair's verdict is cached: a pod's material never changes during its life.
import { createHash, X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, Watch, type KubeConfig, type V1Deployment, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type ComponentSpec, type HonoTlsConfig, type ProfileName } from '../../operator/api/v1alpha1.js';
import { TLS_DIGEST_ANNOTATION } from '../../operator/controller/names.js';
import { verifyChain } from '../../operator/pki/index.js';
import { CHANNELS, clientWiring, serverWiring } from './channel-table.js';
import { serverNameFor } from './channels.js';
import { materializePodSpec, type MountSource, type PodView } from './pod-view.js';
import { findSslProfile } from './ssl-profile.js';

const jks = createRequire(import.meta.url)('jks-js') as { toPem(store: Buffer, password: string): Record<string, { ca?: string; cert?: string }> };
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TrustGapViolation {
  channel: number;
  client: string;
  server: string;
  reason: string;
  /** In how many samples this pair was live and failed. */
  samples: number;
  firstAt: string;
}

export interface TrustGapReport {
  /** Timer samples (every intervalMs). */
  samples: number;
  /** Extra checks, one per change of the live pod set seen on the watch. */
  eventChecks: number;
  /** Sum over samples of the failing pairs. */
  violations: number;
  /** Each failing pair once. */
  distinct: TrustGapViolation[];
  /** Sum over samples of the pairs checked, and per channel. */
  pairsChecked: number;
  pairsPerChannel: Record<number, number>;
  /** Distinct pods seen live, and those whose start-up material could not be told (never silently passed). */
  podsSeen: number;
  unresolved: string[];
  /** Time between the starts of consecutive samples. */
  medianIntervalMs: number;
  maxIntervalMs: number;
  errors: string[];
}

export interface TrustGapSampler {
  /** The report so far. */
  report(): TrustGapReport;
  /** Stops sampling and watching, removes the temp files, returns the report. */
  stop(): Promise<TrustGapReport>;
}

export interface SamplerOptions {
  intervalMs?: number;
  /** A pod live this long whose material is still unknown counts as unresolved. */
  resolveGraceMs?: number;
}

interface Identity {
  /** Its certificate and the chain it sends (PEM). */
  chainPem: string;
  /** The CAs this side trusts for its peer (client: the server's; server: the client certificates'), PEM. */
  trustPem?: string;
}

interface PodMaterial {
  pod: string;
  /** Its template digest and the resourceVersion its material was taken at. */
  digest: string;
  at: number;
  /** Per component in the pod: as server, its chain (+ CA file for client certs); as client, per channel. */
  server: Map<string, Identity>;
  client: Map<string, Map<number, Identity>>;
  error?: string;
}

/** Every version of every Secret seen in the namespace, by resourceVersion. */
class SecretHistory {
  private versions = new Map<string, Array<{ rv: number; data: Record<string, string> }>>();
  add(s: V1Secret): void {
    const name = s.metadata?.name ?? '';
    const rv = Number(s.metadata?.resourceVersion);
    const list = this.versions.get(name) ?? [];
    if (!list.some((v) => v.rv === rv)) list.push({ rv, data: s.data ?? {} });
    list.sort((a, b) => a.rv - b.rv);
    this.versions.set(name, list);
  }
  /** The Secret's entries as they were at `rv`. */
  at(name: string, rv: number): Record<string, string> | undefined {
    const list = this.versions.get(name) ?? [];
    return list.filter((v) => v.rv <= rv).at(-1)?.data;
  }
}

/** A real chain check (the operator's verifyChain: signatures, CA flags, validity) plus, with `host`, checkHost. */
function check(chainPem: string, trustPem: string, host?: string): string | null {
  if (!trustPem.includes('BEGIN CERTIFICATE')) return 'trusts no CA at all';
  const r = verifyChain(chainPem, trustPem, new Date());
  if (!r.ok) return `${r.reason} [chain: ${describe(chainPem)}; trusted: ${describe(trustPem)}]`;
  const leaf = new X509Certificate(chainPem);
  if (host && !leaf.checkHost(host)) return `certificate ${leaf.subject.replace(/\n/g, ', ')} is not valid for ${host}`;
  return null;
}

/** "CN (fingerprint prefix)" of each certificate, to tell same-named CAs apart in a violation. */
function describe(pem: string): string {
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return certs.map((p) => new X509Certificate(p)).map((c) => `${/CN=([^\n]*)/.exec(c.subject)?.[1] ?? c.subject} (${c.fingerprint256.slice(0, 11)})`).join(', ') || 'none';
}

/** The PEM certificates in `text` (a PKCS12 dump has bag attributes between them). */
const pemCerts = (text: string): string => (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).join('\n') + '\n';

/** The certificates in a trust store file as its reader would load them (PEM, JKS, PKCS12). */
/** Parsed stores by content and password: pods of one template share them (an openssl run each is slow). */
const parsedStores = new Map<string, Promise<string>>();

async function trustStoreCerts(file: string, password: string | undefined): Promise<string> {
  const bytes = await fs.readFile(file);
  const key = createHash('sha256').update(bytes).update('\0').update(password ?? '').digest('hex');
  let p = parsedStores.get(key);
  if (!p) {
    p = parseStore(file, bytes, password);
    parsedStores.set(key, p);
    p.catch(() => parsedStores.delete(key));
  }
  return p;
}

async function parseStore(file: string, bytes: Buffer, password: string | undefined): Promise<string> {
  if (bytes.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) return pemCerts(bytes.toString('utf8'));
  if (password === undefined) throw new Error(`trust store ${path.basename(file)} needs a password and none is wired`);
  if (bytes.readUInt32BE(0) === 0xfeedfeed) {
    return pemCerts(Object.values(jks.toPem(bytes, password)).map((e) => `${e.ca ?? ''}${e.cert ?? ''}`).join('\n'));
  }
  const { stdout } = await run('openssl', ['pkcs12', '-in', file, '-nokeys', '-passin', 'env:HONO_P12_PASSWORD'], { env: { ...process.env, HONO_P12_PASSWORD: password } });
  return pemCerts(stdout);
}

export async function startTrustGapSampler(kc: KubeConfig, namespace: string, configName: string, opts: SamplerOptions = {}): Promise<TrustGapSampler> {
  const intervalMs = opts.intervalMs ?? 100;
  const graceMs = opts.resolveGraceMs ?? 10_000;
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const cfg = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: configName })) as HonoTlsConfig;
  const profile: ProfileName = cfg.spec.profile ?? 'seed';
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'hono-trust-gap-'));

  const history = new SecretHistory();
  /**
   * `${deployment}\0${digest}` -> each time the Deployment's template took that digest: the
   * resourceVersion, and when the sampler saw it. A digest can come back (a template reverted):
   * a pod reads what the Secrets held at its template's latest appearance before it was created.
   */
  const anchors = new Map<string, Array<{ rv: number; seenAt: number }>>();
  const lastDigest = new Map<string, string>();
  const noteDeployment = (d: V1Deployment, rv: number, seenAt: number) => {
    const name = d.metadata?.name ?? '';
    const digest = d.spec?.template.metadata?.annotations?.[TLS_DIGEST_ANNOTATION];
    if (!digest || lastDigest.get(name) === digest) return;
    lastDigest.set(name, digest);
    const key = `${name}\0${digest}`;
    anchors.set(key, [...(anchors.get(key) ?? []), { rv, seenAt }]);
  };
  const anchorFor = (pod: V1Pod, deployment: string, digest: string): number | undefined => {
    const list = anchors.get(`${deployment}\0${digest}`);
    if (!list?.length) return undefined;
    const c = pod.metadata?.creationTimestamp;
    const created = c ? new Date(c).getTime() : Date.now();
    // creationTimestamp has whole seconds: a pod created in the same second as an appearance counts as after it.
    return (list.filter((a) => a.seenAt <= created + 1000).at(-1) ?? list[0]!).rv;
  };
  const errors: string[] = [];

  // Initial state (a settled stack): the current digests carry the Secrets as listed.
  const secrets = await core.listNamespacedSecret({ namespace });
  secrets.items.forEach((s) => history.add(s));
  const deps = await apps.listNamespacedDeployment({ namespace });
  const listRv = Math.max(Number(secrets.metadata?.resourceVersion), Number(deps.metadata?.resourceVersion));
  deps.items.forEach((d) => noteDeployment(d, listRv, 0));

  const watch = new Watch(kc);
  const aborts: AbortController[] = [];
  let stopped = false;
  const follow = async (p: string, from: string | undefined, on: (obj: { metadata?: { resourceVersion?: string } }, type: string) => void): Promise<void> => {
    let rv = from;
    while (!stopped) {
      await new Promise<void>((resolve) => {
        watch
          .watch(
            p,
            { resourceVersion: rv, allowWatchBookmarks: true },
            (type, obj: { metadata?: { resourceVersion?: string } }) => {
              if (obj?.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
              if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') on(obj, type);
            },
            () => resolve(),
          )
          .then((a) => aborts.push(a), (e: unknown) => {
            errors.push(`watch ${p}: ${String(e)}`);
            resolve();
          });
      });
      if (!stopped) await sleep(200);
    }
  };
  const base = `/namespaces/${namespace}`;
  void follow(`/api/v1${base}/secrets`, secrets.metadata?.resourceVersion, (s, type) => type !== 'DELETED' && history.add(s as V1Secret));
  void follow(`/apis/apps/v1${base}/deployments`, deps.metadata?.resourceVersion, (d, type) => type !== 'DELETED' && noteDeployment(d as V1Deployment, Number(d.metadata?.resourceVersion), Date.now()));
  // Pods from a watch: every change of the live set is checked (an event evaluation), and the
  // timer samples the current set every intervalMs without waiting on the API server.
  const pods = new Map<string, V1Pod>();
  const podList = await core.listNamespacedPod({ namespace });
  for (const p of podList.items) pods.set(p.metadata!.uid!, p);
  void follow(`/api/v1${base}/pods`, podList.metadata?.resourceVersion, (p, type) => {
    const uid = (p as V1Pod).metadata!.uid!;
    if (type === 'DELETED') pods.delete(uid);
    else {
      pods.set(uid, p as V1Pod);
      if ((p as V1Pod).metadata?.annotations?.[TLS_DIGEST_ANNOTATION]) void materialOf(p as V1Pod).catch(() => undefined);
    }
    // The live set as of this event: a burst of events (or a stalled event loop) skips no state.
    enqueue('event', [...pods.values()].filter(isLive));
  });

  const rsOwner = new Map<string, string | undefined>();
  const deploymentOf = async (pod: V1Pod): Promise<string | undefined> => {
    const rs = pod.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
    if (!rs) return undefined;
    if (!rsOwner.has(rs)) {
      const r = await apps.readNamespacedReplicaSet({ name: rs, namespace });
      rsOwner.set(rs, r.metadata?.ownerReferences?.find((o) => o.kind === 'Deployment')?.name);
    }
    return rsOwner.get(rs);
  };

  const materials = new Map<string, Promise<PodMaterial | undefined>>();
  const firstLive = new Map<string, number>();
  const unresolved = new Set<string>();

  /** A wired pod's material, worked out once (started as soon as the pod appears); undefined while its digest's appearance is unknown. */
  function materialOf(pod: V1Pod): Promise<PodMaterial | undefined> {
    const uid = pod.metadata!.uid!;
    let p = materials.get(uid);
    if (!p) {
      p = (async () => {
        const dep = await deploymentOf(pod);
        const comps = dep ? byDeployment.get(dep) : undefined;
        return dep && comps ? materialize(pod, dep, comps) : undefined;
      })();
      materials.set(uid, p);
      // Not known yet: try again on the next look.
      p.then((m) => m || materials.delete(uid), () => materials.delete(uid));
    }
    return p;
  }

  async function materialize(pod: V1Pod, dep: string, comps: ComponentSpec[]): Promise<PodMaterial | undefined> {
    const name = pod.metadata!.name!;
    const digest = pod.metadata?.annotations?.[TLS_DIGEST_ANNOTATION];
    const at = digest ? anchorFor(pod, dep, digest) : undefined;
    if (!digest || at === undefined) return undefined;
    const source: MountSource = {
      secret: async (n) => {
        const data = history.at(n, at);
        if (!data) throw new Error(`Secret ${n} as of resourceVersion ${at} was not seen`);
        return data;
      },
      configMap: async (n) => {
        const cm = await core.readNamespacedConfigMap({ name: n, namespace });
        return Object.fromEntries([...Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]), ...Object.entries(cm.binaryData ?? {})]);
      },
    };
    const m: PodMaterial = { pod: name, digest, at, server: new Map(), client: new Map() };
    try {
      const views = new Map<string, PodView>();
      const viewFor = async (c: ComponentSpec): Promise<PodView> => {
        const container = c.deployment?.containers?.[0] ?? '';
        let v = views.get(container);
        if (!v) {
          v = await materializePodSpec(source, namespace, name, pod.spec, path.join(root, pod.metadata!.uid!, container || '_'), container || undefined);
          views.set(container, v);
        }
        return v;
      };
      const file = async (v: PodView, envName: string | undefined, what: string): Promise<Buffer> => {
        const p = envName ? v.env.get(envName) : undefined;
        if (!p) throw new Error(`${what}: env var ${envName ?? '(none in the catalogue)'} is not set`);
        return fs.readFile(v.hostPath(p));
      };
      for (const c of comps) {
        const v = await viewFor(c);
        const serves = CHANNELS.filter((ch) => ch.server.includes(c.type));
        if (serves.length) {
          const sw = serverWiring(c, profile);
          if (sw.kind === 'sslProfile') {
            const prof = await findSslProfile(v);
            const chain = pemCerts((await fs.readFile(v.hostPath(prof.certFile))).toString('utf8'));
            const trust = prof.caCertFile ? pemCerts((await fs.readFile(v.hostPath(prof.caCertFile))).toString('utf8')) : undefined;
            m.server.set(c.name, { chainPem: chain, trustPem: trust });
          } else {
            m.server.set(c.name, { chainPem: pemCerts((await file(v, sw.certEnv, `${c.name} certificate`)).toString('utf8')) });
          }
        }
        const asClient = new Map<number, Identity>();
        for (const ch of CHANNELS.filter((x) => x.client.includes(c.type))) {
          const cw = clientWiring(c, profile, ch.id, ch.server[0]!);
          if (!cw) continue;
          let password = cw.trustPasswordEnv ? v.env.get(cw.trustPasswordEnv) : undefined;
          if (password?.startsWith('file:')) password = (await fs.readFile(v.hostPath(password.slice(5)))).toString('utf8').trim();
          const trust = await trustStoreCerts(v.hostPath(v.env.get(cw.trustPathEnv) ?? `(${cw.trustPathEnv} unset)`), password);
          const chain = ch.clientCert ? pemCerts((await file(v, cw.certEnv, `${c.name} client certificate`)).toString('utf8')) : '';
          asClient.set(ch.id, { chainPem: chain, trustPem: trust });
        }
        m.client.set(c.name, asClient);
      }
    } catch (e) {
      m.error = (e as Error).message;
    }
    return m;
  }

  const verdicts = new Map<string, string | null>();
  const distinct = new Map<string, TrustGapViolation>();
  const pairsPerChannel: Record<number, number> = {};
  let samples = 0;
  let eventChecks = 0;
  let lastLiveKey = '';
  let violations = 0;
  let pairsChecked = 0;
  const intervals: number[] = [];
  let lastStart = 0;

  const byDeployment = new Map<string, ComponentSpec[]>();
  for (const c of cfg.spec.components) if (c.deployment) byDeployment.set(c.deployment.name, [...(byDeployment.get(c.deployment.name) ?? []), c]);
  const isLive = (p: V1Pod) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

  async function sample(kind: 'timer' | 'event', snapshot?: V1Pod[]): Promise<void> {
    const livePods = snapshot ?? [...pods.values()].filter(isLive);
    const key = livePods.map((p) => p.metadata!.uid).sort().join(',');
    // An event that left the live set as it was needs no check.
    if (kind === 'event' && key === lastLiveKey) return;
    lastLiveKey = key;
    const live: Array<{ m: PodMaterial; comps: ComponentSpec[] }> = [];
    for (const pod of livePods) {
      const uid = pod.metadata!.uid!;
      const dep = await deploymentOf(pod);
      const comps = dep ? byDeployment.get(dep) : undefined;
      if (!comps) continue; // not a wired Deployment's pod
      if (!firstLive.has(uid)) firstLive.set(uid, Date.now());
      const m = await materialOf(pod);
      if (!m && Date.now() - firstLive.get(uid)! > graceMs) unresolved.add(`${pod.metadata?.name} (digest ${pod.metadata?.annotations?.[TLS_DIGEST_ANNOTATION] ?? 'none'})`);
      if (m) live.push({ m, comps });
    }
    const now = new Date().toISOString();
    for (const ch of CHANNELS) {
      for (const s of live) {
        for (const sc of s.comps.filter((c) => ch.server.includes(c.type))) {
          for (const cl of live) {
            for (const cc of cl.comps.filter((c) => ch.client.includes(c.type))) {
              const key = `${ch.id}\0${cc.name}@${cl.m.pod}\0${sc.name}@${s.m.pod}`;
              let v = verdicts.get(key);
              if (v === undefined) {
                v = verdictOf(ch.id, ch.clientCert, cl.m, cc, s.m, sc);
                verdicts.set(key, v);
              }
              if (v === 'not wired') continue;
              pairsChecked++;
              pairsPerChannel[ch.id] = (pairsPerChannel[ch.id] ?? 0) + 1;
              if (v === null) continue;
              violations++;
              const tag = (m: PodMaterial) => `${m.pod} (${m.digest.slice(7, 15)} @rv ${m.at})`;
              const d = distinct.get(key) ?? { channel: ch.id, client: `${cc.name}@${tag(cl.m)}`, server: `${sc.name}@${tag(s.m)}`, reason: v, samples: 0, firstAt: now };
              d.samples++;
              distinct.set(key, d);
            }
          }
        }
      }
    }
    if (kind === 'timer') samples++;
    else eventChecks++;
  }

  function verdictOf(channel: number, clientCert: boolean, cl: PodMaterial, cc: ComponentSpec, sv: PodMaterial, sc: ComponentSpec): string | null {
    if (cl.error) return `client pod's material: ${cl.error}`;
    if (sv.error) return `server pod's material: ${sv.error}`;
    const c = cl.client.get(cc.name)?.get(channel);
    const s = sv.server.get(sc.name);
    if (!c) return 'not wired';
    if (!s) return 'server side has no certificate';
    const forward = check(s.chainPem, c.trustPem ?? '', serverNameFor(sc, namespace));
    if (forward) return `client does not trust the server: ${forward}`;
    if (clientCert) {
      const back = check(c.chainPem, s.trustPem ?? '');
      if (back) return `server does not trust the client certificate: ${back}`;
    }
    return null;
  }

  // One evaluation at a time, in order; a timer tick that finds one queued is dropped.
  let chain: Promise<void> = Promise.resolve();
  let timerQueued = false;
  function enqueue(kind: 'timer' | 'event', snapshot?: V1Pod[]): void {
    if (kind === 'timer') {
      if (timerQueued) return;
      timerQueued = true;
    }
    chain = chain.then(async () => {
      if (kind === 'timer') {
        timerQueued = false;
        const t = performance.now();
        if (lastStart) intervals.push(t - lastStart);
        lastStart = t;
      }
      try {
        await sample(kind, snapshot);
      } catch (e) {
        errors.push(`sample: ${(e as Error).message}`);
      }
    });
  }
  const timer = setInterval(() => enqueue('timer'), intervalMs);
  enqueue('timer');

  const report = (): TrustGapReport => {
    const sorted = [...intervals].sort((a, b) => a - b);
    return {
      samples,
      eventChecks,
      violations,
      distinct: [...distinct.values()],
      pairsChecked,
      pairsPerChannel: { ...pairsPerChannel },
      podsSeen: firstLive.size,
      unresolved: [...unresolved],
      medianIntervalMs: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0,
      maxIntervalMs: sorted.at(-1) ?? 0,
      errors: [...new Set(errors)].slice(0, 20),
    };
  };
  return {
    report,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await chain;
      for (const a of aborts) a.abort();
      await fs.rm(root, { recursive: true, force: true });
      return report();
    },
  };
}

/** One line for logs: samples, pairs, violations, interval. */
export function formatTrustGap(r: TrustGapReport): string {
  const per = Object.entries(r.pairsPerChannel).map(([ch, n]) => `#${ch}:${n}`).join(' ');
  return `${r.samples} samples + ${r.eventChecks} checks on pod changes (median interval ${r.medianIntervalMs.toFixed(0)} ms, max ${r.maxIntervalMs.toFixed(0)} ms), ${r.podsSeen} pods, ${r.pairsChecked} pair checks (${per}), ${r.violations} violations in ${r.distinct.length} pairs, ${r.unresolved.length} unresolved pods`;
}
