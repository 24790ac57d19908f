// spec.wiring: verify on the real control plane: the operator manages the Secrets, patches no
// Deployment, and reports what of the wiring a Deployment lacks; switching to apply wires them (the
// positive control that the write check sees writes), and a hand edit in verify mode is reported,
// not reverted. Deployments that carry what `render` prints verify as Ready without a single write.
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yaml from 'js-yaml';
import type { V1Deployment } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { render } from '../../operator/render/render.js';
import { applyObjects, kubectl, withNamespace } from '../helpers/cluster.js';
import { clients, deployment, getConfig, runOperator, waitFor, waitReady } from './controller-fixtures.js';

const STACK = 'examples/hono-stack.yaml';
const CONFIG = 'examples/honotlsconfig-seed.yaml';
const OPERATOR = /^hono-tls-operator/;

const seed = (wiring: 'apply' | 'verify', namespace: string): HonoTlsConfig => {
  const c = yaml.load(fs.readFileSync(CONFIG, 'utf8')) as HonoTlsConfig;
  return { ...c, metadata: { ...c.metadata, namespace }, spec: { ...c.spec, wiring } };
};
const stackDeployments = () =>
  (yaml.loadAll(fs.readFileSync(STACK, 'utf8')) as Array<{ kind: string; metadata: { name: string } }>).filter((o) => o?.kind === 'Deployment').map((o) => o.metadata.name);

/** Per Deployment: its generation and the operator's managedFields entries (what the operator wrote). */
async function ledger(ns: string): Promise<Map<string, { generation: number; operator: string }>> {
  const out = new Map<string, { generation: number; operator: string }>();
  for (const name of stackDeployments()) {
    const d = await deployment(ns, name);
    const mine = (d.metadata?.managedFields ?? []).filter((e) => OPERATOR.test(e.manager ?? ''));
    out.set(name, { generation: d.metadata!.generation!, operator: JSON.stringify(mine.map((e) => [e.manager, e.operation, e.time])) });
  }
  return out;
}

async function setWiring(ns: string, wiring: 'apply' | 'verify'): Promise<number> {
  const live = await getConfig(ns, 'hono');
  const r = (await clients().custom.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'hono', body: { ...live, spec: { ...live.spec, wiring } } })) as HonoTlsConfig;
  return r.metadata.generation!;
}

/** The config's status once the operator observed `generation`. */
const observed = (ns: string, generation: number) =>
  waitFor(`generation ${generation} observed`, async () => {
    const c = await getConfig(ns, 'hono');
    return c.status?.observedGeneration === generation ? c : undefined;
  }, 90_000);

