// Every failure reason, reached on the real control plane: one row per reason with the input that
// triggers it, the reason and a fragment of the message expected in status (the Ready condition,
// or the named component), and a Warning Event with that reason. Rows for new reasons go here;
// warnings (Ready stays True) have rows of their own shape, and a reason that needs a control plane
// of its own (IssueFailed: an upgrade) is counted from its file (ELSEWHERE).
import * as fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { PatchStrategy, setHeaderOptions, type V1Secret } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig, type HonoTlsConfigSpec } from '../../operator/api/v1alpha1.js';
import { CONFIRM_NEW_CA_ANNOTATION } from '../../operator/controller/ca.js';
import { FAILURE_REASONS, WARNING_REASONS } from '../../operator/controller/failures.js';
import { CONFIG_LABEL, ISSUE_HISTORY_ANNOTATION, OPT_IN_LABEL } from '../../operator/controller/names.js';
import { DEFAULT_REISSUE_LIMITS } from '../../operator/controller/reissue-guard.js';
import { CertificateAuthority } from '../../operator/pki/index.js';
import { systemClock } from '../../operator/runtime/clock.js';
import { applyObjects, kubectl, withNamespace } from '../helpers/cluster.js';
import { opensslChain } from '../unit/pki/fixtures.js';
import { waitFor } from '../helpers/wait.js';
import { admissionPolicy, clients, deploymentObject, getConfig, runOperator, waitReady } from './controller-fixtures.js';

type Spec = Partial<HonoTlsConfigSpec>;
interface Row {
  reason: (typeof FAILURE_REASONS)[number];
  /** What the row does, in words. */
  input: string;
  spec: (name: string) => Spec;
  /** Objects created before the config (the config's name is given); cleanup goes to t.teardown. */
  before?: (ns: string, name: string, t: ExecutionContext) => Promise<void>;
  /** Run once the config was Ready, then the reason is expected (e.g. a Secret deleted). */
  afterReady?: (ns: string, name: string, t: ExecutionContext) => Promise<void>;
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

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/** An admission policy that refuses `operation` of the one `resource` object named `name` (see admissionPolicy). */
const refuseByPolicy = (t: ExecutionContext, ns: string, rule: { apiGroup: string; resource: string; operation: 'CREATE' | 'UPDATE'; name: string }, probe: string[]) =>
  admissionPolicy(t, ns, { ...rule, name: `refuse-${ns}-${rule.name}`, expression: `object.metadata.name != '${rule.name}'`, message: `refused by the failure-reasons test: ${rule.resource} ${rule.name}`, probe });

/** A webhook for CREATE of the config's Secrets (by its label) at an address nobody listens on; the apiserver answers 500. */
async function unreachableWebhook(t: ExecutionContext, ns: string, configName: string): Promise<void> {
  const name = `unreachable-${ns}-${configName}`;
  t.teardown(async () => {
    await kubectl(['delete', 'validatingwebhookconfiguration', name, '--wait=false']);
  });
  await applyObjects([
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        {
          name: 'unreachable.hono.test',
          clientConfig: { url: 'https://127.0.0.1:9/validate' },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['secrets'] }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
          objectSelector: { matchLabels: { [CONFIG_LABEL]: configName } },
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          failurePolicy: 'Fail',
          timeoutSeconds: 2,
        },
      ],
    },
  ]);
  const probe = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${configName}-probe\n  labels:\n    ${CONFIG_LABEL}: ${configName}\nstringData:\n  x: probe\n`;
  await waitFor(`webhook ${name} to fail CREATE of the config's Secrets`, async () => {
    const r = await kubectl(['-n', ns, 'create', '--dry-run=server', '-f', '-'], { input: probe });
    return r.code !== 0 && r.stderr.includes('failed calling webhook');
  }, 30_000, 200);
}

/** Sets the auth component's dnsNames (a new generation), and waits until that generation was issued and Ready. */
async function setDnsNames(ns: string, name: string, dnsNames: string[]): Promise<void> {
  const before = (await getConfig(ns, name)).status?.components?.find((c) => c.name === 'auth')?.fingerprint;
  const patched = (await clients().custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name, body: [{ op: 'replace', path: '/spec/components/0/dnsNames', value: dnsNames }] },
    jsonPatch,
  )) as HonoTlsConfig;
  await waitFor(`${name}: generation ${patched.metadata.generation} re-issued`, async () => {
    const c = await getConfig(ns, name);
    const ready = c.status?.conditions?.find((x) => x.type === 'Ready');
    const fp = c.status?.components?.find((x) => x.name === 'auth')?.fingerprint;
    return c.status?.observedGeneration === patched.metadata.generation && ready?.status === 'True' && fp !== before;
  }, 60_000, 200);
}

