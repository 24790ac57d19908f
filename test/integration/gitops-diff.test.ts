// No drift in GitOps diffs: after the operator wires the example stack, a server-side diff of
// the manifests the user keeps in Git (examples/hono-stack.yaml) shows nothing, because the
// operator's fields belong to its own field manager and the user's manifest does not name them.
import test from 'ava';
import * as fs from 'node:fs';
import { TLS_DIGEST_ANNOTATION } from '../../operator/controller/names.js';
import { applyYamlFile, kubectl, withNamespace } from '../helpers/cluster.js';
import { deployment, runOperator, waitReady } from './controller-fixtures.js';

const STACK = 'examples/hono-stack.yaml';

test('kubectl diff --server-side of the example stack shows nothing after the operator wired it', async (t) => {
  t.timeout(4 * 60_000);
  const ns = await withNamespace(t, 'gitops-diff');
  // As a GitOps tool applies it: kubectl's server-side apply with its own field manager.
  const applied = await kubectl(['apply', '--server-side', '-n', ns, '-f', STACK]);
  t.is(applied.code, 0, applied.stderr);
  await runOperator(t, ns);
  await applyYamlFile('examples/honotlsconfig-seed.yaml', ns);
  await waitReady(ns);
  // The operator did change the Deployments (so a diff had something to show).
  const wired = await deployment(ns, 'hono-service-auth');
  t.truthy(wired.spec?.template?.metadata?.annotations?.[TLS_DIGEST_ANNOTATION], 'the operator wired the Deployment');

  const diff = await kubectl(['diff', '--server-side', '-n', ns, '-f', STACK]);
  t.is(diff.stdout, '', 'no drift');
  t.is(diff.code, 0, diff.stderr);

  // Positive control: a change to the same manifest is shown.
  const edited = await kubectl(['diff', '--server-side', '-n', ns, '-f', '-'], {
    input: fs.readFileSync(STACK, 'utf8').replace('replicas: 1', 'replicas: 2'),
  });
  t.is(edited.code, 1, edited.stderr);
  t.regex(edited.stdout, /[-+]\s+replicas: 2/);
});
