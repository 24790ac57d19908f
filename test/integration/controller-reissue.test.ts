// The re-issue decision on the real control plane: configs that used to re-issue and roll for
// ever (an IPv6 SAN `::1`, an O with a comma) settle, and a fight that never settles (someone else
// keeps rewriting the certificate) is stopped by the loop guard with ReissueLoop.
import test, { type ExecutionContext } from 'ava';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ComponentSpec } from '../../operator/api/v1alpha1.js';
import { CertificateAuthority } from '../../operator/pki/ca.js';
import { systemClock } from '../../operator/runtime/clock.js';
import { applyObjects, withNamespace } from '../helpers/cluster.js';
import { clients, deployment, getConfig, leafOf, reconcileCounter, replicaSets, runOperator, secretData, seedConfig, waitFor, waitReady, applyStack } from './controller-fixtures.js';

const HTTP = 'hono-adapter-http-vertx';

/** Another party that, whenever tls.crt is not its certificate (signed by another CA), writes its own. */
async function fighter(t: ExecutionContext, ns: string) {
  const foreignCa = await CertificateAuthority.createSelfSigned({ commonName: 'someone else', intermediate: false, durationMs: 86400_000, privateKey: { algorithm: 'ECDSA', size: 256 } }, systemClock);
  const foreign = await foreignCa.issue({ subject: { commonName: 'x' }, dnsNames: ['x'], ipAddresses: [], usage: 'both', privateKey: { algorithm: 'ECDSA', size: 256 }, durationMs: 3600_000 });
  const state = { foreignB64: Buffer.from(foreign.chainPem).toString('base64'), overwrites: 0, stopped: false, stop: async () => {} };
  const loop = (async () => {
    while (!state.stopped) {
      const s = await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns });
      if (s.data!['tls.crt'] !== state.foreignB64) {
        s.data!['tls.crt'] = state.foreignB64;
        try {
          await clients().core.replaceNamespacedSecret({ name: 'hono-http-tls', namespace: ns, body: s });
          state.overwrites++;
        } catch {
          // a conflict with the operator's write: read again
        }
      }
      await new Promise((r) => setTimeout(r, 100)); // the other party's pace
    }
  })();
  state.stop = async () => {
    state.stopped = true;
    await loop;
  };
  t.teardown(() => state.stop());
  return state;
}

/** The Deployment's generation and ReplicaSet count: what a rollout moves. */
const rollout = async (ns: string) => ({ generation: (await deployment(ns, HTTP)).metadata!.generation!, replicaSets: (await replicaSets(ns, HTTP)).length });

const CASES: [string, Partial<ComponentSpec>][] = [
  ['ipAddresses ::1', { ipAddresses: ['::1', '0:0::2', '2001:DB8::0:1'] }],
  ['O "Acme, Inc." and other DN special characters', { subject: { organization: 'Acme, Inc.', organizationalUnit: '#130541444d494e', locality: ' Québec "Best" + <IoT> ' } }],
];
for (const [label, component] of CASES) {
  test(`${label}: Ready, and the Deployment stays put; a real change still rolls it`, async (t) => {
    const ns = await withNamespace(t, 'reissue-settle');
    await applyStack(ns, ['http']);
    const counter = reconcileCounter();
    await runOperator(t, ns, { resyncMs: 500, onTimings: counter.onTimings });
    const cfg = seedConfig(ns);
    cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'http').map((c) => ({ ...c, ...component }));
    await applyObjects([cfg], ns);
    const ready = await waitReady(ns);
    const settled = await waitFor('the first rollout', async () => {
      const r = await rollout(ns);
      return r.replicaSets === 2 ? r : undefined;
    });
    const leaf = leafOf((await secretData(ns, 'hono-http-tls'))['tls.crt']!.toString());
    if (component.subject) t.true(leaf.subject.split('\n').includes('O=Acme\\, Inc.'), leaf.subject);
    else t.regex(leaf.subjectAltName!, /IP Address:0:0:0:0:0:0:0:1/);
    const secretRv = (await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns })).metadata!.resourceVersion;

    // A window of many reconciles (a resync every 500 ms), each of which could re-issue: nothing moves.
    await counter.more(8);
    t.deepEqual(await rollout(ns), settled, 'no new generation, no new ReplicaSet');
    const now = await getConfig(ns);
    t.is(now.status!.components![0]!.fingerprint, ready.status!.components![0]!.fingerprint, 'no new certificate');
    t.is((await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns })).metadata!.resourceVersion, secretRv);

    // Positive control: a real change (one more DNS name) re-issues and rolls, once.
    cfg.spec.components = cfg.spec.components.map((c) => ({ ...c, dnsNames: ['extra.example.org'] }));
    await applyObjects([cfg], ns);
    const moved = await waitFor('the rollout of the change', async () => {
      const r = await rollout(ns);
      return r.replicaSets === settled.replicaSets + 1 && r.generation > settled.generation ? r : undefined;
    });
    await waitReady(ns);
    await counter.more(6);
    t.deepEqual(await rollout(ns), moved, 'and then it stays put again');
  });
}

