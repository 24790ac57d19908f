// Short constructors for catalogue rows, so the profile tables read like the documents they copy.
// They only build data; every env var name is spelled out in the profile files.
import type { EnvVarSpec, Peer } from './types.js';

export const key = (name: string, extra: Partial<EnvVarSpec> = {}): EnvVarSpec => ({ name, value: { file: 'key' }, ...extra });
export const cert = (name: string, extra: Partial<EnvVarSpec> = {}): EnvVarSpec => ({ name, value: { file: 'cert' }, ...extra });
export const keyStore = (name: string, extra: Partial<EnvVarSpec> = {}): EnvVarSpec => ({ name, value: { file: 'keyStore' }, ...extra });
export const keyStorePassword = (name: string, extra: Partial<EnvVarSpec> = {}): EnvVarSpec => ({ name, value: { password: 'keyStore' }, ...extra });
export const authCert = (name: string, extra: Partial<EnvVarSpec> = {}): EnvVarSpec => ({ name, value: { file: 'authCert' }, ...extra });

/** A trust store path variable for a relation with `peers` (seed channel numbers optional). */
export const trustPath = (name: string, peers: Peer[], channels?: number[], note?: string): EnvVarSpec => ({
  name,
  value: { file: 'trustStore' },
  trust: channels ? { peers, channels } : { peers },
  ...(note ? { note } : {}),
});
export const trustPassword = (name: string, peers: Peer[], channels?: number[], note?: string): EnvVarSpec => ({
  name,
  value: { password: 'trustStore' },
  trust: channels ? { peers, channels } : { peers },
  ...(note ? { note } : {}),
});

export const RSA = { when: { keyAlgorithm: 'RSA' as const } };
export const ECDSA = { when: { keyAlgorithm: 'ECDSA' as const } };
