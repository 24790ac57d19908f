// cert-manager objects for tests and the demo (on a control plane started with its controllers):
// issuers and CA certificates made by cert-manager itself, and waits on their Ready condition.
import type { ExecutionContext } from 'ava';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { CERT_MANAGER_GROUP, CERT_MANAGER_VERSION } from '../../operator/issuers/certificate-spec.js';
import { testKubeConfig, withNamespace } from './cluster.js';
import { waitFor } from './wait.js';

export const cm = { group: CERT_MANAGER_GROUP, version: CERT_MANAGER_VERSION };

export interface CmObject {
  metadata: { name?: string; uid?: string; generation?: number; resourceVersion?: string; annotations?: Record<string, string> };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

const custom = () => testKubeConfig().makeApiClient(CustomObjectsApi);

export async function createCm(plural: string, body: { kind: string; metadata: { name: string }; spec: object }, namespace?: string): Promise<void> {
  const full = { apiVersion: `${cm.group}/${cm.version}`, ...body };
  await (namespace ? custom().createNamespacedCustomObject({ ...cm, plural, namespace, body: full }) : custom().createClusterCustomObject({ ...cm, plural, body: full }));
}

export async function getCm(plural: string, name: string, namespace?: string): Promise<CmObject | undefined> {
  try {
    return (await (namespace ? custom().getNamespacedCustomObject({ ...cm, plural, namespace, name }) : custom().getClusterCustomObject({ ...cm, plural, name }))) as CmObject;
  } catch {
    return undefined;
  }
}

export async function cmReady(plural: string, name: string, namespace?: string): Promise<void> {
  let last = 'not found';
  await waitFor(
    `${plural}/${name} Ready`,
    async () => {
      const ready = (await getCm(plural, name, namespace))?.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready) last = `${ready.reason}: ${ready.message}`;
      return ready?.status === 'True';
    },
    60_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (last: ${last})`);
  });
}

/** A SelfSigned ClusterIssuer `name` (created when missing). */
export async function selfSignedClusterIssuer(name: string): Promise<void> {
  if (!(await getCm('clusterissuers', name))) await createCm('clusterissuers', { kind: 'ClusterIssuer', metadata: { name }, spec: { selfSigned: {} } });
  await cmReady('clusterissuers', name);
}

/** A CA certificate in Secret `name` of `namespace`, issued by the SelfSigned ClusterIssuer `selfSigned`. */
export async function caCertificate(namespace: string, name: string, selfSigned: string): Promise<void> {
  await createCm(
    'certificates',
    {
      kind: 'Certificate',
      metadata: { name },
      spec: { isCA: true, commonName: `${name} CA`, secretName: name, privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { group: cm.group, kind: 'ClusterIssuer', name: selfSigned } },
    },
    namespace,
  );
  await cmReady('certificates', name, namespace);
}

/** A CA Issuer `name` in `namespace`, its CA made by cert-manager from the SelfSigned ClusterIssuer. */
export async function caIssuer(namespace: string, name: string, selfSigned: string): Promise<void> {
  await caCertificate(namespace, name, selfSigned);
  await createCm('issuers', { kind: 'Issuer', metadata: { name }, spec: { ca: { secretName: name } } }, namespace);
  await cmReady('issuers', name, namespace);
}

/** A test namespace with a CA Issuer `hono-ca`. */
export async function namespaceWithCaIssuer(t: ExecutionContext, prefix: string, selfSigned: string): Promise<string> {
  const ns = await withNamespace(t, prefix);
  await caIssuer(ns, 'hono-ca', selfSigned);
  return ns;
}
