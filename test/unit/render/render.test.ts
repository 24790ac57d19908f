// `hono-tls-operator render`, offline: the example stack wired for the seed config through the
// controller's functions, and every bad input named by file (and line), exit 1, nothing written.
import test from 'ava';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import type { V1Deployment } from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../../../operator/api/v1alpha1.js';
import { TLS_DIGEST_ANNOTATION } from '../../../operator/controller/names.js';
import { planConfig } from '../../../operator/plan/plan.js';
import { applyMerge } from '../../../operator/render/apply-merge.js';
import { renderCommand } from '../../../operator/render/command.js';
import { DIGEST_UNKNOWN, render, toStream } from '../../../operator/render/render.js';

const CONFIG = 'examples/honotlsconfig-seed.yaml';
const STACK = 'examples/hono-stack.yaml';

function capture(argv: string[]) {
  let out = '';
  let err = '';
  const code = renderCommand(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function tempDir(t: { teardown: (f: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the seed config on the example stack: every planned Deployment carries the plan\'s env, volume and mount; the rest is the stack\'s', (t) => {
  const r = render([CONFIG, STACK], 'hono');
  const cfg = yaml.load(fs.readFileSync(CONFIG, 'utf8')) as HonoTlsConfig;
  const plan = planConfig({ ...cfg, metadata: { ...cfg.metadata, namespace: 'hono' } });
  const stack = (yaml.loadAll(fs.readFileSync(STACK, 'utf8')) as V1Deployment[]).filter((d) => d?.kind === 'Deployment');
  const planned = plan.components.filter((c) => c.workload);
  t.true(planned.length >= 6);
  t.deepEqual(r.deployments.map((d) => d.name).sort(), [...new Set(planned.map((c) => c.workload!.deployment))].sort());
  for (const c of planned) {
    const d = r.deployments.find((x) => x.name === c.workload!.deployment)!.doc;
    const original = stack.find((s) => s.metadata!.name === d.metadata!.name)!;
    const pod = d.spec!.template.spec!;
    t.is(d.spec!.template.metadata!.annotations![TLS_DIGEST_ANNOTATION], DIGEST_UNKNOWN);
    t.deepEqual(pod.volumes!.find((v) => v.name === c.workload!.volumes[0]!.name), c.workload!.volumes[0]);
    for (const container of pod.containers) {
      const before = original.spec!.template.spec!.containers.find((x) => x.name === container.name)!;
      t.is(container.image, before.image, 'the stack\'s fields stay');
      for (const e of before.env ?? []) if (!c.workload!.env.some((w) => w.name === e.name)) t.deepEqual(container.env!.find((x) => x.name === e.name), e);
      for (const e of c.workload!.env) t.deepEqual(container.env!.find((x) => x.name === e.name), e, `${c.name}: ${e.name}`);
      t.deepEqual(container.volumeMounts!.find((m) => m.mountPath === c.workload!.volumeMounts[0]!.mountPath), c.workload!.volumeMounts[0]);
    }
  }
  // The stream: plans as comments (Secret names and keys, the sslProfile), then parseable Deployments only.
  const text = toStream(r);
  t.regex(text, /^#\s+secret: hono-dispatch-router-tls$/m);
  t.regex(text, /^#\s+- tls\.key <- private key \(PKCS8 PEM\)$/m);
  t.regex(text, /^#\s+sslProfile:$/m);
  t.notRegex(text, /BEGIN [A-Z ]*PRIVATE KEY/);
  t.deepEqual((yaml.loadAll(text) as V1Deployment[]).filter(Boolean).map((d) => d.kind), r.deployments.map(() => 'Deployment'));
  t.is(toStream(render([CONFIG, STACK], 'hono')), text, 'stable');
});

test('applyMerge merges the pod template lists by their keys, like server-side apply', (t) => {
  const base = { spec: { template: { spec: { containers: [{ name: 'a', image: 'i', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }, { name: 'b', image: 'j' }] } } } };
  const body = { spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '3' }, { name: 'Z', value: '4' }], volumeMounts: [{ name: 'v', mountPath: '/m' }] }] } } } };
  t.deepEqual(applyMerge(base, body), {
    spec: { template: { spec: { containers: [{ name: 'a', image: 'i', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '3' }, { name: 'Z', value: '4' }], volumeMounts: [{ name: 'v', mountPath: '/m' }] }, { name: 'b', image: 'j' }] } } },
  });
  t.is(base.spec.template.spec.containers[0]!.env!.length, 2, 'input untouched');
});

