// `hono-tls-operator render`, offline: the Deployments of a stack as the operator would wire them
// for its HonoTlsConfigs, through the controller's own functions (planConfig, buildWiring,
// applyBody), plus the plan (renderPlan: each Secret's name and keys, never key material, and
// the sslProfile). Everything is computed before anything is printed or written.
import yaml from 'js-yaml';
import type { V1Deployment } from '@kubernetes/client-node';
import { applyBody } from '../controller/apply-body.js';
import { TLS_DIGEST_ANNOTATION } from '../controller/names.js';
import type { ComponentMaterial } from '../controller/secrets.js';
import { buildWiring } from '../controller/workloads.js';
import { PlanError } from '../plan/errors.js';
import { planConfig } from '../plan/plan.js';
import { renderPlan } from '../plan/render.js';
import type { Plan } from '../plan/types.js';
import { applyMerge } from './apply-merge.js';
import { readManifests, RenderError, type Located } from './manifests.js';

/** Offline the material does not exist yet, so neither does its digest. */
export const DIGEST_UNKNOWN = 'unknown until the operator issues the material';

export interface Rendered {
  plans: Array<{ config: string; file: string; text: string }>;
  deployments: Array<{ name: string; namespace: string; file: string; doc: V1Deployment }>;
}

export function render(files: string[], namespace?: string): Rendered {
  const m = readManifests(files);
  if (!m.configs.length) {
    const found = files.map((f) => `${f} holds ${[...new Set(m.kinds.get(f))].join(', ') || 'no objects'}`).join('; ');
    throw new RenderError(`no HonoTlsConfig (hono.eclipse.org/v1alpha1) in the files given: ${found}. Pass the config with -f, e.g. -f honotlsconfig.yaml -f stack.yaml`);
  }
  const out: Rendered = { plans: [], deployments: [] };
  const wired = new Map<string, Rendered['deployments'][number]>();
  const errors: string[] = [];
  for (const c of m.configs) {
    const ns = namespace ?? c.doc.metadata.namespace ?? 'default';
    const where = `${c.file}:${c.line}: HonoTlsConfig ${c.doc.metadata.name}`;
    let plan: Plan;
    try {
      plan = planConfig({ ...c.doc, metadata: { ...c.doc.metadata, namespace: ns } });
    } catch (e) {
      if (e instanceof PlanError) {
        errors.push(`${where}: ${e.message}`);
        continue;
      }
      throw e;
    }
    out.plans.push({ config: plan.configName, file: c.file, text: renderPlan(plan) });
    const byDeployment = new Map<string, ComponentMaterial[]>();
    for (const component of plan.components) {
      const d = component.workload?.deployment;
      if (d) byDeployment.set(d, [...(byDeployment.get(d) ?? []), { component, materialDigest: DIGEST_UNKNOWN, issued: false, written: false }]);
    }
    for (const [name, ms] of byDeployment) {
      const key = `${ns}/${name}`;
      const found = wired.get(key) ?? fromStack(m.deployments, name, ns);
      if (!found) {
        const names = m.deployments.map((d) => d.doc.metadata!.name).join(', ') || 'none';
        errors.push(`${where}: component ${ms.map((x) => x.component.name).join(', ')} names Deployment ${name}, which no file given defines in namespace ${ns} (Deployments found: ${names})`);
        continue;
      }
      const w = buildWiring(found.doc, ms);
      if ('failure' in w) {
        errors.push(`${where}: ${w.failure.message}`);
        continue;
      }
      w.wiring.annotations[TLS_DIGEST_ANNOTATION] = DIGEST_UNKNOWN;
      const body = applyBody(ns, name, w.wiring) as { spec?: unknown };
      const next = { ...found, doc: applyMerge(found.doc, { spec: body.spec }) };
      if (!wired.has(key)) out.deployments.push(next);
      else out.deployments[out.deployments.indexOf(wired.get(key)!)] = next;
      wired.set(key, next);
    }
  }
  if (errors.length) throw new RenderError(errors.join('\n'));
  return out;
}

function fromStack(deployments: Located<V1Deployment>[], name: string, ns: string): Rendered['deployments'][number] | undefined {
  const d = deployments.find((x) => x.doc.metadata!.name === name && (x.doc.metadata!.namespace ?? ns) === ns);
  return d && { name, namespace: ns, file: d.file, doc: d.doc };
}

const dump = (o: unknown) => yaml.dump(o, { lineWidth: 120, noRefs: true, sortKeys: false });

/** One YAML stream: the plans as comments (a reviewer reads them; kubectl skips them), then the Deployments. */
export function toStream(r: Rendered): string {
  const head = r.plans.map((p) => [`# plan of HonoTlsConfig ${p.config} (${p.file}); Secrets list their keys, never key material`, ...p.text.trimEnd().split('\n').map((l) => `#   ${l}`)].join('\n'));
  return [...head, ...r.deployments.map((d) => `---\n# Deployment ${d.namespace}/${d.name} from ${d.file}, wired\n${dump(d.doc)}`)].join('\n') + '\n';
}

/** Files for -o DIR: one plan per config, one manifest per Deployment. */
export function toFiles(r: Rendered): Array<{ name: string; text: string }> {
  return [
    ...r.plans.map((p) => ({ name: `honotlsconfig-${p.config}.plan.yaml`, text: p.text })),
    ...r.deployments.map((d) => ({ name: `deployment-${d.name}.yaml`, text: dump(d.doc) })),
  ];
}
