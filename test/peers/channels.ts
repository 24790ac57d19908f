// Proof of the seed's six channels (hono-tls-facts.md section 2) with the material a Ready
// HonoTlsConfig put into the Secrets, read exactly as the pods would receive it: each Deployment's
// volumes are written to a temp dir like the mounts, and each side finds its files through the
// env vars the operator wired (the Dispatch Router through its rendered sslProfile). A real TLS
// handshake runs per (channel, client component): SNI and hostname verification use the server's
// Service name. PEM trust goes through Node `tls`; JKS and PKCS12 trust stores through Java.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type ComponentSpec, type ComponentType, type HonoTlsConfig, type ProfileName } from '../../operator/api/v1alpha1.js';
import { materializePod, type PodView } from './pod-view.js';
import { nodeHandshake, nodeTlsServer, type HandshakeResult } from './node-tls.js';
import { javaClientHandshake } from './java-client.js';
import { findSslProfile } from './ssl-profile.js';
import { table } from './table.js';
import { CHANNELS, clientWiring, serverWiring, type ChannelDef } from './channel-table.js';

export interface ChannelResult {
  channel: number;
  title: string;
  client: string;
  server: string;
  /** The name checked against the server's certificate (and sent as SNI). */
  serverName: string;
  /** Env var (or file) that held the client's trust store, and its format. */
  trust: string;
  clientCert: boolean;
  peer: 'node' | 'java';
  peerVerified: boolean;
  protocol?: string;
  cipher?: string;
  error?: string;
}

export class ChannelProofError extends Error {
  override name = 'ChannelProofError';
}

interface Side {
  spec: ComponentSpec;
  secretName?: string;
  pod?: PodView;
}

const PEM_SUFFIXES = ['.pem', '.crt'];

export async function proveChannels(kc: KubeConfig, namespace: string, configName: string, opts: { workDir?: string; parallel?: number } = {}): Promise<ChannelResult[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const cfg = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: configName })) as HonoTlsConfig;
  const ready = cfg.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') throw new ChannelProofError(`HonoTlsConfig ${namespace}/${configName} is not Ready (${ready?.reason ?? 'no Ready condition'}: ${ready?.message ?? ''})`);

  const root = opts.workDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'hono-channels-')));
  const sides = new Map<string, Side>();
  for (const spec of cfg.spec.components) {
    const st = cfg.status?.components?.find((c) => c.name === spec.name);
    const side: Side = { spec, secretName: st?.secretName };
    if (spec.deployment) {
      const dep = await apps.readNamespacedDeployment({ name: spec.deployment.name, namespace });
      side.pod = await materializePod(core, dep, path.join(root, spec.name), spec.deployment.containers?.[0]);
    }
    sides.set(spec.name, side);
  }
  const ofType = (types: readonly ComponentType[]) => [...sides.values()].filter((s) => types.includes(s.spec.type));

  // Each handshake is independent; a JVM start takes seconds, so run a few at once.
  const jobs: Array<() => Promise<ChannelResult>> = [];
  for (const ch of CHANNELS) {
    const servers = ofType(ch.server);
    let clients = ofType(ch.client);
    // No consumer app in the config: a consumer gets the router's CA, i.e. its Secret's ca.crt.
    if (clients.length === 0 && ch.client.includes('client')) {
      clients = servers.map((s) => ({ spec: { name: 'consumer app', type: 'client' as const }, secretName: s.secretName }));
    }
    if (servers.length === 0 || clients.length === 0) {
      jobs.push(async () => missing(ch, servers, clients));
      continue;
    }
    for (const server of servers) {
      for (const client of clients) jobs.push(() => prove(ch, client, server, cfg.spec.profile ?? 'seed', namespace, core, root));
    }
  }
  try {
    return await inParallel(jobs, opts.parallel ?? 3);
  } finally {
    if (!opts.workDir) await fs.rm(root, { recursive: true, force: true });
  }
}

async function inParallel<T>(jobs: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
}

