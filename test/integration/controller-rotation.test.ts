// The certificate lifecycle on a control plane whose Deployments really roll (kube-scheduler +
// KWOK): one phased CA key replacement of a small stack (each Deployment rolls exactly 3 times and
// only the new CA stays trusted, and kstatus and the Argo CD check say InProgress throughout), a renew trigger (each Deployment rolls once), a rollout that can
// never complete (RolloutStuck naming it; the rotation waits, then goes on once it is fixed), and
// bad trigger values (a clear status, nothing happens, with a positive control).
import test, { type ExecutionContext } from 'ava';
import { X509Certificate } from 'node:crypto';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { TLS_DIGEST_ANNOTATION, fieldManager } from '../../operator/controller/names.js';
import { CertificateAuthority } from '../../operator/pki/ca.js';
import { clusterWith } from '../controlplane/cluster-with.js';
import { gitopsHealth } from '../tools/gitops-health.js';
import { applyObjects, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { waitRolledOut } from '../helpers/rollouts.js';
import { STACK, applyStack, clients, getConfig, reconcileCounter, runOperator, secretData, seedConfig, waitFor, waitReady } from './controller-fixtures.js';

test.before(async () => {
  const cluster = await clusterWith({ pods: true });
  // The fixtures talk to HONO_TEST_KUBECONFIG: point them at the cluster with pods (this worker only).
  process.env.HONO_TEST_KUBECONFIG = cluster.kubeconfigPath;
});

const PARTS = ['auth', 'server', 'http'] as const;
const deploymentsOf = (parts: readonly string[]) => STACK.filter((s) => parts.includes(s.component)).map((s) => s.deployment);

function smallConfig(ns: string, parts: readonly string[]): HonoTlsConfig {
  const cfg = seedConfig(ns);
  cfg.spec.components = cfg.spec.components.filter((c) => parts.includes(c.name));
  return cfg;
}

const revision = async (ns: string, name: string) =>
  Number((await clients().apps.readNamespacedDeployment({ name, namespace: ns })).metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
const replicaSetCount = async (ns: string, name: string) =>
  (await clients().apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: `app=${name}` })).items.length;

/** Complete as the tests' own oracle (test/helpers/rollouts.ts) judges it, not the operator's code. */
const allRolledOut = (ns: string, names: string[], timeoutMs = 120_000) => waitRolledOut(testKubeConfig(), ns, names, timeoutMs);

async function annotate(ns: string, annotations: Record<string, string | null>): Promise<void> {
  await clients().custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'hono', body: { metadata: { annotations } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function counts(ns: string, names: string[]): Promise<Map<string, { rev: number; rs: number }>> {
  return new Map(await Promise.all(names.map(async (n) => [n, { rev: await revision(ns, n), rs: await replicaSetCount(ns, n) }] as const)));
}

const certsOf = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));

async function setUp(t: ExecutionContext, prefix: string, parts: readonly string[], opts: Parameters<typeof runOperator>[2] = {}) {
  const ns = await withNamespace(t, prefix);
  await applyStack(ns, [...parts]);
  const counter = reconcileCounter();
  const op = await runOperator(t, ns, { resyncMs: 2000, onTimings: counter.onTimings, ...opts });
  await applyObjects([smallConfig(ns, parts)], ns);
  const ready = await waitReady(ns, 'hono', 120_000);
  await allRolledOut(ns, deploymentsOf(parts));
  return { ns, op, ready, counter };
}

