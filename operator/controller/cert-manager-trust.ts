// certManager issuer: what every component trusts. The issuers' ca.crt from the Secrets cert-manager
// wrote (all of them: during an issuer CA change some components still carry the old one), plus the
// trust bundle the spec names; each issued chain must verify against the result.
import { mergeBundles } from '../issuers/phase-issuer.js';
import { verifyChain } from '../pki/inspect.js';
import { parseCertificates } from '../pki/pem.js';
import type { Plan, TrustBundleRef } from '../plan/types.js';
import { decodeData, type Failure, type ReconcileContext } from './context.js';
import type { CertificateOutcome } from './certificates.js';
import { readOrUndefined } from './kube.js';

export async function certManagerTrust(ctx: ReconcileContext, plan: Plan, outcomes: CertificateOutcome[]): Promise<{ pem: string } | { failure: Failure }> {
  if (plan.issuer.kind !== 'certManager') throw new Error('not a certManager plan');
  const ref = plan.issuer.trustBundle;
  const bundles = outcomes.map((o) => o.secret?.caPem).filter((p): p is string => !!p);
  if (ref) {
    const b = await readBundle(ctx, plan.namespace, ref);
    if ('failure' in b) return b;
    bundles.push(b.pem);
  }
  const issued = outcomes.filter((o) => o.secret);
  if (!bundles.length) {
    if (!issued.length) return { pem: '' };
    return {
      failure: {
        reason: 'TrustBundleMissing',
        message: `the Secrets cert-manager wrote carry no ca.crt (the issuer ${plan.issuer.issuerRef.kind} ${plan.issuer.issuerRef.name} does not provide its CA): name the CA bundle in spec.issuer.certManager.trustBundle (a Secret or ConfigMap key, e.g. one trust-manager writes)`,
        retry: false,
      },
    };
  }
  const pem = mergeBundles(bundles);
  // A bundle that does not anchor the issued certificates would wire a trust that fails every handshake.
  for (const o of issued) {
    const v = verifyChain(o.secret!.chainPem, pem, ctx.clock.now());
    if (!v.ok) {
      const where = ref ? `spec.issuer.certManager.trustBundle (${ref.kind} ${ref.name}, key ${ref.key})` : 'the ca.crt of the issued Secrets';
      return { failure: { reason: 'TrustBundleInvalid', message: `${where} does not verify the certificate of component ${o.component} (${v.reason}): put the CA that issues it in the bundle`, retry: true } };
    }
  }
  return { pem };
}

async function readBundle(ctx: ReconcileContext, namespace: string, ref: TrustBundleRef): Promise<{ pem: string } | { failure: Failure }> {
  const field = `spec.issuer.certManager.trustBundle.${ref.kind === 'Secret' ? 'secret' : 'configMap'}`;
  let text: string | undefined;
  let found: boolean;
  if (ref.kind === 'Secret') {
    const s = await ctx.read.secret(namespace, ref.name);
    found = !!s;
    text = decodeData(s?.data)[ref.key]?.toString('utf8');
  } else {
    const cm = await ctx.timings.api(() => readOrUndefined(() => ctx.clients.core.readNamespacedConfigMap({ name: ref.name, namespace })));
    found = !!cm;
    text = cm?.data?.[ref.key] ?? (cm?.binaryData?.[ref.key] !== undefined ? Buffer.from(cm.binaryData[ref.key]!, 'base64').toString('utf8') : undefined);
  }
  if (!found || text === undefined) {
    return {
      failure: {
        reason: 'TrustBundleMissing',
        message: `${field}: ${ref.kind} ${ref.name} ${found ? `has no key ${ref.key}` : 'does not exist'} in namespace ${namespace}; create it with the PEM CA certificates to trust, or fix the name and key`,
        retry: true,
      },
    };
  }
  try {
    parseCertificates(text, field);
  } catch (err) {
    return { failure: { reason: 'TrustBundleInvalid', message: `${field}: ${ref.kind} ${ref.name} key ${ref.key}: ${(err as Error).message}`, retry: true } };
  }
  return { pem: text };
}
