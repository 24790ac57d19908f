// The demo's core (test/demo/run.ts) on the test run's control plane: the example Hono stack
// and the seed HonoTlsConfig, the operator until Ready, every wired Deployment rolled, and the
// seed's six channels proven with real TLS handshakes on the material in the Secrets.
import test from 'ava';
import { AppsV1Api } from '@kubernetes/client-node';
import { runDemo } from '../demo/run.js';
import { CHANNELS } from '../peers/channel-table.js';
import { proveChannels } from '../peers/channels.js';
import { kubectl, testKubeConfig, withNamespace } from '../helpers/cluster.js';

test('npm run demo, core: the example stack is wired and all six channels are proven', async (t) => {
  t.timeout(5 * 60_000);
  const ns = await withNamespace(t, 'demo');
  const lines: string[] = [];
  const r = await runDemo({ namespace: ns, log: (l) => lines.push(l) });
  if (!r.ok) t.log(lines.join('\n'));
  t.deepEqual(r.failures, []);
  t.true(r.ok);

  // Every channel of the seed has at least one proven row, each with hostname verification.
  for (const ch of CHANNELS) {
    const rows = r.channels.filter((x) => x.channel === ch.id);
    t.true(rows.length > 0, `channel ${ch.id} (${ch.title}) was proven`);
    for (const row of rows) {
      t.true(row.peerVerified, `${ch.id} ${row.client} -> ${row.server}: ${row.error ?? ''}`);
      t.regex(row.serverName, new RegExp(`\\.${ns}\\.svc$`));
      t.truthy(row.protocol);
    }
  }
  t.true(r.channels.some((x) => x.clientCert && x.peerVerified), 'the mutual channel (Hono Server -> Dispatch Router) verified the client certificate');
  // The components table: each wired component names its Secret, env vars and its new ReplicaSet.
  for (const c of r.components.filter((x) => x.deployment)) {
    t.truthy(c.secret, c.component);
    t.regex(c.replicaSet, /^rs\//, `${c.component}: ${c.replicaSet}`);
    t.truthy(c.notAfter, c.component);
  }
  t.true(r.components.filter((x) => x.deployment && x.deployment !== '').some((x) => x.envVars.length > 0));
  t.true(lines.some((l) => /proving the six channels .* done/.test(l)), 'progress lines with timings');

  // The proof follows the wiring, not just the files: point one trust-store variable at the
  // component's private key (the operator has stopped, so nothing repairs it) and exactly the
  // channels that use that variable fail; the others still pass.
  const victim = r.channels.find((x) => x.channel === 6)!;
  const [trustEnv] = victim.trust.split('=') as [string];
  const deployment = r.components.find((c) => c.component === victim.client)!.deployment;
  const apps = testKubeConfig().makeApiClient(AppsV1Api);
  const dep = await apps.readNamespacedDeployment({ name: deployment, namespace: ns });
  const keyPath = dep.spec!.template.spec!.containers[0]!.env!.find((e) => e.value?.endsWith('key.pem'))!.value!;
  const set = await kubectl(['set', 'env', '-n', ns, `deployment/${deployment}`, `${trustEnv}=${keyPath}`]);
  t.is(set.code, 0, set.stderr);
  const again = await proveChannels(testKubeConfig(), ns, r.configName);
  const broken = again.filter((x) => !x.peerVerified);
  t.deepEqual(
    broken.map((b) => [b.channel, b.client]),
    again.filter((x) => x.client === victim.client && x.trust.startsWith(`${trustEnv}=`)).map((b) => [b.channel, b.client]),
  );
  t.true(broken.length > 0);
});
