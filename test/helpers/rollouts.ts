// Rollouts as the tests and the bench read them on the pods control plane: complete or what is
// missing, how many revisions a Deployment went through, and a sampler of rollouts in flight.
// rolloutGap is written here on purpose, apart from operator/lifecycle/rollout.ts: the proofs
// must not judge the operator with its own code.
import { AppsV1Api, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { waitFor } from './wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Complete as `kubectl rollout status` means it, with ready and available replicas too; else what is missing. */
export function rolloutGap(d: V1Deployment): string | null {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  if ((s.observedGeneration ?? 0) < (d.metadata?.generation ?? 1)) return `observedGeneration ${s.observedGeneration} < ${d.metadata?.generation}`;
  if ((s.updatedReplicas ?? 0) !== want) return `updated ${s.updatedReplicas ?? 0}/${want}`;
  if ((s.replicas ?? 0) !== want) return `${(s.replicas ?? 0) - want} old replica(s) left`;
  if ((s.readyReplicas ?? 0) !== want) return `ready ${s.readyReplicas ?? 0}/${want}`;
  if ((s.availableReplicas ?? 0) !== want) return `available ${s.availableReplicas ?? 0}/${want}`;
  return null;
}

/** Waits until every named Deployment (all in the namespace when none named) completed its rollout. */
export async function waitRolledOut(kc: KubeConfig, namespace: string, names?: string[], timeoutMs = 180_000): Promise<void> {
  const apps = kc.makeApiClient(AppsV1Api);
  let gaps: string[] = [];
  try {
    await waitFor(`rollouts in ${namespace} to complete`, async () => {
      const list = (await apps.listNamespacedDeployment({ namespace })).items.filter((d) => !names || names.includes(d.metadata!.name!));
      gaps = list.flatMap((d) => {
        const g = rolloutGap(d);
        return g ? [`${d.metadata!.name}: ${g}`] : [];
      });
      if (names && list.length < names.length) gaps.push(`missing: ${names.filter((n) => !list.some((d) => d.metadata?.name === n)).join(', ')}`);
      return gaps.length === 0;
    }, timeoutMs, 250);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${gaps.join('; ')}`);
  }
}

/** Deployment name -> its highest revision (deployment.kubernetes.io/revision), i.e. how many times it rolled + 1. */
export async function revisions(kc: KubeConfig, namespace: string): Promise<Map<string, number>> {
  const apps = kc.makeApiClient(AppsV1Api);
  const out = new Map<string, number>();
  for (const rs of (await apps.listNamespacedReplicaSet({ namespace })).items) {
    const owner = rs.metadata?.ownerReferences?.find((o) => o.kind === 'Deployment')?.name;
    const rev = Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    if (owner) out.set(owner, Math.max(out.get(owner) ?? 0, rev));
  }
  return out;
}

/** Per Deployment, revisions gained between two `revisions` readings (a Deployment missing before counts from 0). */
export function rolloutsBetween(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([name, rev]) => [name, rev - (before.get(name) ?? 0)]));
}

export interface InFlightSampler {
  /** The most Deployments seen rolling at once, and when. */
  max(): { count: number; names: string[] };
  samples(): number;
  stop(): Promise<{ max: number; names: string[]; samples: number }>;
}

/** Samples, cluster-wide or in the given namespaces, how many Deployments have an incomplete rollout. */
export function sampleRolloutsInFlight(kc: KubeConfig, namespaces: string[] | 'all', everyMs = 100): InFlightSampler {
  const apps = kc.makeApiClient(AppsV1Api);
  let stopped = false;
  let n = 0;
  let best: { count: number; names: string[] } = { count: 0, names: [] };
  const loop = (async () => {
    while (!stopped) {
      const list =
        namespaces === 'all'
          ? (await apps.listDeploymentForAllNamespaces({})).items
          : (await Promise.all(namespaces.map((ns) => apps.listNamespacedDeployment({ namespace: ns })))).flatMap((l) => l.items);
      const rolling = list.flatMap((d) => {
        const gap = rolloutGap(d);
        return gap ? [`${d.metadata?.namespace}/${d.metadata?.name} (${gap})`] : [];
      });
      n++;
      if (rolling.length > best.count) best = { count: rolling.length, names: rolling };
      await sleep(everyMs);
    }
  })();
  return {
    max: () => best,
    samples: () => n,
    stop: async () => {
      stopped = true;
      await loop;
      return { max: best.count, names: best.names, samples: n };
    },
  };
}