/** The shared operator's loop guard: the default window and floor, a smaller count so the row stays short. */
const LIMITS = { ...DEFAULT_REISSUE_LIMITS, maxReissues: 2 };

const ROWS: Row[] = [
  { reason: 'InvalidSpec', input: 'an env override of a name the profile does not have', spec: () => ({ components: [auth({ envOverrides: { NOT_A_HONO_VARIABLE: 'X' } })] }), message: /envOverrides\.NOT_A_HONO_VARIABLE: .*not a variable/ },
  { reason: 'CertManagerNotInstalled', input: 'issuer.certManager on a cluster without cert-manager', spec: () => ({ issuer: { certManager: { issuerRef: { name: 'le' } } }, components: [auth()] }), message: /install cert-manager/ },
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
      await applyObjects([deploymentObject(`${n}-dep`, 'busybox', n)], ns);
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
    before: (ns, n) => applyObjects([deploymentObject(`${n}-dep`, 'busybox', n)], ns),
    component: 'auth',
    message: /has no container nope/,
  },
  {
    reason: 'WiringDrift',
    input: 'spec.wiring: verify and a Deployment without the wiring',
    spec: (n) => ({ wiring: 'verify', components: [auth({ deployment: { name: `${n}-dep` } })] }),
    before: (ns, n) => applyObjects([deploymentObject(`${n}-dep`, 'busybox', n)], ns),
    component: 'auth',
    message: /does not carry the wiring \(spec\.wiring: verify, nothing was patched\): volume .* is missing; env HONO_\w+ of container .* is missing/,
  },
  { reason: 'ServiceMissing', input: 'serviceName names no Service', spec: (n) => ({ components: [auth({ serviceName: `${n}-nosvc` })] }), component: 'auth', message: /nosvc/ },
  {
    reason: 'DeploymentNotOptedIn',
    input: 'the Deployment lacks the opt-in label',
    spec: (n) => ({ components: [auth({ deployment: { name: `${n}-dep` } })] }),
    before: (ns, n) => applyObjects([deploymentObject(`${n}-dep`, 'busybox', null)], ns),
    component: 'auth',
    message: new RegExp(`has not opted in .*Fix: kubectl label deployment r\\d+-dep -n \\S+ ${OPT_IN_LABEL.replaceAll('.', '\\.')}=r\\d+ --overwrite`),
  },
  {
    reason: 'DeploymentConflict',
    input: 'the Deployment opted in for another config',
    spec: (n) => ({ components: [auth({ deployment: { name: `${n}-dep` } })] }),
    before: (ns, n) => applyObjects([deploymentObject(`${n}-dep`, 'busybox', 'someone-else')], ns),
    component: 'auth',
    message: /opted in for HonoTlsConfig someone-else .*not for r\d+; a Deployment is wired by one config/,
  },
  {
    reason: 'DeploymentConflict',
    input: "the Deployment already has a volume named like the operator's (another manager owns it)",
    spec: (n) => ({ components: [auth({ deployment: { name: `${n}-dep` } })] }),
    before: async (ns, n) => {
      const d = deploymentObject(`${n}-dep`, 'busybox', n) as { spec: { template: { spec: { volumes?: object[] } } } };
      d.spec.template.spec.volumes = [{ name: 'hono-tls-auth', emptyDir: {} }];
      await applyObjects([d], ns);
    },
    component: 'auth',
    message: /already sets volume hono-tls-auth \(owned by hono-test-harness\); the operator does not take fields it does not own/,
  },
  {
    reason: 'DeploymentRejected',
    input: "an admission policy refuses every update of the row's Deployment",
    spec: (n) => ({ components: [auth({ deployment: { name: `${n}-dep` } })] }),
    before: async (ns, n, t) => {
      await applyObjects([deploymentObject(`${n}-dep`, 'busybox', n)], ns);
      await refuseByPolicy(t, ns, { apiGroup: 'apps', resource: 'deployments', operation: 'UPDATE', name: `${n}-dep` }, ['annotate', 'deployment', `${n}-dep`, 'test/x=y']);
    },
    component: 'auth',
    message: /refused the wiring \(HTTP 4\d\d: .*refused by the failure-reasons test: deployments r\d+-dep\); nothing was changed/,
  },
  {
    reason: 'SecretRejected',
    input: "an admission policy refuses the creation of the component's Secret",
    spec: () => ({ components: [auth()] }),
    before: (ns, n, t) =>
      refuseByPolicy(t, ns, { apiGroup: '', resource: 'secrets', operation: 'CREATE', name: `${n}-auth-tls` }, ['create', 'secret', 'generic', `${n}-auth-tls`, '--from-literal=x=y']),
    component: 'auth',
    message: /Secret r\d+-auth-tls: the apiserver refused the write \(HTTP 4\d\d: .*refused by the failure-reasons test: secrets r\d+-auth-tls.*\); the Secret in place was not changed/,
  },
  {
    reason: 'SecretRejected',
    input: "an admission policy refuses the creation of the operator's CA Secret",
    spec: () => ({ components: [auth()] }),
    before: (ns, n, t) => refuseByPolicy(t, ns, { apiGroup: '', resource: 'secrets', operation: 'CREATE', name: `${n}-ca` }, ['create', 'secret', 'generic', `${n}-ca`, '--from-literal=x=y']),
    message: /Secret r\d+-ca: the apiserver refused the write \(HTTP 4\d\d: .*refused by the failure-reasons test: secrets r\d+-ca.*\); the Secret in place was not changed/,
  },
  {
    reason: 'InternalError',
    input: "an admission webhook for the config's Secrets that cannot be reached (failurePolicy Fail): a server-side error, retried",
    spec: () => ({ components: [auth()] }),
    before: (ns, n, t) => unreachableWebhook(t, ns, n),
    message: /failed calling webhook "unreachable\.hono\.test".*; retrying with backoff/,
  },
  {
    reason: 'ReissueHeldBack',
    input: 'the certificate replaced by someone else right after the first issue (the one-a-minute floor)',
    spec: () => ({ components: [auth()] }),
    afterReady: async (ns, n) => {
      const s = await clients().core.readNamespacedSecret({ namespace: ns, name: `${n}-auth-tls` });
      s.data = { ...s.data, 'tls.crt': Buffer.from((await tlsPair())['tls.crt']).toString('base64') };
      await clients().core.replaceNamespacedSecret({ namespace: ns, name: `${n}-auth-tls`, body: s });
    },
    component: 'auth',
    message: /re-issue \(not signed by the current CA\) held back until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: at most one re-issue per 1 min while the spec is unchanged/,
  },
  {
    reason: 'ReissueLoop',
    input: `${LIMITS.maxReissues + 1} edits of dnsNames within the guard's window (each re-issues)`,
    spec: () => ({ components: [auth()] }),
    afterReady: async (ns, n) => {
      for (let k = 1; k <= LIMITS.maxReissues; k++) await setDnsNames(ns, n, [`auth${k}.example`]);
      await clients().custom.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: n, body: [{ op: 'replace', path: '/spec/components/0/dnsNames', value: ['auth-last.example'] }] },
        jsonPatch,
      );
    },
    component: 'auth',
    message: new RegExp(`re-issued ${LIMITS.maxReissues} times within 60 min \\(last because .*dnsNames.*; now because .*dnsNames.*\\).*remove annotation ${ISSUE_HISTORY_ANNOTATION.replaceAll('.', '\\.')} from Secret r\\d+-auth-tls`),
  },
];

