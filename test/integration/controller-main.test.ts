// The operator as a process: flags, JSON logs, /healthz, /readyz, /metrics, and SIGTERM.
import test from 'ava';
import { applyObjects, installCrds, withNamespace } from '../helpers/cluster.js';
import { startOperatorProcess as startProcess } from '../helpers/operator-process.js';
import { applyStack, getConfig, secretData, seedConfig, waitFor, waitReady } from './controller-fixtures.js';

// Serial: each test starts operator processes, and the suite's machine has 2 cores.
test.serial('main: JSON logs, health, readiness and metrics endpoints, graceful SIGTERM', async (t) => {
  const ns = await withNamespace(t, 'ctrl-main');
  await installCrds('crds');
  await applyStack(ns, ['auth', 'server']);
  const p = startProcess([
    `--kubeconfig=${process.env.HONO_TEST_KUBECONFIG}`,
    `--namespace=${ns}`,
    '--metrics-addr=127.0.0.1:0',
    '--health-addr=127.0.0.1:0',
    '--log-level=debug',
    '--resync=2',
  ]);
  t.teardown(() => p.child.kill('SIGKILL'));
  const started = await waitFor('the started log line', async () => {
    const l = p.lines.map((x) => JSON.parse(x) as Record<string, string>).find((x) => x.message === 'started');
    return l;
  }, 60_000);
  const { metrics, health } = started as { metrics: string; health: string };
  await waitFor('/readyz', async () => (await fetch(`${health}/readyz`)).status === 200, 20_000);
  t.is((await fetch(`${health}/healthz`)).status, 200);

  const cfg = seedConfig(ns, 'hono', { trustStore: { format: 'jks' } });
  cfg.spec.components = cfg.spec.components.filter((c) => c.name === 'auth' || c.name === 'server');
  await applyObjects([cfg], ns);
  const ready = await waitReady(ns);
  const body = await waitFor('metrics with a success', async () => {
    const m = await (await fetch(`${metrics}/metrics`)).text();
    return /hono_tls_reconcile_total\{result="success"\} [1-9]/.test(m) ? m : undefined;
  });
  t.regex(body, /hono_tls_reconcile_time_seconds_bucket/);
  const notAfter = Date.parse(ready.status!.components!.find((c) => c.name === 'auth')!.notAfter!) / 1000;
  t.true(body.includes(`hono_tls_certificate_expiration_timestamp_seconds{namespace="${ns}",config="hono",component="auth"} ${notAfter}`), 'expiry gauge');
  t.regex(body, /process_resident_memory_bytes/);
  t.regex(body, /hono_tls_issue_seconds_total [0-9.e-]*[1-9]/);
  t.regex(body, /hono_tls_api_seconds_total [0-9.e-]*[1-9]/);

  // Logs: JSON lines, per-reconcile key, never key material or the store password.
  const logs = p.lines.join('\n');
  for (const l of p.lines) t.notThrows(() => JSON.parse(l));
  t.true(p.lines.some((l) => (JSON.parse(l) as { key?: string }).key === `${ns}/hono`));
  const password = (await secretData(ns, 'hono-store-password'))['password']!.toString();
  t.false(logs.includes(password));
  t.false(logs.includes('PRIVATE KEY'));
  t.false(JSON.stringify((await getConfig(ns)).status).includes(password));

  p.child.kill('SIGTERM');
  const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
  t.is(code, 0, p.stderr());
  t.true(p.lines.some((l) => l.includes('"shutting down"')));
});

test.serial('main: a bad flag fails with a message naming it', async (t) => {
  const p = startProcess(['--log-level=loud']);
  t.is(await p.exited, 1);
  t.regex(p.stderr(), /--log-level "loud" is unknown/);
});

test.serial('main: bad scale and leader-election flags fail with a message naming them', async (t) => {
  const kubeconfig = `--kubeconfig=${process.env.HONO_TEST_KUBECONFIG}`;
  const cases: Array<[string[], RegExp]> = [
    [['--concurrency=0'], /--concurrency must be a whole number of at least 1, got "0"/],
    [['--write-qps=fast'], /--write-qps must be a number of writes per second/],
    [['--write-burst=0'], /--write-burst must be a whole number of at least 1/],
    [['--leader-elect'], /--leader-elect needs the Lease's namespace: set --leader-election-namespace/],
    [['--leader-elect', '--leader-election-namespace=x', '--leader-election-renew-deadline=20'], /--leader-election-lease-duration must be longer than --leader-election-renew-deadline/],
  ];
  // One at a time: the machine running the suite has 2 cores.
  for (const [args, message] of cases) {
    const p = startProcess([kubeconfig, ...args]);
    t.is(await p.exited, 1, args.join(' '));
    t.regex(p.stderr(), message);
  }
});