test('verify writes nothing to a Deployment and reports each missing piece; apply wires them; a hand edit in verify mode is reported, not patched', async (t) => {
  t.timeout(5 * 60_000);
  const ns = await withNamespace(t, 'gitops-verify');
  const applied = await kubectl(['apply', '--server-side', '-n', ns, '-f', STACK]);
  t.is(applied.code, 0, applied.stderr);
  await runOperator(t, ns);
  const before = await ledger(ns);

  // verify on a stack without the wiring: drift per component, Secrets issued, no write.
  await applyObjects([seed('verify', ns)], ns);
  const drifted = await waitFor('WiringDrift on every wired component', async () => {
    const c = await getConfig(ns, 'hono');
    const wired = (c.status?.components ?? []).filter((x) => x.deployment);
    return wired.length === 6 && wired.every((x) => x.reason === 'WiringDrift') ? c : undefined;
  }, 90_000);
  t.is(drifted.status?.conditions?.find((c) => c.type === 'Stalled')?.reason, 'WiringDrift');
  t.is(drifted.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  const auth = drifted.status!.components!.find((c) => c.deployment === 'hono-service-auth')!;
  t.regex(auth.message ?? '', /volume \S+ is missing; .*env HONO_AUTH_\w+ of container auth is missing; .*volumeMount at \S+ of container auth is missing/);
  for (const c of drifted.status!.components!) {
    t.truthy(await clients().core.readNamespacedSecret({ namespace: ns, name: c.secretName! }), `Secret ${c.secretName} (verify manages Secrets)`);
  }
  const events = await kubectl(['get', 'events', '-n', ns, '--field-selector', 'reason=WiringDrift', '-o', 'jsonpath={.items[*].message}']);
  t.regex(events.stdout, /hono-service-auth does not carry the wiring/);
  t.deepEqual(await ledger(ns), before, 'verify wrote nothing to any Deployment');

  // Positive control: apply wires them (the ledger sees the operator's writes).
  await observed(ns, await setWiring(ns, 'apply'));
  await waitReady(ns);
  const wired = await ledger(ns);
  for (const [name, w] of wired) {
    t.true(w.generation > before.get(name)!.generation, `${name}: apply changed the pod template`);
    t.regex(w.operator, /hono-tls-operator\/hono/, `${name}: the operator's field manager`);
  }

  // Back to verify: the Deployments carry the wiring, so it is Ready, and nothing is written.
  await observed(ns, await setWiring(ns, 'verify'));
  const verified = await waitReady(ns);
  t.regex(verified.status!.conditions!.find((c) => c.type === 'Ready')!.message, /components issued and verified/);
  t.deepEqual(await ledger(ns), wired, 'verify wrote nothing');

  // A hand edit of one wired env var: reported by name, and it stays as edited.
  const live = await deployment(ns, 'hono-service-auth');
  const env = live.spec!.template.spec!.containers[0]!.env!;
  // A wired file path (the stack's own env vars, such as the bind address, are not the wiring).
  const i = env.findIndex((e) => e.name.startsWith('HONO_AUTH_') && !!e.value?.startsWith('/'));
  t.true(i >= 0, 'a wired env var with a value');
  const name = env[i]!.name;
  const edit = await kubectl(['patch', 'deployment', 'hono-service-auth', '-n', ns, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: `/spec/template/spec/containers/0/env/${i}/value`, value: '/edited/by/hand' }])]);
  t.is(edit.code, 0, edit.stderr);
  const edited = (await deployment(ns, 'hono-service-auth')).metadata!.generation!;
  const reported = await waitFor('the edit reported', async () => {
    const c = await getConfig(ns, 'hono');
    const a = c.status?.components?.find((x) => x.deployment === 'hono-service-auth');
    return a?.reason === 'WiringDrift' ? a : undefined;
  }, 90_000);
  t.regex(reported.message ?? '', new RegExp(`env ${name} of container auth differs \\(want value "/`));
  t.false((reported.message ?? '').includes('/edited/by/hand'), "the Deployment's own values are never quoted");
  const after = await deployment(ns, 'hono-service-auth');
  t.is(after.metadata!.generation, edited, 'not patched back');
  t.is(after.spec!.template.spec!.containers[0]!.env!.find((e) => e.name === name)?.value, '/edited/by/hand');
  const others = (await getConfig(ns, 'hono')).status!.components!.filter((c) => c.deployment && c.deployment !== 'hono-service-auth');
  t.true(others.every((c) => c.deploymentWired && !c.reason), 'the other Deployments still verify');
});

test('Deployments that carry what render prints (committed by GitOps) verify as Ready without any operator write', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'gitops-rendered');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-verify-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = seed('verify', ns);
  fs.writeFileSync(path.join(dir, 'config.yaml'), yaml.dump(config));
  const rendered = render([path.join(dir, 'config.yaml'), STACK], ns);
  t.is(rendered.deployments.length, 6);
  // What the pipeline applies: the stack's other objects and the rendered Deployments.
  const stack = await kubectl(['apply', '--server-side', '-n', ns, '-f', STACK]);
  t.is(stack.code, 0, stack.stderr);
  const docs = rendered.deployments.map((d) => yaml.dump(d.doc as V1Deployment)).join('---\n');
  const r = await kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], { input: docs });
  t.is(r.code, 0, r.stderr);
  const before = await ledger(ns);
  t.true([...before.values()].every((l) => l.operator === '[]'), 'no operator field manager yet');

  await runOperator(t, ns);
  await applyObjects([config], ns);
  const ready = await waitReady(ns);
  t.regex(ready.status!.conditions!.find((c) => c.type === 'Ready')!.message, /components issued and verified/);
  t.true(ready.status!.components!.filter((c) => c.deployment).every((c) => c.deploymentWired && c.materialDigest), 'verified, with the digest a pipeline can set');
  t.deepEqual(await ledger(ns), before, 'the operator wrote nothing to any Deployment');
});
