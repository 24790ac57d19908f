// `hono-tls-operator rotate --all-namespaces | -n NS [-l selector] [--renew] [--wait]`: sets a new
// token in the rotate-ca (or, with --renew, the renew) annotation of every matching HonoTlsConfig;
// the operator does the rest, within its --max-concurrent-rollouts. With --wait it shows each
// config's progress (phase, step, the Deployments awaited) until all are done.
// Exit codes: 0 done (or tokens set, without --wait); 1 a cluster-side failure (nothing matched,
// forbidden, timed out, a config gone); 2 a usage mistake.
import { parseArgs } from 'node:util';
import { ApiException, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../api/v1alpha1.js';
import { RENEW_ANNOTATION, ROTATE_CA_ANNOTATION } from '../controller/names.js';
import { MAX_TOKEN_LENGTH } from '../lifecycle/decide.js';
import { newToken, progressOf, type Progress, type Trigger } from './progress.js';

export const ROTATE_USAGE = `usage: hono-tls-operator rotate (--all-namespaces | -n NAMESPACE) [-l SELECTOR] [--renew] [--wait]
  Starts a phased CA key replacement (or, with --renew, a re-issue of the leaves from the same CA)
  on every matching HonoTlsConfig, by setting a new token in its hono.eclipse.org/rotate-ca
  (hono.eclipse.org/renew) annotation. The operator rolls at most --max-concurrent-rollouts
  Deployments at once, cluster-wide.
  -A, --all-namespaces   every namespace
  -n, --namespace NS     one namespace
  -l, --selector SEL     only configs with these labels (e.g. env=prod,tier!=edge)
      --renew            re-issue the leaves from the same CA instead of replacing the CA key
      --wait             show progress until every config is done (exit 1 on timeout)
      --timeout SECONDS  how long --wait waits (default 3600)
      --token TOKEN      the token to set (default: the current time)
      --kubeconfig PATH  kubeconfig (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)`;

export interface RotateIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: RotateIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export interface RotateOptions {
  io?: RotateIo;
  /** How often --wait reads the configs (ms). */
  pollMs?: number;
  /** The kubeconfig when none is given with --kubeconfig (tests). */
  kubeConfig?: KubeConfig;
  now?: () => Date;
}

class RotateError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answers worth another try, as kubectl retries them: throttled, the server (re)starting or briefly unavailable. */
const transient = (e: unknown) => e instanceof ApiException && [429, 500, 503, 504].includes(e.code);

async function retrying<T>(call: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (e) {
      if (i >= attempts || !transient(e)) throw e;
      await sleep(250 * 2 ** i);
    }
  }
}

/** A failed API call as a sentence that names the fix. */
function explain(e: unknown, what: string, kc: KubeConfig): RotateError {
  const server = kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)';
  if (e instanceof ApiException) {
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      /* not a Status */
    }
    if (e.code === 401) return new RotateError(`${what}: the API server at ${server} rejected the credentials; check --kubeconfig / KUBECONFIG`);
    if (e.code === 403) return new RotateError(`${what}: forbidden (${message}); the user needs get, list and patch on honotlsconfigs.hono.eclipse.org there`);
    if (e.code === 404 && /the server could not find the requested resource/i.test(message)) {
      return new RotateError(`${what}: the HonoTlsConfig CRD is not installed on ${server}; install it with kubectl apply -f deploy/crds/`);
    }
    return new RotateError(`${what}: HTTP ${e.code}: ${message}`);
  }
  const m = (e as Error)?.message ?? String(e);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|certificate|socket hang up/i.test(m)) {
    return new RotateError(`${what}: cannot reach the API server at ${server} (${m}); check --kubeconfig / KUBECONFIG and that the cluster is up`);
  }
  return new RotateError(`${what}: ${m}`);
}