test('a certificate someone else keeps replacing: the loop guard stops issuing with ReissueLoop, naming why', async (t) => {
  const ns = await withNamespace(t, 'reissue-loop');
  await applyStack(ns, ['http']);
  // No floor, 3 re-issues per hour: the guard, not the floor, is what stops this.
  const counter = reconcileCounter();
  await runOperator(t, ns, { resyncMs: 500, onTimings: counter.onTimings, reissueLimits: { floorMs: 0, windowMs: 3600_000, maxReissues: 3 } });
  const cfg = seedConfig(ns);
  cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'http');
  await applyObjects([cfg], ns);
  await waitReady(ns);
  await waitFor('the first rollout', async () => (await replicaSets(ns, HTTP)).length === 2);

  const fight = await fighter(t, ns);
  const held = await waitFor('ReissueLoop', async () => {
    const c = await getConfig(ns);
    const http = c.status?.components?.find((x) => x.name === 'http');
    return http?.reason === 'ReissueLoop' ? c : undefined;
  }, 60_000);
  const ready = held.status!.conditions!.find((c) => c.type === 'Ready')!;
  t.is(ready.status, 'False');
  t.is(ready.reason, 'ReissueLoop');
  t.regex(ready.message, /re-issued 3 times within 60 min \(last because not signed by the current CA; now because not signed by the current CA\)/);
  t.regex(ready.message, /remove annotation hono\.eclipse\.org\/issue-history from Secret hono-http-tls/);
  await waitFor('a ReissueLoop Warning event', async () =>
    (await clients().core.listNamespacedEvent({ namespace: ns })).items.some((e) => e.reason === 'ReissueLoop' && e.type === 'Warning'),
  10_000);

  // Stopped: over a window the other party keeps writing, the operator issues nothing and rolls nothing.
  const secret = await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns });
  const history = secret.metadata!.annotations!['hono.eclipse.org/issue-history']!;
  t.is(JSON.parse(history).length, 4, 'the first issue and 3 re-issues');
  t.false(history.includes('BEGIN'), 'no key material in the annotation');
  const before = await rollout(ns);
  const overwritesBefore = fight.overwrites;
  await counter.more(8, 'eight reconciles while the other party keeps trying');
  t.is(fight.overwrites, overwritesBefore, 'the other party had nothing left to overwrite: the operator wrote no certificate');
  t.deepEqual(await rollout(ns), before, 'no rollout while stopped');
  const after = await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns });
  t.is(after.metadata!.annotations!['hono.eclipse.org/issue-history'], history, 'no further issue recorded');
  t.is(after.data!['tls.crt'], fight.foreignB64);
  t.true(overwritesBefore >= 3, `positive control: the other party's writes were seen (${overwritesBefore})`);

  // The way out the message names: stop the fight and remove the annotation; the next reconcile issues again.
  await fight.stop();
  await clients().core.patchNamespacedSecret(
    { name: 'hono-http-tls', namespace: ns, body: [{ op: 'remove', path: '/metadata/annotations/hono.eclipse.org~1issue-history' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  await waitReady(ns, 'hono', 30_000);
  t.not((await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns })).data!['tls.crt'], fight.foreignB64);
});

test('with the default floor, a second re-issue within a minute at the same generation is held back, and status says until when', async (t) => {
  const ns = await withNamespace(t, 'reissue-floor');
  await applyStack(ns, ['http']);
  await runOperator(t, ns, { resyncMs: 500 });
  const cfg = seedConfig(ns);
  cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'http');
  await applyObjects([cfg], ns);
  await waitReady(ns);
  await fighter(t, ns);
  const held = await waitFor('ReissueHeldBack', async () => {
    const c = await getConfig(ns);
    return c.status?.components?.find((x) => x.name === 'http')?.reason === 'ReissueHeldBack' ? c : undefined;
  }, 30_000);
  const ready = held.status!.conditions!.find((c) => c.type === 'Ready')!;
  t.is(ready.reason, 'ReissueHeldBack');
  t.regex(ready.message, /re-issue \(not signed by the current CA\) held back until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: at most one re-issue per 1 min while the spec is unchanged/);
  const history = JSON.parse((await clients().core.readNamespacedSecret({ name: 'hono-http-tls', namespace: ns })).metadata!.annotations!['hono.eclipse.org/issue-history']!);
  t.is(history.length, 1, 'only the first issue: the floor counts from the last issue of any kind');
  t.is(history[0].why, 'no certificate yet');
});
