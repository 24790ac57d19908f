// Renders deploy/ kustomizations with the real kubectl (the one next to the control plane), and
// watches what the apiserver makes of the operator's Deployment.
import * as yaml from 'js-yaml';
import { kubectl } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** `kubectl kustomize <dir>` parsed into objects; fails with kubectl's own message. */
export async function renderKustomize(dir: string): Promise<K8sObject[]> {
  const r = await kubectl(['kustomize', dir]);
  if (r.code !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr.trim()}`);
  return yaml.loadAll(r.stdout).filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

export function findObject(objs: K8sObject[], kind: string, name?: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in the rendered kustomization`);
  return o;
}

/** Waits until the Deployment's ReplicaSet managed to create a Pod (admission passed). */
export async function podCreated(t: { log: (...a: unknown[]) => void }, namespace: string): Promise<{ ok: boolean; why: string }> {
  let why = '';
  const verdict = await waitFor('a Pod, or a PodSecurity refusal', async () => {
    const pods = await kubectl(['get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/name=hono-tls-operator', '-o', 'name']);
    if (pods.stdout.trim()) return { ok: true, why: pods.stdout.trim() };
    const ev = await kubectl(['get', 'events', '-n', namespace, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']);
    why = ev.stdout;
    return why.includes('violates PodSecurity') ? { ok: false, why } : undefined;
  }, 30_000, 500).catch(() => undefined);
  if (verdict) return verdict;
  t.log(why);
  return { ok: false, why: why || 'no Pod within 30 s' };
}
