// certManager issuer: one cert-manager Certificate per component, owned by the HonoTlsConfig and
// applied server-side as the config's field manager only when it differs from the plan (a hand
// edit is restored, a deleted one recreated). Reports each Certificate's Ready condition and the
// material cert-manager wrote, with cert-manager's own reason and message when it is not Ready.
import { PatchStrategy, setHeaderOptions, type V1Secret } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import type { ComponentStatus } from '../api/v1alpha1.js';
import { CERTIFICATES, CERT_MANAGER_GROUP, CERT_MANAGER_VERSION, desiredCertificate, type Certificate } from '../issuers/certificate-spec.js';
import type { ComponentPlan, Plan } from '../plan/types.js';
import { decodeData, isOwnedBy, isoSeconds, ownerReference, type Failure, type ReconcileContext } from './context.js';
import { isNotFound, readOrUndefined, statusCode } from './kube.js';
import { COMPONENT_LABEL, CONFIG_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, RENEW_ANNOTATION, ROLE_ANNOTATION, fieldManager, labelValue } from './names.js';

const applyOptions = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const cm = { group: CERT_MANAGER_GROUP, version: CERT_MANAGER_VERSION };

type CertCondition = NonNullable<NonNullable<Certificate['status']>['conditions']>[number];

/** What cert-manager wrote for one component. */
export interface IssuedSecret {
  keyPem: string;
  chainPem: string;
  /** The issuer's CA (ca.crt), when the issuer provides it. */
  caPem?: string;
  /** Every key cert-manager wrote that a pod reads (the key included: it is hashed, never kept). */
  data: Record<string, Buffer>;
}

export interface CertificateOutcome {
  component: string;
  certificate: NonNullable<ComponentStatus['certificate']>;
  secret?: IssuedSecret;
  failure?: Failure;
}

export function certificateMeta(plan: Plan, c: ComponentPlan): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [CONFIG_LABEL]: labelValue(plan.configName), [COMPONENT_LABEL]: labelValue(c.name) },
    annotations: { [ROLE_ANNOTATION]: 'cert-manager' },
  };
}

/** The plan's fields are all in place (extra fields someone else set are left alone). */
export function certificateMatches(desired: Certificate, existing: Certificate): boolean {
  const want = desired.spec as Record<string, unknown>;
  const got = (existing.spec ?? {}) as Record<string, unknown>;
  const sub = (w: Record<string, string> | undefined, g: Record<string, string> | undefined) => Object.entries(w ?? {}).every(([k, v]) => g?.[k] === v);
  return (
    Object.keys(want).every((k) => isDeepStrictEqual(want[k], got[k])) &&
    sub(desired.metadata.labels, existing.metadata.labels) &&
    sub(desired.metadata.annotations, existing.metadata.annotations)
  );
}

/** cert-manager's CRDs are not served: a 404 on the Certificate kind itself, not on one object. */
function notInstalled(): Failure {
  return {
    reason: 'CertManagerNotInstalled',
    message: 'spec.issuer.certManager: the cluster does not serve certificates.cert-manager.io/v1; install cert-manager (its CRDs and controllers), or use spec.issuer.selfSigned or spec.issuer.ca',
    retry: true,
  };
}

export async function ensureCertificates(ctx: ReconcileContext, plan: Plan): Promise<{ outcomes: CertificateOutcome[] } | { failure: Failure }> {
  const issuerCheck = memo(() => checkIssuer(ctx, plan));
  try {
    const outcomes = await Promise.all(plan.components.map((c) => ensureOne(ctx, plan, c, issuerCheck)));
    return { outcomes };
  } catch (err) {
    if (err instanceof NotInstalled) return { failure: notInstalled() };
    throw err;
  }
}

class NotInstalled extends Error {}

