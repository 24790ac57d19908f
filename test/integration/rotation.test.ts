// Issue 9's proofs of the certificate lifecycle on the pods control plane (kube-scheduler + KWOK:
// Deployments really roll). The trust-gap sampler (test/peers/trust-gap.ts) runs through every
// rotation: zero violations, with its positive control in trust-gap-control.test.ts. Rollouts are
// counted as ReplicaSet revisions. The operator runs in-process, or as a real process that is
// SIGKILLed at every phase boundary and at random points inside phases.
import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { CertificateAuthority } from '../../operator/pki/index.js';
import { systemClock } from '../../operator/runtime/clock.js';
import { clusterWith, type FeaturedCluster } from '../controlplane/cluster-with.js';
import { applyObjects, installCrds, withNamespace } from '../helpers/cluster.js';
import { startOperatorProcess, startedLine, type OperatorProcess } from '../helpers/operator-process.js';
import { annotate, followRotation, readConfig, trigger, waitDone } from '../helpers/rotation.js';
import { revisions, rolloutsBetween, waitRolledOut } from '../helpers/rollouts.js';
import { hono2Stack, seedStack } from '../helpers/stacks.js';
import { formatTrustGap, startTrustGapSampler, type TrustGapReport } from '../peers/trust-gap.js';
import { reconcileCounter, runOperator, waitFor, waitReady } from './controller-fixtures.js';

let cluster: FeaturedCluster;
let kc: k8s.KubeConfig;

test.before(async () => {
  cluster = await clusterWith({ pods: true });
  process.env.HONO_TEST_KUBECONFIG = cluster.kubeconfigPath;
  kc = cluster.kubeConfig();
  await installCrds();
});
test.after.always(async () => {
  await cluster?.stop();
});

const ROTATION_TIMEOUT = 10 * 60_000;
const token = (what: string) => `${what}-${Date.now()}-${randomBytes(2).toString('hex')}`;

/** A stack and its config, Ready and every rollout complete; the operator in-process (unless `process`). */
async function bringUp(t: ExecutionContext, prefix: string, stack: typeof seedStack, opts: { inProcess?: boolean; spec?: Parameters<typeof seedStack>[1]; before?: (ns: string) => Promise<void>; counter?: ReturnType<typeof reconcileCounter> } = {}) {
  const ns = await withNamespace(t, prefix);
  await opts.before?.(ns);
  const { config, objects } = stack(ns, opts.spec);
  await applyObjects(objects, ns);
  if (opts.inProcess !== false) await runOperator(t, ns, { onTimings: opts.counter?.onTimings });
  await applyObjects([config], ns);
  return { ns, name: config.metadata.name, config };
}

async function settled(ns: string, name: string): Promise<HonoTlsConfig> {
  const c = await waitReady(ns, name, 180_000);
  await waitRolledOut(kc, ns);
  return c;
}

/** Each Deployment's ReplicaSets: revision, template digest, created -- to read a violation against. */
async function replicaSetLog(ns: string): Promise<string> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const rs = (await apps.listNamespacedReplicaSet({ namespace: ns })).items;
  rs.sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion));
  return rs
    .map((r) => `${r.metadata?.ownerReferences?.[0]?.name} rev ${r.metadata?.annotations?.['deployment.kubernetes.io/revision']} ${r.metadata?.name} digest ${r.spec?.template?.metadata?.annotations?.['hono.eclipse.org/tls-digest']?.slice(7, 15)} created ${r.metadata?.creationTimestamp instanceof Date ? r.metadata.creationTimestamp.toISOString() : r.metadata?.creationTimestamp}`)
    .join('\n');
}

function assertNoGap(t: ExecutionContext, r: TrustGapReport, what: string) {
  t.log(`${what}: ${formatTrustGap(r)}`);
  for (const v of r.distinct.slice(0, 5)) t.log(`  VIOLATION channel ${v.channel}: ${v.client} -> ${v.server} (${v.samples} samples): ${v.reason}`);
  t.deepEqual(r.errors, [], `${what}: sampler errors`);
  t.deepEqual(r.unresolved, [], `${what}: pods whose material is unknown`);
  t.true(r.samples > 10, `${what}: sampled (${r.samples})`);
  t.true(r.medianIntervalMs <= 200, `${what}: every ${r.medianIntervalMs.toFixed(0)} ms (median)`);
  t.is(r.violations, 0, `${what}: trust-gap violations`);
}

