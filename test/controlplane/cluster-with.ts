// For test files that need more than the plain control plane: Pods that really run (rollouts
// that complete) and/or cert-manager's controllers. Uses the run's control plane when
// with-cluster.ts started it with those features (HONO_TEST_PODS=1, HONO_TEST_CERT_MANAGER=1),
// else starts one with them for this test file alone, so a plain `npm test` covers them too.
import * as fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { FAKE_NODE_LABEL, startControlPlane } from './controlplane.js';

export interface Features {
  pods?: boolean;
  certManager?: boolean;
}

export interface FeaturedCluster {
  kubeconfigPath: string;
  /** Admin client config for it. */
  kubeConfig(): k8s.KubeConfig;
  /** With pods: the fake nodes KWOK runs (their names). */
  nodes: string[];
  /** Whether it is the run's shared control plane (others' tests run on it too). */
  shared: boolean;
  /** Stops it when it was started for this file; a no-op for the shared one. */
  stop(): Promise<void>;
}

const started = new Map<string, Promise<FeaturedCluster>>();

/** A control plane with `features` for this test file (started at most once per file and feature set). */
export function clusterWith(features: Features): Promise<FeaturedCluster> {
  const key = JSON.stringify({ pods: !!features.pods, certManager: !!features.certManager });
  let p = started.get(key);
  if (!p) {
    p = open(features);
    started.set(key, p);
  }
  return p;
}

async function open(features: Features): Promise<FeaturedCluster> {
  const env = process.env;
  const sharedHasAll =
    env.HONO_TEST_KUBECONFIG &&
    (!features.pods || env.HONO_TEST_PODS === '1') &&
    (!features.certManager || env.HONO_TEST_CERT_MANAGER === '1');
  if (sharedHasAll) {
    const file = env.HONO_TEST_KUBECONFIG!;
    const kc = loadKubeConfig(file);
    const nodes = features.pods
      ? (await kc.makeApiClient(k8s.CoreV1Api).listNode({ labelSelector: `${FAKE_NODE_LABEL.key}=${FAKE_NODE_LABEL.value}` })).items.map((n) => n.metadata!.name!)
      : [];
    return { kubeconfigPath: file, kubeConfig: () => loadKubeConfig(file), nodes, shared: true, stop: async () => {} };
  }
  const cp = await startControlPlane({
    ...features,
    binDir: env.HONO_TEST_BIN_DIR,
    podsBinDir: env.HONO_TEST_PODS_BIN_DIR,
    certManagerBinDir: env.HONO_TEST_CERT_MANAGER_BIN_DIR,
    // A cold build takes minutes, past ava's timeout: say what to run instead.
    build: false,
    log: (l) => process.stderr.write(`[controlplane ${Object.entries(features).filter(([, on]) => on).map(([f]) => f).join('+')}] ${l}\n`),
  });
  return {
    kubeconfigPath: cp.kubeconfigPath,
    kubeConfig: () => loadKubeConfig(cp.kubeconfigPath),
    nodes: cp.nodes,
    shared: false,
    stop: () => cp.stop(),
  };
}

function loadKubeConfig(file: string): k8s.KubeConfig {
  if (!fs.existsSync(file)) throw new Error(`kubeconfig ${file} does not exist: the control plane is gone`);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  return kc;
}
