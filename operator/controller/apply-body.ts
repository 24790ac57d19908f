// What the operator applies to a Deployment with server-side apply, and how to tell without a
// write whether the server already holds exactly that (so steady state writes nothing).
import type { V1Deployment, V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { TLS_DIGEST_ANNOTATION } from './names.js';

export interface ContainerWiring {
  name: string;
  env: V1EnvVar[];
  volumeMounts: V1VolumeMount[];
}

export interface DeploymentWiring {
  annotations: Record<string, string>;
  containers: ContainerWiring[];
  volumes: V1Volume[];
}

/** The apply configuration: only the operator's fields, keyed as SSA merges them. */
export function applyBody(namespace: string, name: string, w: DeploymentWiring | undefined): object {
  const base = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace } };
  if (!w) return base; // applying nothing releases every field this manager owned
  return {
    ...base,
    spec: {
      template: {
        metadata: { annotations: w.annotations },
        spec: {
          containers: w.containers.map((c) => ({
            name: c.name,
            ...(c.env.length ? { env: c.env } : {}),
            ...(c.volumeMounts.length ? { volumeMounts: c.volumeMounts } : {}),
          })),
          ...(w.volumes.length ? { volumes: w.volumes } : {}),
        },
      },
    },
  };
}

/** The fields a manager owns in a Deployment's pod template, read from managedFields. */
export interface OwnedFields {
  annotations: Set<string>;
  volumes: Set<string>;
  /** container name -> env names and mount paths */
  containers: Map<string, { env: Set<string>; mounts: Set<string> }>;
}

type FieldsV1 = Record<string, unknown>;

