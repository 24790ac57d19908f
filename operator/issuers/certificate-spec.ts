// certManager issuer: the cert-manager Certificate of one component, computed from the plan alone
// (pure), typed with cert-manager's generated types. The operator applies exactly this object.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { Certificate as GeneratedCertificate } from '../api/generated/cert-manager.js';
import { formatGoDuration } from '../plan/duration.js';
import type { ComponentPlan, Plan } from '../plan/types.js';

export const CERT_MANAGER_GROUP = 'cert-manager.io';
export const CERT_MANAGER_VERSION = 'v1';
export const CERTIFICATES = 'certificates';

/** The generated type with the metadata Kubernetes objects really carry. */
export type Certificate = Omit<GeneratedCertificate, 'metadata'> & { metadata: V1ObjectMeta };
export type CertificateSpec = NonNullable<GeneratedCertificate['spec']>;
type Usage = NonNullable<CertificateSpec['usages']>[number];

/** Labels and annotations both the Certificate and the Secret cert-manager writes carry. */
export interface CertificateMeta {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function desiredCertificate(plan: Plan, c: ComponentPlan, owner: V1OwnerReference, meta: CertificateMeta): Certificate {
  if (plan.issuer.kind !== 'certManager' || !c.certManager) throw new Error(`component ${c.name} is not issued by cert-manager`);
  const wanted = c.certificate;
  const s = wanted.subject;
  const list = (v: string | undefined) => (v ? [v] : undefined);
  // ECDSA keys sign; RSA keys also encipher (TLS 1.2 RSA key exchange), as the operator's own leaves.
  const usages: Usage[] = wanted.privateKey.algorithm === 'RSA' ? ['digital signature', 'key encipherment', 'server auth', 'client auth'] : ['digital signature', 'server auth', 'client auth'];
  const keyStore = c.certManager.secretKeys.some((e) => e.source.kind === 'keyStore');
  const spec: CertificateSpec = {
    secretName: c.certManager.secretName,
    secretTemplate: { labels: meta.labels, annotations: meta.annotations },
    issuerRef: { name: plan.issuer.issuerRef.name, kind: plan.issuer.issuerRef.kind, group: plan.issuer.issuerRef.group },
    commonName: s.commonName,
    subject: dropEmpty({
      organizations: list(s.organization),
      organizationalUnits: list(s.organizationalUnit),
      countries: list(s.country),
      localities: list(s.locality),
    }),
    dnsNames: wanted.dnsNames,
    ...(wanted.ipAddresses.length ? { ipAddresses: wanted.ipAddresses } : {}),
    usages,
    // Hono reads PKCS8 keys; a renewal brings a new key, like the operator's own issuing.
    privateKey: { algorithm: wanted.privateKey.algorithm, size: wanted.privateKey.size, encoding: 'PKCS8', rotationPolicy: 'Always' },
    duration: formatGoDuration(wanted.durationMs),
    renewBefore: formatGoDuration(wanted.renewBeforeMs),
    revisionHistoryLimit: 2,
    ...(keyStore
      ? { keystores: { pkcs12: { create: true, profile: 'Modern2023' as const, passwordSecretRef: { name: plan.password.secretName, key: plan.password.key } } } }
      : {}),
  };
  return {
    apiVersion: `${CERT_MANAGER_GROUP}/${CERT_MANAGER_VERSION}`,
    kind: 'Certificate',
    metadata: { name: c.certManager.certificateName, namespace: plan.namespace, labels: meta.labels, annotations: meta.annotations, ownerReferences: [owner] },
    spec,
  };
}

function dropEmpty<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