/** Every wired Deployment rolled exactly `n` times between the two readings. */
function assertRolled(t: ExecutionContext, config: HonoTlsConfig, before: Map<string, number>, after: Map<string, number>, n: number, what: string) {
  const delta = rolloutsBetween(before, after);
  const wired = config.spec.components.flatMap((c) => (c.deployment ? [c.deployment.name] : []));
  t.log(`${what}: rollouts per Deployment ${JSON.stringify(Object.fromEntries(wired.map((d) => [d, delta.get(d) ?? 0])))}`);
  for (const d of new Set(wired)) t.is(delta.get(d) ?? 0, n, `${what}: ${d} rolled ${delta.get(d) ?? 0} times`);
}

async function rotateOnce(t: ExecutionContext, ns: string, name: string, config: HonoTlsConfig, what: string) {
  const sampler = await startTrustGapSampler(kc, ns, name);
  const follow = followRotation(kc, ns, name);
  const rev0 = await revisions(kc, ns);
  const tok = token('rotate');
  const caBefore = await trigger(kc, ns, name, 'rotate-ca', tok);
  const done = await waitDone(kc, ns, name, 'rotate-ca', tok, caBefore, ROTATION_TIMEOUT);
  await waitRolledOut(kc, ns);
  const [log, gap] = [await follow.stop(), await sampler.stop()];
  t.log(`${what}: phases seen ${log.steps.map((s) => `${new Date(s.at).toISOString().slice(11, 23)} ${s.phase}${s.step ? `/${s.step}` : ''} waiting for ${s.waitingFor?.join(',')}`).join(' -> ')}`);
  if (gap.violations) t.log(`${what}: ReplicaSets\n${await replicaSetLog(ns)}\nfirst violations at ${gap.distinct.map((v) => v.firstAt.slice(11, 23)).join(', ')}`);
  assertNoGap(t, gap, what);
  t.is(log.rotations.length, 1, `${what}: exactly one rotation`);
  t.deepEqual([...new Set(log.steps.map((s) => s.phase))], ['TrustBoth', 'ReissueLeaves', 'DropOld'], `${what}: the three phases in order`);
  t.not(done.status?.ca?.fingerprint, caBefore, `${what}: a new CA`);
  t.is(log.rotations[0], `${caBefore}>${done.status?.ca?.fingerprint}`);
  t.is(done.status?.lastRotateToken, tok);
  t.is(done.status?.rotation, undefined);
  assertRolled(t, config, rev0, await revisions(kc, ns), 3, what);
}

test.serial('seed stack: a phased rotation has zero trust gaps and rolls each Deployment 3 times; a renewal rolls each once; the same token again does nothing', async (t) => {
  t.timeout(25 * 60_000);
  const counter = reconcileCounter();
  const { ns, name, config } = await bringUp(t, 'rot-seed', seedStack, { counter });
  await settled(ns, name);
  await rotateOnce(t, ns, name, config, 'seed rotate-ca');

  // Leaf renewal from the same CA: one rollout each, no gap.
  const sampler = await startTrustGapSampler(kc, ns, name);
  const rev0 = await revisions(kc, ns);
  const ca = (await readConfig(kc, ns, name)).status?.ca?.fingerprint;
  const fp0 = (await readConfig(kc, ns, name)).status?.components?.map((c) => c.fingerprint);
  const renew = token('renew');
  await trigger(kc, ns, name, 'renew', renew);
  const renewed = await waitDone(kc, ns, name, 'renew', renew, undefined, ROTATION_TIMEOUT);
  await waitRolledOut(kc, ns);
  assertNoGap(t, await sampler.stop(), 'seed renew');
  t.is(renewed.status?.ca?.fingerprint, ca, 'renew keeps the CA');
  const fp1 = renewed.status?.components?.map((c) => c.fingerprint);
  t.true(fp1?.every((f, i) => f !== fp0?.[i]), 'every leaf is new');
  const rev1 = await revisions(kc, ns);
  assertRolled(t, config, rev0, rev1, 1, 'seed renew');

  // The same tokens again: a reconcile runs (an unrelated annotation changes) and nothing is re-issued or rolled.
  await annotate(kc, ns, name, { 'hono.test/poke': token('poke') });
  await counter.more(2, 'two reconciles after the poke');
  const same = await readConfig(kc, ns, name);
  t.deepEqual(same.status?.components?.map((c) => c.fingerprint), fp1, 'same token: no leaf re-issued');
  t.is(same.status?.ca?.fingerprint, renewed.status?.ca?.fingerprint, 'same token: same CA');
  t.deepEqual(rolloutsBetween(rev1, await revisions(kc, ns)), new Map([...rev1].map(([d]) => [d, 0])), 'same token: no rollout');
  t.is(same.status?.rotation, undefined);
});

