// Every failure reason, reached on the real control plane: one row per reason with the input that
// triggers it, the reason and a fragment of the message expected in status (the Ready condition,
// or the named component), and a Warning Event with that reason. Rows for new reasons go here.
import test, { type ExecutionContext } from 'ava';
import { PatchStrategy, setHeaderOptions, type V1Secret } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig, type HonoTlsConfigSpec } from '../../operator/api/v1alpha1.js';
import { CONFIRM_NEW_CA_ANNOTATION } from '../../operator/controller/ca.js';
import { FAILURE_REASONS } from '../../operator/controller/failures.js';
import { CertificateAuthority } from '../../operator/pki/index.js';
import { systemClock } from '../../operator/runtime/clock.js';
import { applyObjects, withNamespace } from '../helpers/cluster.js';
import { opensslChain } from '../unit/pki/fixtures.js';
import { waitFor } from '../helpers/wait.js';
import { clients, deploymentObject, getConfig, runOperator, serviceObject, waitReady } from './controller-fixtures.js';

type Spec = Partial<HonoTlsConfigSpec>;
interface Row {
  reason: (typeof FAILURE_REASONS)[number];
  /** What the row does, in words. */
  input: string;
  spec: (name: string) => Spec;
  /** Objects created before the config (the config's name is given). */
  before?: (ns: string, name: string) => Promise<void>;
  /** Run once the config was Ready, then the reason is expected (e.g. a Secret deleted). */
  afterReady?: (ns: string, name: string) => Promise<void>;
  /** The component whose status carries the reason; absent: the Ready condition. */
  component?: string;
  message: RegExp;
}

/** One authServer without a Deployment: issues, and is Ready on its own. */
const auth = (extra: object = {}) => ({ name: 'auth', type: 'authServer' as const, dnsNames: ['auth.example'], ...extra });
const secret = (ns: string, name: string, data: Record<string, string>, extra: Partial<V1Secret> = {}) =>
  clients().core.createNamespacedSecret({ namespace: ns, body: { metadata: { name, ...(extra.metadata ?? {}) }, type: extra.type ?? 'Opaque', stringData: data } });
const tlsPair = async () => {
  const ca = await CertificateAuthority.createSelfSigned({ commonName: 'leaf-as-ca', intermediate: false, durationMs: 864e5 * 10, privateKey: { algorithm: 'ECDSA', size: 256 } }, systemClock);
  const leaf = await ca.issue({ subject: { commonName: 'not a ca' }, dnsNames: ['x.example'], ipAddresses: [], usage: 'server', privateKey: { algorithm: 'ECDSA', size: 256 }, durationMs: 864e5 });
  return { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem };
};

