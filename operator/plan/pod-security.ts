// The file-mode rule for a component's Secret volume, applied to the pod it lands in:
// 0400 (owner read) by default; 0440 when the pod sets securityContext.fsGroup, because the
// kubelet then gives the files that group and a non-root process reads them through it.
// A pod running as non-root WITHOUT fsGroup cannot read root-owned 0400 files: reported.
import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import { SECRET_FILE_MODE, SECRET_FILE_MODE_FS_GROUP } from './plan.js';
import type { WorkloadPlan } from './types.js';

export interface PodSecurityView {
  podSecurityContext?: V1PodSecurityContext;
  /** Security contexts of the containers the workload wires. */
  containerSecurityContexts?: Array<V1SecurityContext | undefined>;
}

export function withPodSecurity(w: WorkloadPlan, pod: PodSecurityView): { workload: WorkloadPlan; problem?: string } {
  const fsGroup = pod.podSecurityContext?.fsGroup;
  const mode = fsGroup !== undefined ? SECRET_FILE_MODE_FS_GROUP : SECRET_FILE_MODE;
  const workload: WorkloadPlan = {
    ...w,
    volumes: w.volumes.map((v) =>
      v.secret ? { ...v, secret: { ...v.secret, defaultMode: mode } } : v.projected ? { ...v, projected: { ...v.projected, defaultMode: mode } } : v,
    ),
  };
  if (fsGroup !== undefined) return { workload };
  const nonRoot = (pod.containerSecurityContexts ?? [undefined]).some((c) => {
    const uid = c?.runAsUser ?? pod.podSecurityContext?.runAsUser;
    return uid !== undefined && uid !== 0;
  });
  return nonRoot
    ? {
        workload,
        problem: `Deployment ${w.deployment} runs as a non-root user without securityContext.fsGroup: it cannot read the 0400 key files; set spec.template.spec.securityContext.fsGroup`,
      }
    : { workload };
}