async function ensureOne(ctx: ReconcileContext, plan: Plan, c: ComponentPlan, issuerCheck: () => Promise<Failure | undefined>): Promise<CertificateOutcome> {
  const ns = plan.namespace;
  const name = c.certManager!.certificateName;
  const desired = desiredCertificate(plan, c, ownerReference(ctx.config), certificateMeta(plan, c));
  const unknown = (failure: Failure): CertificateOutcome => ({ component: c.name, certificate: { name, ready: 'Unknown' }, failure });
  let cert = await ctx.read.certificate(ns, name);
  if (cert && !isOwnedBy(cert, ctx.config)) {
    return unknown({ reason: 'CertificateConflict', message: `Certificate ${name} exists but does not belong to this HonoTlsConfig: delete or rename it`, retry: true });
  }
  if (!cert || !certificateMatches(desired, cert)) {
    const restoring = !!cert;
    try {
      // Forced: the Certificate is this config's own object; a hand edit of its fields is taken back.
      cert = (await ctx.timings.api(() =>
        ctx.clients.custom.patchNamespacedCustomObject(
          { ...cm, plural: CERTIFICATES, namespace: ns, name, body: desired, fieldManager: fieldManager(ctx.config.metadata.name), force: true },
          applyOptions,
        ),
      )) as Certificate;
    } catch (err) {
      if (isNotFound(err)) throw new NotInstalled();
      throw err;
    }
    ctx.read.wrote('certificate', ns, name, cert);
    ctx.logger.info(restoring ? 'restored certificate' : 'created certificate', { certificate: name });
    if (restoring) await ctx.events.record(ctx.config, 'Normal', 'CertificateRestored', `Certificate ${name}: its fields differed from the spec and were restored`);
  }
  const ready = condition(cert, 'Ready');
  const current = !!ready && ready.observedGeneration === cert.metadata.generation;
  const certificate: CertificateOutcome['certificate'] = {
    name,
    ready: current ? ready.status : 'Unknown',
    ...(ready?.reason ? { reason: ready.reason } : {}),
    ...(ready?.message ? { message: ready.message } : {}),
  };
  const secret = await issuedSecret(ctx, ns, c.certManager!.secretName);
  if (current && ready.status === 'True' && secret) return { component: c.name, certificate, secret };
  const failure = (await whyNotReady(ctx, plan, c, cert, issuerCheck)) ?? {
    reason: 'CertificateNotReady' as const,
    message: !current
      ? `Certificate ${name}: waiting for cert-manager to process generation ${cert.metadata.generation ?? '?'}`
      : ready.status === 'True'
        ? `Certificate ${name} is Ready but its Secret ${c.certManager!.secretName} holds no tls.crt and tls.key yet`
        : `Certificate ${name} is not Ready (${ready.reason ?? 'no reason'}: ${ready.message ?? ''})`,
    retry: true,
  };
  return { component: c.name, certificate, ...(secret ? { secret } : {}), failure };
}

const condition = (cert: Certificate, type: string): CertCondition | undefined => cert.status?.conditions?.find((x) => x.type === type);

/** cert-manager's own words for a Certificate that is not Ready: the request failed or was denied, or the issuer is missing or not Ready. */
async function whyNotReady(ctx: ReconcileContext, plan: Plan, c: ComponentPlan, cert: Certificate, issuerCheck: () => Promise<Failure | undefined>): Promise<Failure | undefined> {
  const issuing = condition(cert, 'Issuing');
  if (issuing?.status === 'False' && issuing.observedGeneration === cert.metadata.generation) {
    const denied = await deniedRequest(ctx, plan, c);
    if (denied) {
      return { reason: 'CertificateRequestDenied', message: `Certificate ${cert.metadata.name}: its CertificateRequest ${denied.name} was denied (${denied.reason}: ${denied.message}); an approver refused it: check the approval policy for this issuer`, retry: true };
    }
    return { reason: 'CertificateRequestFailed', message: `Certificate ${cert.metadata.name}: ${issuing.reason ?? 'Failed'}: ${issuing.message ?? ''} (cert-manager retries with backoff)`, retry: true };
  }
  return issuerCheck();
}

