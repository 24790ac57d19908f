// The rotation's persisted state: one JSON annotation on the state Secret (the CA Secret for a
// selfSigned CA, `<config>-ca-trust` for a brought-in one), written together with the key material
// it describes, so an operator killed at any point resumes from it.
import type { RotationPhase } from '../api/v1alpha1.js';

export interface RotationState {
  phase: RotationPhase;
  /** ReissueLeaves: index into REISSUE_GROUPS of the group being rolled. */
  group?: number;
  startedAt: string;
  reason: 'RotateTrigger' | 'CaRenewal' | 'CaReplaced';
  oldFingerprint: string;
  newFingerprint: string;
  /** Deployments rolled in the current step (applied with this step's material). */
  rolled: string[];
  /** When the current step started (stuck rollouts are timed from here at the earliest). */
  stepStartedAt: string;
}

const PHASES: RotationPhase[] = ['TrustBoth', 'ReissueLeaves', 'DropOld'];

/** The state from the annotation; undefined when absent or unreadable (never a crash). */
export function readRotation(annotation: string | undefined): RotationState | undefined {
  if (!annotation) return undefined;
  try {
    const s = JSON.parse(annotation) as Partial<RotationState>;
    if (!s || typeof s !== 'object' || !PHASES.includes(s.phase as RotationPhase)) return undefined;
    if (typeof s.startedAt !== 'string' || typeof s.oldFingerprint !== 'string' || typeof s.newFingerprint !== 'string') return undefined;
    return {
      phase: s.phase!,
      ...(typeof s.group === 'number' ? { group: s.group } : {}),
      startedAt: s.startedAt,
      reason: s.reason === 'CaRenewal' || s.reason === 'CaReplaced' ? s.reason : 'RotateTrigger',
      oldFingerprint: s.oldFingerprint,
      newFingerprint: s.newFingerprint,
      rolled: Array.isArray(s.rolled) ? s.rolled.filter((x): x is string => typeof x === 'string') : [],
      stepStartedAt: typeof s.stepStartedAt === 'string' ? s.stepStartedAt : s.startedAt,
    };
  } catch {
    return undefined;
  }
}

export function writeRotation(s: RotationState): string {
  return JSON.stringify(s);
}
