#!/usr/bin/env node
// hono-tls-operator: a thin CLI over startOperator. Flags win over env vars.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_LEASE_TIMING, validateLeaseTiming } from './controller/leader-election.js';
import { DEFAULT_WRITE_BURST, DEFAULT_WRITE_QPS, startOperator } from './controller/operator.js';
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
                        (env ROLLOUT_TIMEOUT_SECONDS; default 600)
  --leader-elect        run as one of several replicas: only the holder of a Lease reconciles and writes
                        (env LEADER_ELECT=true; default off, deploy/ and the Helm chart turn it on)
  --leader-election-id NAME          the Lease's name (default hono-tls-operator)
  --leader-election-namespace NS     the Lease's namespace (env POD_NAMESPACE; in a pod: its own namespace)
  --leader-election-lease-duration SECONDS   how long others wait before taking over (default 15)
  --leader-election-renew-deadline SECONDS   a leader that has not renewed for this long stops writing (default 10)
  --leader-election-retry-period SECONDS     how often to renew or try to acquire (default 2)
  --concurrency N       configs reconciled in parallel; their API waits overlap (env CONCURRENCY; default 4)
  --write-qps N         global limit on API writes per second, 0 for none (env WRITE_QPS; default ${DEFAULT_WRITE_QPS})
  --write-burst N       writes allowed at once above that rate (env WRITE_BURST; default ${DEFAULT_WRITE_BURST})`;

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** A positive number of seconds from a flag or env var, or a message naming the flag. */
function seconds(flag: string, value: string | undefined, fallback: number): number {
  const n = Number(value ?? fallback);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number of seconds, got "${value}"`);
  return n;
}

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
    allowNegative: true,
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
      'leader-elect': { type: 'boolean' },
      'leader-election-id': { type: 'string' },
      'leader-election-namespace': { type: 'string' },
      'leader-election-lease-duration': { type: 'string' },
      'leader-election-renew-deadline': { type: 'string' },
      'leader-election-retry-period': { type: 'string' },
      'write-qps': { type: 'string' },
      concurrency: { type: 'string' },
      'write-burst': { type: 'string' },
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
  const writeQps = Number(values['write-qps'] ?? process.env.WRITE_QPS ?? DEFAULT_WRITE_QPS);
  if (!Number.isFinite(writeQps) || writeQps < 0) throw new Error(`--write-qps must be a number of writes per second (0: no limit), got "${values['write-qps'] ?? process.env.WRITE_QPS}"`);
  const writeBurst = Number(values['write-burst'] ?? process.env.WRITE_BURST ?? DEFAULT_WRITE_BURST);
  if (!Number.isInteger(writeBurst) || writeBurst < 1) throw new Error(`--write-burst must be a whole number of at least 1, got "${values['write-burst'] ?? process.env.WRITE_BURST}"`);

  const concurrency = Number(values.concurrency ?? process.env.CONCURRENCY ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a whole number of at least 1, got "${values.concurrency ?? process.env.CONCURRENCY}"`);

  const leaderElect = values['leader-elect'] ?? process.env.LEADER_ELECT === 'true';
  let leaderElection;
  if (leaderElect) {
    const leaseNamespace =
      values['leader-election-namespace'] || process.env.POD_NAMESPACE || (existsSync(SA_NAMESPACE_FILE) ? readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() : '');
    if (!leaseNamespace) throw new Error('--leader-elect needs the Lease\'s namespace: set --leader-election-namespace (or POD_NAMESPACE)');
    const timing = {
      leaseDurationMs: 1000 * seconds('leader-election-lease-duration', values['leader-election-lease-duration'], DEFAULT_LEASE_TIMING.leaseDurationMs / 1000),
      renewDeadlineMs: 1000 * seconds('leader-election-renew-deadline', values['leader-election-renew-deadline'], DEFAULT_LEASE_TIMING.renewDeadlineMs / 1000),
      retryPeriodMs: 1000 * seconds('leader-election-retry-period', values['leader-election-retry-period'], DEFAULT_LEASE_TIMING.retryPeriodMs / 1000),
    };
    validateLeaseTiming(timing);
    leaderElection = {
      name: values['leader-election-id'] || 'hono-tls-operator',
      namespace: leaseNamespace,
      identity: `${hostname()}_${randomUUID()}`,
      ...timing,
      // As controller-runtime does: a replica that lost its lease exits, and starts again as a candidate.
      onLost: (reason: string) => shutdown(`leadership lost: ${reason}`, 1),
    };
  }

  const kubeConfig = loadKubeConfig(values.kubeconfig);
  let stopping = false;
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
    leaderElection,
    concurrency,
    writeQps,
    writeBurst,
  });
  logger.info('started', {
    server: kubeConfig.getCurrentCluster()?.server,
    namespace: namespace || '(all)',
    metrics: op.metricsUrl,
    health: op.healthUrl,
    leaderElection: leaderElection ? `${leaderElection.namespace}/${leaderElection.name} as ${leaderElection.identity}` : 'off',
  });
  function shutdown(signal: string, code = 0): void {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    op.stop().then(
      () => process.exit(code),
      (err: unknown) => {
        logger.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`hono-tls-operator: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
});
