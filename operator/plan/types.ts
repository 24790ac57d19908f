// CONTRACT: the output of the pure plan function (operator/plan) that the controller applies
// and the plan/render command prints. Derived only from the HonoTlsConfig and the catalogue.
// Extended by the API helper (issue 4): ComponentPlan.trust, ComponentPlan.sslProfile,
// ComponentPlan.warnings; Plan.warnings. Volumes project Secret keys to file names (`items`):
// tls.key -> key.pem, tls.crt -> cert.pem, ca.crt -> trusted-certs.pem, because Hono picks the
// format by file suffix. Secret volumes carry defaultMode 0400; withPodSecurity() in
// operator/plan/pod-security.ts switches to 0440 for pods with an fsGroup.
import type { V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { ComponentType, ProfileName, TrustStoreFormat } from '../api/v1alpha1.js';
import type { LeafRequest } from '../pki/types.js';

/** Where a Secret entry's bytes come from; the controller turns these into data. */
export type SecretEntrySource =
  | { kind: 'privateKey' } // this component's PKCS8 key
  | { kind: 'certChain' } // this component's leaf + intermediates
  | { kind: 'caBundle' } // trusted CA certificates, PEM
  | { kind: 'trustStore'; format: 'jks' | 'pkcs12' } // CA bundle in a password-protected store
  | { kind: 'keyStore'; format: 'pkcs12' } // key + chain, password protected
  | { kind: 'peerCertificate'; component: string } // e.g. the Auth Server's cert for token validation
  | { kind: 'text'; text: string }; // rendered config, e.g. the Dispatch Router's sslProfile

export interface SecretEntry {
  key: string;
  source: SecretEntrySource;
}

export interface WorkloadPlan {
  deployment: string;
  /** Containers to wire; empty means all containers of the pod template. */
  containers: string[];
  env: V1EnvVar[];
  volumes: V1Volume[];
  volumeMounts: V1VolumeMount[];
}

/** One trust env var and whose CA it must hold (from the catalogue's channel data). */
export interface PlannedTrust {
  env: string;
  peers: string[];
  /** Seed channel numbers (1-6), when the relation is one of the seed's six. */
  channels?: number[];
}

export interface ComponentPlan {
  name: string;
  type: ComponentType;
  profile: ProfileName;
  secretName: string;
  certificate: Omit<LeafRequest, 'existingKeyPem'> & { renewBeforeMs: number };
  entries: SecretEntry[];
  workload?: WorkloadPlan;
  /** Trust env vars and their peers (for status and docs); all point at the one trust store. */
  trust: PlannedTrust[];
  /** Dispatch Router only: the rendered sslProfile (also in entries as text). */
  sslProfile?: { name: string; attributes: Record<string, string> };
  /** Things that will not work as the user may expect (e.g. no authServer for token validation). */
  warnings: string[];
  /**
   * certManager issuer: the component's cert-manager Certificate and the Secret cert-manager writes
   * (key, chain, and the PKCS12 key store when one is planned); `entries` then hold only the rest.
   */
  certManager?: { certificateName: string; secretName: string; secretKeys: SecretEntry[] };
}

/** Where a certManager issuer's trust anchors come from when its Secrets carry no ca.crt. */
export interface TrustBundleRef {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key: string;
}

export interface Plan {
  namespace: string;
  configName: string;
  issuer:
    | { kind: 'selfSigned'; caSecretName: string; commonName: string; intermediate: boolean; durationMs: number; privateKey: LeafRequest['privateKey'] }
    | { kind: 'ca'; caSecretName: string }
    | { kind: 'certManager'; issuerRef: { name: string; kind: string; group: string }; trustBundle?: TrustBundleRef };
  /** Secret (and key) holding the store password that pods read through secretKeyRef. */
  password: { secretName: string; key: string; generated: boolean };
  trustStoreFormats: TrustStoreFormat[];
  components: ComponentPlan[];
  /** All components' warnings, prefixed with the component name. */
  warnings: string[];
}