export async function rotateCommand(argv: string[], opts: RotateOptions = {}): Promise<number> {
  const io = opts.io ?? stdio;
  let values: { 'all-namespaces'?: boolean; namespace?: string; selector?: string; renew?: boolean; wait?: boolean; timeout?: string; token?: string; kubeconfig?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'all-namespaces': { type: 'boolean', short: 'A' },
        namespace: { type: 'string', short: 'n' },
        selector: { type: 'string', short: 'l' },
        renew: { type: 'boolean' },
        wait: { type: 'boolean' },
        timeout: { type: 'string' },
        token: { type: 'string' },
        kubeconfig: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    io.err(`rotate: ${(e as Error).message}\n${ROTATE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${ROTATE_USAGE}\n`);
    return 0;
  }
  const usage = (msg: string) => {
    io.err(`rotate: ${msg}\n${ROTATE_USAGE}\n`);
    return 2;
  };
  if (!values['all-namespaces'] === !values.namespace) return usage('give exactly one of --all-namespaces (-A) and --namespace (-n)');
  if (values.namespace === '') return usage('--namespace needs a namespace name');
  const timeoutS = values.timeout === undefined ? 3600 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) return usage(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  if (values.timeout !== undefined && !values.wait) return usage('--timeout only applies with --wait');
  const now = opts.now ?? (() => new Date());
  const token = values.token ?? newToken(now());
  if (!token.trim()) return usage('--token must not be empty');
  if (token.length > MAX_TOKEN_LENGTH) return usage(`--token is ${token.length} characters long; the operator takes at most ${MAX_TOKEN_LENGTH}`);
  const trigger: Trigger = values.renew ? 'renew' : 'rotate-ca';
  const annotation = values.renew ? RENEW_ANNOTATION : ROTATE_CA_ANNOTATION;

  const kc = values.kubeconfig || !opts.kubeConfig ? new KubeConfig() : opts.kubeConfig;
  try {
    if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
    else if (!opts.kubeConfig) {
      if (process.env.KUBERNETES_SERVICE_HOST && process.env.KUBERNETES_SERVICE_PORT) kc.loadFromCluster();
      else kc.loadFromDefault();
    }
  } catch (e) {
    io.err(`rotate: cannot load the kubeconfig ${values.kubeconfig ?? ''}: ${(e as Error).message}; give one with --kubeconfig\n`);
    return 1;
  }
  const custom = kc.makeApiClient(CustomObjectsApi);
  const where = values.namespace ? `namespace ${values.namespace}` : 'all namespaces';
  const selector = values.selector ? ` matching -l ${values.selector}` : '';

  const list = async (): Promise<HonoTlsConfig[]> => {
    try {
      const r = (await retrying(() =>
        values.namespace
          ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: values.namespace, labelSelector: values.selector })
          : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, labelSelector: values.selector }),
      )) as { items: HonoTlsConfig[] };
      return r.items;
    } catch (e) {
      throw explain(e, `listing HonoTlsConfigs in ${where}${selector}`, kc);
    }
  };

  try {
    const targets = await list();
    if (targets.length === 0) {
      io.err(`rotate: no HonoTlsConfig in ${where}${selector}; check the namespace and selector (kubectl get htc ${values.namespace ? `-n ${values.namespace}` : '-A'}${values.selector ? ` -l ${values.selector}` : ''})\n`);
      return 1;
    }
    const patch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    for (const c of targets) {
      const id = `${c.metadata.namespace}/${c.metadata.name}`;
      try {
        await retrying(() =>
          custom.patchNamespacedCustomObject(
            { group: GROUP, version: VERSION, plural: PLURAL, namespace: c.metadata.namespace, name: c.metadata.name, body: { metadata: { annotations: { [annotation]: token } } } },
            patch,
          ),
        );
      } catch (e) {
        throw explain(e, `setting ${annotation} on ${id}`, kc);
      }
      io.out(`${id}: ${annotation}=${token}\n`);
    }
    io.out(`${trigger === 'renew' ? 'renewal' : 'CA rotation'} requested for ${targets.length} config(s)${values.wait ? '' : '; follow with kubectl get htc ' + (values.namespace ? `-n ${values.namespace}` : '-A') + ' -w'}\n`);
    if (!values.wait) return 0;
    return await waitAll(targets, trigger, token, { io, pollMs: opts.pollMs ?? 1000, timeoutMs: timeoutS * 1000, read: list });
  } catch (e) {
    if (!(e instanceof RotateError)) throw e;
    io.err(`rotate: ${e.message}\n`);
    return 1;
  }
}

async function waitAll(
  targets: HonoTlsConfig[],
  trigger: Trigger,
  token: string,
  o: { io: RotateIo; pollMs: number; timeoutMs: number; read: () => Promise<HonoTlsConfig[]> },
): Promise<number> {
  const t0 = Date.now();
  // The CA each config had before this run's token, unless the token was handled already (a rerun to keep waiting).
  const caBefore = new Map(
    targets.filter((c) => trigger === 'rotate-ca' && c.status?.lastRotateToken !== token).map((c) => [c.metadata.uid ?? `${c.metadata.namespace}/${c.metadata.name}`, c.status?.ca?.fingerprint]),
  );
  const wanted = new Map(targets.map((c) => [c.metadata.uid ?? `${c.metadata.namespace}/${c.metadata.name}`, `${c.metadata.namespace}/${c.metadata.name}`]));
  const shown = new Map<string, string>();
  const gone = new Set<string>();
  let last: Progress[] = [];
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
  for (;;) {
    const now = await o.read();
    const byId = new Map(now.map((c) => [c.metadata.uid ?? `${c.metadata.namespace}/${c.metadata.name}`, c]));
    last = [];
    for (const [id, name] of wanted) {
      const c = byId.get(id);
      if (!c) {
        if (!gone.has(id)) o.io.out(`[${elapsed()}] ${name}: deleted while waiting\n`);
        gone.add(id);
        continue;
      }
      const p = progressOf(c, trigger, token, caBefore.get(id));
      last.push(p);
      const text = `${p.line}${p.attention ? ` -- needs attention: ${p.attention}` : ''}`;
      if (shown.get(id) !== text) o.io.out(`[${elapsed()}] ${p.config}: ${text}\n`);
      shown.set(id, text);
    }
    const pending = last.filter((p) => !p.done);
    if (pending.length === 0) {
      const n = last.length;
      o.io.out(`all ${n} config(s) done in ${elapsed()}${gone.size ? `; ${gone.size} deleted while waiting` : ''}\n`);
      return gone.size ? 1 : 0;
    }
    if (Date.now() - t0 > o.timeoutMs) {
      o.io.err(
        `rotate: timed out after ${elapsed()}: ${pending.length} of ${wanted.size} config(s) not done:\n` +
          pending.map((p) => `  ${p.config}: ${p.line}${p.attention ? ` -- ${p.attention}` : ''}\n`).join('') +
          `  Look closer with kubectl describe htc -n <namespace> <name>; a rollout that does not complete is named in the RolloutStuck condition (README, Rotation). Rerun with --wait and the same --token ${token} to keep waiting without a new rotation.\n`,
      );
      return 1;
    }
    await sleep(o.pollMs);
  }
}
