// Seed-profile wiring of the full example stack, checked env var by env var against the seed's
// tables and against the files each variable points to, read from the Secret as a pod mounts it.
import { X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import test from 'ava';
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { applyObjects, withNamespace } from '../helpers/cluster.js';
import { STACK, applyStack, deployment, leafOf, runOperator, secretData, seedConfig, waitReady } from './controller-fixtures.js';

const jks = createRequire(import.meta.url)('jks-js') as { toPem(store: Buffer, password: string): Record<string, { ca?: string }> };

// The seed's tables (seed-secure-communication.md), HONO_DOWNSTREAM spelled correctly.
// With a JKS trust store every *_TRUST_STORE_PATH comes with its *_TRUST_STORE_PASSWORD.
const SEED_ENV: Record<string, string[]> = {
  auth: ['HONO_AUTH_KEY_FILE', 'HONO_AUTH_CERT_FILE'],
  router: [],
  server: ['HONO_SERVER_KEY_FILE', 'HONO_SERVER_CERT_FILE', 'HONO_DOWNSTREAM_KEY_FILE', 'HONO_DOWNSTREAM_CERT_FILE', 'HONO_DOWNSTREAM_TRUST_STORE_PATH', 'HONO_DOWNSTREAM_TRUST_STORE_PASSWORD', 'HONO_AUTH_TRUST_STORE_PATH', 'HONO_AUTH_TRUST_STORE_PASSWORD'],
  registry: ['HONO_DEVICE_REGISTRY_KEY_FILE', 'HONO_DEVICE_REGISTRY_CERT_FILE', 'HONO_AUTH_TRUST_STORE_PATH', 'HONO_AUTH_TRUST_STORE_PASSWORD'],
  http: ['HONO_HTTP_KEY_FILE', 'HONO_HTTP_CERT_FILE', 'HONO_CLIENT_TRUST_STORE_PATH', 'HONO_CLIENT_TRUST_STORE_PASSWORD', 'HONO_REGISTRATION_TRUST_STORE_PATH', 'HONO_REGISTRATION_TRUST_STORE_PASSWORD'],
  mqtt: ['HONO_MQTT_KEY_FILE', 'HONO_MQTT_CERT_FILE', 'HONO_CLIENT_TRUST_STORE_PATH', 'HONO_CLIENT_TRUST_STORE_PASSWORD', 'HONO_REGISTRATION_TRUST_STORE_PATH', 'HONO_REGISTRATION_TRUST_STORE_PASSWORD'],
};
// Variables of the seed's tables that an operator may add beyond the minimum (device trust, key stores).
const ALLOWED_SUFFIXES = ['_KEY_FILE', '_CERT_FILE', '_TRUST_STORE_PATH', '_TRUST_STORE_PASSWORD', '_KEY_STORE_PATH', '_KEY_STORE_PASSWORD', '_CERT_PATH'];

/** The bytes a container would read at `path`: mount -> volume -> Secret item. */
async function fileAt(namespace: string, d: V1Deployment, c: V1Container, path: string): Promise<Buffer | undefined> {
  const mount = (c.volumeMounts ?? []).find((m) => path.startsWith(`${m.mountPath}/`));
  if (!mount) return undefined;
  const volume = d.spec!.template.spec!.volumes?.find((v) => v.name === mount.name);
  if (!volume?.secret?.secretName) return undefined;
  const rel = path.slice(mount.mountPath.length + 1);
  const key = volume.secret.items ? volume.secret.items.find((i) => i.path === rel)?.key : rel;
  if (!key) return undefined;
  return (await secretData(namespace, volume.secret.secretName))[key];
}

test('seed profile: every Deployment of the stack gets the seed env vars, each pointing at working material', async (t) => {
  const ns = await withNamespace(t, 'ctrl-wiring');
  await applyStack(ns);
  await runOperator(t, ns);
  await applyObjects([seedConfig(ns, 'hono', { trustStore: { format: 'jks' } })], ns);
  const config = await waitReady(ns);

  const ca = await secretData(ns, config.status!.ca!.secretName!);
  const caCert = new X509Certificate(ca['tls.crt']!);
  const caFingerprints = new Set([caCert, ...(ca['ca.crt'] ? [leafOf(ca['ca.crt'].toString())] : [])].map((c) => c.fingerprint256));

  for (const s of STACK) {
    const d = await deployment(ns, s.deployment);
    const c = d.spec!.template.spec!.containers[0]!;
    const env = new Map((c.env ?? []).filter((e) => e.name !== 'JAVA_OPTS').map((e) => [e.name, e]));
    const names = [...env.keys()];
    for (const want of SEED_ENV[s.component]!) t.true(env.has(want), `${s.deployment}: ${want} missing (has ${names.join(', ')})`);
    for (const n of names) t.true(ALLOWED_SUFFIXES.some((x) => n.endsWith(x)), `${s.deployment}: unexpected ${n}`);
    t.truthy(d.spec!.template.metadata?.annotations?.['hono.eclipse.org/tls-digest'], `${s.deployment}: digest annotation`);
    t.is(env.get('JAVA_OPTS'), undefined);
    t.true((c.env ?? []).some((e) => e.name === 'JAVA_OPTS'), 'the user env var stays');

    for (const [name, e] of env) {
      if (name.endsWith('_PASSWORD')) {
        const ref = e.valueFrom?.secretKeyRef;
        t.truthy(ref, `${name} comes from a Secret, never inline`);
        t.is(e.value, undefined);
        continue;
      }
      const bytes = await fileAt(ns, d, c, e.value!);
      t.truthy(bytes, `${s.deployment}: ${name}=${e.value} is not a mounted file`);
      if (!bytes) continue;
      if (name.endsWith('_KEY_FILE')) {
        t.regex(bytes.toString(), /^-----BEGIN PRIVATE KEY-----/, `${name}: PKCS8 PEM`);
        const certVar = env.get(name.replace(/_KEY_FILE$/, '_CERT_FILE'))!;
        const cert = leafOf((await fileAt(ns, d, c, certVar.value!))!.toString());
        t.true(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(bytes)), `${name} matches its certificate`);
      } else if (name.endsWith('_CERT_FILE')) {
        const leaf = leafOf(bytes.toString());
        t.true(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey), `${name} is signed by the CA`);
        t.true(leaf.subjectAltName!.includes(`DNS:${s.deployment}.${ns}.svc`), `${name} names the Service`);
      } else if (name.endsWith('_TRUST_STORE_PATH')) {
        t.true(e.value!.endsWith('.jks'), `${name} is the JKS store`);
        const pw = env.get(name.replace(/_PATH$/, '_PASSWORD'))!.valueFrom!.secretKeyRef!;
        const password = (await secretData(ns, pw.name!))[pw.key]!.toString();
        const entries = Object.values(jks.toPem(bytes, password));
        const inStore = new Set(entries.map((x) => new X509Certificate(x.ca!).fingerprint256));
        t.true([...caFingerprints].every((f) => inStore.has(f)), `${name} trusts the CA chain`);
        t.throws(() => jks.toPem(bytes, 'wrong-password'));
      }
    }
    // Secret volume: a directory mount (no subPath) with owner-only files.
    const vol = d.spec!.template.spec!.volumes!.find((v) => v.secret?.secretName === `hono-${s.component}-tls`)!;
    t.is(vol.secret!.defaultMode, 0o400);
    t.true((c.volumeMounts ?? []).every((m) => !m.subPath && m.readOnly));
  }

  // The Dispatch Router reads its sslProfile from the mounted, rendered config.
  const router = await deployment(ns, 'hono-dispatch-router');
  const rc = router.spec!.template.spec!.containers[0]!;
  const routerData = await secretData(ns, 'hono-router-tls');
  const conf = Object.entries(routerData).find(([k]) => k.endsWith('.conf'));
  t.truthy(conf, 'router Secret has the sslProfile config');
  for (const path of conf![1].toString().match(/\/[\w/.-]+\.(?:pem|crt|key)/g) ?? []) {
    t.truthy(await fileAt(ns, router, rc, path), `sslProfile file ${path} is mounted`);
  }
  // The CA Secret is never mounted anywhere.
  for (const s of STACK) {
    const d = await deployment(ns, s.deployment);
    t.false((d.spec!.template.spec!.volumes ?? []).some((v) => v.secret?.secretName === config.status!.ca!.secretName));
  }
  t.is(config.status!.components!.length, 7);
  t.true(config.status!.components!.filter((c) => c.deployment).every((c) => c.deploymentWired));
});
