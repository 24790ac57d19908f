// The test harness's view of the run's real control plane (started by with-cluster.ts, one
// per `npm test`). Contract: HELPERS.md, "Test harness contract".
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import * as k8s from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { waitFor } from './wait.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIELD_MANAGER = 'hono-test-harness';

function kubeconfigPath(): string {
  const p = process.env.HONO_TEST_KUBECONFIG;
  if (!p) {
    throw new Error(
      'HONO_TEST_KUBECONFIG is not set: these tests run against the local control plane. ' +
        'Run them with `npm test`, or `npx tsx test/controlplane/with-cluster.ts -- npx ava <file>`, ' +
        'or start one with `npm run cluster -- up` and export the variables it prints.',
    );
  }
  if (!fs.existsSync(p)) {
    throw new Error(`HONO_TEST_KUBECONFIG=${p} does not exist: the control plane is gone (see the [controlplane] lines above)`);
  }
  return p;
}

/** Admin kubeconfig of the run's control plane (HONO_TEST_KUBECONFIG); throws a clear error when unset. */
export function testKubeConfig(): KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Creates a fresh namespace (`<prefix>-<random>`) and deletes it in t.teardown without waiting
 * for the deletion to finish. Returns once the namespace's default ServiceAccount exists (made
 * by kube-controller-manager; usually a few ms), so Pods may be created right away.
 */
export async function withNamespace(t: ExecutionContext, prefix = 'test'): Promise<string> {
  const base = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'test';
  const name = `${base}-${randomBytes(4).toString('hex')}`;
  const core = testKubeConfig().makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({
    body: { metadata: { name, labels: { 'hono-tls-operator.test/namespace': 'true' } } },
  });
  t.teardown(() => {
    // Fire and forget: kube-controller-manager finishes the deletion in the background.
    core.deleteNamespace({ name }).catch(() => undefined);
  });
  await waitFor(`ServiceAccount ${name}/default`, () => core.readNamespacedServiceAccount({ name: 'default', namespace: name }), 5_000, 50).catch(() => undefined);
  return name;
}

/** Runs the control plane's kubectl as the test admin (or with `opts.kubeconfig`). Never throws on a non-zero exit. */
export async function kubectl(
  args: string[],
  opts: { input?: string; kubeconfig?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const binDir = process.env.HONO_TEST_BIN_DIR;
  const bin = binDir ? path.join(binDir, 'kubectl') : 'kubectl';
  const kubeconfig = opts.kubeconfig ?? kubeconfigPath();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [`--kubeconfig=${kubeconfig}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: repoRoot,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'ENOENT'
            ? `kubectl not found at ${bin}: run the tests through \`npm test\` (HONO_TEST_BIN_DIR), or run \`bash test/controlplane/build.sh\``
            : `kubectl: ${e.message}`,
        ),
      ),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** A copy of `kc` whose context defaults to `namespace` (namespaced objects without one land there). */
function withDefaultNamespace(kc: KubeConfig, namespace: string): KubeConfig {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  if (!ctx) return kc;
  const out = new k8s.KubeConfig();
  out.loadFromOptions({
    clusters: kc.getClusters(),
    users: kc.getUsers(),
    contexts: [{ ...ctx, namespace }],
    currentContext: ctx.name,
  });
  return out;
}

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

const isCrd = (o: Obj): boolean =>
  o.kind === 'CustomResourceDefinition' && (o.apiVersion ?? '').startsWith('apiextensions.k8s.io/');

async function waitEstablished(kc: KubeConfig, names: string[], timeoutMs = 30_000): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const name of names) {
    let bad: k8s.V1CustomResourceDefinitionCondition | undefined;
    await waitFor(`CRD ${name} Established`, async () => {
      const conds = (await ext.readCustomResourceDefinition({ name })).status?.conditions ?? [];
      bad = conds.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
      return !!bad || conds.some((c) => c.type === 'Established' && c.status === 'True');
    }, timeoutMs);
    if (bad) throw new Error(`CRD ${name} was not accepted: ${bad.message ?? bad.reason ?? ''}`);
  }
}