test('-o DIR: one plan file per config and one manifest per Deployment', (t) => {
  const dir = tempDir(t);
  const r = capture(['-f', CONFIG, '-f', STACK, '-n', 'hono', '-o', dir]);
  t.is(r.code, 0, r.err);
  t.is(r.out, '');
  const files = fs.readdirSync(dir).sort();
  t.true(files.includes('honotlsconfig-hono.plan.yaml'));
  t.true(files.includes('deployment-hono-service-auth.yaml'));
  t.is(files.filter((f) => f.startsWith('deployment-')).length, 6);
  t.false(files.some((f) => f.endsWith('.tmp')));
});

const BAD: Array<{ what: string; files: Record<string, string>; message: RegExp }> = [
  {
    what: 'a config file that is not a HonoTlsConfig',
    files: { 'config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' },
    message: /no HonoTlsConfig .* in the files given: .*config\.yaml holds ConfigMap/,
  },
  {
    what: 'a stack without the named Deployment',
    files: { 'config.yaml': 'apiVersion: hono.eclipse.org/v1alpha1\nkind: HonoTlsConfig\nmetadata: {name: x}\nspec:\n  components:\n    - {name: a, type: authServer, deployment: {name: nope}}\n' },
    message: /config\.yaml:1: HonoTlsConfig x: component a names Deployment nope, which no file given defines in namespace hono \(Deployments found: hono-service-auth, /,
  },
  {
    what: 'several documents, one of an unknown kind',
    files: { 'config.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n# a widget\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' },
    message: /config\.yaml:5: unknown kind Widget \(example\.com\/v1\)/,
  },
  {
    what: 'a file that does not parse, with its line',
    files: { 'config.yaml': 'apiVersion: hono.eclipse.org/v1alpha1\nkind: HonoTlsConfig\nmetadata:\n  name: x\nspec:\n  components:\n    - name: a\n     type: authServer\n' },
    message: /config\.yaml:8:\d+: not valid YAML/,
  },
  {
    what: 'a config the planner refuses, with the field',
    files: { 'config.yaml': 'apiVersion: hono.eclipse.org/v1alpha1\nkind: HonoTlsConfig\nmetadata: {name: x}\nspec:\n  components: []\n' },
    message: /config\.yaml:1: HonoTlsConfig x: spec\.components: /,
  },
];

for (const b of BAD) {
  test(`bad input, ${b.what}: the file named, exit 1, nothing written`, (t) => {
    const dir = tempDir(t);
    for (const [name, text] of Object.entries(b.files)) fs.writeFileSync(path.join(dir, name), text);
    const out = path.join(dir, 'out');
    const r = capture([...Object.keys(b.files).flatMap((f) => ['-f', path.join(dir, f)]), '-f', STACK, '-n', 'hono', '-o', out]);
    t.is(r.code, 1);
    t.regex(r.err, b.message);
    t.false(fs.existsSync(out), 'no output directory');
    // Without -o, nothing on stdout either.
    const s = capture([...Object.keys(b.files).flatMap((f) => ['-f', path.join(dir, f)]), '-f', STACK, '-n', 'hono']);
    t.is(s.code, 1);
    t.is(s.out, '');
  });
}

test('the installed command: hono-tls-operator render exits 1 on bad input and 0 with the stream', async (t) => {
  const run = promisify(execFile);
  const ok = await run(process.execPath, ['--import', 'tsx', 'operator/main.ts', 'render', '-f', CONFIG, '-f', STACK]);
  t.regex(ok.stdout, /^kind: Deployment$/m);
  const bad = await run(process.execPath, ['--import', 'tsx', 'operator/main.ts', 'render', '-f', STACK]).catch((e: { code: number; stderr: string }) => e);
  t.is((bad as { code: number }).code, 1);
  t.regex((bad as { stderr: string }).stderr, /^render: no HonoTlsConfig/m);
  const usage = await run(process.execPath, ['--import', 'tsx', 'operator/main.ts', 'render']).catch((e: { code: number }) => e);
  t.is((usage as { code: number }).code, 2);
});
