// spec.wiring: verify, for GitOps that forbids runtime patches: the Deployments are the user's (Git
// holds what `render` prints), so the operator patches none of them. It computes the same wiring
// as apply mode (buildWiring) and reports, per component, which env var, mount or volume is
// missing or different. The Deployment's own values are never quoted: they may be the user's secrets.
import type { V1Deployment } from '@kubernetes/client-node';
import { isSubset, type DeploymentWiring } from './apply-body.js';
import type { Failure, ReconcileContext } from './context.js';
import { TLS_DIGEST_ANNOTATION } from './names.js';
import type { ComponentMaterial } from './secrets.js';
import { buildWiring, materialsByDeployment, type WiringOutcome } from './workloads.js';

/** What of `w` the Deployment lacks or holds otherwise, as people read it (empty: it carries the wiring). */
export function wiringDrift(d: V1Deployment, w: DeploymentWiring): string[] {
  const out: string[] = [];
  const spec = d.spec?.template?.spec;
  for (const v of w.volumes) {
    const cur = spec?.volumes?.find((x) => x.name === v.name);
    if (!cur) out.push(`volume ${v.name} is missing`);
    // The server adds defaults (defaultMode): every wanted field must be there, and no other source.
    else if (!isSubset(v, cur) || !Object.keys(cur).every((k) => k in v)) out.push(`volume ${v.name} differs (want ${describeVolume(v)})`);
  }
  for (const c of w.containers) {
    const cur = spec?.containers?.find((x) => x.name === c.name);
    for (const e of c.env) {
      const got = cur?.env?.find((x) => x.name === e.name);
      if (!got) out.push(`env ${e.name} of container ${c.name} is missing`);
      else if (!(isSubset(e, got) && isSubset(got, e))) out.push(`env ${e.name} of container ${c.name} differs (want ${describeEnv(e)})`);
    }
    for (const m of c.volumeMounts) {
      const got = cur?.volumeMounts?.find((x) => x.mountPath === m.mountPath);
      if (!got) out.push(`volumeMount at ${m.mountPath} of container ${c.name} is missing`);
      else if (!isSubset(m, got)) out.push(`volumeMount at ${m.mountPath} of container ${c.name} differs (want volume ${m.name}${m.readOnly ? ', readOnly' : ''}${m.subPath ? `, subPath ${m.subPath}` : ''})`);
    }
  }
  return out;
}

function describeEnv(e: DeploymentWiring['containers'][number]['env'][number]): string {
  const ref = e.valueFrom?.secretKeyRef;
  if (ref) return `valueFrom Secret ${ref.name} key ${ref.key}`;
  return e.valueFrom ? 'a valueFrom' : `value ${JSON.stringify(e.value ?? '')}`;
}

function describeVolume(v: DeploymentWiring['volumes'][number]): string {
  return v.secret ? `Secret ${v.secret.secretName}` : 'the rendered source';
}

/** Checks every Deployment named by the plan; writes nothing. */
export async function verifyDeployments(ctx: ReconcileContext, namespace: string, materials: ComponentMaterial[]): Promise<WiringOutcome[]> {
  const results = await Promise.all([...materialsByDeployment(materials)].map(([name, ms]) => verifyOne(ctx, namespace, name, ms)));
  return results.flat();
}

async function verifyOne(ctx: ReconcileContext, namespace: string, name: string, ms: ComponentMaterial[]): Promise<WiringOutcome[]> {
  const d = await ctx.read.deployment(namespace, name);
  // The Deployment's digest is over all its components, as in apply mode (render prints the same).
  const whole = d && ms.every((m) => !m.failure && m.materialDigest) ? buildWiring(d, ms) : undefined;
  const digest = whole && 'digest' in whole ? whole.digest : undefined;
  const carriesDigest = !!digest && d?.spec?.template?.metadata?.annotations?.[TLS_DIGEST_ANNOTATION] === digest;
  const outcome = (m: ComponentMaterial, failure?: Failure): WiringOutcome => ({
    component: m.component.name,
    deployment: name,
    wired: !failure,
    applied: false,
    carriesDigest,
    ...(digest ? { materialDigest: digest } : {}),
    ...(failure ? { failure } : {}),
  });
  if (!d) {
    const missing: Failure = { reason: 'DeploymentMissing', message: `Deployment ${name} does not exist in namespace ${namespace}; it is verified as soon as it appears`, retry: true };
    return ms.map((m) => outcome(m, missing));
  }
  const out = ms.map((m) => {
    // A component whose material is not ready reports its own failure; there is nothing to compare yet.
    if (m.failure || !m.materialDigest) return outcome(m, { reason: 'MaterialNotReady', message: `material of ${m.component.name} is not ready`, retry: true });
    const w = buildWiring(d, [m]);
    if ('failure' in w) return outcome(m, w.failure);
    const drift = wiringDrift(d, w.wiring);
    if (!drift.length) return outcome(m);
    return outcome(m, {
      reason: 'WiringDrift',
      message: `Deployment ${name} does not carry the wiring (spec.wiring: verify, nothing was patched): ${drift.join('; ')}. Fix the Deployment where it is kept (hono-tls-operator render prints the wiring), or set spec.wiring: apply`,
      retry: true,
    });
  });
  const drifted = out.filter((o) => o.failure?.reason === 'WiringDrift').map((o) => o.component);
  if (drifted.length) ctx.logger.info('deployment drifts from the wiring', { deployment: name, components: drifted });
  return out;
}