/**
 * Resolves an object's REST path through discovery. client-node's own patch() serializes through
 * its typed models, which drops raw-JSON fields such as a CRD schema's `default` and
 * `x-kubernetes-validations`; the apply below therefore sends the object as given.
 */
class PathResolver extends k8s.KubernetesObjectApi {
  static for(kc: KubeConfig): PathResolver {
    const r = kc.makeApiClient(PathResolver);
    r.setDefaultNamespace(kc);
    return r;
  }
  path(spec: k8s.KubernetesObject): Promise<string> {
    return this.specUriPath(spec, 'patch');
  }
}

function request(
  kc: KubeConfig,
  method: string,
  urlPath: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) return Promise.reject(new Error('the test kubeconfig has no current cluster'));
  return (async () => {
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(urlPath, cluster.server),
        { ...opts, method, agent: false, headers: { ...opts.headers, Accept: 'application/json', ...headers } },
        (res) => {
          let b = '';
          res.setEncoding('utf8').on('data', (d: string) => (b += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  })();
}

async function applyOne(kc: KubeConfig, resolver: PathResolver, obj: Obj): Promise<void> {
  const id = `${obj.kind ?? '?'} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name ?? '?'}`;
  // A CRD established a moment ago may not be in discovery yet: retry the lookup briefly.
  let uri: string;
  for (let attempt = 0; ; attempt++) {
    try {
      uri = await resolver.path(obj as k8s.KubernetesObject);
      break;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/Unrecognized API version and kind|Failed to fetch resource metadata/.test(msg) && attempt < 30) {
        await sleep(200);
        continue;
      }
      throw new Error(`server-side apply of ${id} failed: ${msg}`);
    }
  }
  const q = `?fieldManager=${FIELD_MANAGER}&force=true`;
  const r = await request(kc, 'PATCH', uri + q, JSON.stringify(obj), {
    'Content-Type': 'application/apply-patch+yaml',
  });
  if (r.status >= 300) {
    let msg = r.body;
    try {
      msg = (JSON.parse(r.body) as { message?: string }).message ?? r.body;
    } catch {
      /* not a Status */
    }
    throw new Error(`server-side apply of ${id} failed: HTTP ${r.status}: ${msg}`);
  }
}

/**
 * Server-side apply (force, field manager "hono-test-harness") as the test admin, in order;
 * namespaced objects without a namespace go to `namespace`. CRDs are applied first and waited
 * for (Established) before the objects that may use them.
 */
export async function applyObjects(objs: object[], namespace?: string): Promise<void> {
  const base = testKubeConfig();
  const kc = namespace ? withDefaultNamespace(base, namespace) : base;
  const resolver = PathResolver.for(kc);
  // Copies: the resolver fills in a default namespace.
  const list = (objs.filter((o) => o !== null && typeof o === 'object') as Obj[]).map((o) => structuredClone(o));
  const crds = list.filter(isCrd);
  for (const o of crds) await applyOne(kc, resolver, o);
  if (crds.length) await waitEstablished(base, crds.map((c) => c.metadata?.name ?? ''));
  const rank = (o: Obj): number => (o.kind === 'Namespace' ? 0 : 1);
  for (const o of list.filter((x) => !isCrd(x)).sort((a, b) => rank(a) - rank(b))) await applyOne(kc, resolver, o);
}

/** Reads a (multi-document) YAML file and applies it with applyObjects. */
export async function applyYamlFile(file: string, namespace?: string): Promise<void> {
  const abs = path.resolve(repoRoot, file);
  const docs = yaml.loadAll(fs.readFileSync(abs, 'utf8')).filter((d) => d !== null && d !== undefined) as object[];
  await applyObjects(docs, namespace);
}

const crdInstalls = new Map<string, Promise<void>>();

/**
 * Installs every CustomResourceDefinition in `dir` (YAML/JSON files, relative to the repo root)
 * with server-side apply + force, and waits until each is Established. Idempotent and safe when
 * several ava workers call it at once.
 */
export async function installCrds(dir = 'crds'): Promise<void> {
  const abs = path.resolve(repoRoot, dir);
  let p = crdInstalls.get(abs);
  if (!p) {
    p = (async () => {
      if (!fs.existsSync(abs)) throw new Error(`installCrds: no directory ${abs}`);
      const crds: Obj[] = [];
      for (const f of fs.readdirSync(abs).sort()) {
        if (!/\.(ya?ml|json)$/.test(f)) continue;
        for (const d of yaml.loadAll(fs.readFileSync(path.join(abs, f), 'utf8'))) {
          if (d && typeof d === 'object' && isCrd(d as Obj)) crds.push(d as Obj);
        }
      }
      if (crds.length === 0) throw new Error(`installCrds: no CustomResourceDefinition in ${abs}`);
      await applyObjects(crds);
    })();
    crdInstalls.set(abs, p);
    p.catch(() => crdInstalls.delete(abs));
  }
  return p;
}

/**
 * The admin kubeconfig, impersonating `user` (e.g. 'system:serviceaccount:ns:sa'): requests are
 * authorized as that user, so RBAC applies for real. A service-account user gets its groups
 * from the apiserver when `groups` is empty. client-node sends one value per header, so at most
 * one group can be given (the apiserver always adds system:authenticated).
 */
export function impersonatedKubeConfig(user: string, groups: string[] = []): KubeConfig {
  if (groups.length > 1) {
    throw new Error(
      `impersonatedKubeConfig(${user}): at most one group can be impersonated with client-node (got ${groups.join(', ')}); ` +
        'bind the Role to the user instead, or use kubectl with --as/--as-group',
    );
  }
  const base = testKubeConfig();
  const ctx = base.getContextObject(base.getCurrentContext());
  const admin = base.getCurrentUser();
  if (!ctx || !admin) throw new Error('impersonatedKubeConfig: the test kubeconfig has no current context/user');
  const kc = new k8s.KubeConfig();
  const impersonating: k8s.User = { ...admin, name: `impersonate:${user}`, impersonateUser: user };
  kc.loadFromOptions({
    clusters: base.getClusters(),
    users: [impersonating],
    contexts: [{ ...ctx, name: `impersonate:${user}`, user: impersonating.name }],
    currentContext: `impersonate:${user}`,
  });
  const group = groups[0];
  if (group) {
    kc.addAuthenticator({
      isAuthProvider: (u) => u.name === impersonating.name,
      applyAuthentication: async (_u, opts) => {
        opts.headers = { ...(opts.headers ?? {}), 'Impersonate-Group': group };
      },
    });
  }
  return kc;
}

/**
 * apiserver_request_total from the apiserver's /metrics, summed over code, group, version and
 * scope, keyed "VERB resource" (e.g. "LIST secrets", "WATCH secrets", "PATCH deployments");
 * a subresource is appended with a slash ("PUT honotlsconfigs/status"). Counts are for the whole
 * apiserver (all clients), so compare before/after.
 */
export async function apiserverRequestCounts(): Promise<Map<string, number>> {
  const r = await request(testKubeConfig(), 'GET', '/metrics');
  if (r.status !== 200) throw new Error(`apiserverRequestCounts: GET /metrics: HTTP ${r.status}: ${r.body.slice(0, 200)}`);
  const body = r.body;
  const counts = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const m = /^apiserver_request_total\{(.*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of m[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const resource = labels.subresource ? `${labels.resource}/${labels.subresource}` : (labels.resource ?? '');
    const key = `${labels.verb ?? '?'} ${resource}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}
