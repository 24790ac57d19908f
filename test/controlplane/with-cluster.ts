// Runs one command against one real local control plane:
//   tsx test/controlplane/with-cluster.ts [--pods] [--cert-manager] -- <cmd...>
// Starts etcd + kube-apiserver + kube-controller-manager (with --pods also kube-scheduler and
// KWOK with fake nodes, exporting HONO_TEST_PODS=1; with --cert-manager also cert-manager's CRDs
// and controllers, exporting HONO_TEST_CERT_MANAGER=1), exports HONO_TEST_KUBECONFIG,
// HONO_TEST_BIN_DIR (also KUBECONFIG, and the bin dir first on PATH), runs the command with
// inherited stdio, stops everything and exits with the command's code - non-zero if the
// control plane crashed during the run (the crash is reported with the last log lines).

import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlPlaneError, startControlPlane, type ControlPlane } from './controlplane.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (line: string): void => {
  process.stderr.write(`[with-cluster] ${line}\n`);
};

async function main(): Promise<number> {
  let args = process.argv.slice(2);
  const features = { pods: false, certManager: false };
  for (; args[0] === '--pods' || args[0] === '--cert-manager'; args = args.slice(1)) {
    features[args[0] === '--pods' ? 'pods' : 'certManager'] = true;
  }
  if (args[0] === '--') args = args.slice(1);
  if (args.length === 0) {
    say('usage: tsx test/controlplane/with-cluster.ts [--pods] [--cert-manager] -- <command> [args...]');
    return 2;
  }

  let cp: ControlPlane | null = null;
  let child: ChildProcess | null = null;
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = sig;
    say(`${sig}: stopping the command and the control plane`);
    // A terminal's Ctrl-C already reached the command (same process group); forward anything else.
    if (child && child.exitCode === null && sig !== 'SIGINT') child.kill(sig);
    if (!child) void cp?.stop().finally(() => process.exit(128 + (sig === 'SIGINT' ? 2 : 15)));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  try {
    cp = await startControlPlane({ ...features, log: (l) => process.stderr.write(`[controlplane] ${l}\n`) });
  } catch (e) {
    if (e instanceof ControlPlaneError) {
      say(`ERROR: ${e.message}`);
      return 1;
    }
    throw e;
  }
  if (signalled) {
    await cp.stop();
    return 130;
  }

  const env = {
    ...process.env,
    HONO_TEST_KUBECONFIG: cp.kubeconfigPath,
    HONO_TEST_BIN_DIR: cp.binDir,
    HONO_TEST_SERVER: cp.server,
    ...(features.pods ? { HONO_TEST_PODS: '1', HONO_TEST_PODS_BIN_DIR: cp.podsBinDir } : {}),
    ...(features.certManager ? { HONO_TEST_CERT_MANAGER: '1', HONO_TEST_CERT_MANAGER_BIN_DIR: cp.certManagerBinDir } : {}),
    KUBECONFIG: cp.kubeconfigPath,
    PATH: [cp.binDir, path.join(repoRoot, 'node_modules', '.bin'), process.env.PATH ?? ''].join(path.delimiter),
  };
  const t0 = performance.now();
  const c = spawn(args[0]!, args.slice(1), { stdio: 'inherit', env });
  child = c;
  let crash: string | null = null;
  void cp.crashed.then((msg) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    crash = msg;
    say(`ERROR: the control plane crashed during the run; stopping \`${args.join(' ')}\`.\n${msg}`);
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
  });
  const code: number = await new Promise((resolve) => {
    c.on('error', (e: NodeJS.ErrnoException) => {
      say(
        e.code === 'ENOENT'
          ? `ERROR: command not found: ${args[0]} (run through npm so node_modules/.bin is on PATH, or give a path)`
          : `ERROR: could not run ${args[0]}: ${e.message}`,
      );
      resolve(127);
    });
    c.on('exit', (code, sig) => resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : sig === 'SIGINT' ? 2 : 15)));
  });
  say(`\`${args.join(' ')}\` exited with ${code} after ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  await cp.stop();
  if (crash) {
    say(`FAILED: the control plane crashed during the run:\n${crash}`);
    return code === 0 ? 1 : code;
  }
  if (signalled) return code === 0 ? 128 + (signalled === 'SIGINT' ? 2 : 15) : code;
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    say(`ERROR: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
