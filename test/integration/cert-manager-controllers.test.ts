// Proves the cert-manager harness is real: cert-manager's own controllers (built from its Go
// module by build.sh certmanager) issue a CA from a SelfSigned ClusterIssuer and a leaf from a CA
// Issuer, and OpenSSL verifies the leaf against the CA in the Secret.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { clusterWith, type FeaturedCluster } from '../controlplane/cluster-with.js';
import { CERT_MANAGER_VERSION } from '../../operator/api/gen/sources.js';
import { waitFor } from '../helpers/wait.js';

const GROUP = 'cert-manager.io';
const VERSION = 'v1';

let cluster: FeaturedCluster;
let custom: k8s.CustomObjectsApi;
let core: k8s.CoreV1Api;

test.before(async () => {
  cluster = await clusterWith({ certManager: true });
  custom = cluster.kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  core = cluster.kubeConfig().makeApiClient(k8s.CoreV1Api);
});
test.after.always(async () => {
  await cluster?.stop();
});

interface CmObject {
  metadata?: { name?: string; uid?: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** Waits until the object's Ready condition is True; the error names the last condition seen. */
async function ready(plural: string, name: string, namespace?: string, timeoutMs = 60_000): Promise<CmObject> {
  let last = 'not found';
  try {
    return await waitFor(`${plural}/${name} Ready`, async () => {
      const o = (namespace
        ? await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name })
        : await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural, name })) as CmObject;
      const c = o.status?.conditions?.find((x) => x.type === 'Ready');
      last = c ? `${c.reason}: ${c.message}` : 'no Ready condition yet';
      return c?.status === 'True' ? o : undefined;
    }, timeoutMs, 200);
  } catch (err) {
    throw new Error(`${(err as Error).message} (last: ${last})`);
  }
}

const create = (plural: string, body: object, namespace?: string): Promise<unknown> =>
  namespace
    ? custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, body })
    : custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural, body });

test('cert-manager controllers: SelfSigned ClusterIssuer -> CA Certificate -> CA Issuer -> leaf Certificate that OpenSSL verifies', async (t) => {
  const suffix = randomBytes(4).toString('hex');
  const ns = `cm-smoke-${suffix}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const selfSigned = `selfsigned-${suffix}`;
  t.teardown(async () => {
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'clusterissuers', name: selfSigned }).catch(() => undefined);
  });

  await create('clusterissuers', { apiVersion: `${GROUP}/${VERSION}`, kind: 'ClusterIssuer', metadata: { name: selfSigned }, spec: { selfSigned: {} } });
  await ready('clusterissuers', selfSigned);

  await create(
    'certificates',
    {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Certificate',
      metadata: { name: 'hono-ca' },
      spec: {
        isCA: true,
        commonName: 'hono-test-ca',
        secretName: 'hono-ca',
        privateKey: { algorithm: 'ECDSA', size: 256 },
        issuerRef: { group: GROUP, kind: 'ClusterIssuer', name: selfSigned },
      },
    },
    ns,
  );
  await ready('certificates', 'hono-ca', ns);

  await create('issuers', { apiVersion: `${GROUP}/${VERSION}`, kind: 'Issuer', metadata: { name: 'hono-ca' }, spec: { ca: { secretName: 'hono-ca' } } }, ns);
  await ready('issuers', 'hono-ca', ns);

  const dnsName = `hono-service-auth.${ns}.svc`;
  await create(
    'certificates',
    {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Certificate',
      metadata: { name: 'auth' },
      spec: {
        secretName: 'auth-tls',
        dnsNames: [dnsName],
        privateKey: { algorithm: 'ECDSA', size: 256 },
        usages: ['server auth', 'client auth'],
        issuerRef: { group: GROUP, kind: 'Issuer', name: 'hono-ca' },
      },
    },
    ns,
  );
  await ready('certificates', 'auth', ns);

  const secret = await core.readNamespacedSecret({ name: 'auth-tls', namespace: ns });
  const get = (k: string): string => Buffer.from(secret.data?.[k] ?? '', 'base64').toString('utf8');
  const [crt, key, ca] = [get('tls.crt'), get('tls.key'), get('ca.crt')];
  t.regex(crt, /BEGIN CERTIFICATE/);
  t.regex(key, /PRIVATE KEY/);
  t.regex(ca, /BEGIN CERTIFICATE/);
  const leaf = new X509Certificate(crt);
  const caCert = new X509Certificate(ca);
  t.true(leaf.checkPrivateKey(createPrivateKey(key)), 'tls.key belongs to tls.crt');
  t.true(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey), 'the leaf is signed by ca.crt');
  t.is(caCert.subject, 'CN=hono-test-ca');
  t.truthy(leaf.checkHost(dnsName));
  t.is(Buffer.from((await core.readNamespacedSecret({ name: 'hono-ca', namespace: ns })).data?.['tls.crt'] ?? '', 'base64').toString(), ca);

  // OpenSSL agrees; and, as a positive control, rejects the leaf against a CA that did not sign it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-smoke-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'ca.crt'), ca);
  fs.writeFileSync(path.join(dir, 'tls.crt'), crt);
  const verify = (caFile: string): { ok: boolean; out: string } => {
    try {
      const out = execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', caFile, path.join(dir, 'tls.crt')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { ok: true, out };
    } catch (e) {
      return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
    }
  };
  const good = verify(path.join(dir, 'ca.crt'));
  t.true(good.ok, good.out);
  t.regex(good.out, /tls\.crt: OK/);
  t.false(verify(path.join(dir, 'tls.crt')).ok, 'openssl rejects the leaf against a CA that did not sign it');

  // The request went through cert-manager's approver and the CA issuer's controller.
  const requests = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'certificaterequests', namespace: ns })) as {
    items: (CmObject & { metadata: { annotations?: Record<string, string> } })[];
  };
  const forLeaf = requests.items.filter((r) => r.metadata.annotations?.['cert-manager.io/certificate-name'] === 'auth');
  t.is(forLeaf.length, 1);
  const conds = forLeaf[0]?.status?.conditions ?? [];
  t.like(conds.find((c) => c.type === 'Approved'), { status: 'True' });
  t.like(conds.find((c) => c.type === 'Ready'), { status: 'True', reason: 'Issued' });
});

test('the controllers are built from the cert-manager version whose CRDs the operator codes against', (t) => {
  const gomod = fs.readFileSync('test/certmanager/go.mod', 'utf8');
  const pinned = /^(?:require)?\s*github\.com\/cert-manager\/cert-manager (v\S+)/m.exec(gomod)?.[1];
  t.is(pinned, CERT_MANAGER_VERSION, 'test/certmanager/go.mod and operator/api/gen/sources.ts pin the same version');
});
