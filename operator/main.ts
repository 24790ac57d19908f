#!/usr/bin/env node
// hono-tls-operator: a thin CLI over startOperator. Flags win over env vars.
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { startOperator } from './controller/operator.js';
import { renderCommand } from './render/command.js';
import { rotateCommand } from './rotate/command.js';
import { parseAddress } from './runtime/health.js';
import { createLogger } from './runtime/logger.js';

const USAGE = `usage: hono-tls-operator [options]
       hono-tls-operator render -f FILE [-f FILE ...] [-o DIR]   (offline; render --help)
       hono-tls-operator rotate (-A | -n NS) [-l SEL] [--renew] [--wait]   (rotate --help)
  --kubeconfig PATH     kubeconfig (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)
  --namespace NS        watch one namespace (env WATCH_NAMESPACE; default: all namespaces)
  --metrics-addr ADDR   /metrics address, e.g. :8080 or 0 for a free port (env METRICS_ADDR; default :8080)
  --health-addr ADDR    /healthz and /readyz address (env HEALTH_ADDR; default :8081)
  --log-level LEVEL     error | warn | info | debug (env LOG_LEVEL; default info)
  --resync SECONDS      resync period (env RESYNC_SECONDS; default 600)
  --unhealthy-after SECONDS
                        /healthz fails once a watch has failed for this long (env UNHEALTHY_AFTER_SECONDS; default 120)
  --max-concurrent-rollouts N   operator-wide cap on Deployments rolling for renewals and CA rotations
                        (env MAX_CONCURRENT_ROLLOUTS; default 10)
  --rollout-timeout SECONDS     a rollout without progress for this long is RolloutStuck
                        (env ROLLOUT_TIMEOUT_SECONDS; default 600)`;

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST && process.env.KUBERNETES_SERVICE_PORT) kc.loadFromCluster();
  else kc.loadFromDefault(); // $KUBECONFIG, then ~/.kube/config
  return kc;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'render') {
    process.exitCode = renderCommand(process.argv.slice(3));
    return;
  }
  if (process.argv[2] === 'rotate') {
    process.exitCode = await rotateCommand(process.argv.slice(3));
    return;
  }
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'metrics-addr': { type: 'string' },
      'health-addr': { type: 'string' },
      'log-level': { type: 'string' },
      resync: { type: 'string' },
      'unhealthy-after': { type: 'string' },
      'max-concurrent-rollouts': { type: 'string' },
      'rollout-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const level = values['log-level'] ?? process.env.LOG_LEVEL ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(level)) throw new Error(`--log-level "${level}" is unknown: use error, warn, info or debug`);
  const logger = createLogger(level);
  const metricsAddr = parseAddress(values['metrics-addr'] ?? process.env.METRICS_ADDR ?? ':8080');
  const healthAddr = parseAddress(values['health-addr'] ?? process.env.HEALTH_ADDR ?? ':8081');
  if (metricsAddr && healthAddr && metricsAddr.host !== healthAddr.host) {
    throw new Error('--metrics-addr and --health-addr must bind the same host');
  }
  const resyncSeconds = Number(values.resync ?? process.env.RESYNC_SECONDS ?? 600);
  if (!Number.isFinite(resyncSeconds) || resyncSeconds <= 0) throw new Error(`--resync must be a positive number of seconds, got "${values.resync}"`);
  const unhealthyAfterSeconds = Number(values['unhealthy-after'] ?? process.env.UNHEALTHY_AFTER_SECONDS ?? 120);
  if (!Number.isFinite(unhealthyAfterSeconds) || unhealthyAfterSeconds <= 0) {
    throw new Error(`--unhealthy-after must be a positive number of seconds, got "${values['unhealthy-after']}"`);
  }
  const maxRollouts = Number(values['max-concurrent-rollouts'] ?? process.env.MAX_CONCURRENT_ROLLOUTS ?? 10);
  if (!Number.isInteger(maxRollouts) || maxRollouts < 1) {
    throw new Error(`--max-concurrent-rollouts must be a whole number of at least 1, got "${values['max-concurrent-rollouts'] ?? process.env.MAX_CONCURRENT_ROLLOUTS}"`);
  }
  const rolloutTimeoutSeconds = Number(values['rollout-timeout'] ?? process.env.ROLLOUT_TIMEOUT_SECONDS ?? 600);
  if (!Number.isFinite(rolloutTimeoutSeconds) || rolloutTimeoutSeconds <= 0) {
    throw new Error(`--rollout-timeout must be a positive number of seconds, got "${values['rollout-timeout'] ?? process.env.ROLLOUT_TIMEOUT_SECONDS}"`);
  }
  const namespace = values.namespace ?? process.env.WATCH_NAMESPACE ?? undefined;

  const kubeConfig = loadKubeConfig(values.kubeconfig);
  const op = await startOperator({
    kubeConfig,
    namespace: namespace || undefined,
    logger,
    metricsPort: metricsAddr?.port,
    healthPort: healthAddr?.port,
    bindHost: metricsAddr?.host ?? healthAddr?.host,
    resyncMs: resyncSeconds * 1000,
    unhealthyAfterMs: unhealthyAfterSeconds * 1000,
    maxConcurrentRollouts: maxRollouts,
    rolloutTimeoutMs: rolloutTimeoutSeconds * 1000,
  });
  logger.info('started', { server: kubeConfig.getCurrentCluster()?.server, namespace: namespace || '(all)', metrics: op.metricsUrl, health: op.healthUrl });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    op.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`hono-tls-operator: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
});
