// How often one component may be re-issued. The controller remembers nothing between reconciles,
// so the recent issues live on the component Secret (an annotation of times, generations and
// reasons; never key material). Two limits, decided purely from that history:
// - a floor: at most one re-issue per floorMs while the config's generation is unchanged (a
//   user's edit is a new generation and goes through at once);
// - a loop guard: after maxReissues re-issues within windowMs, issuing stops (ReissueLoop),
//   whatever the cause, edits included: a check that never settles must not roll a Deployment
//   for ever. It resumes when the oldest falls out of the window, or when the annotation is removed.
import { isoSeconds } from './context.js';
import { ISSUE_HISTORY_ANNOTATION } from './names.js';

export interface ReissueLimits {
  floorMs: number;
  windowMs: number;
  maxReissues: number;
}

export const DEFAULT_REISSUE_LIMITS: ReissueLimits = { floorMs: 60_000, windowMs: 3600_000, maxReissues: 5 };

export interface IssueRecord {
  /** RFC 3339 time of the issue. */
  at: string;
  /** The config's metadata.generation when it was issued. */
  gen?: number;
  /** The check's verdict that caused it (names the field that differed). */
  why: string;
}

/** The first issue of a component: not a re-issue. */
export const FIRST_ISSUE = 'no certificate yet';

export type ReissueDecision =
  | { issue: true }
  | { issue: false; reason: 'ReissueLoop' | 'ReissueHeldBack'; message: string; retryAt: Date };

/** The history from the annotation; anything unreadable counts as no history. */
export function readHistory(annotation: string | undefined): IssueRecord[] {
  if (!annotation) return [];
  try {
    const parsed: unknown = JSON.parse(annotation);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (r): r is IssueRecord =>
        !!r && typeof r === 'object' && typeof r.at === 'string' && Number.isFinite(Date.parse(r.at)) && typeof r.why === 'string',
    );
  } catch {
    return [];
  }
}

/** The annotation after one more issue: only what the limits look at is kept. */
export function recordIssue(history: IssueRecord[], record: IssueRecord, limits: ReissueLimits): string {
  const since = Date.parse(record.at) - limits.windowMs;
  const kept = history.filter((r) => Date.parse(r.at) > since).slice(-limits.maxReissues);
  return JSON.stringify([...kept, record]);
}

const minutes = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

export function decideReissue(
  history: IssueRecord[],
  why: string,
  generation: number | undefined,
  now: Date,
  limits: ReissueLimits,
  secretName: string,
  /** Triggered once by design (a renew token, a rotation step): the floor does not apply. */
  triggered = false,
): ReissueDecision {
  const t = now.getTime();
  const recent = history.filter((r) => Date.parse(r.at) > t - limits.windowMs && Date.parse(r.at) <= t);
  const reissues = recent.filter((r) => r.why !== FIRST_ISSUE);
  if (reissues.length >= limits.maxReissues) {
    const retryAt = new Date(Date.parse(reissues[0]!.at) + limits.windowMs);
    return {
      issue: false,
      reason: 'ReissueLoop',
      message:
        `re-issued ${reissues.length} times within ${minutes(limits.windowMs)} (last because ${reissues.at(-1)!.why}; now because ${why}), ` +
        `so issuing is stopped to keep the Deployment from rolling in a loop. If these were your own edits, issuing resumes at ` +
        `${isoSeconds(retryAt)}, or at once when you remove annotation ${ISSUE_HISTORY_ANNOTATION} from Secret ${secretName}; ` +
        `if the spec did not change, the certificate never matches it: report this with the reason`,
      retryAt,
    };
  }
  const last = recent.at(-1);
  if (!triggered && last && last.gen === generation && t - Date.parse(last.at) < limits.floorMs) {
    const retryAt = new Date(Date.parse(last.at) + limits.floorMs);
    return {
      issue: false,
      reason: 'ReissueHeldBack',
      message: `re-issue (${why}) held back until ${isoSeconds(retryAt)}: at most one re-issue per ${minutes(limits.floorMs)} while the spec is unchanged`,
      retryAt,
    };
  }
  return { issue: true };
}
