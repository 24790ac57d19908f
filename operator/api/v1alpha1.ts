// TypeScript shape of hono.eclipse.org/v1alpha1 HonoTlsConfig.
// CONTRACT: crds/hono.eclipse.org_honotlsconfigs.yaml is the source of truth; keep these in step
// (test/unit/api/generated-types.test.ts checks them against operator/api/generated/honotlsconfig.ts,
// which `npm run gen:types` generates from the CRD).
//
// CHANGES to the draft (API helper, issue 4):
// - PrivateKeyOptions (algorithm?, size?) is the type of the spec's privateKey fields; the apiserver
//   defaults algorithm to ECDSA, size may stay unset (the plan then uses 256 for ECDSA, 2048 for RSA).
//   PrivateKeySpec (both required) remains the resolved form used by operator/pki.
// - HonoTlsConfigStatus.issuer: a display string for the Issuer printer column
//   (see issuerColumn() in operator/plan/render.ts), e.g. "selfSigned", "ca/my-ca".
// - SecretKeyRef.key is optional (the apiserver defaults it to `password`).
// - SubjectSpec and the rest are unchanged; after admission the apiserver has filled
//   the defaults documented on each field (profile, issuer, certificate, trustStore, mountPath).

export const GROUP = 'hono.eclipse.org';
export const VERSION = 'v1alpha1';
export const KIND = 'HonoTlsConfig';
export const PLURAL = 'honotlsconfigs';

export type ProfileName = 'seed' | 'hono-0.5' | 'hono-1' | 'hono-2';

export type ComponentType =
  | 'authServer'
  | 'dispatchRouter'
  | 'honoServer'
  | 'deviceRegistry'
  | 'httpAdapter'
  | 'mqttAdapter'
  | 'amqpAdapter'
  | 'coapAdapter'
  | 'commandRouter'
  | 'client';

export type TrustStoreFormat = 'pem' | 'jks' | 'pkcs12';

export interface PrivateKeySpec {
  algorithm: 'ECDSA' | 'RSA';
  /** ECDSA: 256 | 384; RSA: 2048 | 3072 | 4096. */
  size: number;
}

/** A privateKey field of the spec, as written (algorithm defaulted to ECDSA by the apiserver). */
export interface PrivateKeyOptions {
  algorithm?: 'ECDSA' | 'RSA';
  /** ECDSA: 256 | 384; RSA: 2048 | 3072 | 4096. Default 256 for ECDSA, 2048 for RSA. */
  size?: number;
}

export interface SubjectSpec {
  organization?: string;
  organizationalUnit?: string;
  country?: string;
  locality?: string;
}

export interface SecretKeyRef {
  name: string;
  /** Default `password`. */
  key?: string;
}

export interface IssuerSpec {
  /** Operator-managed CA kept in its own Secret (the default). */
  selfSigned?: {
    commonName?: string;
    /** Root plus intermediate like Hono's demo certificates (true), or a single root. */
    intermediate?: boolean;
    duration?: string;
    privateKey?: PrivateKeyOptions;
  };
  /** A brought-in CA: Secret with tls.crt, tls.key and optionally ca.crt (the chain above it). */
  ca?: { secretName: string };
  certManager?: {
    issuerRef: { name: string; kind?: string; group?: string };
    /** The CA bundle to trust when the issued Secrets carry no ca.crt (e.g. one trust-manager writes): exactly one of secret, configMap. */
    trustBundle?: { secret?: KeyRef; configMap?: KeyRef };
  };
}

/** A key of a Secret or ConfigMap in the config's namespace (key default ca.crt). */
export interface KeyRef {
  name: string;
  key?: string;
}

export interface CertificateDefaults {
  /** Go duration, e.g. 2160h. */
  duration?: string;
  renewBefore?: string;
  privateKey?: PrivateKeyOptions;
  subject?: SubjectSpec;
}

export interface TrustStoreSpec {
  /** The format wired into *_TRUST_STORE_PATH. */
  format?: TrustStoreFormat;
  /** Further formats written into the Secret but not wired. */
  additionalFormats?: TrustStoreFormat[];
  /** Password for JKS/PKCS12 stores; generated into a Secret when absent. */
  passwordSecretRef?: SecretKeyRef;
}

export interface ComponentSpec {
  name: string;
  type: ComponentType;
  /** The Deployment to wire; absent for material-only components (e.g. an external client). */
  deployment?: { name: string; containers?: string[] };
  /** Service whose names become SANs: svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local. */
  serviceName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Directory the Secret is mounted at (never subPath). */
  mountPath?: string;
  /** Catalogue env var name -> the name to use instead; "" drops the variable. */
  envOverrides?: Record<string, string>;
  subject?: SubjectSpec;
  privateKey?: PrivateKeyOptions;
  /** Profile for this component only. */
  profile?: ProfileName;
}

/** apply: the operator patches the Deployments; verify: it only checks them (defaulted to apply). */
export type WiringMode = 'apply' | 'verify';

export interface HonoTlsConfigSpec {
  profile?: ProfileName;
  wiring?: WiringMode;
  issuer?: IssuerSpec;
  certificate?: CertificateDefaults;
  trustStore?: TrustStoreSpec;
  components: ComponentSpec[];
}

/** metav1.Condition */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ComponentStatus {
  name: string;
  secretName?: string;
  notAfter?: string;
  fingerprint?: string;
  deployment?: string;
  deploymentWired: boolean;
  /** Digest of the material the Deployment's pod template carries. */
  materialDigest?: string;
  /** certManager issuer: the component's Certificate and its Ready condition as cert-manager reports it. */
  certificate?: { name: string; ready: 'True' | 'False' | 'Unknown'; reason?: string; message?: string };
  reason?: string;
  message?: string;
}

export interface HonoTlsConfigStatus {
  observedGeneration?: number;
  /** The issuer in use, for the Issuer printer column: selfSigned, ca/<secret>, certManager/<kind>/<name>. */
  issuer?: string;
  conditions?: Condition[];
  ca?: { secretName?: string; fingerprint?: string; notAfter?: string };
  components?: ComponentStatus[];
  /** Earliest notAfter over all leaves (printer column). */
  earliestNotAfter?: string;
  /** Lifecycle phase (printer column Phase). */
  phase?: LifecyclePhase;
  /** The last hono.eclipse.org/renew value handled. */
  lastRenewToken?: string;
  /** The last hono.eclipse.org/rotate-ca value handled. */
  lastRotateToken?: string;
  /** The phased CA key replacement in progress; absent when none runs. */
  rotation?: RotationStatus;
}

export type LifecyclePhase = 'Ready' | 'Renewing' | 'Rotating';

export type RotationPhase = 'TrustBoth' | 'ReissueLeaves' | 'DropOld';

export interface RotationStatus {
  phase: RotationPhase;
  /** The part of the phase being rolled, e.g. the component group in ReissueLeaves. */
  step?: string;
  startedAt: string;
  /** Why it started: RotateTrigger, CaRenewal, CaReplaced. */
  reason?: string;
  oldCaFingerprint: string;
  newCaFingerprint: string;
  /** Deployments whose rollout is awaited. */
  waitingFor?: string[];
}

export interface HonoTlsConfig {
  apiVersion: `${typeof GROUP}/${typeof VERSION}`;
  kind: typeof KIND;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string | Date;
  };
  spec: HonoTlsConfigSpec;
  status?: HonoTlsConfigStatus;
}