test('a rotate-ca token runs one phased key replacement: every Deployment rolls exactly 3 times, the phases go in order, only the new CA stays trusted; the same token again does nothing', async (t) => {
  const { ns, op, ready, counter } = await setUp(t, 'rot-full', PARTS);
  const names = deploymentsOf(PARTS);
  const before = await counts(ns, names);
  const oldFp = ready.status!.ca!.fingerprint!;

  await annotate(ns, { 'hono.eclipse.org/rotate-ca': 'rotation-1' });
  const phases: string[] = [];
  // What GitOps tools (real kstatus, the shipped Argo CD Lua check) say about the live object while it rotates.
  const healthWhileRotating = new Map<string, number>();
  const done = await waitFor(
    'the rotation to finish',
    async () => {
      const c = await getConfig(ns);
      const p = c.status?.rotation?.phase;
      if (p && phases.at(-1) !== p) phases.push(p);
      if (p) {
        const h = await gitopsHealth(c);
        const seen = `${p}: kstatus ${h.kstatus}, Argo CD ${h.argo}`;
        healthWhileRotating.set(seen, (healthWhileRotating.get(seen) ?? 0) + 1);
      }
      return c.status?.lastRotateToken === 'rotation-1' && !c.status.rotation && c.status.phase === 'Ready' && c.status.ca?.fingerprint !== oldFp ? c : undefined;
    },
    240_000,
    200,
  );
  await allRolledOut(ns, names);
  t.log(`phases seen: ${phases.join(' -> ')}`);
  t.log(`health while rotating: ${JSON.stringify(Object.fromEntries(healthWhileRotating))}`);
  t.true(healthWhileRotating.size > 0, 'health was read while the rotation ran');
  t.true([...healthWhileRotating.keys()].every((k) => k.endsWith('kstatus InProgress, Argo CD Progressing')), 'InProgress (Progressing) throughout the rotation, never Current');
  // Positive control: the same reading says Current (Healthy) once the rotation is done.
  const healthAfter = await gitopsHealth(await getConfig(ns));
  t.deepEqual([healthAfter.kstatus, healthAfter.argo], ['Current', 'Healthy'], healthAfter.kstatusMessage);
  t.deepEqual(phases.filter((p, i) => phases.indexOf(p) === i), phases, 'no phase came back');
  t.true(phases.every((p, i) => i === 0 || ['TrustBoth', 'ReissueLeaves', 'DropOld'].indexOf(p) > ['TrustBoth', 'ReissueLeaves', 'DropOld'].indexOf(phases[i - 1]!)), 'phases in order');

  const after = await counts(ns, names);
  for (const n of names) {
    t.is(after.get(n)!.rev - before.get(n)!.rev, 3, `${n}: 3 new revisions`);
    t.is(after.get(n)!.rs - before.get(n)!.rs, 3, `${n}: 3 new ReplicaSets`);
  }
  // Only the new CA in the bundles; every leaf signed by it.
  const ca = await secretData(ns, 'hono-ca');
  t.falsy(ca['previous.crt'], 'the old CA certificate is gone from the CA Secret');
  t.falsy(ca['next-tls.key'], 'no next CA left behind');
  const caCerts = certsOf(ca['tls.crt']!.toString() + (ca['ca.crt']?.toString() ?? ''));
  const caFps = new Set(caCerts.map((c) => c.fingerprint256));
  for (const comp of done.status!.components!) {
    const data = await secretData(ns, comp.secretName!);
    const bundle = certsOf(data['ca.crt']!.toString());
    t.deepEqual(new Set(bundle.map((c) => c.fingerprint256)), caFps, `${comp.name}: the bundle holds exactly the new CA`);
    const leaf = certsOf(data['tls.crt']!.toString())[0]!;
    t.true(leaf.verify(caCerts[0]!.publicKey), `${comp.name}: leaf signed by the new CA`);
  }
  // RotationComplete is recorded right after the state write that ends the rotation: wait for it.
  const events = await waitFor('the phase events', async () => {
    const reasons = (await clients().core.listNamespacedEvent({ namespace: ns })).items.map((e) => e.reason);
    return ['RotationStarted', 'RotationPhase', 'RotationComplete'].every((r) => reasons.includes(r)) ? reasons : undefined;
  }, 30_000, 250);
  t.true(events.filter((r) => r === 'RotationPhase').length >= 3, 'one RotationPhase per step change (TrustBoth -> groups -> DropOld)');

  // The same token again (with another annotation changing, so the operator reconciles) does nothing.
  await annotate(ns, { 'hono.eclipse.org/rotate-ca': 'rotation-1', 'example.com/touch': '1' });
  // Three reconciles after the touch, each of which could have started a rotation (the signal, not a sleep).
  await counter.more(3);
  await op.idle();
  const again = await counts(ns, names);
  for (const n of names) t.is(again.get(n)!.rev, after.get(n)!.rev, `${n}: no further rollout for the same token`);
  t.is((await getConfig(ns)).status?.ca?.fingerprint, done.status!.ca!.fingerprint, 'the CA stayed');
});

