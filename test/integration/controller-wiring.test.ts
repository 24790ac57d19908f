// Seed-profile wiring of the full example stack, checked env var by env var against the seed's
// tables and against the files each variable points to, read from the Secret as a pod mounts it.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createRequire } from 'node:module';
import test, { type ExecutionContext } from 'ava';
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { applyObjects, applyYamlFile, withNamespace } from '../helpers/cluster.js';
import { STACK, applyStack, clients, deployment, leafOf, runOperator, secretData, seedConfig, waitReady } from './controller-fixtures.js';

const jks = createRequire(import.meta.url)('jks-js') as { toPem(store: Buffer, password: string): Record<string, { ca?: string }> };

// The seed's tables (seed-secure-communication.md), HONO_DOWNSTREAM spelled correctly, by component type.
// With a JKS trust store every *_TRUST_STORE_PATH comes with its *_TRUST_STORE_PASSWORD.
const SEED_ENV: Record<string, string[]> = {
  authServer: ['HONO_AUTH_KEY_FILE', 'HONO_AUTH_CERT_FILE'],
  dispatchRouter: [],
  honoServer: ['HONO_SERVER_KEY_FILE', 'HONO_SERVER_CERT_FILE', 'HONO_DOWNSTREAM_KEY_FILE', 'HONO_DOWNSTREAM_CERT_FILE', 'HONO_DOWNSTREAM_TRUST_STORE_PATH', 'HONO_DOWNSTREAM_TRUST_STORE_PASSWORD', 'HONO_AUTH_TRUST_STORE_PATH', 'HONO_AUTH_TRUST_STORE_PASSWORD'],
  deviceRegistry: ['HONO_DEVICE_REGISTRY_KEY_FILE', 'HONO_DEVICE_REGISTRY_CERT_FILE', 'HONO_AUTH_TRUST_STORE_PATH', 'HONO_AUTH_TRUST_STORE_PASSWORD'],
  httpAdapter: ['HONO_HTTP_KEY_FILE', 'HONO_HTTP_CERT_FILE', 'HONO_CLIENT_TRUST_STORE_PATH', 'HONO_CLIENT_TRUST_STORE_PASSWORD', 'HONO_REGISTRATION_TRUST_STORE_PATH', 'HONO_REGISTRATION_TRUST_STORE_PASSWORD'],
  mqttAdapter: ['HONO_MQTT_KEY_FILE', 'HONO_MQTT_CERT_FILE', 'HONO_CLIENT_TRUST_STORE_PATH', 'HONO_CLIENT_TRUST_STORE_PASSWORD', 'HONO_REGISTRATION_TRUST_STORE_PATH', 'HONO_REGISTRATION_TRUST_STORE_PASSWORD'],
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

/** Env names of each Deployment's first container before the operator touched it. */
async function userEnv(ns: string, names: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const n of names) out.set(n, new Set(((await deployment(ns, n)).spec!.template.spec!.containers[0]!.env ?? []).map((e) => e.name)));
  return out;
}

