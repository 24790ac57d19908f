// The limits on envOverrides and mountPath: the CRD's CEL rules embed exactly the plan's patterns,
// and the plan refuses objects stored before the rules existed.
import test from 'ava';
import * as fs from 'node:fs';
import yaml from 'js-yaml';
import type { HonoTlsConfig } from '../../../operator/api/v1alpha1.js';
import { ALLOWED_MOUNT_PATTERN, LOADER_ENV_PATTERN, SHADOWED_MOUNT_PATTERN, changesProcess, shadowsSystemDirectory } from '../../../operator/plan/limits.js';
import { PlanError, planConfig } from '../../../operator/plan/plan.js';

const crd = yaml.load(fs.readFileSync('crds/hono.eclipse.org_honotlsconfigs.yaml', 'utf8')) as any;
const component = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.components.items.properties;
const rules = (p: { 'x-kubernetes-validations'?: Array<{ rule: string }> }) => (p['x-kubernetes-validations'] ?? []).map((r) => r.rule);

test('the CRD rules use the same patterns as the plan', (t) => {
  t.true(rules(component.mountPath).includes(`!self.matches('${SHADOWED_MOUNT_PATTERN}') || self.matches('${ALLOWED_MOUNT_PATTERN}')`));
  t.true(rules(component.envOverrides).includes(`self.all(k, !self[k].matches('${LOADER_ENV_PATTERN}'))`));
});

test('names and paths: refused and allowed', (t) => {
  for (const n of ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'PATH', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'JAVA_OPTS', 'NODE_OPTIONS', 'PYTHONPATH', 'CLASSPATH', 'HOME', 'BASH_ENV', 'ENV', 'SHELL']) t.true(changesProcess(n), n);
  for (const n of ['HONO_AUTH_KEY_PATH', 'HONO_MQTT_KEYPATH', 'QUARKUS_HTTP_SSL_CERTIFICATE_FILES', 'PATHS', 'MY_PATH', 'ENVIRONMENT']) t.false(changesProcess(n), n);
  for (const p of ['/etc', '/etc/foo', '/etc/hono', '/usr/lib/jvm', '/lib64', '/var/run/secrets/kubernetes.io/serviceaccount', '/run/secrets', '/proc/self', '/tmp', '/opt', '/opt/hono']) t.true(shadowsSystemDirectory(p), p);
  for (const p of ['/opt/hono/tls', '/etc/hono/tls', '/etc/qpid-dispatch/ssl', '/tls', '/tmp/tls', '/var/hono/tls', '/etcetera']) t.false(shadowsSystemDirectory(p), p);
});

const config = (component: Record<string, unknown>): HonoTlsConfig => ({
  apiVersion: 'hono.eclipse.org/v1alpha1',
  kind: 'HonoTlsConfig',
  metadata: { name: 'hono', namespace: 'ns' },
  spec: { components: [{ name: 'auth', type: 'authServer', deployment: { name: 'auth' }, ...component }] } as HonoTlsConfig['spec'],
});

test('the plan refuses what admission would (objects stored before the rules)', (t) => {
  const env = t.throws(() => planConfig(config({ envOverrides: { HONO_AUTH_KEY_FILE: 'LD_PRELOAD' } })), { instanceOf: PlanError });
  t.regex(env!.message, /spec\.components\[0\]\.envOverrides\.HONO_AUTH_KEY_FILE.*LD_PRELOAD changes how a process loads or runs/);
  const mount = t.throws(() => planConfig(config({ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' })), { instanceOf: PlanError });
  t.regex(mount!.message, /spec\.components\[0\]\.mountPath.*would shadow a system directory/);
  t.notThrows(() => planConfig(config({ mountPath: '/etc/hono/tls', envOverrides: { HONO_AUTH_KEY_FILE: 'HONO_AUTH_KEY_PATH' } })));
});
