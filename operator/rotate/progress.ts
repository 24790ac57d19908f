// What `rotate --wait` shows and when it is done: pure, from a config's status and the token the
// command set. A config is done when the operator recorded the token as handled, no rotation
// runs any more, and Ready is True for the current generation; for a CA rotation requested by
// this run, also when the CA fingerprint differs from the one before (the operator records the
// token when the rotation starts, so the token alone does not say it ended).
import type { HonoTlsConfig } from '../api/v1alpha1.js';

export type Trigger = 'rotate-ca' | 'renew';

export interface Progress {
  config: string;
  done: boolean;
  /** One line: what the config is doing, or what it waits for. */
  line: string;
  /** A reason the operator gave that needs a person (a stuck rollout, bad input); not fatal by itself. */
  attention?: string;
}

/** Reasons that mean the operator holds back and a person must act; the rest is normal progress. */
const ATTENTION = /Stuck|Invalid|Rejected|Held|Missing|Failed|Error|Garbage|Unreadable/i;

export function progressOf(c: HonoTlsConfig, trigger: Trigger, token: string, caBefore?: string): Progress {
  const config = `${c.metadata.namespace}/${c.metadata.name}`;
  const s = c.status ?? {};
  const handled = (trigger === 'rotate-ca' ? s.lastRotateToken : s.lastRenewToken) === token;
  const ready = s.conditions?.find((x) => x.type === 'Ready');
  const current = ready?.observedGeneration === undefined || ready.observedGeneration === c.metadata.generation;
  const troubled = (s.conditions ?? []).find((x) => ATTENTION.test(x.reason));
  const attention = troubled ? `${troubled.type}=${troubled.status} ${troubled.reason}: ${troubled.message}` : undefined;
  const r = s.rotation;
  if (r) {
    const waiting = r.waitingFor?.length ? `, waiting for ${r.waitingFor.join(', ')}` : '';
    const token = handled ? '' : ' (this token waits for it)';
    return { config, done: false, line: `rotating: phase ${r.phase}${r.step ? ` step ${r.step}` : ''}${waiting}${token}`, attention };
  }
  if (!handled) {
    const phase = s.phase && s.phase !== 'Ready' ? `${s.phase}, ` : '';
    return { config, done: false, line: `${phase}token not handled yet (last ${trigger === 'rotate-ca' ? (s.lastRotateToken ?? 'none') : (s.lastRenewToken ?? 'none')})`, attention };
  }
  if (trigger === 'rotate-ca' && caBefore && s.ca?.fingerprint === caBefore) {
    return { config, done: false, line: 'handled; the rotation has not started yet', attention };
  }
  if (ready?.status !== 'True' || !current || (s.phase && s.phase !== 'Ready')) {
    return { config, done: false, line: `handled; ${s.phase ?? ''} Ready ${ready?.status ?? 'unknown'}${ready ? ` (${ready.reason})` : ''}`.replace(/ {2,}/g, ' '), attention };
  }
  return { config, done: true, line: trigger === 'rotate-ca' ? `done: CA ${s.ca?.fingerprint?.slice(0, 23) ?? '?'}` : 'done: leaves re-issued' };
}

/** A token that is new on every run: the time, to the millisecond (annotation values take any text). */
export function newToken(now: Date): string {
  return now.toISOString();
}