test('a renew token re-issues every leaf from the same CA and rolls each Deployment once; empty and over-long values are refused with InvalidTrigger and change nothing', async (t) => {
  const parts = ['auth', 'http'] as const;
  const { ns, op, ready } = await setUp(t, 'rot-renew', parts);
  const names = deploymentsOf(parts);
  const before = await counts(ns, names);

  for (const bad of ['', 'x'.repeat(64)]) {
    await annotate(ns, { 'hono.eclipse.org/renew': bad, 'hono.eclipse.org/rotate-ca': bad });
    const expected = bad ? /renew is 64 characters long.*at most 63/ : /renew is empty/;
    const c = await waitFor(`InvalidTrigger for ${JSON.stringify(bad.slice(0, 3))} in status`, async () => {
      const c = await getConfig(ns);
      return expected.test(c.status?.conditions?.find((x) => x.type === 'Ready')?.message ?? '') ? c : undefined;
    }, 30_000);
    t.regex(c.status!.conditions!.find((x) => x.type === 'Ready')!.message, /InvalidTrigger: annotation hono.eclipse.org\/rotate-ca/);
    await op.idle();
    t.is((await getConfig(ns)).status?.ca?.fingerprint, ready.status!.ca!.fingerprint, 'the CA is unchanged');
    t.falsy((await getConfig(ns)).status?.lastRenewToken);
    t.falsy((await getConfig(ns)).status?.lastRotateToken);
  }
  const afterBad = await counts(ns, names);
  for (const n of names) t.is(afterBad.get(n)!.rev, before.get(n)!.rev, `${n}: bad values rolled nothing`);
  t.true((await clients().core.listNamespacedEvent({ namespace: ns })).items.some((e) => e.reason === 'InvalidTrigger' && e.type === 'Warning'), 'an InvalidTrigger Warning event');

  // Positive control: a valid renew token acts.
  await annotate(ns, { 'hono.eclipse.org/renew': '2026-12-02', 'hono.eclipse.org/rotate-ca': null });
  const renewed = await waitFor('the renewal to finish', async () => {
    const c = await getConfig(ns);
    return c.status?.lastRenewToken === '2026-12-02' && c.status.phase === 'Ready' ? c : undefined;
  }, 120_000, 200);
  await allRolledOut(ns, names);
  t.is(renewed.status!.ca!.fingerprint, ready.status!.ca!.fingerprint, 'same CA');
  for (const comp of renewed.status!.components!) {
    const old = ready.status!.components!.find((x) => x.name === comp.name)!;
    t.not(comp.fingerprint, old.fingerprint, `${comp.name}: re-issued`);
  }
  const after = await counts(ns, names);
  for (const n of names) t.is(after.get(n)!.rev - before.get(n)!.rev, 1, `${n}: rolled exactly once`);
  t.falsy(renewed.status!.conditions!.find((x) => x.type === 'Ready')!.message.includes('InvalidTrigger'), 'the refusal is gone once the value is valid');
});