test.serial('hono-2 profile: a phased rotation has zero trust gaps and rolls each Deployment 3 times', async (t) => {
  t.timeout(20 * 60_000);
  const { ns, name, config } = await bringUp(t, 'rot-hono2', hono2Stack);
  await settled(ns, name);
  await rotateOnce(t, ns, name, config, 'hono-2 rotate-ca');
});

/** The real operator process, restarted after each SIGKILL. */
function operatorProcess(ns: string) {
  let p: OperatorProcess | undefined;
  let kills = 0;
  const start = async () => {
    p = startOperatorProcess([`--kubeconfig=${cluster.kubeconfigPath}`, `--namespace=${ns}`, '--metrics-addr=127.0.0.1:0', '--health-addr=127.0.0.1:0', '--resync=5', '--log-level=info']);
    const proc = p;
    await waitFor('the operator process to start', async () => startedLine(proc) ?? (proc.child.exitCode !== null ? Promise.reject(new Error(`operator exited: ${proc.stderr()}`)) : undefined), 60_000);
  };
  return {
    start,
    kill: async () => {
      if (!p) return;
      p.child.kill('SIGKILL');
      await p.exited;
      kills++;
    },
    kills: () => kills,
    /** Successful reconciles of the running process, from its /metrics. */
    reconciles: async () => {
      const url = p && startedLine(p)?.metrics;
      if (!url) return 0;
      const m = /hono_tls_reconcile_total\{result="success"\} (\d+)/.exec(await (await fetch(`${url}/metrics`)).text());
      return Number(m?.[1] ?? 0);
    },
    stop: async () => {
      p?.child.kill('SIGKILL');
      await p?.exited;
    },
  };
}

test.serial('crash safety: SIGKILL at every phase boundary and at random points inside phases; it resumes, exactly one rotation completes, each Deployment rolls 3 times, no trust gap', async (t) => {
  t.timeout(30 * 60_000);
  const { ns, name, config } = await bringUp(t, 'rot-crash', seedStack, { inProcess: false });
  const op = operatorProcess(ns);
  t.teardown(() => op.stop());
  await op.start();
  await settled(ns, name);

  const sampler = await startTrustGapSampler(kc, ns, name);
  const rev0 = await revisions(kc, ns);
  const boundaries: string[] = [];
  let restarting: Promise<void> = Promise.resolve();
  const killAndRestart = (why: string) => {
    restarting = restarting.then(async () => {
      await op.kill();
      boundaries.push(why);
      // Down for a moment, as a crashed pod is until its restart.
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1500));
      await op.start();
    });
    return restarting;
  };
  // At each new (phase, step): kill at once.
  const follow = followRotation(kc, ns, name, (s) => killAndRestart(`boundary ${s.phase}${s.step ? `/${s.step}` : ''}`));
  // Inside phases: kill at random moments while the rotation runs.
  let randomKills = 0;
  let stopRandom = false;
  const random = (async () => {
    while (!stopRandom) {
      await new Promise((r) => setTimeout(r, 1500 + Math.random() * 4000));
      if (stopRandom) break;
      if ((await readConfig(kc, ns, name)).status?.rotation) {
        randomKills++;
        await killAndRestart('random');
      }
    }
  })();

  const tok = token('crash');
  const caBefore = await trigger(kc, ns, name, 'rotate-ca', tok);
  const done = await waitDone(kc, ns, name, 'rotate-ca', tok, caBefore, 20 * 60_000);
  stopRandom = true;
  await random;
  await restarting;
  await waitRolledOut(kc, ns);
  const log = await follow.stop();
  t.log(`killed ${op.kills()} times: ${boundaries.join(', ')}`);
  t.log(`phases seen ${log.steps.map((s) => `${s.phase}${s.step ? `/${s.step}` : ''}`).join(' -> ')}`);
  assertNoGap(t, await sampler.stop(), 'rotation under SIGKILL');
  t.true(boundaries.filter((b) => b.startsWith('boundary')).length >= 3, 'killed at the phase boundaries');
  t.true(randomKills >= 1, 'killed inside a phase at least once');
  t.is(log.rotations.length, 1, 'exactly one rotation');
  t.is(log.rotations[0], `${caBefore}>${done.status?.ca?.fingerprint}`, 'the rotation that completed is the one that started');
  assertRolled(t, config, rev0, await revisions(kc, ns), 3, 'rotation under SIGKILL');

  // It stays done: a fresh operator (another restart) starts no second rotation.
  await op.kill();
  await op.start();
  const fol2 = followRotation(kc, ns, name);
  const rev1 = await revisions(kc, ns);
  // Its first reconcile and one resync (--resync=5) later.
  await waitFor('the restarted operator to reconcile twice', async () => (await op.reconciles()) >= 2, 60_000);
  t.deepEqual((await fol2.stop()).rotations, [], 'no second rotation');
  t.deepEqual([...rolloutsBetween(rev1, await revisions(kc, ns)).values()].filter((n) => n !== 0), []);
});

