// What a container of a Deployment would see, built from the API objects alone: its Secret and
// ConfigMap volumes written to a temp dir as the kubelet would mount them (defaultMode included),
// and its env vars resolved (secretKeyRef/configMapKeyRef read from the API). No kubelet runs in
// the test control plane, so this is how the proofs use "exactly the material the pod received".
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CoreV1Api, V1Container, V1Deployment, V1KeyToPath, V1PodSpec, V1Volume } from '@kubernetes/client-node';

export interface PodView {
  deployment: string;
  container: string;
  /** Env var name -> value as the process would read it. */
  env: Map<string, string>;
  /** Env var names whose value came from a Secret (never print those values). */
  secretEnv: Set<string>;
  /** Maps an absolute path inside the container to the file written under root. */
  hostPath(containerPath: string): string;
  /** Absolute container paths of every file written. */
  files: string[];
  root: string;
}

export class PodViewError extends Error {
  override name = 'PodViewError';
}

/** Where the mounted Secrets and ConfigMaps come from: the API now, or a recorded version. */
export interface MountSource {
  /** Base64 entries of the Secret. */
  secret(name: string): Promise<Record<string, string>>;
  /** Base64 entries of the ConfigMap (data and binaryData). */
  configMap(name: string): Promise<Record<string, string>>;
}

/** The API as it is now (each object read once). */
export function apiMountSource(core: CoreV1Api, ns: string): MountSource {
  const secrets = new Map<string, Promise<Record<string, string>>>();
  return {
    secret: (secretName) => {
      let p = secrets.get(secretName);
      if (!p) {
        p = core.readNamespacedSecret({ name: secretName, namespace: ns }).then((s) => s.data ?? {});
        secrets.set(secretName, p);
      }
      return p;
    },
    configMap: async (cmName) => {
      const cm = await core.readNamespacedConfigMap({ name: cmName, namespace: ns });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(v).toString('base64');
      for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = v;
      return out;
    },
  };
}

/** Writes the mounts of `containerName` (default: the first container) under `root`. */
export async function materializePod(
  core: CoreV1Api,
  deployment: V1Deployment,
  root: string,
  containerName?: string,
): Promise<PodView> {
  const ns = deployment.metadata?.namespace ?? '';
  return materializePodSpec(apiMountSource(core, ns), ns, deployment.metadata?.name ?? '', deployment.spec?.template.spec, root, containerName);
}

/** Like materializePod, for any pod spec (a Pod's, a ReplicaSet's template) and any source of Secrets. */
export async function materializePodSpec(
  source: MountSource,
  ns: string,
  name: string,
  spec: V1PodSpec | undefined,
  root: string,
  containerName?: string,
): Promise<PodView> {
  const containers = spec?.containers ?? [];
  const container: V1Container | undefined = containerName ? containers.find((c) => c.name === containerName) : containers[0];
  if (!container) throw new PodViewError(`${ns}/${name} has no container ${containerName ?? '(none at all)'}`);
  const secretData = (n: string) => source.secret(n);
  const configMapData = (n: string) => source.configMap(n);

  // Volume name -> (relative file path -> base64 bytes, mode)
  const volumeFiles = async (v: V1Volume): Promise<Array<{ rel: string; b64: string; mode: number }>> => {
    const pick = (data: Record<string, string>, items: V1KeyToPath[] | undefined, defMode: number, what: string) => {
      if (!items || items.length === 0) return Object.entries(data).map(([k, b64]) => ({ rel: k, b64, mode: defMode }));
      return items.map((it) => {
        const b64 = data[it.key];
        if (b64 === undefined) throw new PodViewError(`volume ${v.name}: key ${it.key} is missing in ${what}`);
        return { rel: it.path, b64, mode: it.mode ?? defMode };
      });
    };
    if (v.secret?.secretName) {
      return pick(await secretData(v.secret.secretName), v.secret.items, v.secret.defaultMode ?? 0o644, `Secret ${v.secret.secretName}`);
    }
    if (v.configMap?.name) {
      return pick(await configMapData(v.configMap.name), v.configMap.items, v.configMap.defaultMode ?? 0o644, `ConfigMap ${v.configMap.name}`);
    }
    if (v.projected) {
      const out: Array<{ rel: string; b64: string; mode: number }> = [];
      const defMode = v.projected.defaultMode ?? 0o644;
      for (const src of v.projected.sources ?? []) {
        if (src.secret?.name) out.push(...pick(await secretData(src.secret.name), src.secret.items, defMode, `Secret ${src.secret.name}`));
        if (src.configMap?.name) out.push(...pick(await configMapData(src.configMap.name), src.configMap.items, defMode, `ConfigMap ${src.configMap.name}`));
      }
      return out;
    }
    return [];
  };

  const mounts: Array<{ mountPath: string; dir: string }> = [];
  const files: string[] = [];
  for (const m of container.volumeMounts ?? []) {
    const vol = spec?.volumes?.find((v) => v.name === m.name);
    if (!vol) throw new PodViewError(`${ns}/${name}: volumeMount ${m.name} has no volume`);
    const dir = path.join(root, m.mountPath);
    mounts.push({ mountPath: m.mountPath, dir });
    for (const f of await volumeFiles(vol)) {
      if (m.subPath && m.subPath !== f.rel) continue;
      const target = m.subPath ? dir : path.join(dir, f.rel);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, Buffer.from(f.b64, 'base64'), { mode: f.mode });
      files.push(m.subPath ? m.mountPath : path.posix.join(m.mountPath, f.rel));
    }
  }

  const env = new Map<string, string>();
  const secretEnv = new Set<string>();
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env.set(e.name, e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const b64 = (await secretData(ref.name!))[ref.key];
      if (b64 === undefined) throw new PodViewError(`env ${e.name}: key ${ref.key} is missing in Secret ${ref.name}`);
      env.set(e.name, Buffer.from(b64, 'base64').toString('utf8'));
      secretEnv.add(e.name);
    } else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const b64 = (await configMapData(ref.name!))[ref.key];
      if (b64 === undefined) throw new PodViewError(`env ${e.name}: key ${ref.key} is missing in ConfigMap ${ref.name}`);
      env.set(e.name, Buffer.from(b64, 'base64').toString('utf8'));
    } else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env.set(e.name, ns);
  }

  // Longest mount path first, so nested mounts win.
  const byDepth = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  const hostPath = (containerPath: string): string => {
    for (const m of byDepth) {
      const rel = path.posix.relative(m.mountPath, containerPath);
      if (!rel.startsWith('..') && !path.posix.isAbsolute(rel)) return path.join(m.dir, rel);
    }
    throw new PodViewError(`${containerPath} is not under any volume mounted into ${ns}/${name} container ${container.name}`);
  };
  return { deployment: name, container: container.name, env, secretEnv, hostPath, files, root };
}
