// Component Secrets: keys a user adds are kept on every rewrite (keys the operator stops writing
// go); a Secret whose ownerReferences were removed is noticed at once (its config label maps it
// back), not at the next resync, and is not taken back.
import test from 'ava';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type HonoTlsConfig } from '../../operator/api/v1alpha1.js';
import { applyObjects, withNamespace } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';
import { clients, getConfig, runOperator, secretData, waitReady } from './controller-fixtures.js';

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const config = (ns: string, spec: Partial<HonoTlsConfig['spec']>): HonoTlsConfig => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'HonoTlsConfig',
  metadata: { name: 'keys', namespace: ns },
  spec: { components: [{ name: 'auth', type: 'authServer', dnsNames: ['auth.example'] }], ...spec },
});

test('a key added by hand survives rewrites; a store format dropped from the spec goes', async (t) => {
  const ns = await withNamespace(t, 'secret-keys');
  await runOperator(t, ns);
  await applyObjects([config(ns, { trustStore: { format: 'jks' } })], ns);
  await waitReady(ns, 'keys');
  const name = 'keys-auth-tls';
  t.truthy((await secretData(ns, name))['truststore.jks']);
  await clients().core.patchNamespacedSecret(
    { namespace: ns, name, body: [{ op: 'add', path: '/data/user-note', value: Buffer.from('mine').toString('base64') }] },
    jsonPatch,
  );

  // A re-issue (new DNS name) and a format change rewrite the Secret.
  const before = (await secretData(ns, name))['tls.crt']!.toString();
  await applyObjects([config(ns, { trustStore: { format: 'pem' }, components: [{ name: 'auth', type: 'authServer', dnsNames: ['auth.example', 'auth2.example'] }] })], ns);
  const after = await waitFor('the Secret rewritten with the new certificate', async () => {
    const d = await secretData(ns, name);
    return d['tls.crt']!.toString() !== before && !d['truststore.jks'] ? d : undefined;
  });
  t.is(after['user-note']?.toString(), 'mine', "the user's key is kept");
  t.is(after['truststore.jks'], undefined, 'the store the operator no longer writes is gone');
  t.truthy(after['trusted-certs.pem'] ?? after['ca.crt']);
});

test('removing the ownerReferences of a component Secret is noticed within seconds, not at the resync', async (t) => {
  const ns = await withNamespace(t, 'secret-owner');
  // A resync far beyond the test: only the Secret's own event can bring the config back.
  await runOperator(t, ns, { resyncMs: 600_000 });
  await applyObjects([config(ns, {})], ns);
  await waitReady(ns, 'keys');
  await clients().core.patchNamespacedSecret({ namespace: ns, name: 'keys-auth-tls', body: [{ op: 'remove', path: '/metadata/ownerReferences' }] }, jsonPatch);
  const c = await waitFor('SecretConflict', async () => {
    const got = await getConfig(ns, 'keys');
    return got.status?.components?.[0]?.reason === 'SecretConflict' ? got : undefined;
  }, 30_000);
  t.regex(c.status!.components![0]!.message!, /does not belong to this HonoTlsConfig/);
  const s = await clients().core.readNamespacedSecret({ namespace: ns, name: 'keys-auth-tls' });
  t.deepEqual(s.metadata?.ownerReferences ?? [], [], 'not taken back');
});