function keyName(k: string, field: string): string | undefined {
  if (!k.startsWith('k:')) return undefined;
  try {
    const v = (JSON.parse(k.slice(2)) as Record<string, unknown>)[field];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The pod-template items the operator writes, as one managedFields entry lists them. */
function fieldsOf(f: FieldsV1 | undefined): OwnedFields {
  const owned: OwnedFields = { annotations: new Set(), volumes: new Set(), containers: new Map() };
  const template = (f?.['f:spec'] as FieldsV1 | undefined)?.['f:template'] as FieldsV1 | undefined;
  const ann = (template?.['f:metadata'] as FieldsV1 | undefined)?.['f:annotations'] as FieldsV1 | undefined;
  for (const k of Object.keys(ann ?? {})) if (k.startsWith('f:')) owned.annotations.add(k.slice(2));
  const spec = template?.['f:spec'] as FieldsV1 | undefined;
  for (const k of Object.keys((spec?.['f:volumes'] as FieldsV1 | undefined) ?? {})) {
    const n = keyName(k, 'name');
    if (n) owned.volumes.add(n);
  }
  const containers = (spec?.['f:containers'] as FieldsV1 | undefined) ?? {};
  for (const [k, v] of Object.entries(containers)) {
    const n = keyName(k, 'name');
    if (!n) continue;
    const c = { env: new Set<string>(), mounts: new Set<string>() };
    for (const ek of Object.keys(((v as FieldsV1)['f:env'] as FieldsV1 | undefined) ?? {})) {
      const en = keyName(ek, 'name');
      if (en) c.env.add(en);
    }
    for (const mk of Object.keys(((v as FieldsV1)['f:volumeMounts'] as FieldsV1 | undefined) ?? {})) {
      const mp = keyName(mk, 'mountPath');
      if (mp) c.mounts.add(mp);
    }
    if (c.env.size || c.mounts.size) owned.containers.set(n, c);
  }
  return owned;
}

/** What `manager` owns through server-side apply. */
export function ownedFields(d: V1Deployment, manager: string): OwnedFields {
  const owned: OwnedFields = { annotations: new Set(), volumes: new Set(), containers: new Map() };
  for (const entry of d.metadata?.managedFields ?? []) {
    if (entry.manager !== manager || entry.operation !== 'Apply') continue;
    const o = fieldsOf(entry.fieldsV1 as FieldsV1 | undefined);
    for (const a of o.annotations) owned.annotations.add(a);
    for (const v of o.volumes) owned.volumes.add(v);
    for (const [n, c] of o.containers) {
      const into = owned.containers.get(n) ?? { env: new Set<string>(), mounts: new Set<string>() };
      for (const e of c.env) into.env.add(e);
      for (const m of c.mounts) into.mounts.add(m);
      owned.containers.set(n, into);
    }
  }
  return owned;
}

export function isEmpty(o: OwnedFields): boolean {
  return o.annotations.size === 0 && o.volumes.size === 0 && o.containers.size === 0;
}

/** True when the Deployment already carries exactly the wiring, owned by `manager`. */
export function wiringApplied(d: V1Deployment, w: DeploymentWiring, manager: string): boolean {
  const owned = ownedFields(d, manager);
  // The owned field set must match: an extra owned field means a stale one to remove.
  if (!sameSet(owned.annotations, Object.keys(w.annotations))) return false;
  if (!sameSet(owned.volumes, w.volumes.map((v) => v.name))) return false;
  const wanted = w.containers.filter((c) => c.env.length || c.volumeMounts.length);
  if (!sameSet(new Set(owned.containers.keys()), wanted.map((c) => c.name))) return false;
  for (const c of wanted) {
    const o = owned.containers.get(c.name)!;
    if (!sameSet(o.env, c.env.map((e) => e.name)) || !sameSet(o.mounts, c.volumeMounts.map((m) => m.mountPath))) return false;
  }
  // And the values must be what we want (another manager may have changed them).
  const tpl = d.spec?.template;
  for (const [k, v] of Object.entries(w.annotations)) if (tpl?.metadata?.annotations?.[k] !== v) return false;
  for (const v of w.volumes) {
    if (!isSubset(v, tpl?.spec?.volumes?.find((x) => x.name === v.name))) return false;
  }
  for (const c of wanted) {
    const cur = tpl?.spec?.containers?.find((x) => x.name === c.name);
    if (!cur) return false;
    for (const e of c.env) if (!isSubset(e, cur.env?.find((x) => x.name === e.name))) return false;
    for (const m of c.volumeMounts) if (!isSubset(m, cur.volumeMounts?.find((x) => x.mountPath === m.mountPath))) return false;
  }
  return true;
}

/** A field of the wiring that the Deployment already holds with another value, set by someone else. */
export interface ForeignField {
  /** Where, as people read it: `env HONO_MQTT_KEY_FILE of container mqtt`. */
  what: string;
  /** The managers that own it (empty when the object records none). */
  owners: string[];
}

/**
 * Fields the wiring would change that `manager` does not own: a user's env var of the same name, a
 * mount at the same path, a volume of the same name. Server-side apply would merge some of these
 * silently (a volume with two sources, a field with no recorded owner), so they are found first and
 * reported; an item with exactly the wanted value is shared, not taken.
 */
export function foreignFields(d: V1Deployment, w: DeploymentWiring, manager: string): ForeignField[] {
  const mine = ownedFields(d, manager);
  const owners = (pick: (o: OwnedFields) => boolean): string[] =>
    [...new Set((d.metadata?.managedFields ?? []).filter((e) => e.manager !== manager && pick(fieldsOf(e.fieldsV1 as FieldsV1 | undefined))).map((e) => e.manager ?? '(unnamed)'))].sort();
  const out: ForeignField[] = [];
  const tpl = d.spec?.template;
  for (const [k, v] of Object.entries(w.annotations)) {
    const cur = tpl?.metadata?.annotations?.[k];
    if (cur !== undefined && cur !== v && !mine.annotations.has(k)) out.push({ what: `pod-template annotation ${k}`, owners: owners((o) => o.annotations.has(k)) });
  }
  for (const v of w.volumes) {
    const cur = tpl?.spec?.volumes?.find((x) => x.name === v.name);
    const same = cur && isSubset(v, cur) && Object.keys(cur).every((k) => k in v);
    if (cur && !same && !mine.volumes.has(v.name)) out.push({ what: `volume ${v.name}`, owners: owners((o) => o.volumes.has(v.name)) });
  }
  for (const c of w.containers) {
    const cur = tpl?.spec?.containers?.find((x) => x.name === c.name);
    const own = mine.containers.get(c.name);
    for (const e of c.env) {
      const got = cur?.env?.find((x) => x.name === e.name);
      if (got && !(isSubset(e, got) && isSubset(got, e)) && !own?.env.has(e.name)) {
        out.push({ what: `env ${e.name} of container ${c.name}`, owners: owners((o) => !!o.containers.get(c.name)?.env.has(e.name)) });
      }
    }
    for (const m of c.volumeMounts) {
      const got = cur?.volumeMounts?.find((x) => x.mountPath === m.mountPath);
      if (got && !(isSubset(m, got) && isSubset(got, m)) && !own?.mounts.has(m.mountPath)) {
        out.push({ what: `volumeMount at ${m.mountPath} of container ${c.name}`, owners: owners((o) => !!o.containers.get(c.name)?.mounts.has(m.mountPath)) });
      }
    }
  }
  return out;
}

function sameSet(a: Set<string>, b: string[]): boolean {
  const bs = new Set(b);
  return a.size === bs.size && [...a].every((x) => bs.has(x));
}

/** Every field given in `want` has the same value in `got` (the server may add defaults). */
export function isSubset(want: unknown, got: unknown): boolean {
  if (want === undefined || want === null) return true;
  if (Array.isArray(want)) {
    return Array.isArray(got) && want.length === got.length && want.every((w, i) => isSubset(w, got[i]));
  }
  if (typeof want === 'object') {
    if (!got || typeof got !== 'object') return false;
    return Object.entries(want as Record<string, unknown>).every(([k, v]) => isSubset(v, (got as Record<string, unknown>)[k]));
  }
  return want === got;
}

export { TLS_DIGEST_ANNOTATION };
