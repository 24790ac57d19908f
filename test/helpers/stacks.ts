// The stacks the rotation proofs and the rotation bench run: the example stack with the seed
// config (examples/), and a hono-2 stack built from examples/profile-hono-2.yaml's components.
// Every Deployment carries the opt-in label hono.eclipse.org/tls-config (issue 8).
import * as fs from 'node:fs';
import yaml from 'js-yaml';
import type { HonoTlsConfig, HonoTlsConfigSpec } from '../../operator/api/v1alpha1.js';
import { stackObjects } from '../peers/hono/real-hono.js';
import { deploymentObject, serviceObject } from '../integration/controller-fixtures.js';

export const SEED_CONFIG_FILE = 'examples/honotlsconfig-seed.yaml';
export const HONO2_CONFIG_FILE = 'examples/profile-hono-2.yaml';

/** The HonoTlsConfig of an example file, in `namespace`, with `spec` merged over its spec. */
export function exampleConfig(file: string, namespace: string, spec: Partial<HonoTlsConfigSpec> = {}): HonoTlsConfig {
  const c = (yaml.loadAll(fs.readFileSync(file, 'utf8')) as HonoTlsConfig[]).find((d) => d?.kind === 'HonoTlsConfig');
  if (!c) throw new Error(`${file} holds no HonoTlsConfig`);
  return { ...c, metadata: { name: c.metadata.name, namespace }, spec: { ...c.spec, ...spec } };
}

/** The Deployments and Services a config's components name, opted in to it (for configs whose stack is not in examples/). */
export function stackFor(config: HonoTlsConfig): object[] {
  return config.spec.components.flatMap((c) => {
    if (!c.deployment) return [];
    const d = deploymentObject(c.deployment.name, `eclipse/hono-${c.type.toLowerCase()}:2.6`, config.metadata.name);
    return [d, ...(c.serviceName ? [serviceObject(c.serviceName)] : [])];
  });
}

/** The seed config (examples/honotlsconfig-seed.yaml) and examples/hono-stack.yaml, opted in to it. */
export function seedStack(namespace: string, spec: Partial<HonoTlsConfigSpec> = {}): { config: HonoTlsConfig; objects: object[] } {
  const config = exampleConfig(SEED_CONFIG_FILE, namespace, spec);
  return { config, objects: stackObjects(config.metadata.name) };
}

/** The hono-2 example config and a stack for it. */
export function hono2Stack(namespace: string, spec: Partial<HonoTlsConfigSpec> = {}): { config: HonoTlsConfig; objects: object[] } {
  const config = exampleConfig(HONO2_CONFIG_FILE, namespace, spec);
  return { config, objects: stackFor(config) };
}
