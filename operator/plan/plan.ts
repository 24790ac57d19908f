// planConfig: a PURE function from a HonoTlsConfig (as the apiserver stores it, defaults applied;
// absent defaults are filled here the same way) to what should exist. Everything Hono-specific
// comes from the catalogue's data; this file only combines it. Output is sorted, so applying the
// same config twice yields byte-identical objects.
import type { V1EnvVar, V1KeyToPath, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { ComponentSpec, HonoTlsConfig, PrivateKeyOptions, PrivateKeySpec, ProfileName, TrustStoreFormat } from '../api/v1alpha1.js';
import { FILES, TRUST_STORE_FILES, type MountedFile } from '../catalogue/files.js';
import { PROFILES, catalogueEntry, isUnsupported } from '../catalogue/index.js';
import type { ComponentEntry, EnvVarSpec, FileRole } from '../catalogue/types.js';
import { parseGoDuration } from './duration.js';
import { PlanError } from './errors.js';
import { changesProcess, shadowsSystemDirectory } from './limits.js';
import { renderSslProfile } from './sslprofile.js';
import type { ComponentPlan, Plan, PlannedTrust, SecretEntry, SecretEntrySource, WorkloadPlan } from './types.js';

export { PlanError };

/** The defaults the CRD declares, for objects that did not pass through the apiserver. */
export const DEFAULTS = {
  profile: 'seed' as ProfileName,
  duration: '2160h',
  renewBefore: '720h',
  caDuration: '43800h',
  privateKey: { algorithm: 'ECDSA', size: 256 } as PrivateKeySpec,
  rsaSize: 2048,
  ecdsaSize: 256,
  organization: 'Eclipse IoT',
  organizationalUnit: 'Hono',
  trustStoreFormat: 'pem' as TrustStoreFormat,
  mountPath: '/opt/hono/tls',
  passwordKey: 'password',
};

/** Secret volume file mode: owner-read only. 0440 for pods with an fsGroup (pod-security.ts). */
export const SECRET_FILE_MODE = 0o400;
export const SECRET_FILE_MODE_FS_GROUP = 0o440;

export const secretNames = {
  ca: (config: string) => `${config}-ca`,
  password: (config: string) => `${config}-store-password`,
  component: (config: string, component: string) => `${config}-${component}-tls`,
  /** certManager issuer: the Secret cert-manager writes the component's key and chain into. */
  certManager: (config: string, component: string) => `${config}-${component}-cm-tls`,
};
/** certManager issuer: the component's cert-manager Certificate. */
export const certificateName = (config: string, component: string) => `${config}-${component}`;
/** The Secret keys cert-manager writes (the rest of a component's files come from the operator's Secret). */
const CERT_MANAGER_KEYS = new Set<string>([FILES.key.secretKey, FILES.cert.secretKey, FILES.keyStore.secretKey]);
export const volumeName = (component: string) => `hono-tls-${component}`;

export function planConfig(config: HonoTlsConfig): Plan {
  const { name, namespace } = config.metadata;
  const spec = config.spec;
  if (!spec?.components?.length) throw new PlanError('spec.components', 'list at least one component');
  const profile = spec.profile ?? DEFAULTS.profile;
  const defaults = spec.certificate ?? {};
  const durationMs = parseGoDuration(defaults.duration ?? DEFAULTS.duration, 'spec.certificate.duration');
  const renewBeforeMs = parseGoDuration(defaults.renewBefore ?? DEFAULTS.renewBefore, 'spec.certificate.renewBefore');
  if (renewBeforeMs >= durationMs) throw new PlanError('spec.certificate.renewBefore', 'must be shorter than spec.certificate.duration');
  const format = spec.trustStore?.format ?? DEFAULTS.trustStoreFormat;
  const trustStoreFormats = sortedUnique([format, ...(spec.trustStore?.additionalFormats ?? [])]) as TrustStoreFormat[];
  const passwordRef = spec.trustStore?.passwordSecretRef;
  const password = passwordRef
    ? { secretName: passwordRef.name, key: passwordRef.key ?? DEFAULTS.passwordKey, generated: false }
    : { secretName: secretNames.password(name), key: DEFAULTS.passwordKey, generated: true };

  const authServers = spec.components.filter((c) => c.type === 'authServer');
  if (authServers.length > 1) throw new PlanError('spec.components', 'at most one component may have type authServer');
  const authServer = authServers[0]?.name;
  const issuer = planIssuer(config);

  const components = spec.components
    .map((c, i) =>
      planComponent(c, `spec.components[${i}]`, {
        config,
        profile: c.profile ?? profile,
        defaultKey: resolveKey(defaults.privateKey, 'spec.certificate.privateKey') ?? DEFAULTS.privateKey,
        subject: { organization: DEFAULTS.organization, organizationalUnit: DEFAULTS.organizationalUnit, ...defaults.subject },
        durationMs,
        renewBeforeMs,
        format,
        trustStoreFormats,
        password,
        authServer,
        certManager: issuer.kind === 'certManager',
      }),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  checkMountCollisions(components);

  return {
    namespace,
    configName: name,
    issuer,
    password,
    trustStoreFormats,
    components,
    warnings: components.flatMap((c) => c.warnings.map((w) => `${c.name}: ${w}`)),
  };
}

function planIssuer(config: HonoTlsConfig): Plan['issuer'] {
  const issuer = config.spec.issuer ?? { selfSigned: {} };
  const set = (['selfSigned', 'ca', 'certManager'] as const).filter((k) => issuer[k] !== undefined);
  if (set.length !== 1) throw new PlanError('spec.issuer', 'set exactly one of issuer.selfSigned, issuer.ca or issuer.certManager');
  if (issuer.ca) return { kind: 'ca', caSecretName: issuer.ca.secretName };
  if (issuer.certManager) {
    const ref = issuer.certManager.issuerRef;
    const tb = issuer.certManager.trustBundle;
    const bundleRef = tb?.secret ?? tb?.configMap;
    const trustBundle = bundleRef && { kind: tb?.secret ? ('Secret' as const) : ('ConfigMap' as const), name: bundleRef.name, key: bundleRef.key ?? 'ca.crt' };
    return { kind: 'certManager', issuerRef: { name: ref.name, kind: ref.kind ?? 'Issuer', group: ref.group ?? 'cert-manager.io' }, ...(trustBundle ? { trustBundle } : {}) };
  }
  const s = issuer.selfSigned ?? {};
  const { name, namespace } = config.metadata;
  return {
    kind: 'selfSigned',
    caSecretName: secretNames.ca(name),
    commonName: s.commonName ?? `${namespace}/${name} root`,
    intermediate: s.intermediate ?? true,
    durationMs: parseGoDuration(s.duration ?? DEFAULTS.caDuration, 'spec.issuer.selfSigned.duration'),
    privateKey: resolveKey(s.privateKey, 'spec.issuer.selfSigned.privateKey') ?? DEFAULTS.privateKey,
  };
}

interface Context {
  config: HonoTlsConfig;
  profile: ProfileName;
  defaultKey: PrivateKeySpec;
  subject: NonNullable<ComponentSpec['subject']>;
  durationMs: number;
  renewBeforeMs: number;
  format: TrustStoreFormat;
  trustStoreFormats: TrustStoreFormat[];
  password: Plan['password'];
  authServer: string | undefined;
  /** Key and chain come from cert-manager's Secret. */
  certManager: boolean;
}

function planComponent(c: ComponentSpec, field: string, ctx: Context): ComponentPlan {
  const entry = catalogueEntry(ctx.profile, c.type);
  if (!entry) throw new PlanError(`${field}.type`, `unknown component type ${c.type}`);
  if (isUnsupported(entry)) throw new PlanError(`${field}.type`, `${c.type} in profile ${ctx.profile}: ${entry.unsupported}`);
  const namespace = ctx.config.metadata.namespace;
  const mountPath = c.mountPath ?? DEFAULTS.mountPath;
  if (c.deployment && shadowsSystemDirectory(mountPath)) {
    throw new PlanError(`${field}.mountPath`, `${mountPath} would shadow a system directory in the container; use a directory of its own such as ${DEFAULTS.mountPath}`);
  }
  const privateKey = resolveKey(c.privateKey, `${field}.privateKey`) ?? ctx.defaultKey;
  const warnings: string[] = [];
  if (entry.requiresKeyAlgorithm && entry.requiresKeyAlgorithm.algorithm !== privateKey.algorithm) {
    warnings.push(`${entry.requiresKeyAlgorithm.reason}; set ${field}.privateKey.algorithm: ${entry.requiresKeyAlgorithm.algorithm}`);
  }

  // Env vars from the catalogue, filtered by key algorithm and by the trust store format.
  const passwordsNeeded = ctx.format !== 'pem';
  const wanted = entry.env.filter(
    (e) => (!e.when || e.when.keyAlgorithm === privateKey.algorithm) && ('file' in e.value || e.value.password === 'keyStore' || passwordsNeeded),
  );
  const tokenFile = entry.tokenValidation || wanted.some((e) => 'file' in e.value && e.value.file === 'authCert');
  let env = wanted;
  if (tokenFile && !ctx.authServer) {
    warnings.push('no component of type authServer: the Auth Server certificate for token validation is not provided');
    env = env.filter((e) => !('file' in e.value && e.value.file === 'authCert'));
  }
  const names = applyOverrides(env, entry, c, field);

  // Secret entries and the files they become in the mount.
  const files: Array<{ file: MountedFile; source: SecretEntrySource }> = [
    { file: FILES.key, source: { kind: 'privateKey' } },
    { file: FILES.cert, source: { kind: 'certChain' } },
    { file: FILES.caBundle, source: { kind: 'caBundle' } },
  ];
  for (const f of ctx.trustStoreFormats) if (f !== 'pem') files.push({ file: TRUST_STORE_FILES[f], source: { kind: 'trustStore', format: f } });
  if (env.some((e) => 'file' in e.value && e.value.file === 'keyStore')) files.push({ file: FILES.keyStore, source: { kind: 'keyStore', format: 'pkcs12' } });
  if (tokenFile && ctx.authServer) files.push({ file: FILES.authCert, source: { kind: 'peerCertificate', component: ctx.authServer } });
  let sslProfile: ComponentPlan['sslProfile'];
  if (entry.sslProfile) {
    const set = PROFILES[ctx.profile].sslProfileAttributes;
    const r = renderSslProfile(c.name, mountPath, set, `HonoTlsConfig ${namespace}/${ctx.config.metadata.name}, component ${c.name}`);
    sslProfile = { name: r.name, attributes: r.attributes };
    files.push({ file: FILES.sslProfileConf, source: { kind: 'text', text: r.conf } });
    files.push({ file: FILES.sslProfileJson, source: { kind: 'text', text: r.json } });
  }
  files.sort((a, b) => a.file.secretKey.localeCompare(b.file.secretKey));
  const configName = ctx.config.metadata.name;
  const secretName = secretNames.component(configName, c.name);
  const allEntries: SecretEntry[] = files.map((f) => ({ key: f.file.secretKey, source: f.source }));
  // certManager: cert-manager writes the key, the chain and the key store; the operator's Secret holds the rest.
  const fromCertManager = (key: string) => ctx.certManager && CERT_MANAGER_KEYS.has(key);
  const entries = allEntries.filter((e) => !fromCertManager(e.key));
  const certManager = ctx.certManager
    ? { certificateName: certificateName(configName, c.name), secretName: secretNames.certManager(configName, c.name), secretKeys: allEntries.filter((e) => fromCertManager(e.key)) }
    : undefined;

  const pathOf = (role: FileRole): string => {
    const file = role === 'trustStore' ? TRUST_STORE_FILES[ctx.format] : FILES[role];
    return `${mountPath}/${file.path}`;
  };
  const envVars: V1EnvVar[] = env
    .filter((e) => names.get(e.name) !== '')
    .map((e): V1EnvVar => {
      const n = names.get(e.name) ?? e.name;
      return 'file' in e.value
        ? { name: n, value: pathOf(e.value.file) }
        : { name: n, valueFrom: { secretKeyRef: { name: ctx.password.secretName, key: ctx.password.key } } };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  let workload: WorkloadPlan | undefined;
  if (c.deployment) {
    const items: V1KeyToPath[] = files.map((f) => ({ key: f.file.secretKey, path: f.file.path }));
    // certManager: one directory joining cert-manager's Secret and the operator's (same names and mode, no copy of the key).
    const volume: V1Volume = certManager
      ? {
          name: volumeName(c.name),
          projected: {
            defaultMode: SECRET_FILE_MODE,
            sources: [
              { secret: { name: certManager.secretName, items: items.filter((i) => fromCertManager(i.key)) } },
              { secret: { name: secretName, items: items.filter((i) => !fromCertManager(i.key)) } },
            ],
          },
        }
      : { name: volumeName(c.name), secret: { secretName, defaultMode: SECRET_FILE_MODE, items } };
    const mount: V1VolumeMount = { name: volumeName(c.name), mountPath, readOnly: true };
    workload = {
      deployment: c.deployment.name,
      containers: [...(c.deployment.containers ?? [])].sort(),
      env: envVars,
      volumes: [volume],
      volumeMounts: [mount],
    };
  }

  const trust: PlannedTrust[] = env
    .filter((e) => e.trust && names.get(e.name) !== '')
    .map((e) => ({ env: names.get(e.name) ?? e.name, peers: [...e.trust!.peers].sort(), ...(e.trust!.channels ? { channels: [...e.trust!.channels] } : {}) }))
    .sort((a, b) => a.env.localeCompare(b.env));

  const serviceNames = c.serviceName
    ? [c.serviceName, `${c.serviceName}.${namespace}`, `${c.serviceName}.${namespace}.svc`, `${c.serviceName}.${namespace}.svc.cluster.local`]
    : [];
  const subject = { ...ctx.subject, ...c.subject };
  return {
    name: c.name,
    type: c.type,
    profile: ctx.profile,
    secretName,
    certificate: {
      subject: dropUndefined({
        commonName: c.serviceName ?? c.name,
        organization: subject.organization,
        organizationalUnit: subject.organizationalUnit,
        country: subject.country,
        locality: subject.locality,
      }),
      dnsNames: unique([...serviceNames, ...(c.dnsNames ?? []), 'localhost']),
      ipAddresses: unique(c.ipAddresses ?? []),
      usage: 'both',
      privateKey,
      durationMs: ctx.durationMs,
      renewBeforeMs: ctx.renewBeforeMs,
    },
    entries,
    ...(workload ? { workload } : {}),
    trust,
    ...(sslProfile ? { sslProfile } : {}),
    warnings,
    ...(certManager ? { certManager } : {}),
  };
}

/** Catalogue name -> name to use ("" = drop). Unknown keys and collisions are errors. */
function applyOverrides(env: EnvVarSpec[], entry: ComponentEntry, c: ComponentSpec, field: string): Map<string, string> {
  const names = new Map<string, string>();
  const known = new Set(entry.env.map((e) => e.name));
  for (const [from, to] of Object.entries(c.envOverrides ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (!known.has(from)) {
      const list = [...known].sort().join(', ') || '(none)';
      throw new PlanError(`${field}.envOverrides.${from}`, `${from} is not a variable of type ${c.type} in its profile; known: ${list}`);
    }
    if (to && changesProcess(to)) {
      throw new PlanError(`${field}.envOverrides.${from}`, `${to} changes how a process loads or runs; choose the name the component reads its TLS setting from, or "" to drop the variable`);
    }
    names.set(from, to);
  }
  const seen = new Map<string, string>();
  for (const e of env) {
    const n = names.get(e.name) ?? e.name;
    if (n === '') continue;
    const prior = seen.get(n);
    if (prior !== undefined && prior !== e.name) {
      throw new PlanError(`${field}.envOverrides`, `${e.name} and ${prior} would both be named ${n}; choose another name`);
    }
    seen.set(n, e.name);
  }
  return names;
}

function resolveKey(k: PrivateKeyOptions | undefined, field: string): PrivateKeySpec | undefined {
  if (!k) return undefined;
  const algorithm = k.algorithm ?? 'ECDSA';
  const size = k.size ?? (algorithm === 'RSA' ? DEFAULTS.rsaSize : DEFAULTS.ecdsaSize);
  const valid = algorithm === 'RSA' ? [2048, 3072, 4096] : [256, 384];
  if (!valid.includes(size)) throw new PlanError(`${field}.size`, `${algorithm} key size must be one of ${valid.join(', ')}`);
  return { algorithm, size };
}

/** Two components of one Deployment must not mount at the same path in the same container. */
function checkMountCollisions(components: ComponentPlan[]): void {
  const wired = components.filter((c) => c.workload);
  for (const [i, a] of wired.entries()) {
    for (const b of wired.slice(i + 1)) {
      const wa = a.workload!;
      const wb = b.workload!;
      if (wa.deployment !== wb.deployment || wa.volumeMounts[0]!.mountPath !== wb.volumeMounts[0]!.mountPath) continue;
      const overlap = !wa.containers.length || !wb.containers.length || wa.containers.some((x) => wb.containers.includes(x));
      if (overlap) {
        throw new PlanError(
          'spec.components',
          `components ${a.name} and ${b.name} both mount at ${wa.volumeMounts[0]!.mountPath} in Deployment ${wa.deployment}; give one a different mountPath`,
        );
      }
    }
  }
}

const unique = (xs: string[]) => [...new Set(xs)];
const sortedUnique = (xs: string[]) => unique(xs).sort();
function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
