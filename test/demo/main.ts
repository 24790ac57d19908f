// `npm run demo [-- --keep] [-- --namespace hono] [-- --real-hono] [-- --issuer cert-manager]`: the operator's main job on an
// embedded default. Starts a local control plane (etcd, kube-apiserver, kube-controller-manager),
// runs the demo (run.ts), prints what was issued and wired and the six proven channels, and tears
// everything down unless --keep. --real-hono ends with real Hono 1.2.3 on the operator's wiring
// (real-hono.ts). --issuer cert-manager runs cert-manager's controllers too and takes the material
// from a cert-manager CA Issuer. Exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { runRealHonoDemo } from './real-hono.js';
import { runDemo } from './run.js';

const say = (l: string) => process.stderr.write(`${l}\n`);

type IssuerArg = 'self-signed' | 'cert-manager';
const ISSUERS: IssuerArg[] = ['self-signed', 'cert-manager'];

function parseArgs(argv: string[]): { keep: boolean; namespace: string; realHono: boolean; issuer: IssuerArg } {
  const out = { keep: false, namespace: 'hono', realHono: false, issuer: 'self-signed' as IssuerArg };
  const issuer = (v: string | undefined) => {
    if (!ISSUERS.includes(v as IssuerArg)) {
      say(`demo: --issuer takes ${ISSUERS.join(' or ')}, not ${v ?? '(nothing)'}`);
      process.exit(2);
    }
    out.issuer = v as IssuerArg;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--keep') out.keep = true;
    else if (a === '--real-hono') out.realHono = true;
    else if (a === '--namespace' && argv[i + 1]) out.namespace = argv[++i]!;
    else if (a === '--issuer') issuer(argv[++i]);
    else if (a.startsWith('--issuer=')) issuer(a.slice('--issuer='.length));
    else if (a.startsWith('--namespace=')) out.namespace = a.slice('--namespace='.length);
    else if (a === '--help' || a === '-h') {
      say('usage: npm run demo [-- --keep] [--namespace <ns>] [--real-hono] [--issuer self-signed|cert-manager]');
      say('  --issuer cert-manager  cert-manager\'s controllers issue (a CA Issuer made by cert-manager); the operator builds the stores and wires');
      say('  --real-hono  end with the real Hono 1.2.3 Auth Server and Hono client on the operator\'s hono-1 wiring (namespace <ns>-real-hono)');
      process.exit(0);
    } else {
      say(`demo: unknown argument ${a} (try --help)`);
      process.exit(2);
    }
  }
  return out;
}

/** Starts (or reuses) the detached control plane of `npm run cluster -- up`. */
function clusterUp(certManager: boolean): { kubeconfigPath: string; binDir: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/controlplane/cli.ts', 'up', ...(certManager ? ['--cert-manager'] : [])], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm run cluster -- up exited ${r.status ?? r.signal}`);
  const state = JSON.parse(fs.readFileSync(path.join('.cluster', 'state.json'), 'utf8')) as { binDir: string };
  return { kubeconfigPath: path.resolve('.cluster', 'kubeconfig'), binDir: state.binDir };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  say('hono-tls-operator demo: a real local control plane, the example Hono stack, the seed HonoTlsConfig');
  let cp: ControlPlane | undefined;
  try {
    let kubeconfigPath: string;
    let binDir: string;
    if (args.keep) {
      // A control plane that outlives the demo is `npm run cluster -- up`'s (stop: `-- down`).
      ({ kubeconfigPath, binDir } = clusterUp(args.issuer === 'cert-manager'));
    } else {
      cp = await startControlPlane({ certManager: args.issuer === 'cert-manager', log: (l) => say(`[controlplane] ${l}`) });
      ({ kubeconfigPath, binDir } = cp);
    }
    // The demo drives the cluster with the same helpers the tests use.
    process.env.HONO_TEST_KUBECONFIG = kubeconfigPath;
    process.env.HONO_TEST_BIN_DIR = binDir;
    const r = await runDemo({ namespace: args.namespace, log: say, issuer: args.issuer });
    if (args.realHono) {
      say('');
      say(`real Hono: the example stack in namespace ${args.namespace}-real-hono, profile hono-1`);
      const real = await runRealHonoDemo({ namespace: `${args.namespace}-real-hono`, log: say });
      r.failures.push(...real.failures);
      r.ok &&= real.ok;
    }
    for (const f of r.failures) say(`FAILED: ${f}`);
    say(r.ok ? `demo OK in ${((performance.now() - t0) / 1000).toFixed(1)}s: every component wired, all six channels proven` : 'demo FAILED (see above)');
    if (args.realHono && r.ok) say('real Hono: the Auth Server and Hono\'s client proved the Device Registry -> Auth Server channel on the operator\'s wiring');
    say(`operator log: ${r.operatorLog}`);
    if (args.keep) {
      say('');
      say('The control plane keeps running:');
      say(`  export KUBECONFIG=${kubeconfigPath}`);
      say(`  ${binDir}/kubectl get honotlsconfigs,secrets,deployments,replicasets -n ${args.namespace}`);
      say(`  npx tsx operator/main.ts --kubeconfig ${kubeconfigPath} --namespace ${args.namespace}   # the operator again (the demo's stopped with it)`);
      say('  npm run cluster -- down     # when done');
    }
    return r.ok ? 0 : 1;
  } catch (e) {
    say(`demo FAILED: ${(e as Error).message}`);
    return 1;
  } finally {
    await cp?.stop();
  }
}

process.exit(await main());