/** A warning: Ready stays True, its message carries `warning: <reason>: ...`, and a Warning Event. */
interface WarningRow {
  reason: (typeof WARNING_REASONS)[number];
  input: string;
  spec: (name: string) => Spec;
  before?: (ns: string, name: string) => Promise<void>;
  message: RegExp;
}

const WARNING_ROWS: WarningRow[] = [
  {
    reason: 'CaExpiresSoon',
    input: 'issuer.ca holds a CA valid for 10 days (a leaf lives 90 days by default)',
    spec: (n) => ({ issuer: { ca: { secretName: `${n}-byo` } }, components: [auth()] }),
    before: async (ns, n) => {
      const ca = await CertificateAuthority.createSelfSigned({ commonName: 'short-lived', intermediate: false, durationMs: 864e5 * 10, privateKey: { algorithm: 'ECDSA', size: 256 } }, systemClock);
      await secret(ns, `${n}-byo`, ca.toSecretData());
    },
    message: /the CA expires at \S+, sooner than a leaf's duration plus renewBefore .*put a CA valid for longer than .* into the Secret named by spec\.issuer\.ca\.secretName/,
  },
];

// One namespace and one operator for all rows (ava allows no t.teardown in hooks: collect them).
let ns = '';
const teardowns: (() => unknown)[] = [];
const hook = { teardown: (f: () => unknown) => teardowns.push(f) } as unknown as ExecutionContext;
test.before(async () => {
  ns = await withNamespace(hook, 'failure-reasons');
  // About 30 configs, most failing on purpose and retried: with the fixtures' 2 s resync and backoff
  // the 4 workers would be kept busy by retries, and new rows wait behind them on a loaded machine.
  // Every row's trigger is a watch event (a create, an edit, a Secret written), not a resync.
  await runOperator(hook, ns, { reissueLimits: LIMITS, resyncMs: 30_000, backoffMaxMs: 10_000 });
});
test.after.always(async () => {
  for (const f of teardowns.reverse()) await f();
});

