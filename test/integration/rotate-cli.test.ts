// `hono-tls-operator rotate` on the real control plane, without an operator: which configs get a
// token (namespace, all namespaces, label selector), what it says when nothing matches or the
// user may not patch, and what --wait shows from status values written by the test in the
// operator's status schema (the operator's side is proved in rotation.test.ts).
import test from 'ava';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfigStatus } from '../../operator/api/v1alpha1.js';
import { RENEW_ANNOTATION, ROTATE_CA_ANNOTATION } from '../../operator/controller/names.js';
import { rotateCommand } from '../../operator/rotate/command.js';
import { applyObjects, impersonatedKubeConfig, installCrds, withNamespace } from '../helpers/cluster.js';
import { clients, getConfig, seedConfig, waitFor } from './controller-fixtures.js';

test.before(async () => {
  await installCrds();
});

/** Starts the command; `out()` is what it printed so far. */
function start(argv: string[], kc?: import('@kubernetes/client-node').KubeConfig) {
  let out = '';
  let err = '';
  const args = kc ? argv : ['--kubeconfig', process.env.HONO_TEST_KUBECONFIG!, ...argv];
  const done = rotateCommand(args, { kubeConfig: kc, pollMs: 100, io: { out: (x) => (out += x), err: (x) => (err += x) } }).then((code) => ({ code, out, err }));
  return { done, out: () => out };
}

const run = (argv: string[], kc?: import('@kubernetes/client-node').KubeConfig) => start(argv, kc).done;

async function configIn(ns: string, name: string, labels: Record<string, string> = {}): Promise<void> {
  const c = seedConfig(ns, name);
  c.metadata.labels = labels;
  c.spec.components = [{ name: 'consumer', type: 'client', dnsNames: ['consumer.example'] }];
  await applyObjects([c], ns);
}

const annotations = async (ns: string, name = 'hono') => (await getConfig(ns, name)).metadata.annotations ?? {};

test('tokens go to exactly the configs named by -n / -A and -l; the same token again changes nothing', async (t) => {
  const [a, b, c] = [await withNamespace(t, 'rot-a'), await withNamespace(t, 'rot-b'), await withNamespace(t, 'rot-c')];
  const tier = `t${Date.now()}`;
  await configIn(a, 'hono', { tier });
  await configIn(b, 'hono', { tier });
  await configIn(c, 'hono', { tier: 'other' });
  await configIn(a, 'second', {});

  const one = await run(['-n', a, '--token', 'tok-1']);
  t.is(one.code, 0, one.err);
  t.is((await annotations(a))[ROTATE_CA_ANNOTATION], 'tok-1');
  t.is((await annotations(a, 'second'))[ROTATE_CA_ANNOTATION], 'tok-1');
  t.is((await annotations(b))[ROTATE_CA_ANNOTATION], undefined, 'another namespace is left alone');
  t.regex(one.out, /CA rotation requested for 2 config\(s\)/);

  // -A with a selector: the two labelled `tier`, in two namespaces; a default token (the time).
  const all = await run(['-A', '-l', `tier=${tier}`, '--renew']);
  t.is(all.code, 0, all.err);
  const tokA = (await annotations(a))[RENEW_ANNOTATION];
  t.truthy(tokA);
  t.true(!Number.isNaN(Date.parse(tokA!)), `the default token is a timestamp (${tokA})`);
  t.is((await annotations(b))[RENEW_ANNOTATION], tokA);
  t.is((await annotations(c))[RENEW_ANNOTATION], undefined, 'the selector excludes tier=other');
  t.is((await annotations(a, 'second'))[RENEW_ANNOTATION], undefined, 'the selector excludes the unlabelled config');
  t.is((await annotations(a))[ROTATE_CA_ANNOTATION], 'tok-1', '--renew leaves the rotate-ca token alone');

  // The same token again: no write at all (resourceVersion unchanged) -- and a new token writes (positive control).
  const rv = (await getConfig(a)).metadata.resourceVersion;
  t.is((await run(['-n', a, '--token', 'tok-1'])).code, 0);
  t.is((await getConfig(a)).metadata.resourceVersion, rv, 'a merge patch with the same value is a no-op on the server');
  t.is((await run(['-n', a, '--token', 'tok-2'])).code, 0);
  t.not((await getConfig(a)).metadata.resourceVersion, rv);
  t.is((await annotations(a))[ROTATE_CA_ANNOTATION], 'tok-2');
});

test('nothing matching, or no right to patch: exit 1 with the fix named', async (t) => {
  const ns = await withNamespace(t, 'rot-none');
  const none = await run(['-n', ns]);
  t.is(none.code, 1);
  t.regex(none.err, new RegExp(`no HonoTlsConfig in namespace ${ns}; check the namespace and selector \\(kubectl get htc -n ${ns}\\)`));

  await configIn(ns, 'hono');
  const nobody = impersonatedKubeConfig(`system:serviceaccount:${ns}:nobody`);
  const denied = await run(['-n', ns], nobody);
  t.is(denied.code, 1);
  t.regex(denied.err, /forbidden .* the user needs get, list and patch on honotlsconfigs\.hono\.eclipse\.org there/);
  t.is((await annotations(ns))[ROTATE_CA_ANNOTATION], undefined, 'nothing was set');
});

