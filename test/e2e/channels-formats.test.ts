// The six channels with each trust-store format the operator wires: PEM (Node `tls` reads the
// bundle) and PKCS12 (Java reads the store with the password from its secretKeyRef). JKS is the
// seed example's format, proven by demo.test.ts.
import test from 'ava';
import * as fs from 'node:fs';
import yaml from 'js-yaml';
import type { HonoTlsConfig, TrustStoreFormat } from '../../operator/api/v1alpha1.js';
import { startOperator } from '../../operator/controller/operator.js';
import { silentLogger } from '../../operator/runtime/logger.js';
import { waitReady } from '../integration/controller-fixtures.js';
import { applyObjects, applyYamlFile, installCrds, testKubeConfig, withNamespace } from '../helpers/cluster.js';
import { CHANNELS } from '../peers/channel-table.js';
import { allSixProven, formatChannelTable, proveChannels } from '../peers/channels.js';

const seed = (yaml.loadAll(fs.readFileSync('examples/honotlsconfig-seed.yaml', 'utf8')) as HonoTlsConfig[]).find((d) => d?.kind === 'HonoTlsConfig')!;

for (const [format, peer] of [
  ['pem', 'node'],
  ['pkcs12', 'java'],
] as const) {
  test(`six channels with a ${format} trust store, checked by ${peer}`, async (t) => {
    t.timeout(4 * 60_000);
    const ns = await withNamespace(t, `ch-${format}`);
    await installCrds();
    await applyYamlFile('examples/hono-stack.yaml', ns);
    const op = await startOperator({ kubeConfig: testKubeConfig(), namespace: ns, logger: silentLogger() });
    t.teardown(() => op.stop());
    await op.ready;
    const config = structuredClone(seed);
    config.metadata = { name: seed.metadata.name, namespace: ns };
    config.spec.trustStore = { format: format as TrustStoreFormat };
    await applyObjects([config]);
    await waitReady(ns, config.metadata.name, 120_000);
    const rows = await proveChannels(testKubeConfig(), ns, config.metadata.name);
    t.true(allSixProven(rows), formatChannelTable(rows));
    for (const r of rows.filter((x) => x.client !== 'consumer')) {
      t.is(r.peer, peer, `${r.channel} ${r.client}`);
      t.true(r.trust.endsWith(format === 'pem' ? '.pem' : '.p12'), r.trust);
    }
    t.is(new Set(rows.map((r) => r.channel)).size, CHANNELS.length);
  });
}
