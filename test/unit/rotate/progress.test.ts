// `rotate`'s pure parts: what --wait shows and when a config is done, from status values as the
// operator writes them (operator/api/v1alpha1.ts); and usage mistakes (exit 2, before any cluster).
import test from 'ava';
import type { HonoTlsConfig, HonoTlsConfigStatus } from '../../../operator/api/v1alpha1.js';
import { rotateCommand } from '../../../operator/rotate/command.js';
import { progressOf } from '../../../operator/rotate/progress.js';

const cfg = (status: HonoTlsConfigStatus, generation = 3): HonoTlsConfig => ({
  apiVersion: 'hono.eclipse.org/v1alpha1',
  kind: 'HonoTlsConfig',
  metadata: { name: 'hono', namespace: 'ns1', generation },
  spec: { components: [] },
  status,
});
const ready = (reason = 'Issued', observedGeneration = 3) => ({ type: 'Ready', status: 'True' as const, reason, message: '', lastTransitionTime: '', observedGeneration });
const rotation = { phase: 'ReissueLeaves' as const, step: 'authServer', startedAt: '2026-12-02T08:00:00Z', oldCaFingerprint: 'AA', newCaFingerprint: 'BB', waitingFor: ['hono-service-auth'] };

test('a rotation in progress shows phase, step and the Deployments awaited; not done', (t) => {
  const p = progressOf(cfg({ lastRotateToken: 'T', phase: 'Rotating', rotation, conditions: [ready()] }), 'rotate-ca', 'T');
  t.false(p.done);
  t.is(p.config, 'ns1/hono');
  t.is(p.line, 'rotating: phase ReissueLeaves step authServer, waiting for hono-service-auth');
});

test('a new token during a running rotation says it waits for it', (t) => {
  const p = progressOf(cfg({ lastRotateToken: 'OLD', phase: 'Rotating', rotation, conditions: [ready()] }), 'rotate-ca', 'NEW');
  t.false(p.done);
  t.regex(p.line, /this token waits for it/);
});

test('done only when the token is handled, no rotation runs and Ready is True for this generation', (t) => {
  t.true(progressOf(cfg({ lastRotateToken: 'T', phase: 'Ready', conditions: [ready()], ca: { fingerprint: 'BB:CC' } }), 'rotate-ca', 'T').done);
  t.false(progressOf(cfg({ lastRotateToken: 'S', phase: 'Ready', conditions: [ready()] }), 'rotate-ca', 'T').done, 'another token');
  t.false(progressOf(cfg({ lastRotateToken: 'T', phase: 'Ready', conditions: [ready('Issued', 2)] }), 'rotate-ca', 'T').done, 'Ready for an older generation');
  t.false(progressOf(cfg({ lastRotateToken: 'T', conditions: [{ ...ready(), status: 'False', reason: 'RolloutStuck' }] }), 'rotate-ca', 'T').done);
  // Recorded at the start: with the CA before this run given, done needs a new CA too.
  t.false(progressOf(cfg({ lastRotateToken: 'T', phase: 'Ready', conditions: [ready()], ca: { fingerprint: 'AA' } }), 'rotate-ca', 'T', 'AA').done);
  t.true(progressOf(cfg({ lastRotateToken: 'T', phase: 'Ready', conditions: [ready()], ca: { fingerprint: 'BB' } }), 'rotate-ca', 'T', 'AA').done);
  // The renew token is its own field.
  t.false(progressOf(cfg({ lastRotateToken: 'T', conditions: [ready()] }), 'renew', 'T').done);
  t.true(progressOf(cfg({ lastRenewToken: 'T', conditions: [ready()] }), 'renew', 'T').done);
});

test('a reason that needs a person is shown with its message', (t) => {
  const stuck = { type: 'Ready', status: 'False' as const, reason: 'RolloutStuck', message: 'Deployment hono-server did not complete its rollout within 600s', lastTransitionTime: '' };
  const p = progressOf(cfg({ lastRotateToken: 'T', phase: 'Rotating', rotation, conditions: [stuck] }), 'rotate-ca', 'T');
  t.is(p.attention, 'Ready=False RolloutStuck: Deployment hono-server did not complete its rollout within 600s');
  t.is(progressOf(cfg({ lastRotateToken: 'T', phase: 'Rotating', rotation, conditions: [ready()] }), 'rotate-ca', 'T').attention, undefined);
});

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await rotateCommand(argv, { io: { out: (x) => (out += x), err: (x) => (err += x) } });
  return { code, out, err };
}

test('usage mistakes exit 2 and say what to give', async (t) => {
  const none = await run([]);
  t.is(none.code, 2);
  t.regex(none.err, /exactly one of --all-namespaces \(-A\) and --namespace \(-n\)/);
  t.is((await run(['-A', '-n', 'x'])).code, 2);
  t.regex((await run(['-n', 'x', '--bogus'])).err, /Unknown option '--bogus'/);
  t.regex((await run(['-n', 'x', '--wait', '--timeout', 'soon'])).err, /--timeout must be a positive number of seconds, got "soon"/);
  t.regex((await run(['-n', 'x', '--timeout', '5'])).err, /--timeout only applies with --wait/);
  t.regex((await run(['-n', 'x', '--token', ' '])).err, /--token must not be empty/);
  t.regex((await run(['-n', 'x', '--token', 'x'.repeat(64)])).err, /--token is 64 characters long; the operator takes at most 63/);
  const help = await run(['--help']);
  t.is(help.code, 0);
  t.regex(help.out, /--max-concurrent-rollouts/);
});

test('an unreachable API server is named with the fix', async (t) => {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  let err = '';
  const code = await rotateCommand(['-A'], { kubeConfig: kc, io: { out: () => undefined, err: (x) => (err += x) } });
  t.is(code, 1);
  t.regex(err, /cannot reach the API server at https:\/\/127\.0\.0\.1:1 .*check --kubeconfig/);
});