function missing(ch: ChannelDef, servers: Side[], clients: Side[]): ChannelResult {
  return {
    channel: ch.id,
    title: ch.title,
    client: clients.map((c) => c.spec.name).join(',') || `(no ${ch.client.join('/')})`,
    server: servers.map((c) => c.spec.name).join(',') || `(no ${ch.server.join('/')})`,
    serverName: '',
    trust: '',
    clientCert: ch.clientCert,
    peer: 'node',
    peerVerified: false,
    error: 'the HonoTlsConfig has no component for this side of the channel',
  };
}

function serverNameOf(side: Side, namespace: string): string {
  return serverNameFor(side.spec, namespace);
}

/** The name a client in `namespace` dials and checks against the server's certificate. */
export function serverNameFor(spec: ComponentSpec, namespace: string): string {
  const svc = spec.serviceName ?? spec.dnsNames?.[0];
  if (!svc) throw new ChannelProofError(`component ${spec.name} has neither serviceName nor dnsNames: no name to verify`);
  // What a pod in the namespace dials: <svc>.<ns>.svc (the SANs carry it).
  return spec.serviceName ? `${svc}.${namespace}.svc` : svc;
}

async function readPodFile(side: Side, containerPath: string): Promise<Buffer> {
  if (!side.pod) throw new ChannelProofError(`component ${side.spec.name} has no Deployment: nothing is mounted`);
  return fs.readFile(side.pod.hostPath(containerPath));
}

function envOf(side: Side, name: string): string {
  const v = side.pod?.env.get(name);
  if (v === undefined) throw new ChannelProofError(`${side.spec.name}: env var ${name} is not set on Deployment ${side.spec.deployment?.name ?? '(none)'}`);
  return v;
}