test.serial('a new token during a running rotation waits for it to finish, then runs its own', async (t) => {
  t.timeout(30 * 60_000);
  const { ns, name, config } = await bringUp(t, 'rot-queue', seedStack);
  await settled(ns, name);
  const follow = followRotation(kc, ns, name);
  const rev0 = await revisions(kc, ns);
  const first = token('first');
  const ca0 = await trigger(kc, ns, name, 'rotate-ca', first);
  const running = await waitFor('the first rotation to run', async () => (await readConfig(kc, ns, name)).status?.rotation, 120_000);
  const second = token('second');
  await annotate(kc, ns, name, { 'hono.eclipse.org/rotate-ca': second });
  // While the first runs, the second token is not handled and the rotation stays the same one.
  const mid = await readConfig(kc, ns, name);
  t.is(mid.status?.lastRotateToken, first);
  const done = await waitDone(kc, ns, name, 'rotate-ca', second, running.newCaFingerprint, ROTATION_TIMEOUT);
  await waitRolledOut(kc, ns);
  const log = await follow.stop();
  t.log(`rotations: ${log.rotations.join(' then ')}; phases ${log.steps.map((s) => s.phase).join(' -> ')}`);
  t.is(log.rotations.length, 2, 'two rotations, one per token');
  t.is(log.rotations[0], `${ca0}>${running.newCaFingerprint}`);
  t.true(log.rotations[1]!.startsWith(`${running.newCaFingerprint}>`), 'the second starts from the CA the first ended with');
  // Never interleaved: all steps of the first come before any of the second.
  const firstSteps = log.steps.filter((s) => s.rotation === log.rotations[0]);
  const lastOfFirst = log.steps.lastIndexOf(firstSteps.at(-1)!);
  t.true(log.steps.slice(lastOfFirst + 1).every((s) => s.rotation === log.rotations[1]), 'the second waited for the first');
  t.is(firstSteps.at(-1)?.phase, 'DropOld', 'the first ran to its last phase');
  t.is(done.status?.lastRotateToken, second);
  assertRolled(t, config, rev0, await revisions(kc, ns), 6, 'two rotations');
});

test.serial('bad trigger values (empty, huge): a clear status reason and nothing happens; a good token then works', async (t) => {
  t.timeout(20 * 60_000);
  const counter = reconcileCounter();
  const { ns, name, config } = await bringUp(t, 'rot-bad', seedStack, { counter });
  const before = await settled(ns, name);
  const rev0 = await revisions(kc, ns);
  for (const [what, value] of [
    ['empty', ''],
    ['huge', 'x'.repeat(64 * 1024)],
  ] as const) {
    await annotate(kc, ns, name, { 'hono.eclipse.org/rotate-ca': value });
    await counter.more(2, `two reconciles after the ${what} token`);
    const c = await readConfig(kc, ns, name);
    const said = (c.status?.conditions ?? []).find((x) => x.message.includes('hono.eclipse.org/rotate-ca'));
    t.truthy(said, `${what}: a condition names the annotation (${JSON.stringify(c.status?.conditions?.map((x) => `${x.type} ${x.reason}: ${x.message.slice(0, 120)}`))})`);
    t.log(`${what}: ${said?.type}=${said?.status} ${said?.reason}: ${said?.message.slice(0, 200)}`);
    t.true((said?.message.length ?? 0) < 1024, `${what}: the message does not echo the value`);
    t.is(c.status?.rotation, undefined, `${what}: no rotation`);
    t.is(c.status?.ca?.fingerprint, before.status?.ca?.fingerprint, `${what}: same CA`);
    t.is(c.status?.lastRotateToken, before.status?.lastRotateToken, `${what}: token not recorded`);
  }
  assertRolled(t, config, rev0, await revisions(kc, ns), 0, 'bad tokens');
  // Positive control: a good token rotates.
  const tok = token('good');
  const ca = await trigger(kc, ns, name, 'rotate-ca', tok);
  const done = await waitDone(kc, ns, name, 'rotate-ca', tok, ca, ROTATION_TIMEOUT);
  t.not(done.status?.ca?.fingerprint, ca);
  t.false((done.status?.conditions ?? []).some((x) => x.message.includes('hono.eclipse.org/rotate-ca') && x.status === 'False'), 'the reason is gone');
});

