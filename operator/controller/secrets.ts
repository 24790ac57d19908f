// Component Secrets: key, chain, CA bundle, stores, peer certificates and rendered text, per the
// plan's entries. What to (re)issue is decided from the Secret itself; stores are rebuilt only
// when the digest of their inputs changed; nothing is written when the Secret already matches.
import { X509Certificate, createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { ComponentStatus } from '../api/v1alpha1.js';
import type { ExternalLeaf, Issuer } from '../issuers/issuer.js';
import { fingerprint } from '../pki/inspect.js';
import { pkcs12KeyStore, storeInputDigest, trustStore } from '../pki/stores/index.js';
import type { ComponentPlan, Plan, SecretEntry } from '../plan/types.js';
import { decodeData, encodeData, isOwnedBy, ownerReference, type Failure, type ReconcileContext } from './context.js';
import { NOT_CURRENT_CA, checkLeaf, firstPem } from './leaf-check.js';
import { failureOf, secretRejected } from './failures.js';
import { secretMaterialDigest } from './material-digest.js';
import { DEFAULT_REISSUE_LIMITS, decideReissue, readHistory, recordIssue } from './reissue-guard.js';
import { renewalTime } from './renewal.js';
import { ownedKeysAnnotation, userKeys } from './user-keys.js';
import {
  COMPONENT_LABEL,
  CONFIG_LABEL,
  ISSUE_HISTORY_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  ROLE_ANNOTATION,
  STORE_DIGEST_ANNOTATION,
  labelValue,
} from './names.js';

export interface ComponentMaterial {
  component: ComponentPlan;
  /** Set when the component's Secret could not be made. */
  failure?: Failure;
  leaf?: { certPem: string; notAfter: Date; renewAt: Date; fingerprint: string };
  /** Digest of what a pod reads from the Secret (no raw bytes). */
  materialDigest?: string;
  issued: boolean;
  written: boolean;
  /** A re-issue held back by the reissue guard: when to look again. */
  retryAt?: Date;
  /** certManager issuer: the component's Certificate and its Ready condition. */
  certificate?: ComponentStatus['certificate'];
}

interface Leaf {
  keyPem: string;
  chainPem: string;
  certPem: string;
  notAfter: Date;
  renewAt: Date;
  fingerprint: string;
  issued: boolean;
  /** The issue-history annotation the Secret should carry. */
  history?: string;
  /** certManager: the entries of cert-manager's Secret that a pod reads (for the material digest). */
  external?: Record<string, Buffer>;
}

const keyOfKind = (c: ComponentPlan, kind: SecretEntry['source']['kind']) => c.entries.find((e) => e.source.kind === kind)?.key;

export interface LifecycleSteer {
  /** Components whose Secret must stay exactly as it is (a rotation step not yet theirs). */
  frozen?: Set<string>;
  /** Components to re-issue now whatever their check says, with the why recorded in their history (a renew trigger). */
  force?: Map<string, string>;
  /** A CA rotation step: a leaf of the old CA is re-issued at once (no floor), keeping its key. */
  rotating?: boolean;
}

export async function ensureComponentSecrets(
  ctx: ReconcileContext,
  plan: Plan,
  issuer: Issuer,
  password: string | undefined,
  steer: LifecycleSteer = {},
): Promise<ComponentMaterial[]> {
  const namespace = plan.namespace;
  // 1. Read every Secret and decide, per component, whether its leaf is still good; issue in parallel.
  const leaves = await Promise.all(
    plan.components.map(async (c): Promise<{ existing?: V1Secret; leaf?: Leaf; failure?: Failure; retryAt?: Date; frozen?: boolean }> => {
      const existing = await ctx.read.secret(namespace, c.secretName);
      if (existing && !isOwnedBy(existing, ctx.config)) {
        return {
          existing,
          failure: {
            reason: 'SecretConflict',
            message: `Secret ${c.secretName} exists but does not belong to this HonoTlsConfig: delete or rename it`,
            retry: true,
          },
        };
      }
      const external = issuer.externalLeaf?.(c.name);
      if (external) return { existing, ...fromExternal(external) };
      const data = decodeData(existing?.data);
      const kKey = keyOfKind(c, 'privateKey') ?? 'tls.key';
      const kChain = keyOfKind(c, 'certChain') ?? 'tls.crt';
      const wanted = c.certificate;
      const now = ctx.clock.now();
      const stored = { chainPem: data[kChain]?.toString('utf8'), keyPem: data[kKey]?.toString('utf8') };
      const signers = issuer.acceptedSignersPem?.() ?? [issuer.signingCertificatePem()];
      const verdicts = signers.map((pem) => checkLeaf(stored, wanted, pem, now));
      const kept = verdicts.find((v) => v.keep);
      const forced = steer.force?.get(c.name);
      const verdict = forced ? { keep: false as const, reason: forced } : (kept ?? verdicts[0]!);
      const historyText = existing?.metadata?.annotations?.[ISSUE_HISTORY_ANNOTATION];
      const storedLeaf = (renewAt: Date): Leaf | undefined => {
        const certPem = stored.chainPem && firstPem(stored.chainPem);
        if (!certPem || !stored.keyPem) return undefined;
        try {
          return {
            keyPem: stored.keyPem,
            chainPem: stored.chainPem!,
            certPem: `${certPem}\n`,
            notAfter: new Date(new X509Certificate(certPem).validTo),
            renewAt,
            fingerprint: fingerprint(`${certPem}\n`),
            issued: false,
            history: historyText,
          };
        } catch {
          return undefined;
        }
      };
      if (steer.frozen?.has(c.name) && existing) {
        // Not this step's turn: what is stored stays (its trust stores too, so its Deployment does
        // not roll before the rollout cap admits it), even when it is due.
        const inPlace = storedLeaf(verdict.keep ? verdict.renewAt : new Date(now.getTime() + 1000));
        if (inPlace) return { existing, leaf: inPlace, frozen: true };
      }
      if (verdict.keep) return { existing, leaf: storedLeaf(verdict.renewAt) };
      const limits = ctx.reissueLimits ?? DEFAULT_REISSUE_LIMITS;
      const history = readHistory(historyText);
      // A trigger or a rotation step re-issues once by design: the floor does not apply, the loop guard does.
      const rotated = !!steer.rotating && verdict.reason === NOT_CURRENT_CA;
      const triggered = !!forced || rotated;
      const decision = decideReissue(history, verdict.reason, ctx.config.metadata.generation, now, limits, c.secretName, triggered);
      if (!decision.issue) {
        ctx.logger.warn('re-issue held back', { component: c.name, reason: decision.reason, why: verdict.reason });
        return {
          existing,
          leaf: storedLeaf(decision.retryAt),
          retryAt: decision.retryAt,
          failure: { reason: decision.reason, message: decision.message, retry: false },
        };
      }
      const { renewBeforeMs, ...request } = wanted;
      // A new CA re-signs the component's key: peers pinning its certificate's key (token validation) keep working.
      const reuseKey = rotated && stored.keyPem ? { existingKeyPem: stored.keyPem } : {};
      try {
        const issued = await ctx.timings.issue(() => issuer.issue({ ...request, ...reuseKey }));
        ctx.logger.info('issuing certificate', { component: c.name, why: verdict.reason, fingerprint: issued.fingerprint });
        return {
          existing,
          leaf: {
            keyPem: issued.keyPem,
            chainPem: issued.chainPem,
            // Same form as read back from a stored chain, so peer copies stay byte-identical.
            certPem: `${firstPem(issued.chainPem)!}\n`,
            notAfter: issued.notAfter,
            renewAt: renewalTime(issued.notBefore, issued.notAfter, renewBeforeMs),
            fingerprint: issued.fingerprint,
            issued: true,
            history: recordIssue(history, { at: now.toISOString(), gen: ctx.config.metadata.generation, why: verdict.reason }, limits),
          },
        };
      } catch (err) {
        return { existing, failure: failureOf(err, `component ${c.name}`) };
      }
    }),
  );
  const peerCerts = new Map<string, string>();
  plan.components.forEach((c, i) => {
    // A held-back leaf is not passed on: it may be one the operator did not issue.
    const { leaf, failure } = leaves[i]!;
    if (leaf && !failure) peerCerts.set(c.name, leaf.certPem);
  });

  // 2. Build each Secret's data and write it only when it differs from what is stored.
  return Promise.all(
    plan.components.map(async (c, i): Promise<ComponentMaterial> => {
      const { existing, leaf, failure, retryAt, frozen } = leaves[i]!;
      if (frozen && leaf && existing) {
        const stored = decodeData(existing.data);
        const privateKeyEntries = c.entries.filter((e) => e.source.kind === 'privateKey').map((e) => e.key);
        return {
          component: c,
          leaf: { certPem: leaf.certPem, notAfter: leaf.notAfter, renewAt: leaf.renewAt, fingerprint: leaf.fingerprint },
          materialDigest: secretMaterialDigest(stored, privateKeyEntries),
          issued: false,
          written: false,
        };
      }
      if (failure || !leaf) {
        // Held back: the Secret stays as it is; status shows the certificate in place.
        const inPlace = leaf && { certPem: leaf.certPem, notAfter: leaf.notAfter, renewAt: leaf.renewAt, fingerprint: leaf.fingerprint };
        return { component: c, failure, issued: false, written: false, ...(inPlace ? { leaf: inPlace } : {}), ...(retryAt ? { retryAt } : {}) };
      }
      const built = await buildData(c, leaf, issuer, password, peerCerts, existing).catch((err: unknown) => ({ failure: failureOf(err, `component ${c.name}`) }));
      if ('failure' in built) return { component: c, failure: built.failure, issued: false, written: false };
      const desired = desiredSecret(ctx, plan, c, built.data, built.storeDigest, leaf.history);
      const kept = userKeys(existing, Object.keys(built.data));
      desired.data = { ...kept, ...desired.data };
      let written: boolean;
      try {
        written = await writeIfChanged(ctx, desired, existing);
      } catch (err) {
        const refused = secretRejected(plan.namespace, c.secretName, err);
        if (!refused) throw err;
        return { component: c, failure: refused, issued: false, written: false };
      }
      const privateKeyEntries = c.entries.filter((e) => e.source.kind === 'privateKey').map((e) => e.key);
      // certManager: what the pod reads from cert-manager's Secret counts too, so a renewal rolls the Deployment.
      const podReads = { ...built.data, ...prefixed(leaf.external) };
      return {
        component: c,
        leaf: { certPem: leaf.certPem, notAfter: leaf.notAfter, renewAt: leaf.renewAt, fingerprint: leaf.fingerprint },
        materialDigest: secretMaterialDigest(podReads, [...privateKeyEntries, ...CERT_MANAGER_KEY_ENTRIES]),
        issued: leaf.issued,
        written,
      };
    }),
  );
}

/** certManager: the digest names cert-manager's entries apart from the operator's; the key is skipped as everywhere. */
const CERT_MANAGER_PREFIX = 'cert-manager/';
const CERT_MANAGER_KEY_ENTRIES = [`${CERT_MANAGER_PREFIX}tls.key`];
function prefixed(data: Record<string, Buffer> | undefined): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`${CERT_MANAGER_PREFIX}${k}`, v]));
}

