// The committed generated types are current: regenerate in memory (cert-manager's CRDs from the
// Go module cache via `go mod download`, ours from crds/) and compare byte for byte.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateAll } from '../../../operator/api/gen/gen-types.js';
import { repoRoot } from '../../../operator/api/gen/sources.js';

test('operator/api/generated/*.ts match `npm run gen:types`', async (t) => {
  const generated = await generateAll();
  t.deepEqual(generated.map((g) => g.file), ['operator/api/generated/cert-manager.ts', 'operator/api/generated/honotlsconfig.ts']);
  for (const g of generated) {
    const committed = fs.readFileSync(path.join(repoRoot, g.file), 'utf8');
    t.true(committed === g.text, `${g.file} is stale: run npm run gen:types`);
  }
  const cm = generated[0]!.text;
  t.regex(cm, /export type Certificate = components\['schemas'\]\['Certificate'\];/);
  t.regex(cm, /export type ClusterIssuer = /);
  t.regex(cm, /secretName: string;/, 'Certificate.spec.secretName is required');
});