async function prove(ch: ChannelDef, client: Side, server: Side, profile: ProfileName, namespace: string, core: CoreV1Api, root: string): Promise<ChannelResult> {
  const base: ChannelResult = {
    channel: ch.id,
    title: ch.title,
    client: client.spec.name,
    server: server.spec.name,
    serverName: '',
    trust: '',
    clientCert: ch.clientCert,
    peer: 'node',
    peerVerified: false,
  };
  try {
    base.serverName = serverNameOf(server, namespace);
    // Server side: its key and chain as mounted, found through its wiring.
    const sw = serverWiring(server.spec, profile);
    let serverKey: Buffer, serverCert: Buffer, serverCa: Buffer | undefined;
    if (sw.kind === 'sslProfile') {
      if (!server.pod) throw new ChannelProofError(`${server.spec.name}: the Dispatch Router has no Deployment to read its sslProfile from`);
      const prof = await findSslProfile(server.pod);
      serverKey = await readPodFile(server, prof.privateKeyFile);
      serverCert = await readPodFile(server, prof.certFile);
      serverCa = prof.caCertFile ? await readPodFile(server, prof.caCertFile) : undefined;
    } else {
      serverKey = await readPodFile(server, envOf(server, sw.keyEnv));
      serverCert = await readPodFile(server, envOf(server, sw.certEnv));
    }
    if (ch.clientCert && !serverCa) throw new ChannelProofError(`${server.spec.name}: no CA file to verify client certificates with`);

    // Client side: the trust store its env var names (or, for an unwired client, its Secret's ca.crt).
    const cw = client.spec.deployment ? clientWiring(client.spec, profile, ch.id, server.spec.type) : undefined;
    let trustFile: string;
    let trustPassword: string | undefined;
    if (!cw && client.spec.type !== 'client') throw new ChannelProofError(`${client.spec.name}: the catalogue wires no trust store for channel ${ch.id} (towards ${server.spec.type})`);
    if (client.pod && cw) {
      const p = envOf(client, cw.trustPathEnv);
      trustFile = client.pod.hostPath(p);
      trustPassword = cw.trustPasswordEnv ? client.pod.env.get(cw.trustPasswordEnv) : undefined;
      if (trustPassword?.startsWith('file:')) trustPassword = (await readPodFile(client, trustPassword.slice(5))).toString('utf8').trim();
      base.trust = `${cw.trustPathEnv}=${p}`;
    } else {
      trustFile = await secretFile(core, namespace, client, 'ca.crt', root);
      base.trust = `Secret ${client.secretName}/ca.crt`;
    }
    let clientKeyFile: string | undefined, clientCertFile: string | undefined;
    if (ch.clientCert) {
      if (!cw?.keyEnv || !cw.certEnv) throw new ChannelProofError(`${client.spec.name}: the channel needs a client certificate but the catalogue names no key/cert env vars`);
      clientKeyFile = client.pod!.hostPath(envOf(client, cw.keyEnv));
      clientCertFile = client.pod!.hostPath(envOf(client, cw.certEnv));
    }
    const serverMaterial = { keyPem: serverKey, certPem: serverCert, clientCaPem: ch.clientCert ? serverCa : undefined };

    let r: HandshakeResult;
    if (PEM_SUFFIXES.some((s) => trustFile.endsWith(s))) {
      const clientMaterial = { caPem: await fs.readFile(trustFile), keyPem: clientKeyFile && (await fs.readFile(clientKeyFile)), certPem: clientCertFile && (await fs.readFile(clientCertFile)) };
      r = await nodeHandshake(serverMaterial, clientMaterial, base.serverName);
    } else {
      base.peer = 'java';
      if (trustPassword === undefined) throw new ChannelProofError(`${client.spec.name}: trust store ${path.basename(trustFile)} needs a password, and ${cw?.trustPasswordEnv ?? 'no password env var'} is not set`);
      const srv = await nodeTlsServer(serverMaterial);
      try {
        r = await javaClientHandshake({ port: srv.port, serverName: base.serverName, trustStore: trustFile, trustPassword, keyFile: clientKeyFile, certFile: clientCertFile, workDir: root });
        if (r.ok) {
          // The server side saw the same session: take the cipher from there.
          const session = await srv.session;
          r.cipher = session.cipher;
          r.protocol ??= session.protocol;
          if (ch.clientCert) {
            r.clientVerified = session.clientAuthorized;
            r.ok = session.clientAuthorized;
          }
        }
      } finally {
        await srv.close();
      }
    }
    return { ...base, peerVerified: r.ok && r.peerVerified, protocol: r.protocol, cipher: r.cipher, error: r.error };
  } catch (e) {
    return { ...base, error: (e as Error).message };
  }
}

async function secretFile(core: CoreV1Api, namespace: string, side: Side, key: string, root: string): Promise<string> {
  if (!side.secretName) throw new ChannelProofError(`${side.spec.name}: status names no Secret`);
  const s = await core.readNamespacedSecret({ name: side.secretName, namespace });
  const b64 = s.data?.[key];
  if (!b64) throw new ChannelProofError(`Secret ${side.secretName} has no ${key}`);
  const file = path.join(root, side.spec.name, 'secret', key);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, Buffer.from(b64, 'base64'), { mode: 0o400 });
  return file;
}

/** The result table as aligned text. */
export function formatChannelTable(rows: ChannelResult[]): string {
  const head = ['#', 'channel', 'client', 'server', 'name verified', 'trust (as wired)', 'peer', 'verified', 'protocol', 'cipher'];
  const body = rows.map((r) => [
    String(r.channel),
    r.title,
    r.client + (r.clientCert ? ' +client cert' : ''),
    r.server,
    r.serverName,
    r.trust,
    r.peer,
    r.peerVerified ? 'yes' : `NO: ${r.error ?? ''}`,
    r.protocol ?? '',
    r.cipher ?? '',
  ]);
  return table(head, body);
}

/** True when every one of the six channels has at least one row and every row verified. */
export function allSixProven(rows: ChannelResult[]): boolean {
  return CHANNELS.every((ch) => rows.some((r) => r.channel === ch.id)) && rows.every((r) => r.peerVerified);
}
