// Leader election, for real: operator processes (operator/main.ts --leader-elect) on one Lease,
// each as its own user (impersonated), and the apiserver's audit log as the witness of who wrote
// what. This file runs on its own control plane (audit log on, and the apiserver is stopped).
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { CoordinationV1Api, CoreV1Api, V1MicroTime } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { applyObjects, impersonatedKubeConfig, installCrds, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { startOperatorProcess, startedLine, type OperatorProcess } from '../helpers/operator-process.js';
import { applyStack, seedConfig, waitFor, waitReady } from './controller-fixtures.js';

const LEASE = 'hono-tls-operator';
// The operator's defaults (--leader-election-lease-duration, -renew-deadline, -retry-period).
const LEASE_MS = 15_000;
const RENEW_DEADLINE_MS = 10_000;
const RETRY_MS = 2_000;
// A request's latency and a timer's lateness on the loaded 2-core machine (measured takeovers:
// 15.5-16.9 s against the 17 s of lease + retry period, so 1 s left too little under load).
const SLACK_MS = 2_500;

let cp: ControlPlane;

test.before(async () => {
  cp = await startControlPlane({ auditWrites: true, log: () => undefined });
  process.env.HONO_TEST_KUBECONFIG = cp.kubeconfigPath;
  process.env.HONO_TEST_BIN_DIR = cp.binDir;
  await installCrds();
  // The replicas' users; RBAC for the real ServiceAccount is rbac-impersonation.test.ts's job.
  await applyObjects(
    ['op-a', 'op-b'].map((user) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `le-test-${user}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    })),
  );
});
test.after.always(async () => {
  await cp?.stop();
});

interface Write {
  user: string;
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  at: number;
}

/** Every write the apiserver saw, by the user it was made as. */
function audit(): Write[] {
  const out: Write[] = [];
  for (const line of fs.readFileSync(cp.auditLogPath!, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as {
      verb: string;
      user: { username: string };
      impersonatedUser?: { username: string };
      objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
      requestReceivedTimestamp: string;
    };
    const r = e.objectRef ?? {};
    out.push({
      user: e.impersonatedUser?.username ?? e.user.username,
      verb: e.verb,
      resource: r.subresource ? `${r.resource}/${r.subresource}` : (r.resource ?? ''),
      namespace: r.namespace,
      name: r.name,
      at: Date.parse(e.requestReceivedTimestamp),
    });
  }
  return out;
}

/** Writes by `user` in `ns`, the Lease aside. */
const workWrites = (user: string, ns: string, since = 0) => audit().filter((w) => w.user === user && w.namespace === ns && w.resource !== 'leases' && w.at >= since);
const summary = (ws: Write[]) => ws.reduce<Record<string, number>>((m, w) => ({ ...m, [`${w.verb} ${w.resource}`]: (m[`${w.verb} ${w.resource}`] ?? 0) + 1 }), {});

interface Replica {
  user: string;
  identity: string;
  p: OperatorProcess;
  metric(name: string): Promise<number>;
}

async function startReplica(t: ExecutionContext, user: string, ns: string): Promise<Replica> {
  const kubeconfig = path.join(cp.dir, `kubeconfig-${user}-${ns}`);
  fs.writeFileSync(kubeconfig, impersonatedKubeConfig(user).exportConfig(), { mode: 0o600 });
  const p = startOperatorProcess([
    `--kubeconfig=${kubeconfig}`,
    `--namespace=${ns}`,
    '--metrics-addr=127.0.0.1:0',
    '--health-addr=127.0.0.1:0',
    '--resync=5',
    '--leader-elect',
    `--leader-election-namespace=${ns}`,
  ]);
  t.teardown(() => {
    p.child.kill('SIGKILL');
  });
  const started = await waitFor(`${user} to start`, () => startedLine(p) ?? (p.child.exitCode !== null ? Promise.reject(new Error(`exited: ${p.stderr()}`)) : undefined), 60_000);
  const identity = /as (\S+)$/.exec(started.leaderElection ?? '')?.[1];
  if (!identity) throw new Error(`no leader election in the started line: ${JSON.stringify(started)}`);
  return {
    user,
    identity,
    p,
    metric: async (name) => {
      const body = await (await fetch(`${started.metrics}/metrics`)).text();
      return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(body)?.[1] ?? NaN);
    },
  };
}

const leases = () => testKubeConfig().makeApiClient(CoordinationV1Api);
const holder = async (ns: string) => (await leases().readNamespacedLease({ name: LEASE, namespace: ns }).catch(() => undefined))?.spec?.holderIdentity;

/** The JSON log line with this message, and its timestamp. */
function logged(r: Replica, message: string): { at: number; line: Record<string, string> } | undefined {
  for (const l of r.p.lines) {
    try {
      const x = JSON.parse(l) as Record<string, string>;
      if (x.message === message) return { at: Date.parse(x.timestamp!), line: x };
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}

/** Deletes a component Secret every 300 ms, so the leader keeps re-creating it (writes to watch for). */
function churn(ns: string, secret: string): { stop(): Promise<void> } {
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  let on = true;
  const loop = (async () => {
    while (on) {
      await core.deleteNamespacedSecret({ name: secret, namespace: ns }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
    },
  };
}

async function readyStack(ns: string): Promise<string> {
  await applyObjects([seedConfig(ns)], ns);
  const cfg = await waitReady(ns, 'hono', 120_000);
  return cfg.status!.components!.find((c) => c.name === 'consumer')!.secretName!;
}

/** The stack in a new namespace, op-a leading it (and op-b following), the config Ready; returns a component Secret's name. */
async function ledStack(t: ExecutionContext, prefix: string) {
  const ns = await withNamespace(t, prefix);
  await applyStack(ns);
  const a = await startReplica(t, 'op-a', ns);
  await waitFor('a to lead', async () => (await holder(ns)) === a.identity, 30_000);
  const b = await startReplica(t, 'op-b', ns);
  return { ns, a, b, secret: await readyStack(ns) };
}

/** Positive control that `r` writes: a component Secret deleted by hand comes back, created as its user. */
async function recreatedBy(r: Replica, ns: string, secret: string): Promise<void> {
  const before = Date.now();
  await testKubeConfig().makeApiClient(CoreV1Api).deleteNamespacedSecret({ name: secret, namespace: ns });
  await waitFor(`${r.user} to re-create the Secret`, () => workWrites(r.user, ns, before).some((w) => w.verb === 'create' && w.name === secret), 30_000);
}

test.serial('two replicas: only the leader writes; SIGKILL of the leader, and the other takes over within lease duration + retry period', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'le-two');
  await applyStack(ns);
  const a = await startReplica(t, 'op-a', ns);
  const b = await startReplica(t, 'op-b', ns);
  const first = await waitFor('a leader', async () => {
    const h = await holder(ns);
    return h === a.identity ? a : h === b.identity ? b : undefined;
  }, 30_000);
  const [leader, follower] = first === a ? [a, b] : [b, a];
  const secret = await readyStack(ns);

  // Positive control: the audit log shows the leader's writes, by its user.
  const led = workWrites(leader.user, ns);
  t.log(`leader ${leader.user}: ${JSON.stringify(summary(led))}`);
  t.true(led.filter((w) => w.verb === 'create' && w.resource === 'secrets').length >= 8, 'the leader created the CA and 7 component Secrets');
  // The follower wrote nothing at all, not even to the Lease (it only reads it while it is held).
  t.deepEqual(summary(audit().filter((w) => w.user === follower.user)), {}, 'the follower wrote nothing');
  t.is(await follower.metric('hono_tls_api_writes_total'), 0);
  t.is(await follower.metric('hono_tls_leader'), 0);
  t.is(await leader.metric('hono_tls_leader'), 1);
  t.true((await leader.metric('hono_tls_api_writes_total')) >= led.length - 0, 'the leader counts its own writes');
  t.is(await follower.metric('hono_tls_reconcile_total'), NaN, 'the follower reconciled nothing (no series yet)');

  // SIGKILL: no release of the Lease; the follower must wait for it to expire.
  const killedAt = Date.now();
  leader.p.child.kill('SIGKILL');
  await leader.p.exited;
  await waitFor('the follower to hold the lease', async () => (await holder(ns)) === follower.identity, LEASE_MS + RETRY_MS + 10_000, 50);
  const takeoverMs = Date.now() - killedAt;
  t.log(`takeover after SIGKILL of the leader: ${takeoverMs} ms (lease duration ${LEASE_MS} ms + retry period ${RETRY_MS} ms)`);
  t.true(takeoverMs <= LEASE_MS + RETRY_MS + SLACK_MS, `takeover in ${takeoverMs} ms`);
  t.true(takeoverMs >= LEASE_MS - RETRY_MS - SLACK_MS, `not before the lease could have expired (${takeoverMs} ms)`);
  await waitFor('the new leader to report it', async () => (await follower.metric('hono_tls_leader')) === 1, 10_000);

  // The new leader writes (and the audit log sees it): a deleted Secret comes back, by its hand.
  await recreatedBy(follower, ns, secret);
  t.pass();
});

test.serial('a leader whose Lease is taken by hand stops writing within one retry period, and exits to start over', async (t) => {
  t.timeout(3 * 60_000);
  const { ns, a, secret } = await ledStack(t, 'le-hijack');
  const c = churn(ns, secret);
  t.teardown(() => c.stop());
  // Positive control: it is busy writing (re-creating the Secret the churn deletes).
  const busySince = Date.now();
  await waitFor('a to re-create the Secret twice', () => workWrites(a.user, ns, busySince).filter((w) => w.verb === 'create' && w.name === secret).length >= 2, 30_000);

  const api = leases();
  const lease = await api.readNamespacedLease({ name: LEASE, namespace: ns });
  lease.spec = { ...lease.spec, holderIdentity: 'intruder', renewTime: new V1MicroTime(Date.now()) };
  const hijackedAt = Date.now();
  await api.replaceNamespacedLease({ name: LEASE, namespace: ns, body: lease });
  const code = await a.p.exited;
  const lost = logged(a, 'leadership lost');
  t.truthy(lost, 'it logged the loss');
  t.is(code, 1, 'it exits (non-zero), to start again as a candidate');
  t.log(`lost ${lost!.at - hijackedAt} ms after the Lease was taken (${lost!.line.reason})`);
  t.true(lost!.at - hijackedAt <= RETRY_MS + SLACK_MS);
  const after = workWrites(a.user, ns, hijackedAt);
  const last = Math.max(...workWrites(a.user, ns).map((w) => w.at));
  t.log(`writes after the Lease was taken: ${JSON.stringify(summary(after))}; last write ${last - hijackedAt} ms after`);
  // A write the gate let through just before the loss may still be on its way: one request's time.
  t.true(after.every((w) => w.at <= lost!.at + SLACK_MS), 'no write started after it knew');
  t.deepEqual(
    audit().filter((w) => w.user === a.user && w.resource === 'leases' && w.at >= hijackedAt),
    [],
    'it did not take the Lease back',
  );
  t.not(await holder(ns), a.identity);
});

test.serial('apiserver stopped: the leader stops writing at the renew deadline, before its Lease can expire for the other replica, which takes over', async (t) => {
  t.timeout(4 * 60_000);
  const { ns, a, b, secret } = await ledStack(t, 'le-outage');
  const renewedBefore = (await leases().readNamespacedLease({ name: LEASE, namespace: ns })).spec!.renewTime!;

  const stoppedAt = Date.now();
  await cp.stopApiserver();
  const lost = await waitFor('a to give up leading', () => logged(a, 'leadership lost'), RENEW_DEADLINE_MS + RETRY_MS + 10_000, 50).catch((e: Error) => {
    throw new Error(`${e.message}; its last log lines: ${a.p.lines.slice(-8).join('\n')}`);
  });
  t.log(`a stopped leading ${lost.at - stoppedAt} ms after the apiserver stopped (${lost.line.reason}); last renewal seen before: ${new Date(renewedBefore).toISOString()}`);
  // Its last renewal was before the stop, so it gave up within the renew deadline of it: 5 s before
  // the lease duration, which is the earliest another replica could take over.
  t.true(lost.at - stoppedAt <= RENEW_DEADLINE_MS + SLACK_MS / 2, `${lost.at - stoppedAt} ms`);
  t.is(await a.p.exited, 1);
  await cp.startApiserver();
  const restartedAt = Date.now();

  await waitFor('b to take over', async () => (await holder(ns)) === b.identity, LEASE_MS + RETRY_MS + 20_000, 100);
  t.log(`b leads ${Date.now() - stoppedAt} ms after the apiserver stopped (${Date.now() - restartedAt} ms after it was back)`);
  // Positive control: b writes once it leads; a wrote nothing after it gave up.
  await recreatedBy(b, ns, secret);
  t.deepEqual(summary(audit().filter((w) => w.user === a.user && w.at >= stoppedAt)), {}, 'a: no write (not even the Lease) after the apiserver stopped');
});

test.serial('SIGTERM of the leader (a rolling update) releases the Lease: the other replica leads within a retry period', async (t) => {
  t.timeout(3 * 60_000);
  const { ns, a, b, secret } = await ledStack(t, 'le-term');
  const termAt = Date.now();
  a.p.child.kill('SIGTERM');
  t.is(await a.p.exited, 0, 'a clean exit');
  t.truthy(logged(a, 'leader lease released'));
  await waitFor('b to lead', async () => (await holder(ns)) === b.identity, RETRY_MS + 10_000, 50);
  const handoverMs = Date.now() - termAt;
  t.log(`handover after SIGTERM: ${handoverMs} ms (retry period ${RETRY_MS} ms)`);
  t.true(handoverMs <= RETRY_MS + 2 * SLACK_MS, `${handoverMs} ms`);
  await recreatedBy(b, ns, secret);
  t.deepEqual(summary(workWrites(a.user, ns).filter((w) => w.at > logged(a, 'leader lease released')!.at)), {}, 'a wrote nothing after it released the Lease');
});
