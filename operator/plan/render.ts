// Human-readable rendering of a Plan (for the `plan` command and reviews): YAML, no key
// material (the plan has none: entries say where bytes come from, passwords are secretKeyRefs).
import yaml from 'js-yaml';
import type { Plan } from './types.js';

/** The Issuer printer column / status.issuer value. */
export function issuerColumn(issuer: Plan['issuer']): string {
  switch (issuer.kind) {
    case 'selfSigned':
      return 'selfSigned';
    case 'ca':
      return `ca/${issuer.caSecretName}`;
    case 'certManager':
      return `certManager/${issuer.issuerRef.kind}/${issuer.issuerRef.name}`;
  }
}

const hours = (ms: number) => `${+(ms / 3_600_000).toFixed(3)}h`;

export function renderPlan(plan: Plan): string {
  const doc = {
    config: `${plan.namespace}/${plan.configName}`,
    issuer: { ...plan.issuer, ...('durationMs' in plan.issuer ? { durationMs: undefined, duration: hours(plan.issuer.durationMs) } : {}) },
    storePassword: `${plan.password.secretName}[${plan.password.key}]${plan.password.generated ? ' (generated)' : ''}`,
    trustStoreFormats: plan.trustStoreFormats,
    components: plan.components.map((c) => ({
      name: c.name,
      type: c.type,
      profile: c.profile,
      secret: c.secretName,
      certificate: {
        subject: c.certificate.subject,
        dnsNames: c.certificate.dnsNames,
        ...(c.certificate.ipAddresses.length ? { ipAddresses: c.certificate.ipAddresses } : {}),
        key: `${c.certificate.privateKey.algorithm} ${c.certificate.privateKey.size}`,
        duration: hours(c.certificate.durationMs),
        renewBefore: hours(c.certificate.renewBeforeMs),
      },
      secretKeys: c.entries.map((e) => `${e.key} <- ${e.source.kind === 'text' ? 'rendered text' : describeSource(e.source)}`),
      ...(c.certManager
        ? { certManager: { certificate: c.certManager.certificateName, secret: c.certManager.secretName, secretKeys: c.certManager.secretKeys.map((e) => `${e.key} <- cert-manager`) } }
        : {}),
      ...(c.workload
        ? {
            deployment: c.workload.deployment,
            containers: c.workload.containers.length ? c.workload.containers : 'all',
            mount: `${c.workload.volumeMounts[0]?.mountPath} (read-only directory, mode ${(c.workload.volumes[0]?.secret?.defaultMode ?? c.workload.volumes[0]?.projected?.defaultMode ?? 0).toString(8).padStart(4, '0')})`,
            env: Object.fromEntries(
              c.workload.env.map((e) => [e.name, e.value ?? `secretKeyRef ${e.valueFrom?.secretKeyRef?.name}[${e.valueFrom?.secretKeyRef?.key}]`]),
            ),
          }
        : { deployment: 'none (material only)' }),
      ...(c.trust.length ? { trust: Object.fromEntries(c.trust.map((t) => [t.env, `${t.peers.join(', ')}${t.channels ? ` (seed channel ${t.channels.join(', ')})` : ''}`])) } : {}),
      ...(c.sslProfile ? { sslProfile: c.sslProfile.attributes } : {}),
    })),
    ...(plan.warnings.length ? { warnings: plan.warnings } : {}),
  };
  return yaml.dump(JSON.parse(JSON.stringify(doc)), { lineWidth: 120, noRefs: true, sortKeys: false });
}

function describeSource(s: Exclude<Plan['components'][number]['entries'][number]['source'], { kind: 'text' }>): string {
  switch (s.kind) {
    case 'privateKey':
      return 'private key (PKCS8 PEM)';
    case 'certChain':
      return 'certificate chain (PEM)';
    case 'caBundle':
      return 'CA certificates (PEM)';
    case 'trustStore':
      return `trust store (${s.format})`;
    case 'keyStore':
      return `key store (${s.format})`;
    case 'peerCertificate':
      return `certificate of ${s.component}`;
  }
}
