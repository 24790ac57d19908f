// CONTRACT: the output of the pure plan function (operator/plan) that the controller applies
// and the plan/render command prints. Derived only from the HonoTlsConfig and the catalogue.
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

export interface ComponentPlan {
  name: string;
  type: ComponentType;
  profile: ProfileName;
  secretName: string;
  certificate: Omit<LeafRequest, 'existingKeyPem'> & { renewBeforeMs: number };
  entries: SecretEntry[];
  workload?: WorkloadPlan;
}

export interface Plan {
  namespace: string;
  configName: string;
  issuer:
    | { kind: 'selfSigned'; caSecretName: string; commonName: string; intermediate: boolean; durationMs: number; privateKey: LeafRequest['privateKey'] }
    | { kind: 'ca'; caSecretName: string }
    | { kind: 'certManager'; issuerRef: { name: string; kind: string; group: string } };
  /** Secret (and key) holding the store password that pods read through secretKeyRef. */
  password: { secretName: string; key: string; generated: boolean };
  trustStoreFormats: TrustStoreFormat[];
  components: ComponentPlan[];
}