test('a rollout that can never complete: RolloutStuck names the Deployment, the rotation waits in its phase; fixed, it finishes', async (t) => {
  const parts = ['auth', 'http'] as const;
  const { ns, ready, counter } = await setUp(t, 'rot-stuck', parts, { rolloutTimeoutMs: 8000 });
  const stuck = 'hono-adapter-http-vertx';
  // No fake node carries this label: the new pods never schedule.
  await clients().apps.patchNamespacedDeployment(
    { name: stuck, namespace: ns, body: { spec: { template: { spec: { nodeSelector: { 'example.com/no-such-node': 'x' } } } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  await annotate(ns, { 'hono.eclipse.org/rotate-ca': 'r1' });
  // On a loaded machine the healthy Deployment may also stall past the short timeout for a while: wait
  // until it has completed, then only the Deployment that can never complete is named.
  const c = await waitFor('RolloutStuck naming only the stuck Deployment', async () => {
    const c = await getConfig(ns);
    const r = c.status?.conditions?.find((x) => x.type === 'Rotating');
    return r?.status === 'True' && r.reason === 'RolloutStuck' && !r.message.includes('hono-service-auth (') ? c : undefined;
  }, 120_000, 250);
  const cond = c.status!.conditions!.find((x) => x.type === 'Rotating')!;
  t.true(cond.message.includes(stuck), `names the Deployment: ${cond.message}`);
  t.false(cond.message.includes('hono-service-auth ('), 'not the one that completed');
  t.is(c.status!.rotation!.phase, 'TrustBoth');
  t.deepEqual(c.status!.rotation!.waitingFor, [stuck]);
  // The Event follows the status write that it reports: wait for it.
  t.true(
    await waitFor('a RolloutStuck Warning', async () =>
      (await clients().core.listNamespacedEvent({ namespace: ns })).items.some((e) => e.reason === 'RolloutStuck' && e.type === 'Warning' && e.message?.includes(stuck)),
    30_000, 250),
  );
  // It waits there over reconciles that could have advanced it: still TrustBoth, leaves still from the old CA.
  await counter.more(2);
  const still = await getConfig(ns);
  t.is(still.status!.rotation?.phase, 'TrustBoth', 'does not skip ahead');
  t.deepEqual(still.status!.components!.map((x) => x.fingerprint), ready.status!.components!.map((x) => x.fingerprint), 'no leaf re-issued yet');

  // Fixed by the user: the rotation goes on and finishes.
  await clients().apps.patchNamespacedDeployment(
    { name: stuck, namespace: ns, body: [{ op: 'remove', path: '/spec/template/spec/nodeSelector' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  await waitFor('the rotation to finish after the fix', async () => {
    const c = await getConfig(ns);
    return c.status?.lastRotateToken === 'r1' && !c.status.rotation && c.status.ca?.fingerprint !== ready.status!.ca!.fingerprint;
  }, 240_000, 250);
  t.pass();
});

test('a brought-in CA replaced in its Secret runs the same phases; replaced by garbage mid-rotation, the rotation holds with the material in place, and goes on once the CA is back', async (t) => {
  const parts = ['auth', 'http'] as const;
  const ns = await withNamespace(t, 'rot-ca');
  const clock = { now: () => new Date() };
  const caA = await CertificateAuthority.createSelfSigned({ commonName: 'Brought-in A', intermediate: false, durationMs: 365 * 86400_000, privateKey: { algorithm: 'ECDSA', size: 256 } }, clock);
  const caB = await CertificateAuthority.createSelfSigned({ commonName: 'Brought-in B', intermediate: false, durationMs: 365 * 86400_000, privateKey: { algorithm: 'ECDSA', size: 256 } }, clock);
  const caSecret = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'my-ca' }, type: 'Opaque', stringData: data });
  await applyStack(ns, [...parts]);
  await applyObjects([caSecret(caA.toSecretData())], ns);
  const counter = reconcileCounter();
  await runOperator(t, ns, { resyncMs: 2000, onTimings: counter.onTimings });
  const cfg = smallConfig(ns, parts);
  cfg.spec.issuer = { ca: { secretName: 'my-ca' } };
  await applyObjects([cfg], ns);
  const ready = await waitReady(ns, 'hono', 120_000);
  t.is(ready.status!.ca!.fingerprint, caA.fingerprint);
  const names = deploymentsOf(parts);
  await allRolledOut(ns, names);
  const before = await counts(ns, names);

  const replace = (data: Record<string, string>) =>
    clients().core.replaceNamespacedSecret({ name: 'my-ca', namespace: ns, body: { metadata: { name: 'my-ca', namespace: ns }, type: 'Opaque', stringData: data } });
  await replace(caB.toSecretData());
  await waitFor('the rotation to start (CaReplaced)', async () => (await getConfig(ns)).status?.rotation?.reason === 'CaReplaced', 60_000, 100);
  // Garbage mid-rotation: the rotation holds, nothing in place changes.
  await replace({ 'tls.crt': 'garbage', 'tls.key': 'garbage' });
  const held = await waitFor('CaSecretInvalid', async () => {
    const c = await getConfig(ns);
    return c.status?.conditions?.find((x) => x.type === 'Ready' && x.reason === 'CaSecretInvalid') ? c : undefined;
  }, 60_000, 200);
  t.truthy(held.status!.rotation, `the rotation is kept in status (${held.status!.rotation?.phase})`);
  const snapshot = async () => Promise.all(held.status!.components!.map(async (c) => JSON.stringify(await secretData(ns, c.secretName!))));
  const s1 = await snapshot();
  await counter.more(3);
  t.deepEqual(await snapshot(), s1, 'the component Secrets stay as they were while the CA is garbage');
  t.truthy((await getConfig(ns)).status!.rotation, 'still held, not abandoned');

  await replace(caB.toSecretData());
  const done = await waitFor('the rotation to finish', async () => {
    const c = await getConfig(ns);
    return !c.status?.rotation && c.status?.ca?.fingerprint === caB.fingerprint && c.status.phase === 'Ready' ? c : undefined;
  }, 240_000, 200);
  await allRolledOut(ns, names);
  for (const comp of done.status!.components!) {
    const data = await secretData(ns, comp.secretName!);
    t.deepEqual(certsOf(data['ca.crt']!.toString()).map((c) => c.fingerprint256), [new X509Certificate(caB.signingCertPem).fingerprint256], `${comp.name}: only CA B is trusted`);
  }
  const trust = await secretData(ns, 'hono-ca-trust');
  t.falsy(trust['previous.crt'], 'the old CA certificate is gone from hono-ca-trust');
  t.false(Object.keys(trust).some((k) => k.includes('key')), 'no key in the trust Secret');
  const after = await counts(ns, names);
  for (const n of names) t.is(after.get(n)!.rev - before.get(n)!.rev, 3, `${n}: 3 rollouts`);
});

test('spec.wiring verify: a rotation waits at each step until whoever keeps the Deployments rolls them onto its digest; the operator writes no Deployment', async (t) => {
  const { ns, counter } = await setUp(t, 'rot-verify', PARTS);
  const names = deploymentsOf(PARTS);
  // Wired in apply mode, then handed over to a pipeline: verify mode.
  const switched = (await clients().custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'hono', body: { spec: { wiring: 'verify' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as HonoTlsConfig;
  await waitFor('verify mode observed and Ready', async () => {
    const c = await getConfig(ns);
    return c.status?.observedGeneration === switched.metadata.generation && c.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True';
  }, 60_000, 200);
  const generations = async () => new Map(await Promise.all(names.map(async (n) => [n, (await clients().apps.readNamespacedDeployment({ name: n, namespace: ns })).metadata!.generation!] as const)));
  // When the operator's manager last wrote each Deployment (the pipeline taking the annotation over changes its fields, not its time).
  const operatorEntries = async () =>
    JSON.stringify(
      await Promise.all(
        names.map(async (n) =>
          (await clients().apps.readNamespacedDeployment({ name: n, namespace: ns })).metadata!.managedFields!.filter((f) => f.manager === fieldManager('hono')).map((f) => [n, f.operation, f.time]),
        ),
      ),
    );
  const before = await counts(ns, names);
  const gen0 = await generations();
  const ownWrites0 = await operatorEntries();

  await annotate(ns, { 'hono.eclipse.org/rotate-ca': 'verify-1' });
  const waiting = await waitFor('TrustBoth waiting with the verify hint', async () => {
    const c = await getConfig(ns);
    const r = c.status?.conditions?.find((x) => x.type === 'Reconciling');
    return c.status?.rotation?.phase === 'TrustBoth' && r?.message.includes('spec.wiring is verify') ? c : undefined;
  }, 60_000, 200);
  t.log(waiting.status?.conditions?.find((x) => x.type === 'Reconciling')?.message);
  // Nothing rolls by itself: several reconciles later the phase holds and no Deployment changed.
  await counter.more(3, 'three reconciles while the Deployments carry the old digest');
  t.is((await getConfig(ns)).status?.rotation?.phase, 'TrustBoth', 'the step does not complete before the Deployments rolled');
  t.deepEqual(await generations(), gen0, 'no Deployment changed');

  // The pipeline: sets each Deployment's digest from status, as a GitOps tool applying `render` would.
  const pipelineSets = new Map<string, number>();
  const done = await waitFor(
    'the rotation to finish with the pipeline rolling each step',
    async () => {
      const c = await getConfig(ns);
      for (const comp of c.status?.components ?? []) {
        if (!comp.deployment || !comp.materialDigest) continue;
        const d = await clients().apps.readNamespacedDeployment({ name: comp.deployment, namespace: ns });
        if (d.spec?.template?.metadata?.annotations?.[TLS_DIGEST_ANNOTATION] === comp.materialDigest) continue;
        await clients().apps.patchNamespacedDeployment(
          { name: comp.deployment, namespace: ns, fieldManager: 'gitops-pipeline', body: { spec: { template: { metadata: { annotations: { [TLS_DIGEST_ANNOTATION]: comp.materialDigest } } } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        pipelineSets.set(comp.deployment, (pipelineSets.get(comp.deployment) ?? 0) + 1);
      }
      return c.status?.lastRotateToken === 'verify-1' && !c.status.rotation && c.status.phase === 'Ready' ? c : undefined;
    },
    240_000,
    250,
  );
  await allRolledOut(ns, names);
  t.log(`digests set by the pipeline: ${JSON.stringify(Object.fromEntries(pipelineSets))}`);
  const after = await counts(ns, names);
  // Positive control of "no Deployment changed": the pipeline's own changes are seen, 3 per Deployment.
  for (const n of names) t.is(after.get(n)!.rev - before.get(n)!.rev, 3, `${n}: 3 rollouts, each by the pipeline`);
  t.is(await operatorEntries(), ownWrites0, "the operator's field manager wrote no Deployment");
  t.not(done.status?.ca?.fingerprint, waiting.status?.rotation?.oldCaFingerprint, 'the CA was replaced');
});