async function writeStatus(ns: string, name: string, status: HonoTlsConfigStatus): Promise<void> {
  await clients().custom.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name, body: { status } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

test('--wait follows status (phase, step, waiting for) until every config is done; --timeout gives up with exit 1 and says why', async (t) => {
  const ns = await withNamespace(t, 'rot-wait');
  await configIn(ns, 'hono');
  await configIn(ns, 'other');
  const gen = (await getConfig(ns)).metadata.generation;
  const ready = { type: 'Ready', status: 'True' as const, reason: 'Issued', message: 'ok', lastTransitionTime: new Date().toISOString(), observedGeneration: gen };
  await writeStatus(ns, 'hono', { ca: { fingerprint: 'AA:01' }, conditions: [ready], phase: 'Ready' });
  await writeStatus(ns, 'other', { ca: { fingerprint: 'AA:02' }, conditions: [ready], phase: 'Ready' });

  const waiting = start(['-n', ns, '--wait', '--token', 'w1']);
  await waitFor('the token on both configs', async () => (await annotations(ns))[ROTATE_CA_ANNOTATION] === 'w1' && (await annotations(ns, 'other'))[ROTATE_CA_ANNOTATION] === 'w1');
  const rot = (phase: 'TrustBoth' | 'ReissueLeaves' | 'DropOld', step: string | undefined, waitingFor: string[]) => ({
    // null: a merge patch removes the previous step.
    phase, step: step ?? (null as unknown as undefined), waitingFor, startedAt: new Date().toISOString(), oldCaFingerprint: 'AA:01', newCaFingerprint: 'BB:01',
  });
  const steps: HonoTlsConfigStatus[] = [
    { lastRotateToken: 'w1', phase: 'Rotating', rotation: rot('TrustBoth', undefined, ['hono-server', 'hono-service-auth']) },
    { lastRotateToken: 'w1', phase: 'Rotating', rotation: rot('ReissueLeaves', 'authServer', ['hono-service-auth']) },
    { lastRotateToken: 'w1', phase: 'Rotating', rotation: rot('DropOld', undefined, ['hono-server']) },
  ];
  for (const s of steps) {
    await writeStatus(ns, 'hono', s);
    // Each step stays until the printer has shown it.
    await waitFor(`the printer to show phase ${s.rotation!.phase}`, () => waiting.out().includes(`phase ${s.rotation!.phase}`));
  }
  // `other` handled it and finished at once.
  await writeStatus(ns, 'other', { lastRotateToken: 'w1', ca: { fingerprint: 'BB:02' }, phase: 'Ready' });
  // Merge patch: null removes the rotation.
  await clients().custom.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name: 'hono', body: { status: { rotation: null, phase: 'Ready', ca: { fingerprint: 'BB:01' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const r = await waiting.done;
  t.log(r.out);
  t.is(r.code, 0, r.err);
  t.regex(r.out, new RegExp(`${ns}/hono: rotating: phase TrustBoth, waiting for hono-server, hono-service-auth`));
  t.regex(r.out, new RegExp(`${ns}/hono: rotating: phase ReissueLeaves step authServer, waiting for hono-service-auth`));
  t.regex(r.out, new RegExp(`${ns}/hono: rotating: phase DropOld, waiting for hono-server`));
  t.regex(r.out, new RegExp(`${ns}/hono: done: CA BB:01`));
  t.regex(r.out, new RegExp(`${ns}/other: done`));
  t.regex(r.out, /all 2 config\(s\) done in \d+s/);

  // A config that never finishes: --timeout ends the wait with exit 1 and names it and what it waits for.
  await clients().custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name: 'other' });
  await waitFor('other to be gone', async () => !(await getConfig(ns, 'other').then(() => true, () => false)));
  await writeStatus(ns, 'hono', { lastRotateToken: 'w2', phase: 'Rotating', rotation: rot('TrustBoth', undefined, ['hono-server']), conditions: [{ ...ready, status: 'False', reason: 'RolloutStuck', message: 'Deployment hono-server did not complete its rollout' }] });
  const late = await run(['-n', ns, '--wait', '--timeout', '2', '--token', 'w2']);
  t.is(late.code, 1);
  t.regex(late.err, new RegExp(`timed out after \\d+s: 1 of 1 config\\(s\\) not done:\\n  ${ns}/hono: rotating: phase TrustBoth, waiting for hono-server -- Ready=False RolloutStuck`));
  t.regex(late.err, /Rerun with --wait and the same --token w2/);
});