const ROWS: Row[] = [
  { reason: 'InvalidSpec', input: 'an env override of a name the profile does not have', spec: () => ({ components: [auth({ envOverrides: { NOT_A_HONO_VARIABLE: 'X' } })] }), message: /envOverrides\.NOT_A_HONO_VARIABLE: .*not a variable/ },
  { reason: 'IssuerNotImplemented', input: 'issuer.certManager', spec: () => ({ issuer: { certManager: { issuerRef: { name: 'le' } } }, components: [auth()] }), message: /certManager/ },
  { reason: 'CaSecretMissing', input: 'issuer.ca names no Secret', spec: () => ({ issuer: { ca: { secretName: 'no-such-ca' } }, components: [auth()] }), message: /Secret no-such-ca .* does not exist: create it/ },
  {
    reason: 'CaSecretMissing',
    input: 'the operator-made CA Secret deleted after Ready',
    spec: () => ({ components: [auth()] }),
    afterReady: (ns, name) => clients().core.deleteNamespacedSecret({ namespace: ns, name: `${name}-ca` }).then(() => undefined),
    message: new RegExp(`is gone; the issued material stays in place\\. Restore the Secret .* ${CONFIRM_NEW_CA_ANNOTATION.replace('.', '\\.')}=`),
  },
  { reason: 'CaSecretInvalid', input: 'issuer.ca holds a leaf, not a CA', spec: (n) => ({ issuer: { ca: { secretName: `${n}-byo` } }, components: [auth()] }), before: async (ns, n) => void (await secret(ns, `${n}-byo`, await tlsPair())), message: /is not a CA certificate/ },
  {
    reason: 'CaSecretInvalid',
    input: 'issuer.ca under a root with pathLen:0 (openssl verify refuses its leaves)',
    spec: (n) => ({ issuer: { ca: { secretName: `${n}-byo` } }, components: [auth()] }),
    before: async (ns, n) => {
      const ku = 'keyUsage=critical,keyCertSign,cRLSign';
      const c = await opensslChain({ root: ['basicConstraints=critical,CA:TRUE,pathlen:0', ku], ca: ['basicConstraints=critical,CA:TRUE', ku], leaf: { cn: 'auth', dns: 'auth.example', ip: '127.0.0.1' } });
      const reference = await c.verify(c.p('leaf.crt'));
      if (reference.code === 0) throw new Error('openssl verify accepted the chain: the row would test nothing');
      await secret(ns, `${n}-byo`, { 'tls.crt': c.certPem, 'tls.key': c.keyPem, 'ca.crt': c.chainPem });
    },
    message: /pathLenConstraint: .*pathLen:0/,
  },
  { reason: 'CaSecretConflict', input: 'a user Secret named <config>-ca', spec: () => ({ components: [auth()] }), before: async (ns, n) => void (await secret(ns, `${n}-ca`, { x: 'y' })), message: /exists but does not belong to this HonoTlsConfig/ },
  { reason: 'PasswordSecretMissing', input: 'passwordSecretRef names no Secret', spec: () => ({ trustStore: { format: 'jks', passwordSecretRef: { name: 'no-such-pw', key: 'password' } }, components: [auth()] }), message: /Secret no-such-pw .* does not exist: create it with key "password"/ },
  {
    reason: 'PasswordSecretInvalid',
    input: 'a PKCS12 password that is not ASCII',
    spec: (n) => ({ trustStore: { format: 'pkcs12', passwordSecretRef: { name: `${n}-pw`, key: 'password' } }, components: [auth()] }),
    before: async (ns, n) => void (await secret(ns, `${n}-pw`, { password: 'pässwört' })),
    message: /is not printable ASCII/,
  },
  {
    reason: 'PasswordSecretInvalid',
    input: 'a password that ends in a newline',
    spec: (n) => ({ trustStore: { format: 'pkcs12', passwordSecretRef: { name: `${n}-pw`, key: 'password' } }, components: [auth()] }),
    before: async (ns, n) => void (await secret(ns, `${n}-pw`, { password: 'secret\n' })),
    message: /ends in a newline/,
  },
  {
    reason: 'PasswordSecretInvalid',
    input: 'passwordSecretRef names a kubernetes.io/tls Secret',
    spec: (n) => ({ trustStore: { format: 'jks', passwordSecretRef: { name: `${n}-tls-pair`, key: 'password' } }, components: [auth()] }),
    before: async (ns, n) => void (await secret(ns, `${n}-tls-pair`, { ...(await tlsPair()), password: 'x' }, { type: 'kubernetes.io/tls' })),
    message: /is of type kubernetes\.io\/tls/,
  },
  {
    reason: 'PasswordSecretInvalid',
    input: "passwordSecretRef names another config's generated password Secret",
    spec: (n) => ({ trustStore: { format: 'jks', passwordSecretRef: { name: `${n}-other-store-password`, key: 'password' } }, components: [auth()] }),
    before: async (ns, n) => void (await secret(ns, `${n}-other-store-password`, { password: 'x' }, { metadata: { labels: { 'app.kubernetes.io/managed-by': 'hono-tls-operator' } } })),
    message: /is managed by the operator/,
  },
  {
    reason: 'PasswordSecretConflict',
    input: 'a user Secret named <config>-store-password',
    spec: () => ({ trustStore: { format: 'jks' }, components: [auth()] }),
    before: async (ns, n) => void (await secret(ns, `${n}-store-password`, { password: 'mine' })),
    message: /was not made by this HonoTlsConfig, and the operator never takes over a Secret/,
  },
  { reason: 'PasswordMissing', input: 'a store without a password (component status)', spec: () => ({ trustStore: { format: 'jks', passwordSecretRef: { name: 'no-such-pw', key: 'password' } }, components: [auth()] }), component: 'auth', message: /needs the store password/ },
  { reason: 'SecretConflict', input: "a user Secret with a component Secret's name", spec: () => ({ components: [auth()] }), before: async (ns, n) => void (await secret(ns, `${n}-auth-tls`, { x: 'y' })), component: 'auth', message: /exists but does not belong to this HonoTlsConfig/ },
  { reason: 'IssueFailed', input: 'a DNS label of 64 characters', spec: () => ({ components: [auth({ dnsNames: [`${'a'.repeat(64)}.example`] })] }), component: 'auth', message: /component auth: .*dnsNames/ },
  {
    reason: 'PeerNotReady',
    input: "the auth server's material is missing, the Hono Server needs its certificate",
    spec: () => ({ components: [auth(), { name: 'server', type: 'honoServer', dnsNames: ['server.example'] }] }),
    before: async (ns, n) => void (await secret(ns, `${n}-auth-tls`, { x: 'y' })),
    component: 'server',
    message: /needs the certificate of auth/,
  },
  {
    reason: 'WaitingForSibling',
    input: 'two components on one Deployment, one of them failing',
    spec: (n) => ({ components: [auth({ deployment: { name: `${n}-dep` } }), { name: 'http', type: 'httpAdapter', dnsNames: ['http.example'], mountPath: '/opt/hono/tls-http', deployment: { name: `${n}-dep` } }] }),
    before: async (ns, n) => {
      await applyObjects([deploymentObject(`${n}-dep`, 'busybox')], ns);
      await secret(ns, `${n}-auth-tls`, { x: 'y' });
    },
    component: 'http',
    message: /is wired with all its components at once/,
  },
  { reason: 'DeploymentMissing', input: 'deployment names nothing', spec: (n) => ({ components: [auth({ deployment: { name: `${n}-nodep` } })] }), component: 'auth', message: /does not exist in namespace .*; it is wired as soon as it appears/ },
  {
    reason: 'ContainerMissing',
    input: 'deployment.containers names no container',
    spec: (n) => ({ components: [auth({ deployment: { name: `${n}-dep`, containers: ['nope'] } })] }),
    before: (ns, n) => applyObjects([deploymentObject(`${n}-dep`, 'busybox')], ns),
    component: 'auth',
    message: /has no container nope/,
  },
  { reason: 'ServiceMissing', input: 'serviceName names no Service', spec: (n) => ({ components: [auth({ serviceName: `${n}-nosvc` })] }), component: 'auth', message: /nosvc/ },
  {
    reason: 'InternalError',
    input: 'the Deployment already has a volume named like the operator\'s (the apply gets a 422)',
    spec: (n) => ({ components: [auth({ deployment: { name: `${n}-dep` } })] }),
    before: async (ns, n) => {
      const d = deploymentObject(`${n}-dep`, 'busybox') as { spec: { template: { spec: { volumes?: object[] } } } };
      d.spec.template.spec.volumes = [{ name: 'hono-tls-auth', emptyDir: {} }];
      await applyObjects([d, serviceObject(`${n}-dep`)], ns);
    },
    component: 'auth',
    message: /retrying with backoff/,
  },
];