/**
 * Rows that need a control plane of their own, in their own file: the reason, and the test file
 * whose test title starts with it.
 */
const ELSEWHERE: Partial<Record<(typeof FAILURE_REASONS)[number], string>> = {
  // Reached only by a config stored before admission refused it (an upgrade).
  IssueFailed: 'failure-reasons-upgrade.test.ts',
  // cert-manager's controllers run only where a test file starts them.
  IssuerNotFound: 'cert-manager-issuer.test.ts',
  IssuerNotReady: 'cert-manager-issuer.test.ts',
  CertificateConflict: 'cert-manager-issuer.test.ts',
  CertificateNotReady: 'cert-manager-issuer.test.ts',
  CertificateRequestDenied: 'cert-manager-issuer.test.ts',
  CertificateRequestFailed: 'cert-manager-issuer.test.ts',
  TrustBundleMissing: 'cert-manager-issuer.test.ts',
  TrustBundleInvalid: 'cert-manager-issuer.test.ts',
};

test('every failure reason has a row', (t) => {
  const covered = new Set<string>(ROWS.map((r) => r.reason));
  for (const [reason, file] of Object.entries(ELSEWHERE)) {
    const text = fs.readFileSync(new URL(file, import.meta.url), 'utf8');
    t.true(text.includes(`test('${reason}: `), `${file} has a test titled ${reason}: ...`);
    covered.add(reason);
  }
  t.deepEqual(FAILURE_REASONS.filter((r) => !covered.has(r)), []);
  t.deepEqual(WARNING_REASONS.filter((r) => !WARNING_ROWS.some((w) => w.reason === r)), [], 'every warning reason has a row');
});

ROWS.forEach((row, i) => {
  test(`${row.reason}: ${row.input}`, async (t) => {
    const name = `r${i}`;
    await row.before?.(ns, name, t);
    const body: HonoTlsConfig = { apiVersion: `${GROUP}/${VERSION}`, kind: 'HonoTlsConfig', metadata: { name, namespace: ns }, spec: row.spec(name) as HonoTlsConfigSpec };
    await clients().custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body });
    if (row.afterReady) {
      await waitReady(ns, name);
      await row.afterReady(ns, name, t);
    }
    let last = '';
    const got = await waitFor(`${name}: ${row.reason}`, async () => {
      const c = await getConfig(ns, name);
      const ready = c.status?.conditions?.find((x) => x.type === 'Ready');
      const where = row.component ? c.status?.components?.find((x) => x.name === row.component) : ready;
      last = JSON.stringify({ where, ready });
      return ready?.status === 'False' && where?.reason === row.reason ? where : undefined;
    }, 90_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}; last: ${last}`);
    });
    t.log(got.message);
    t.regex(got.message ?? '', row.message);
    t.false(/BEGIN [A-Z ]*PRIVATE KEY/.test(got.message ?? ''), 'no key material in status');
    const event = await waitFor(`a Warning Event ${row.reason} on ${name}`, async () => {
      const events = await clients().core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
      return events.items.find((e) => e.type === 'Warning' && e.reason === row.reason);
    }, 30_000, 200);
    t.regex(event.message ?? '', row.message);
  });
});

WARNING_ROWS.forEach((row, i) => {
  test(`${row.reason} (warning): ${row.input}`, async (t) => {
    const name = `w${i}`;
    await row.before?.(ns, name);
    const body: HonoTlsConfig = { apiVersion: `${GROUP}/${VERSION}`, kind: 'HonoTlsConfig', metadata: { name, namespace: ns }, spec: row.spec(name) as HonoTlsConfigSpec };
    await clients().custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body });
    const ready = (await waitReady(ns, name)).status!.conditions!.find((x) => x.type === 'Ready')!;
    // The warning's own message has '; ' in it: take the rest of Ready's message from its prefix.
    const at = ready.message.indexOf(`warning: ${row.reason}: `);
    const said = at >= 0 ? ready.message.slice(at) : undefined;
    t.truthy(said, `Ready says the warning: ${ready.message}`);
    t.regex(said ?? '', row.message);
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
