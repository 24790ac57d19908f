// Merges an apply body into an object the way server-side apply merges the fields the operator
// applies: objects field by field, the pod template's lists as maps keyed like Kubernetes keys
// them (containers, env, volumes by name; volumeMounts by mountPath), other lists replaced.
const LIST_MAP_KEYS: Record<string, string> = { containers: 'name', env: 'name', volumes: 'name', volumeMounts: 'mountPath' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function applyMerge<T>(base: T, body: unknown): T {
  return mergeValue(base, body, undefined) as T;
}

function mergeValue(base: unknown, over: unknown, field: string | undefined): unknown {
  if (isObject(base) && isObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValue(base[k], v, k) : structuredClone(v);
    return out;
  }
  const key = field ? LIST_MAP_KEYS[field] : undefined;
  if (key && Array.isArray(base) && Array.isArray(over)) {
    const out = [...base];
    for (const item of over) {
      const i = isObject(item) ? out.findIndex((b) => isObject(b) && b[key] === item[key]) : -1;
      if (i >= 0) out[i] = mergeValue(out[i], item, undefined);
      else out.push(structuredClone(item));
    }
    return out;
  }
  return structuredClone(over);
}
