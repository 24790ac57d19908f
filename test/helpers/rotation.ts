// Driving and watching a rotation from the outside, as a user would: set a trigger annotation,
// follow status.rotation, and know when the rotation is done (the `rotate` command's own
// progressOf). Used by the rotation tests and the rotation bench.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig, type RotationStatus } from '../../operator/api/v1alpha1.js';
import { RENEW_ANNOTATION, ROTATE_CA_ANNOTATION } from '../../operator/controller/names.js';
import { progressOf, type Trigger } from '../../operator/rotate/progress.js';
import { waitFor } from './wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const annotationOf = (trigger: Trigger) => (trigger === 'renew' ? RENEW_ANNOTATION : ROTATE_CA_ANNOTATION);

export async function readConfig(kc: KubeConfig, namespace: string, name: string): Promise<HonoTlsConfig> {
  return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name })) as HonoTlsConfig;
}

/** Sets (a merge patch) annotations on a config; null removes one. */
export async function annotate(kc: KubeConfig, namespace: string, name: string, annotations: Record<string, string | null>): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body: { metadata: { annotations } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Sets the trigger's token; returns the CA fingerprint from before (for `waitDone`). */
export async function trigger(kc: KubeConfig, namespace: string, name: string, which: Trigger, token: string): Promise<string | undefined> {
  const before = (await readConfig(kc, namespace, name)).status?.ca?.fingerprint;
  await annotate(kc, namespace, name, { [annotationOf(which)]: token });
  return before;
}

/** Waits until the config is done with `token` as `rotate --wait` judges it; returns the config. */
export async function waitDone(kc: KubeConfig, namespace: string, name: string, which: Trigger, token: string, caBefore: string | undefined, timeoutMs = 600_000): Promise<HonoTlsConfig> {
  let line = '';
  try {
    return await waitFor(`${namespace}/${name} to be done with ${which} ${token}`, async () => {
      const c = await readConfig(kc, namespace, name);
      const p = progressOf(c, which, token, which === 'rotate-ca' ? caBefore : undefined);
      line = `${p.line}${p.attention ? ` (${p.attention})` : ''}`;
      return p.done ? c : undefined;
    }, timeoutMs, 200);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${line}`);
  }
}

export interface RotationLog {
  /** Each (phase, step) seen, in order, with the rotation it belonged to ("old>new"). */
  steps: Array<{ at: number; rotation: string; phase: string; step?: string; waitingFor?: string[] }>;
  /** Distinct rotations seen (old CA fingerprint > new CA fingerprint), in order. */
  rotations: string[];
}

/** Polls status.rotation every `everyMs` and logs each change; `onStep` sees each new (rotation, phase, step). */
export function followRotation(kc: KubeConfig, namespace: string, name: string, onStep?: (s: RotationLog['steps'][number]) => void | Promise<void>, everyMs = 50) {
  const log: RotationLog = { steps: [], rotations: [] };
  let stopped = false;
  const key = (r: RotationStatus) => `${r.oldCaFingerprint}>${r.newCaFingerprint}`;
  const loop = (async () => {
    while (!stopped) {
      const r = (await readConfig(kc, namespace, name).catch(() => undefined))?.status?.rotation;
      if (r) {
        const k = key(r);
        if (!log.rotations.includes(k)) log.rotations.push(k);
        const last = log.steps.at(-1);
        if (!last || last.rotation !== k || last.phase !== r.phase || last.step !== r.step) {
          const s = { at: Date.now(), rotation: k, phase: r.phase, step: r.step, waitingFor: r.waitingFor };
          log.steps.push(s);
          await onStep?.(s);
        }
      }
      await sleep(everyMs);
    }
  })();
  return {
    log,
    stop: async () => {
      stopped = true;
      await loop;
      return log;
    },
  };
}
