// deploy/ is what users apply: it must render with the real kubectl, apply to the real
// apiserver, and its pod must pass the "restricted" Pod Security Standard (checked by the
// apiserver's own PodSecurity admission when the ReplicaSet controller creates the Pod).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { kubectl, withNamespace } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';
import { findObject, renderKustomize, type K8sObject } from './deploy-render.js';

const repo = process.cwd();

test('deploy/crds is the current copy of crds/ (run deploy/sync-crds.sh after a CRD change)', (t) => {
  const src = fs.readdirSync(path.join(repo, 'crds')).filter((f) => f.endsWith('.yaml')).sort();
  const dst = fs.readdirSync(path.join(repo, 'deploy/crds')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  t.true(src.length > 0, 'crds/ holds the CRD');
  t.deepEqual(dst, src);
  for (const f of src) {
    t.is(fs.readFileSync(path.join(repo, 'deploy/crds', f), 'utf8'), fs.readFileSync(path.join(repo, 'crds', f), 'utf8'), `deploy/crds/${f} is stale`);
  }
  const k = yaml.load(fs.readFileSync(path.join(repo, 'deploy/crds/kustomization.yaml'), 'utf8')) as { resources: string[] };
  t.deepEqual([...k.resources].sort(), src);
});

test('the ClusterRole (cluster-wide) and the Role (one namespace) carry the same rules', async (t) => {
  const cluster = findObject(await renderKustomize('deploy'), 'ClusterRole', 'hono-tls-operator');
  const ns = findObject(await renderKustomize('deploy/namespaced'), 'Role', 'hono-tls-operator');
  t.deepEqual(ns['rules'], cluster['rules']);
  // Nothing cluster-scoped beyond what the operator reads, and no wildcards anywhere.
  for (const rule of cluster['rules'] as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>) {
    t.false(rule.verbs.includes('*'), JSON.stringify(rule));
    t.false(rule.resources.includes('*'), JSON.stringify(rule));
    t.false(rule.apiGroups.includes('*'), JSON.stringify(rule));
    if (rule.resources.includes('deployments')) t.deepEqual([...rule.verbs].sort(), ['get', 'list', 'patch', 'watch']);
  }
});

test('the operator Deployment runs non-root, read-only, no capabilities, RuntimeDefault seccomp, probes, resources, kustomize image', async (t) => {
  const objs = await renderKustomize('deploy');
  const dep = findObject(objs, 'Deployment', 'hono-tls-operator') as K8sObject & { spec: any };
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  t.is(pod.serviceAccountName, 'hono-tls-operator');
  t.true(pod.securityContext.runAsNonRoot);
  t.true(pod.securityContext.runAsUser > 0);
  t.is(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  t.false(c.securityContext.allowPrivilegeEscalation);
  t.true(c.securityContext.readOnlyRootFilesystem);
  t.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  t.is(c.livenessProbe.httpGet.path, '/healthz');
  t.is(c.readinessProbe.httpGet.path, '/readyz');
  t.truthy(c.resources.requests.cpu);
  t.truthy(c.resources.requests.memory);
  t.truthy(c.resources.limits.memory);
  const k = yaml.load(fs.readFileSync(path.join(repo, 'deploy/kustomization.yaml'), 'utf8')) as { images: Array<{ name: string; newName: string; newTag: string }> };
  const img = k.images.find((i) => i.name === 'hono-tls-operator')!;
  t.is(c.image, `${img.newName}:${img.newTag}`, 'the image comes from kustomize `images`');
  // The Dockerfile's numeric user is the one the Deployment asks for.
  t.regex(fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8'), new RegExp(`^USER ${pod.securityContext.runAsUser}(:|$)`, 'm'));
});

/** Waits until the Deployment's ReplicaSet managed to create a Pod (admission passed). */
async function podCreated(t: { log: (...a: unknown[]) => void }, namespace: string): Promise<{ ok: boolean; why: string }> {
  let why = '';
  const verdict = await waitFor('a Pod, or a PodSecurity refusal', async () => {
    const pods = await kubectl(['get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/name=hono-tls-operator', '-o', 'name']);
    if (pods.stdout.trim()) return { ok: true, why: pods.stdout.trim() };
    const ev = await kubectl(['get', 'events', '-n', namespace, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']);
    why = ev.stdout;
    return why.includes('violates PodSecurity') ? { ok: false, why } : undefined;
  }, 30_000, 500).catch(() => undefined);
  if (verdict) return verdict;
  t.log(why);
  return { ok: false, why: why || 'no Pod within 30 s' };
}

test.serial('kubectl apply -k deploy/ (cluster-wide) works and its pod passes the restricted Pod Security Standard', async (t) => {
  const r = await kubectl(['apply', '--server-side', '-k', 'deploy']);
  t.is(r.code, 0, r.stderr);
  t.teardown(async () => {
    await kubectl(['delete', 'namespace', 'hono-tls-operator', '--wait=false']);
  });
  for (const [kind, name, ns] of [
    ['customresourcedefinition', 'honotlsconfigs.hono.eclipse.org', ''],
    ['clusterrole', 'hono-tls-operator', ''],
    ['clusterrolebinding', 'hono-tls-operator', ''],
    ['serviceaccount', 'hono-tls-operator', 'hono-tls-operator'],
    ['deployment', 'hono-tls-operator', 'hono-tls-operator'],
  ] as const) {
    const g = await kubectl(['get', kind, name, ...(ns ? ['-n', ns] : [])]);
    t.is(g.code, 0, `${kind}/${name}: ${g.stderr}`);
  }
  const labels = await kubectl(['get', 'namespace', 'hono-tls-operator', '-o', 'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}']);
  t.is(labels.stdout, 'restricted');
  const pod = await podCreated(t, 'hono-tls-operator');
  t.true(pod.ok, pod.why);
  // Applying again changes nothing.
  const again = await kubectl(['apply', '--server-side', '-k', 'deploy']);
  t.is(again.code, 0, again.stderr);
});

test('deploy/namespaced applies into a Hono namespace with a Role and no cluster-wide grants', async (t) => {
  const ns = await withNamespace(t, 'deploy-ns');
  await kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);
  const objs = await renderKustomize('deploy/namespaced');
  t.false(objs.some((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding' || o.kind === 'Namespace'));
  // Retarget the overlay's namespace (hono) at the test namespace, as a user edits `namespace:`.
  for (const o of objs) {
    if (o.metadata.namespace) o.metadata.namespace = ns;
    for (const s of (o['subjects'] as Array<{ namespace?: string }> | undefined) ?? []) s.namespace = ns;
  }
  const r = await kubectl(['apply', '--server-side', '-f', '-'], { input: objs.map((o) => yaml.dump(o)).join('---\n') });
  t.is(r.code, 0, r.stderr);
  const dep = await kubectl(['get', 'deployment', 'hono-tls-operator', '-n', ns, '-o', 'json']);
  const env = JSON.parse(dep.stdout).spec.template.spec.containers[0].env as Array<{ name: string; valueFrom?: any }>;
  t.is(env.find((e) => e.name === 'WATCH_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace');
  const pod = await podCreated(t, ns);
  t.true(pod.ok, pod.why);
});