const brought = (cn: string) => CertificateAuthority.createSelfSigned({ commonName: cn, intermediate: false, durationMs: 365 * 86400_000, privateKey: { algorithm: 'ECDSA', size: 256 } }, systemClock);

test.serial('brought-in CA: a new CA in the user Secret runs the phases; garbage put there mid-rotation holds it with a clear reason and the old material stays', async (t) => {
  t.timeout(30 * 60_000);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const first = await brought('first brought-in CA');
  const counter = reconcileCounter();
  const { ns, name, config } = await bringUp(t, 'rot-garbage', seedStack, {
    spec: { issuer: { ca: { secretName: 'hono-ca' } } },
    counter,
    before: async (n) => {
      await core.createNamespacedSecret({ namespace: n, body: { metadata: { name: 'hono-ca' }, type: 'kubernetes.io/tls', stringData: first.toSecretData() } });
    },
  });
  await settled(ns, name);
  const sampler = await startTrustGapSampler(kc, ns, name);
  const follow = followRotation(kc, ns, name);
  const rev0 = await revisions(kc, ns);
  const put = (data: Record<string, string>) => core.replaceNamespacedSecret({ name: 'hono-ca', namespace: ns, body: { metadata: { name: 'hono-ca' }, type: 'kubernetes.io/tls', stringData: data } });
  const second = await brought('second brought-in CA');
  await put(second.toSecretData());
  // Mid-rotation: garbage where the CA was.
  await waitFor('the rotation to the second CA to run', async () => (await readConfig(kc, ns, name)).status?.rotation?.newCaFingerprint === second.fingerprint, 120_000);
  await put({ 'tls.crt': 'this is not a certificate', 'tls.key': 'nor a key' });
  const held = await waitFor('a reason naming the Secret', async () => {
    const c = await readConfig(kc, ns, name);
    return (c.status?.conditions ?? []).find((x) => x.status === 'False' && x.message.includes('hono-ca')) ? c : undefined;
  }, 120_000);
  const why = held.status!.conditions!.find((x) => x.status === 'False' && x.message.includes('hono-ca'))!;
  t.log(`held: ${why.type} ${why.reason}: ${why.message}`);
  t.truthy(held.status?.rotation, 'the rotation is held, not dropped');
  // Nothing moves while the garbage is there: several reconciles later, same phase, same Secrets.
  const secretsRv = async () => new Map((await core.listNamespacedSecret({ namespace: ns })).items.filter((s) => s.metadata?.name !== 'hono-ca').map((s) => [s.metadata!.name!, s.metadata!.resourceVersion!]));
  await waitRolledOut(kc, ns);
  const rv0 = await secretsRv();
  const phase0 = (await readConfig(kc, ns, name)).status?.rotation;
  await counter.more(3, '3 reconciles with the garbage in place', 120_000);
  const still = await readConfig(kc, ns, name);
  t.deepEqual(still.status?.rotation?.phase, phase0?.phase, 'the phase does not move');
  t.deepEqual(still.status?.rotation?.step, phase0?.step);
  t.deepEqual(await secretsRv(), rv0, 'the material in place is not touched');
  // Positive control: the right CA back, and the rotation completes.
  await put(second.toSecretData());
  await waitFor('the rotation to end', async () => {
    const c = await readConfig(kc, ns, name);
    return !c.status?.rotation && c.status?.ca?.fingerprint === second.fingerprint && c.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True';
  }, ROTATION_TIMEOUT);
  await waitRolledOut(kc, ns);
  const log = await follow.stop();
  assertNoGap(t, await sampler.stop(), 'brought-in CA replaced (with garbage in between)');
  t.deepEqual(log.rotations, [`${first.fingerprint}>${second.fingerprint}`]);
  assertRolled(t, config, rev0, await revisions(kc, ns), 3, 'brought-in CA replaced');
});