/** A leaf cert-manager issued: taken as it is (cert-manager renews it), never re-issued here. */
function fromExternal(e: ExternalLeaf): { leaf?: Leaf; failure?: Failure } {
  if (!('keyPem' in e)) return { failure: e.failure };
  const certPem = firstPem(e.chainPem);
  if (!certPem) return { failure: { reason: 'CertificateNotReady', message: 'the Secret cert-manager wrote holds no certificate in tls.crt', retry: true } };
  const cert = new X509Certificate(certPem);
  const notAfter = new Date(cert.validTo);
  const leaf: Leaf = {
    keyPem: e.keyPem,
    chainPem: e.chainPem,
    certPem: `${certPem}\n`,
    notAfter,
    // cert-manager renews; its Secret's change brings the operator back. Look again at expiry at the latest.
    renewAt: notAfter,
    fingerprint: fingerprint(`${certPem}\n`),
    issued: false,
    external: e.data,
  };
  return { leaf, ...(e.failure ? { failure: e.failure } : {}) };
}

/**
 * One digest over the inputs of every store in the Secret (the PKI's per-store digest, which
 * keeps the password unguessable from the annotation); never over store bytes, which carry salts.
 */
async function storesDigest(c: ComponentPlan, entries: SecretEntry[], trustPem: string, leaf: Leaf, password: string): Promise<string> {
  const lines = await Promise.all(
    entries.map(async (e) => {
      const d =
        e.source.kind === 'keyStore'
          ? await storeInputDigest({ format: 'pkcs12-keystore', certsPem: leaf.chainPem, keyPem: leaf.keyPem, password, alias: c.name })
          : await storeInputDigest({ format: e.source.kind === 'trustStore' ? e.source.format : 'pem', certsPem: trustPem, password });
      return `${e.key}=${d}`;
    }),
  );
  return `sha256:${createHash('sha256').update(lines.sort().join('\n')).digest('hex')}`;
}

