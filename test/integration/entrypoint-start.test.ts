// The container's start command, without a Docker engine: the Dockerfile's build step and its
// production-only `npm ci`, then `node dist/operator/main.js` exactly as the image's ENTRYPOINT,
// against the real control plane. Ready, metrics, and a clean exit on SIGTERM.
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { installCrds, withNamespace } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const repo = process.cwd();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the image start command: built entry point + production dependencies only; /readyz, /metrics, clean SIGTERM exit', async (t) => {
  t.timeout(5 * 60_000);
  const dockerfile = fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
  // The image's Node major is the one the tests run on.
  const fromMajors = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => m[1]);
  t.true(fromMajors.length >= 2, 'multi-stage');
  t.deepEqual([...new Set(fromMajors)], [process.versions.node.split('.')[0]]);
  t.regex(dockerfile, /npm ci --omit=dev/);
  t.regex(dockerfile, /^ENTRYPOINT \["node", "dist\/operator\/main\.js"\]$/m);
  t.regex(dockerfile, /^USER \d+:\d+$/m, 'a numeric non-root user');
  // Every file the build context must carry exists and passes .dockerignore (deny all, then allow).
  const allowed = fs.readFileSync(path.join(repo, '.dockerignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
  for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const src of m[1]!.split(/\s+/)) {
      t.true(fs.existsSync(path.join(repo, src)), `COPY ${src}: missing`);
      t.true(allowed.includes(src.replace(/\/$/, '')), `COPY ${src}: excluded by .dockerignore`);
    }
  }

  await installCrds(); // the operator is ready once its informers listed, HonoTlsConfigs included
  const ns = await withNamespace(t, 'entrypoint');
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'hono-image-'));
  t.teardown(() => fs.rmSync(app, { recursive: true, force: true }));
  // Dockerfile stage "build": tsc -p tsconfig.build.json (the output lands in the image's dist/).
  await run(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', path.join(repo, 'tsconfig.build.json'), '--outDir', path.join(app, 'dist')], { cwd: repo });
  // Dockerfile stage "deps": production dependencies only.
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(repo, f), path.join(app, f));
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, env: { ...process.env, NODE_ENV: 'production' }, timeout: 180_000 });
  t.true(fs.existsSync(path.join(app, 'node_modules/@kubernetes/client-node')));
  for (const dev of ['ava', 'typescript', 'tsx']) t.false(fs.existsSync(path.join(app, 'node_modules', dev)), `${dev} is a dev dependency`);
  t.deepEqual(fs.readdirSync(path.join(app, 'dist')), ['operator'], 'the image holds operator code only: no demo, no test code');

  // The ENTRYPOINT, with the test's kubeconfig and free loopback ports.
  const child = spawn(process.execPath, ['dist/operator/main.js', '--kubeconfig', process.env.HONO_TEST_KUBECONFIG ?? '', '--namespace', ns, '--metrics-addr', '127.0.0.1:0', '--health-addr', '127.0.0.1:0', '--log-level', 'debug'], {
    cwd: app,
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const started = await waitFor(
    'the "started" log line',
    () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}; output:\n${out}`);
      for (const line of out.split('\n')) {
        try {
          const j = JSON.parse(line) as { message?: string; metrics?: string; health?: string };
          if (j.message === 'started') return j;
        } catch {
          /* not a JSON line */
        }
      }
      return undefined;
    },
    20_000,
    200,
  ).catch(() => undefined);
  t.truthy(started?.health, `no "started" log line with the endpoints; output:\n${out}`);
  t.truthy(started?.metrics);

  const ready = await waitFor('/readyz 200', async () => ((await fetch(`${started!.health}/readyz`)).status === 200 ? 200 : undefined), 20_000, 200).catch(() => 0);
  t.is(ready, 200, `/readyz never answered 200; output:\n${out}`);
  t.is((await fetch(`${started!.health}/healthz`)).status, 200);
  const metrics = await (await fetch(`${started!.metrics}/metrics`)).text();
  t.regex(metrics, /# TYPE \S*reconcile_total counter/);
  t.regex(metrics, /process_resident_memory_bytes/);

  // JSON lines only on stdout (winston), no stack traces.
  child.kill('SIGTERM');
  const end = await Promise.race([exited, sleep(15_000).then(() => ({ code: -1, signal: null }))]);
  t.deepEqual(end, { code: 0, signal: null }, `no clean exit after SIGTERM; output:\n${out}`);
  t.regex(out, /"message":"shutting down"/);
});
