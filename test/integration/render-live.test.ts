// `render` prints what the operator really applies: the example stack and the seed config on the
// real control plane, the operator until Ready, then every live Deployment's env vars, mounts and
// volumes compared with `render` of the same two files (offline, from the files as written).
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yaml from 'js-yaml';
import type { HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { isSubset } from '../../operator/controller/apply-body.js';
import { TLS_DIGEST_ANNOTATION } from '../../operator/controller/names.js';
import { DIGEST_UNKNOWN, render, type Rendered } from '../../operator/render/render.js';
import { applyYamlFile, withNamespace } from '../helpers/cluster.js';
import { deployment, runOperator, waitReady } from './controller-fixtures.js';

const CONFIG = 'examples/honotlsconfig-seed.yaml';
const STACK = 'examples/hono-stack.yaml';

/** name -> item, for lists Kubernetes keys by a field. */
const byKey = <T>(items: T[] | undefined, key: keyof T) => new Map((items ?? []).map((i) => [String(i[key]), i]));

/** What differs between the rendered and the live pod template in the operator's fields. */
function differences(r: Rendered['deployments'][number], live: V1Deployment): string[] {
  const out: string[] = [];
  const want = r.doc.spec!.template;
  const got = live.spec!.template;
  const compare = <T>(what: string, w: Map<string, T>, g: Map<string, T>) => {
    for (const k of new Set([...w.keys(), ...g.keys()])) if (!g.has(k) || !w.has(k) || !isSubset(w.get(k), g.get(k))) out.push(`${r.name}: ${what} ${k}`);
  };
  compare('volume', byKey(want.spec!.volumes, 'name'), byKey(got.spec!.volumes, 'name'));
  const gotContainers = byKey<V1Container>(got.spec!.containers, 'name');
  for (const c of want.spec!.containers) {
    const g = gotContainers.get(c.name);
    if (!g) out.push(`${r.name}: container ${c.name}`);
    compare(`${c.name} env`, byKey(c.env, 'name'), byKey(g?.env, 'name'));
    compare(`${c.name} mount`, byKey(c.volumeMounts, 'mountPath'), byKey(g?.volumeMounts, 'mountPath'));
  }
  return out;
}

test('render of the example stack matches the Deployments the operator wired on the control plane', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'render-live');
  await applyYamlFile(STACK, ns);
  await runOperator(t, ns);
  await applyYamlFile(CONFIG, ns);
  await waitReady(ns);

  const rendered = render([CONFIG, STACK], ns);
  t.is(rendered.deployments.length, 6);
  const live = new Map<string, V1Deployment>();
  for (const r of rendered.deployments) live.set(r.name, await deployment(ns, r.name));
  for (const r of rendered.deployments) {
    // The digest is known only on the cluster; its key is the one render names.
    t.is(r.doc.spec!.template.metadata!.annotations![TLS_DIGEST_ANNOTATION], DIGEST_UNKNOWN);
    t.regex(live.get(r.name)!.spec!.template.metadata!.annotations![TLS_DIGEST_ANNOTATION] ?? '', /^sha256:[0-9a-f]{32}$/);
    t.deepEqual(differences(r, live.get(r.name)!), [], r.name);
  }
  // Positive control: a config that renames one env var renders a difference the check names.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-live-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = yaml.load(fs.readFileSync(CONFIG, 'utf8')) as HonoTlsConfig;
  cfg.spec.components.find((c) => c.name === 'auth-server')!.envOverrides = { HONO_AUTH_CERT_FILE: 'HONO_AUTH_CERT_PATH' };
  fs.writeFileSync(path.join(dir, 'changed.yaml'), yaml.dump(cfg));
  const changed = render([path.join(dir, 'changed.yaml'), STACK], ns).deployments.find((d) => d.name === 'hono-service-auth')!;
  t.deepEqual(differences(changed, live.get('hono-service-auth')!).sort(), ['hono-service-auth: auth env HONO_AUTH_CERT_FILE', 'hono-service-auth: auth env HONO_AUTH_CERT_PATH']);
});
