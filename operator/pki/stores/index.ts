// Trust and key store builders: one entry point per artifact the controller writes.
import { parseCertificates, pemBundle } from '../pem.js';
import { jksTrustStore } from './jks.js';
import { pkcs12TrustStore } from './pkcs12.js';
import type { TrustStoreFormat } from '../../api/v1alpha1.js';

export { jksTrustStore } from './jks.js';
export { assertPkcs12Password, pkcs12KeyStore, pkcs12TrustStore, PKCS12_ITERATIONS, PKCS12_MAC_ITERATIONS, type KeyStoreInput } from './pkcs12.js';
export { storeInputDigest, DIGEST_KDF_ITERATIONS, type StoreFormat, type StoreInputs } from './digest.js';

/** Normalised PEM bundle (duplicates dropped). */
export function pemTrustBundle(certsPem: string): string {
  return pemBundle(parseCertificates(certsPem, 'trust bundle'));
}

/** A trust store in the format a *_TRUST_STORE_PATH suffix selects (.pem, .jks, .p12). */
export async function trustStore(format: TrustStoreFormat, certsPem: string, password: string): Promise<Buffer> {
  switch (format) {
    case 'pem':
      return Buffer.from(pemTrustBundle(certsPem), 'utf8');
    case 'jks':
      return jksTrustStore(certsPem, password);
    case 'pkcs12':
      return pkcs12TrustStore(certsPem, password);
  }
}