interface CertificateRequest {
  metadata: { name?: string; annotations?: Record<string, string> };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** The newest CertificateRequest of the component's Certificate (they carry its labels), when it was denied. */
async function deniedRequest(ctx: ReconcileContext, plan: Plan, c: ComponentPlan): Promise<{ name: string; reason: string; message: string } | undefined> {
  const labelSelector = `${CONFIG_LABEL}=${labelValue(plan.configName)},${COMPONENT_LABEL}=${labelValue(c.name)}`;
  const list = (await ctx.timings.api(() => ctx.clients.custom.listNamespacedCustomObject({ ...cm, plural: 'certificaterequests', namespace: plan.namespace, labelSelector }))) as {
    items: CertificateRequest[];
  };
  const revision = (r: CertificateRequest) => Number(r.metadata.annotations?.['cert-manager.io/certificate-revision'] ?? 0);
  const newest = [...list.items].sort((a, b) => revision(b) - revision(a))[0];
  const d = newest?.status?.conditions?.find((x) => x.type === 'Denied' && x.status === 'True');
  return d ? { name: newest!.metadata.name ?? '?', reason: d.reason ?? 'Denied', message: d.message ?? '' } : undefined;
}

/** cert-manager's own Issuer kinds are read (missing, not Ready); an external issuer's group is left to its controller. */
async function checkIssuer(ctx: ReconcileContext, plan: Plan): Promise<Failure | undefined> {
  if (plan.issuer.kind !== 'certManager') return undefined;
  const ref = plan.issuer.issuerRef;
  if (ref.group !== CERT_MANAGER_GROUP || (ref.kind !== 'Issuer' && ref.kind !== 'ClusterIssuer')) return undefined;
  const cluster = ref.kind === 'ClusterIssuer';
  const what = cluster ? `ClusterIssuer ${ref.name}` : `Issuer ${ref.name} in namespace ${plan.namespace}`;
  let issuer: { status?: { conditions?: CertCondition[] } } | undefined;
  try {
    issuer = (await ctx.timings.api(() =>
      readOrUndefined(() =>
        cluster
          ? ctx.clients.custom.getClusterCustomObject({ ...cm, plural: 'clusterissuers', name: ref.name })
          : ctx.clients.custom.getNamespacedCustomObject({ ...cm, plural: 'issuers', namespace: plan.namespace, name: ref.name }),
      ),
    )) as typeof issuer;
  } catch (err) {
    // A namespaced install cannot read ClusterIssuers: cert-manager's own condition says it then.
    if (statusCode(err) === 403) return undefined;
    throw err;
  }
  if (!issuer) {
    return { reason: 'IssuerNotFound', message: `${what} (spec.issuer.certManager.issuerRef) does not exist: create it, or name an existing one${cluster ? '' : ' (kind: ClusterIssuer for a cluster-wide one)'}`, retry: true };
  }
  const ready = issuer.status?.conditions?.find((x) => x.type === 'Ready');
  if (ready?.status !== 'True') {
    return { reason: 'IssuerNotReady', message: `${what} is not Ready (${ready ? `${ready.reason ?? ''}: ${ready.message ?? ''}` : 'no Ready condition yet'}); fix the issuer as cert-manager's message says`, retry: true };
  }
  return undefined;
}

async function issuedSecret(ctx: ReconcileContext, namespace: string, name: string): Promise<IssuedSecret | undefined> {
  const secret = await ctx.read.secret(namespace, name);
  if (!secret) return undefined;
  await adopt(ctx, secret);
  const data = decodeData(secret.data);
  const keyPem = data['tls.key']?.toString('utf8');
  const chainPem = data['tls.crt']?.toString('utf8');
  if (!keyPem?.trim() || !chainPem?.trim()) return undefined;
  const caPem = data['ca.crt']?.toString('utf8');
  return { keyPem, chainPem, ...(caPem?.trim() ? { caPem } : {}), data };
}

/** cert-manager leaves the Secret behind when its Certificate goes: the config's ownerReference takes it away with the config. */
async function adopt(ctx: ReconcileContext, secret: V1Secret): Promise<void> {
  if (isOwnedBy(secret, ctx.config)) return;
  const { name, namespace } = secret.metadata as { name: string; namespace: string };
  // Not the controller: that stays cert-manager's to claim. An update with the resourceVersion read: a 409 retries from fresh reads.
  const ownerReferences = [...(secret.metadata?.ownerReferences ?? []), { ...ownerReference(ctx.config), controller: false }];
  const body: V1Secret = { ...secret, metadata: { ...secret.metadata, ownerReferences } };
  const updated = await ctx.timings.api(() => ctx.clients.core.replaceNamespacedSecret({ name, namespace, body }));
  ctx.read.wrote('secret', namespace, name, updated);
}

/**
 * A renew trigger (hono.eclipse.org/renew) in certManager mode: each owned Certificate's Issuing
 * condition is set True in its status, as `cmctl renew` does, and cert-manager re-issues. The
 * resourceVersion makes it a compare-and-swap: a 409 retries the whole trigger from fresh reads.
 */
export async function renewCertificates(ctx: ReconcileContext, plan: Plan, token: string): Promise<void> {
  const names: string[] = [];
  for (const c of plan.components) {
    const name = c.certManager?.certificateName;
    const cert = name ? await ctx.read.certificate(plan.namespace, name) : undefined;
    if (!name || !cert || !isOwnedBy(cert, ctx.config)) continue;
    const conditions = [
      ...(cert.status?.conditions ?? []).filter((x) => x.type !== 'Issuing'),
      { type: 'Issuing', status: 'True' as const, reason: 'ManuallyTriggered', message: `Certificate re-issuance triggered by ${RENEW_ANNOTATION}=${token}`, lastTransitionTime: isoSeconds(ctx.clock.now()), observedGeneration: cert.metadata.generation },
    ];
    const body = { metadata: { resourceVersion: cert.metadata.resourceVersion }, status: { conditions } };
    const updated = (await ctx.timings.api(() => ctx.clients.custom.patchNamespacedCustomObjectStatus({ ...cm, plural: CERTIFICATES, namespace: plan.namespace, name, body }, mergePatch))) as Certificate;
    ctx.read.wrote('certificate', plan.namespace, name, updated);
    names.push(name);
  }
  ctx.logger.info('renew trigger passed to cert-manager', { token, certificates: names });
  await ctx.events.record(ctx.config, 'Normal', 'RenewTrigger', `${RENEW_ANNOTATION}=${token}: cert-manager re-issues ${names.join(', ') || 'no Certificate'}`);
}

/** Deletes the config's own Certificate (a component dropped from the spec); cert-manager's Secret is the caller's. */
export async function removeCertificate(ctx: ReconcileContext, namespace: string, name: string): Promise<void> {
  const cert = await ctx.read.certificate(namespace, name);
  if (!cert || !isOwnedBy(cert, ctx.config)) return;
  await ctx.timings.api(() => readOrUndefined(() => ctx.clients.custom.deleteNamespacedCustomObject({ ...cm, plural: CERTIFICATES, namespace, name })));
  ctx.read.wrote('certificate', namespace, name, undefined);
  ctx.logger.info('deleted the Certificate of a dropped component', { certificate: name });
}

function memo<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}
