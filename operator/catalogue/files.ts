// Files of a component's mount: the Secret key each comes from and the file name in the mount.
// Hono chooses the file format by suffix (.pem, .jks, .p12), so the Kubernetes-standard keys
// tls.key, tls.crt and ca.crt are projected under .pem names (Secret volume `items`; no subPath).
import type { TrustStoreFormat } from '../api/v1alpha1.js';

export interface MountedFile {
  secretKey: string;
  path: string;
}

export const FILES = {
  key: { secretKey: 'tls.key', path: 'key.pem' },
  cert: { secretKey: 'tls.crt', path: 'cert.pem' },
  caBundle: { secretKey: 'ca.crt', path: 'trusted-certs.pem' },
  keyStore: { secretKey: 'keystore.p12', path: 'keystore.p12' },
  authCert: { secretKey: 'auth-server-cert.pem', path: 'auth-server-cert.pem' },
  sslProfileConf: { secretKey: 'sslprofile.conf', path: 'sslprofile.conf' },
  sslProfileJson: { secretKey: 'sslprofile.json', path: 'sslprofile.json' },
} as const satisfies Record<string, MountedFile>;

/** The trust store file per format; pem is the CA bundle itself. */
export const TRUST_STORE_FILES: Record<TrustStoreFormat, MountedFile> = {
  pem: FILES.caBundle,
  jks: { secretKey: 'truststore.jks', path: 'truststore.jks' },
  pkcs12: { secretKey: 'truststore.p12', path: 'truststore.p12' },
};
