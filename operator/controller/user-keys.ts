// Keys a user added to a component Secret are kept on every rewrite. The operator records the keys
// it wrote in an annotation, so a key it stops writing (a dropped store format) is removed while a
// key it never wrote stays.
import type { V1Secret } from '@kubernetes/client-node';
import { OWNED_KEYS_ANNOTATION } from './names.js';

/** The existing Secret's data keys that the operator did not write (base64 values, as stored). */
export function userKeys(existing: V1Secret | undefined, desiredKeys: readonly string[]): Record<string, string> {
  const owned = existing?.metadata?.annotations?.[OWNED_KEYS_ANNOTATION];
  // A Secret from before the annotation: everything in it was the operator's.
  if (owned === undefined) return {};
  const ours = new Set([...owned.split(',').filter(Boolean), ...desiredKeys]);
  return Object.fromEntries(Object.entries(existing?.data ?? {}).filter(([k]) => !ours.has(k)));
}

export function ownedKeysAnnotation(desiredKeys: readonly string[]): Record<string, string> {
  return { [OWNED_KEYS_ANNOTATION]: [...desiredKeys].sort().join(',') };
}