async function buildData(
  c: ComponentPlan,
  leaf: Leaf,
  issuer: Issuer,
  password: string | undefined,
  peers: Map<string, string>,
  existing: V1Secret | undefined,
): Promise<{ data: Record<string, Buffer>; storeDigest?: string } | { failure: Failure }> {
  const trustPem = issuer.trustBundlePem();
  const data: Record<string, Buffer> = {};
  const storeEntries = c.entries.filter((e) => e.source.kind === 'trustStore' || e.source.kind === 'keyStore');
  for (const e of c.entries) {
    const s = e.source;
    switch (s.kind) {
      case 'privateKey':
        data[e.key] = Buffer.from(leaf.keyPem);
        break;
      case 'certChain':
        data[e.key] = Buffer.from(leaf.chainPem);
        break;
      case 'caBundle':
        data[e.key] = Buffer.from(trustPem);
        break;
      case 'text':
        data[e.key] = Buffer.from(s.text);
        break;
      case 'peerCertificate': {
        const peer = peers.get(s.component);
        if (!peer) {
          return {
            failure: { reason: 'PeerNotReady', message: `component ${c.name} needs the certificate of ${s.component}, which is not issued yet`, retry: true },
          };
        }
        data[e.key] = Buffer.from(peer);
        break;
      }
      case 'trustStore':
      case 'keyStore':
        break; // below, all stores together
    }
  }
  if (storeEntries.length === 0) return { data };
  if (password === undefined) {
    return { failure: { reason: 'PasswordMissing', message: `component ${c.name} needs the store password`, retry: true } };
  }
  const digest = await storesDigest(c, storeEntries, trustPem, leaf, password);
  const old = decodeData(existing?.data);
  const reuse = existing?.metadata?.annotations?.[STORE_DIGEST_ANNOTATION] === digest && storeEntries.every((e) => old[e.key]);
  for (const e of storeEntries) {
    const s = e.source;
    if (reuse) data[e.key] = old[e.key]!;
    else if (s.kind === 'trustStore') data[e.key] = await trustStore(s.format, trustPem, password);
    else if (s.kind === 'keyStore') data[e.key] = await pkcs12KeyStore({ keyPem: leaf.keyPem, chainPem: leaf.chainPem, password, alias: c.name });
  }
  return { data, storeDigest: digest };
}