/** Checks every env var the operator set, and the files they point at, for each wired component. */
async function checkSeedWiring(t: ExecutionContext, ns: string, config: HonoTlsConfig, before: Map<string, Set<string>>): Promise<void> {
  const ca = await secretData(ns, config.status!.ca!.secretName!);
  const caCert = new X509Certificate(ca['tls.crt']!);
  const caFingerprints = new Set([caCert, ...(ca['ca.crt'] ? [leafOf(ca['ca.crt'].toString())] : [])].map((c) => c.fingerprint256));
  const wired = config.spec.components.filter((c) => c.deployment);
  t.true(wired.length >= 6);
  for (const comp of wired) {
    const dname = comp.deployment!.name;
    const status = config.status!.components!.find((c) => c.name === comp.name)!;
    t.true(status.deploymentWired, `${comp.name} wired`);
    const d = await deployment(ns, dname);
    const c = d.spec!.template.spec!.containers[0]!;
    const mine = before.get(dname)!;
    for (const u of mine) t.true((c.env ?? []).some((e) => e.name === u), `${dname}: the user's ${u} stays`);
    const env = new Map((c.env ?? []).filter((e) => !mine.has(e.name)).map((e) => [e.name, e]));
    const names = [...env.keys()];
    for (const want of SEED_ENV[comp.type]!) t.true(env.has(want), `${dname}: ${want} missing (has ${names.join(', ')})`);
    for (const n of names) t.true(ALLOWED_SUFFIXES.some((x) => n.endsWith(x)), `${dname}: unexpected ${n}`);
    t.regex(d.spec!.template.metadata?.annotations?.['hono.eclipse.org/tls-digest'] ?? '', /^sha256:/, `${dname}: digest annotation`);

    for (const [name, e] of env) {
      if (name.endsWith('_PASSWORD')) {
        t.truthy(e.valueFrom?.secretKeyRef, `${name} comes from a Secret, never inline`);
        t.is(e.value, undefined);
        continue;
      }
      const bytes = await fileAt(ns, d, c, e.value!);
      t.truthy(bytes, `${dname}: ${name}=${e.value} is not a mounted file`);
      if (!bytes) continue;
      if (name.endsWith('_KEY_FILE')) {
        t.regex(bytes.toString(), /^-----BEGIN PRIVATE KEY-----/, `${name}: PKCS8 PEM`);
        const certVar = env.get(name.replace(/_KEY_FILE$/, '_CERT_FILE'))!;
        const cert = leafOf((await fileAt(ns, d, c, certVar.value!))!.toString());
        t.true(cert.checkPrivateKey(createPrivateKey(bytes)), `${name} matches its certificate`);
      } else if (name.endsWith('_CERT_FILE')) {
        const leaf = leafOf(bytes.toString());
        t.true(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey), `${name} is signed by the CA`);
        t.is(leaf.fingerprint256.toLowerCase(), status.fingerprint ?? "", `${name} is the certificate status reports`);
        t.true(leaf.subjectAltName!.includes(`DNS:${comp.serviceName}.${ns}.svc`), `${name} names the Service`);
      } else if (name.endsWith('_TRUST_STORE_PATH')) {
        t.true(e.value!.endsWith('.jks'), `${name} is the JKS store`);
        const pw = env.get(name.replace(/_PATH$/, '_PASSWORD'))!.valueFrom!.secretKeyRef!;
        const password = (await secretData(ns, pw.name!))[pw.key]!.toString();
        const inStore = new Set(Object.values(jks.toPem(bytes, password)).map((x) => new X509Certificate(x.ca!).fingerprint256));
        t.true([...caFingerprints].every((f) => inStore.has(f)), `${name} trusts the CA chain`);
        t.throws(() => jks.toPem(bytes, 'wrong-password'));
      }
    }
    // The operator's volume: a directory mount (no subPath) of the component Secret with owner-only files.
    const vol = d.spec!.template.spec!.volumes!.find((v) => v.secret?.secretName === status.secretName)!;
    t.is(vol.secret!.defaultMode, 0o400);
    const mount = c.volumeMounts!.find((m) => m.name === vol.name)!;
    t.true(!mount.subPath && mount.readOnly === true);
    // The CA Secret is never mounted anywhere.
    t.false((d.spec!.template.spec!.volumes ?? []).some((v) => v.secret?.secretName === config.status!.ca!.secretName));
  }

  // The Dispatch Router reads its sslProfile from the mounted, rendered config.
  const routerComp = wired.find((c) => c.type === 'dispatchRouter')!;
  const router = await deployment(ns, routerComp.deployment!.name);
  const rc = router.spec!.template.spec!.containers[0]!;
  const routerData = await secretData(ns, config.status!.components!.find((c) => c.name === routerComp.name)!.secretName!);
  const conf = Object.entries(routerData).find(([k]) => k.endsWith('.conf'));
  t.truthy(conf, 'router Secret has the sslProfile config');
  const paths = conf![1].toString().match(/\/[\w/.-]+\.(?:pem|crt|key)/g) ?? [];
  t.true(paths.length >= 3);
  for (const path of paths) t.truthy(await fileAt(ns, router, rc, path), `sslProfile file ${path} is mounted`);
}

test('seed profile, inline stack: every Deployment gets the seed env vars, each pointing at working material', async (t) => {
  const ns = await withNamespace(t, 'ctrl-wiring');
  await applyStack(ns);
  const before = await userEnv(ns, STACK.map((s) => s.deployment));
  await runOperator(t, ns);
  await applyObjects([seedConfig(ns, 'hono', { trustStore: { format: 'jks' } })], ns);
  const config = await waitReady(ns);
  t.is(config.status!.components!.length, 7);
  await checkSeedWiring(t, ns, config, before);
});

test('seed profile, the example files: examples/hono-stack.yaml wired by examples/honotlsconfig-seed.yaml', async (t) => {
  const ns = await withNamespace(t, 'ctrl-examples');
  await applyYamlFile('examples/hono-stack.yaml', ns);
  const list = await clients().apps.listNamespacedDeployment({ namespace: ns });
  const before = await userEnv(ns, list.items.map((d) => d.metadata!.name!));
  await runOperator(t, ns);
  await applyYamlFile('examples/honotlsconfig-seed.yaml', ns);
  const config = await waitReady(ns);
  await checkSeedWiring(t, ns, config, before);
});
