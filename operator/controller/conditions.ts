// metav1.Condition handling: lastTransitionTime moves only when the status flips.
import type { Condition } from '../api/v1alpha1.js';

export function setCondition(
  previous: Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const old = previous?.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const others = (previous ?? []).filter((c) => c.type !== next.type);
  return [...others, { ...next, lastTransitionTime }].sort((a, b) => a.type.localeCompare(b.type));
}

/** Without the condition of `type` (kstatus' abnormal-true conditions are absent when they do not apply). */
export function removeCondition(previous: Condition[] | undefined, type: string): Condition[] {
  return (previous ?? []).filter((c) => c.type !== type);
}