// One namespace and one operator for all rows (ava allows no t.teardown in hooks: collect them).
let ns = '';
const teardowns: (() => unknown)[] = [];
const hook = { teardown: (f: () => unknown) => teardowns.push(f) } as unknown as ExecutionContext;
test.before(async () => {
  ns = await withNamespace(hook, 'failure-reasons');
  await runOperator(hook, ns);
});
test.after.always(async () => {
  for (const f of teardowns.reverse()) await f();
});

test('every failure reason has a row', (t) => {
  const covered = new Set(ROWS.map((r) => r.reason));
  t.deepEqual(FAILURE_REASONS.filter((r) => !covered.has(r)), []);
});

ROWS.forEach((row, i) => {
  test(`${row.reason}: ${row.input}`, async (t) => {
    const name = `r${i}`;
    await row.before?.(ns, name);
    const body: HonoTlsConfig = { apiVersion: `${GROUP}/${VERSION}`, kind: 'HonoTlsConfig', metadata: { name, namespace: ns }, spec: row.spec(name) as HonoTlsConfigSpec };
    await clients().custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body });
    if (row.afterReady) {
      await waitReady(ns, name);
      await row.afterReady(ns, name);
    }
    let last = '';
    const got = await waitFor(`${name}: ${row.reason}`, async () => {
      const c = await getConfig(ns, name);
      const ready = c.status?.conditions?.find((x) => x.type === 'Ready');
      const where = row.component ? c.status?.components?.find((x) => x.name === row.component) : ready;
      last = JSON.stringify({ where, ready });
      return ready?.status === 'False' && where?.reason === row.reason ? where : undefined;
    }, 60_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}; last: ${last}`);
    });
    t.regex(got.message ?? '', row.message);
    t.false(/BEGIN [A-Z ]*PRIVATE KEY/.test(got.message ?? ''), 'no key material in status');
    const event = await waitFor(`a Warning Event ${row.reason} on ${name}`, async () => {
      const events = await clients().core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
      return events.items.find((e) => e.type === 'Warning' && e.reason === row.reason);
    }, 30_000, 200);
    t.regex(event.message ?? '', row.message);
  });
});

test('a lost CA is replaced only when the annotation confirms its fingerprint', async (t) => {
  const name = 'lost-ca';
  await clients().custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'HonoTlsConfig', metadata: { name, namespace: ns }, spec: { components: [auth()] } } });
  const first = await waitReady(ns, name);
  const lost = first.status!.ca!.fingerprint!;
  await clients().core.deleteNamespacedSecret({ namespace: ns, name: `${name}-ca` });
  const reason = async () => (await getConfig(ns, name)).status?.conditions?.find((x) => x.type === 'Ready')?.reason;
  await waitFor('CaSecretMissing', async () => (await reason()) === 'CaSecretMissing');
  const annotate = (value: string) =>
    clients().custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name, body: [{ op: 'add', path: '/metadata/annotations', value: { [CONFIRM_NEW_CA_ANNOTATION]: value } }] },
    );
  // A wrong fingerprint confirms nothing: the message says so (the reconcile it caused is the positive control).
  await annotate('sha256:not-the-lost-one');
  await waitFor('the message names the wrong value', async () => {
    const c = await getConfig(ns, name);
    return c.status?.conditions?.find((x) => x.type === 'Ready')?.message?.includes('sha256:not-the-lost-one');
  });
  t.is(await reason(), 'CaSecretMissing');
  t.deepEqual(
    (await clients().core.listNamespacedSecret({ namespace: ns, fieldSelector: `metadata.name=${name}-ca` })).items,
    [],
    'no new CA was made',
  );
  await annotate(lost);
  const replaced = await waitFor('a new CA, Ready', async () => {
    const c = await getConfig(ns, name);
    return c.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True' && c.status?.ca?.fingerprint !== lost ? c : undefined;
  });
  t.not(replaced.status?.ca?.fingerprint, lost);
  const events = await clients().core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
  t.true(events.items.some((e) => e.type === 'Warning' && e.reason === 'CaReplaced'));
});
