// When is a Deployment's rollout complete, and when is it stuck? Read from the Deployment alone.
import type { V1Deployment } from '@kubernetes/client-node';

export interface RolloutView {
  exists: boolean;
  /** Undefined when complete; else what is missing, for status. */
  gap?: string;
  /** Last progress the Deployment controller reported (Progressing's lastUpdateTime). */
  progressAt?: Date;
  /** The Deployment controller gave up (Progressing False, ProgressDeadlineExceeded). */
  deadlineExceeded: boolean;
}

/**
 * Complete: observedGeneration caught up, every replica updated, ready and available, and the old
 * pods gone (status.replicas == spec.replicas).
 */
export function rolloutGap(d: V1Deployment): string | undefined {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  if ((s.observedGeneration ?? 0) < (d.metadata?.generation ?? 1)) return `observedGeneration ${s.observedGeneration ?? 0} < generation ${d.metadata?.generation ?? 1}`;
  if ((s.updatedReplicas ?? 0) !== want) return `updated ${s.updatedReplicas ?? 0}/${want}`;
  if ((s.readyReplicas ?? 0) !== want) return `ready ${s.readyReplicas ?? 0}/${want}`;
  if ((s.availableReplicas ?? 0) !== want) return `available ${s.availableReplicas ?? 0}/${want}`;
  if ((s.replicas ?? 0) !== want) return `${(s.replicas ?? 0) - want} old replica(s) left`;
  return undefined;
}

export function viewRollout(d: V1Deployment | undefined): RolloutView {
  if (!d) return { exists: false, gap: 'Deployment does not exist', deadlineExceeded: false };
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  const at = progressing?.lastUpdateTime ?? progressing?.lastTransitionTime;
  return {
    exists: true,
    gap: rolloutGap(d),
    progressAt: at ? new Date(at) : undefined,
    deadlineExceeded: progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded',
  };
}

/** Stuck: incomplete, and no progress for timeoutMs (measured from the later of its last progress and `since`). */
export function isStuck(v: RolloutView, since: Date | undefined, now: Date, timeoutMs: number): boolean {
  if (!v.gap) return false;
  if (v.deadlineExceeded) return true;
  const from = Math.max(v.progressAt?.getTime() ?? 0, since?.getTime() ?? 0);
  return from > 0 && now.getTime() - from > timeoutMs;
}
