// Renders deploy/ kustomizations with the real kubectl (the one next to the control plane).
import * as yaml from 'js-yaml';
import { kubectl } from '../helpers/cluster.js';

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