function desiredSecret(
  ctx: ReconcileContext,
  plan: Plan,
  c: ComponentPlan,
  data: Record<string, Buffer>,
  storeDigest: string | undefined,
  history: string | undefined,
): V1Secret {
  const tls = data['tls.crt'] && data['tls.key'];
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: c.secretName,
      namespace: plan.namespace,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
        [CONFIG_LABEL]: labelValue(plan.configName),
        [COMPONENT_LABEL]: labelValue(c.name),
      },
      annotations: {
        [ROLE_ANNOTATION]: 'component',
        ...ownedKeysAnnotation(Object.keys(data)),
        ...(storeDigest ? { [STORE_DIGEST_ANNOTATION]: storeDigest } : {}),
        ...(history ? { [ISSUE_HISTORY_ANNOTATION]: history } : {}),
      },
      ownerReferences: [ownerReference(ctx.config)],
    },
    type: tls ? 'kubernetes.io/tls' : 'Opaque',
    data: encodeData(data),
  };
}

function sameSecret(desired: V1Secret, existing: V1Secret): boolean {
  if (desired.type !== existing.type) return false;
  const d = desired.data ?? {};
  const e = existing.data ?? {};
  if (Object.keys(d).length !== Object.keys(e).length || Object.keys(d).some((k) => d[k] !== e[k])) return false;
  const sub = (want: Record<string, string> | undefined, got: Record<string, string> | undefined) =>
    Object.entries(want ?? {}).every(([k, v]) => got?.[k] === v);
  if (!sub(desired.metadata?.labels, existing.metadata?.labels)) return false;
  if (!sub(desired.metadata?.annotations, existing.metadata?.annotations)) return false;
  // The store digest annotation goes away when the stores do.
  if (!desired.metadata?.annotations?.[STORE_DIGEST_ANNOTATION] && existing.metadata?.annotations?.[STORE_DIGEST_ANNOTATION]) return false;
  return true;
}

/** Creates or replaces the Secret when it differs; returns whether it wrote. */
async function writeIfChanged(ctx: ReconcileContext, desired: V1Secret, existing: V1Secret | undefined): Promise<boolean> {
  const namespace = desired.metadata!.namespace!;
  const name = desired.metadata!.name!;
  if (existing && sameSecret(desired, existing)) return false;
  if (existing && existing.type !== desired.type) {
    // type is immutable: replace the object
    await ctx.timings.api(() => ctx.clients.core.deleteNamespacedSecret({ name, namespace }));
    ctx.read.wrote('secret', namespace, name, undefined);
    existing = undefined;
  }
  if (!existing) {
    // A 409 here fails the reconcile: it retries from fresh reads rather than overwrite what appeared.
    ctx.read.wrote('secret', namespace, name, await ctx.timings.api(() => ctx.clients.core.createNamespacedSecret({ namespace, body: desired })));
    return true;
  }
  const annotations = { ...(existing.metadata?.annotations ?? {}), ...(desired.metadata?.annotations ?? {}) };
  if (!desired.metadata?.annotations?.[STORE_DIGEST_ANNOTATION]) delete annotations[STORE_DIGEST_ANNOTATION];
  const body: V1Secret = {
    ...desired,
    metadata: {
      ...desired.metadata,
      resourceVersion: existing.metadata?.resourceVersion,
      labels: { ...(existing.metadata?.labels ?? {}), ...(desired.metadata?.labels ?? {}) },
      annotations,
    },
  };
  ctx.read.wrote('secret', namespace, name, await ctx.timings.api(() => ctx.clients.core.replaceNamespacedSecret({ name, namespace, body })));
  return true;
}
