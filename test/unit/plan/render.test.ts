import test from 'ava';
import yaml from 'js-yaml';
import { withPodSecurity } from '../../../operator/plan/pod-security.js';
import { planConfig } from '../../../operator/plan/plan.js';
import { issuerColumn, renderPlan } from '../../../operator/plan/render.js';
import { comp, stackConfig } from '../catalogue/fixtures.js';

test('renderPlan: readable YAML with env, mounts, trust and sslProfile', (t) => {
  const plan = planConfig(stackConfig('seed', [comp('router', 'dispatchRouter'), comp('server', 'honoServer'), comp('auth', 'authServer')]));
  const text = renderPlan(plan);
  const doc = yaml.load(text) as { components: Array<Record<string, any>> };
  const server = doc.components.find((c) => c.name === 'server')!;
  t.is(server.env.HONO_DOWNSTREAM_TRUST_STORE_PASSWORD, 'secretKeyRef hono-store-password[password]');
  t.is(server.mount, '/opt/hono/tls (read-only directory, mode 0400)');
  t.is(server.trust.HONO_DOWNSTREAM_TRUST_STORE_PATH, 'dispatchRouter (seed channel 2)');
  t.is(doc.components.find((c) => c.name === 'router')!.sslProfile.certDb, '/opt/hono/tls/trusted-certs.pem');
  t.is(renderPlan(plan), text, 'stable');
});

test('issuerColumn', (t) => {
  t.is(issuerColumn({ kind: 'ca', caSecretName: 'corp' }), 'ca/corp');
  t.is(issuerColumn({ kind: 'certManager', issuerRef: { name: 'le', kind: 'ClusterIssuer', group: 'cert-manager.io' } }), 'certManager/ClusterIssuer/le');
});

test('withPodSecurity: 0440 with fsGroup, 0400 otherwise, non-root without fsGroup reported', (t) => {
  const w = planConfig(stackConfig('seed', [comp('auth', 'authServer')])).components[0]!.workload!;
  t.is(withPodSecurity(w, { podSecurityContext: { fsGroup: 1000 } }).workload.volumes[0]!.secret!.defaultMode, 0o440);
  const root = withPodSecurity(w, {});
  t.is(root.workload.volumes[0]!.secret!.defaultMode, 0o400);
  t.is(root.problem, undefined);
  const nonRoot = withPodSecurity(w, { podSecurityContext: { runAsUser: 1000 } });
  t.regex(nonRoot.problem!, /non-root user without securityContext\.fsGroup.*set spec\.template\.spec\.securityContext\.fsGroup/);
  t.is(w.volumes[0]!.secret!.defaultMode, 0o400, 'input untouched');
});
