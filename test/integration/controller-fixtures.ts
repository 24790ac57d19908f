// Shared pieces of the controller's integration tests: a Hono stack like the seed's, a
// HonoTlsConfig for it, the operator in-process, and small waits and readers.
import { X509Certificate } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Deployment, type V1ReplicaSet } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig, type HonoTlsConfigSpec } from '../../operator/api/v1alpha1.js';
import { OPT_IN_LABEL } from '../../operator/controller/names.js';
import type { Timings } from '../../operator/controller/kube.js';
import { startOperator, type OperatorOptions, type RunningOperator } from '../../operator/controller/operator.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { applyObjects, installCrds, kubectl, testKubeConfig } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

export { waitFor };

/** The seed's components: Deployment/Service name, container name, image (as in the seed). */
export const STACK = [
  { component: 'auth', type: 'authServer', deployment: 'hono-service-auth', image: 'eclipse/hono-service-auth:0.5' },
  { component: 'router', type: 'dispatchRouter', deployment: 'hono-dispatch-router', image: 'enmasseproject/qdrouterd-base:0.8.0-1' },
  { component: 'server', type: 'honoServer', deployment: 'hono-service-messaging', image: 'eclipse/hono-service-messaging:0.5' },
  { component: 'registry', type: 'deviceRegistry', deployment: 'hono-service-device-registry', image: 'eclipse/hono-service-device-registry:0.5' },
  { component: 'http', type: 'httpAdapter', deployment: 'hono-adapter-http-vertx', image: 'eclipse/hono-adapter-http-vertx:0.5' },
  { component: 'mqtt', type: 'mqttAdapter', deployment: 'hono-adapter-mqtt-vertx', image: 'eclipse/hono-adapter-mqtt-vertx:0.5' },
] as const;

/** A Deployment like the seed's; it opts in to be wired by HonoTlsConfig `optIn` unless that is null. */
export function deploymentObject(name: string, image: string, optIn: string | null = 'hono'): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, ...(optIn ? { [OPT_IN_LABEL]: optIn } : {}) } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image, env: [{ name: 'JAVA_OPTS', value: '-Xmx256m' }] }] },
      },
    },
  };
}

export function serviceObject(name: string): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'amqps', port: 5671 }] } };
}

export async function applyStack(namespace: string, only?: string[], optIn: string | null = 'hono'): Promise<void> {
  const parts = STACK.filter((s) => !only || only.includes(s.component));
  await applyObjects(
    parts.flatMap((s) => [deploymentObject(s.deployment, s.image, optIn), serviceObject(s.deployment)]),
    namespace,
  );
}

/** A 7-component seed-profile config: the six services plus an external client. */
export function seedConfig(namespace: string, name = 'hono', spec: Partial<HonoTlsConfigSpec> = {}): HonoTlsConfig {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'HonoTlsConfig',
    metadata: { name, namespace },
    spec: {
      profile: 'seed',
      components: [
        ...STACK.map((s) => ({ name: s.component, type: s.type, deployment: { name: s.deployment }, serviceName: s.deployment })),
        { name: 'consumer', type: 'client' as const, dnsNames: ['consumer.example'] },
      ],
      ...spec,
    },
  };
}

export const clients = (kc: KubeConfig = testKubeConfig()) => ({
  core: kc.makeApiClient(CoreV1Api),
  apps: kc.makeApiClient(AppsV1Api),
  custom: kc.makeApiClient(CustomObjectsApi),
});

export async function getConfig(namespace: string, name = 'hono'): Promise<HonoTlsConfig> {
  return (await clients().custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as HonoTlsConfig;
}

/**
 * Counts reconciles (the operator's onTimings fires once per reconcile, with its start): the signal
 * that the operator really looked, which every "nothing changed" check waits for instead of a
 * sleep. Only reconciles that started after `more` was called count: one already running read the
 * state from before the change.
 */
export function reconcileCounter() {
  const starts: number[] = [];
  return {
    onTimings: (_key: string, t: Timings) => void starts.push(performance.now() - t.wallMs),
    get count() {
      return starts.length;
    },
    /** Waits until `more` reconciles that started after this call have finished. */
    async more(more: number, what = `${more} more reconciles`, timeoutMs = 60_000): Promise<void> {
      const from = performance.now();
      await waitFor(what, () => starts.filter((s) => s >= from).length >= more, timeoutMs);
    },
  };
}

/** Waits until Ready=True for the current generation; returns the config. */
export async function waitReady(namespace: string, name = 'hono', timeoutMs = 90_000): Promise<HonoTlsConfig> {
  let last = '';
  try {
    return await waitFor(
      `${namespace}/${name} Ready`,
      async () => {
        const c = await getConfig(namespace, name);
        const r = c.status?.conditions?.find((x) => x.type === 'Ready');
        last = r ? `${r.status} ${r.reason}: ${r.message}` : 'no Ready condition';
        return r?.status === 'True' && c.status?.observedGeneration === c.metadata.generation ? c : undefined;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (last: ${last})`);
  }
}

export async function readyCondition(namespace: string, name = 'hono') {
  return (await getConfig(namespace, name)).status?.conditions?.find((x) => x.type === 'Ready');
}

/** Starts the operator in-process on one namespace; stopped in t.teardown. */
export async function runOperator(t: ExecutionContext, namespace: string, opts: Partial<OperatorOptions> = {}): Promise<RunningOperator> {
  await installCrds('crds');
  const op = await startOperator({
    kubeConfig: testKubeConfig(),
    namespace,
    logger: silentLogger(),
    resyncMs: 2000,
    backoffBaseMs: 200,
    backoffMaxMs: 2000,
    ...opts,
  });
  t.teardown(() => op.stop());
  await op.ready;
  return op;
}

export async function deployment(namespace: string, name: string): Promise<V1Deployment> {
  return clients().apps.readNamespacedDeployment({ name, namespace });
}

export async function replicaSets(namespace: string, deploymentName: string): Promise<V1ReplicaSet[]> {
  const list = await clients().apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${deploymentName}` });
  return list.items;
}

/** Secret data as UTF-8 strings / Buffers. */
export async function secretData(namespace: string, name: string): Promise<Record<string, Buffer>> {
  const s = await clients().core.readNamespacedSecret({ name, namespace });
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

export function leafOf(chainPem: string): X509Certificate {
  return new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(chainPem)![0]);
}

/**
 * A real ValidatingAdmissionPolicy and its binding to namespace `ns` that refuse `operation` of
 * `resource` where `expression` is false, with `message`; removed in t.teardown. Returns once a
 * server-side dry run of `probe` (kubectl arguments, in `ns`) is refused with the message: the
 * policy is in force.
 */
export async function admissionPolicy(
  t: Pick<ExecutionContext, 'teardown'>,
  ns: string,
  p: { name: string; apiGroup: string; resource: string; operation: 'CREATE' | 'UPDATE'; expression: string; message: string; probe: string[] },
): Promise<void> {
  t.teardown(async () => {
    await kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', p.name, '--wait=false']);
  });
  await applyObjects([
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: p.name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [p.apiGroup], apiVersions: ['v1'], operations: [p.operation], resources: [p.resource] }] },
        validations: [{ expression: p.expression, message: p.message }],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: p.name },
      spec: { policyName: p.name, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } } },
    },
  ]);
  await waitFor(`policy ${p.name} to refuse ${p.operation} of ${p.resource}`, async () => {
    const r = await kubectl(['-n', ns, ...p.probe, '--dry-run=server']);
    return r.code !== 0 && r.stderr.includes(p.message);
  }, 30_000, 200);
}
