// The shape of the Hono component catalogue: DATA that says, per naming profile and component
// type, which env vars a component reads and which files it needs. Adding a Hono version means
// adding a profile file under profiles/, not code.
import type { ComponentType, ProfileName } from '../api/v1alpha1.js';

/** A file in the component's mount (see files.ts for Secret key and file name). */
export type FileRole = 'key' | 'cert' | 'trustStore' | 'keyStore' | 'authCert';

/** What an env var's value is: the absolute path of a file in the mount, or a store password. */
export type EnvValue = { file: FileRole } | { password: 'trustStore' | 'keyStore' };

/** Who is on the other side of a trust relation. */
export type Peer = ComponentType | 'devices';

/** A trust relation: the trust store behind this env var must hold the CA of these peers. */
export interface TrustRelation {
  peers: Peer[];
  /** Channel numbers of the seed document (1-6, see channels.ts); absent outside the seed's six. */
  channels?: number[];
}

export interface EnvVarSpec {
  name: string;
  value: EnvValue;
  /** For trust store path/password variables. */
  trust?: TrustRelation;
  /** Emitted only for this key algorithm (Hono 0.5 read only RSA keys from PEM files). */
  when?: { keyAlgorithm: 'RSA' | 'ECDSA' };
  /** Why the variable exists or is spelled this way (shown by the plan command and docs). */
  note?: string;
}

export interface ComponentEntry {
  env: EnvVarSpec[];
  /** Receives the Auth Server's certificate (auth-server-cert.pem) to validate its tokens. */
  tokenValidation?: boolean;
  /** Reads its TLS settings from a qdrouterd sslProfile instead of env vars. */
  sslProfile?: boolean;
  /** The plan warns when the component's key algorithm is not this one. */
  requiresKeyAlgorithm?: { algorithm: 'RSA' | 'ECDSA'; reason: string };
}

/** The component type does not exist in this Hono version; the reason tells the user what to do. */
export interface Unsupported {
  unsupported: string;
}

/** qdrouterd sslProfile attribute sets: older routers (Hono 0.5's) and current ones. */
export type SslProfileAttributeSet = 'old' | 'new';

export interface ProfileData {
  name: ProfileName;
  /** Where the names come from. */
  source: string;
  sslProfileAttributes: SslProfileAttributeSet;
  components: Record<ComponentType, ComponentEntry | Unsupported>;
}
