// The seed's six channels as data: which component types sit on each side, and whether the
// server requires a client certificate (hono-tls-facts.md section 2).
import type { ComponentType } from '../../operator/api/v1alpha1.js';

export interface ChannelDef {
  id: number;
  title: string;
  client: readonly ComponentType[];
  server: readonly ComponentType[];
  clientCert: boolean;
}

const ADAPTERS: readonly ComponentType[] = ['httpAdapter', 'mqttAdapter', 'amqpAdapter', 'coapAdapter'];

export const CHANNELS: readonly ChannelDef[] = [
  { id: 1, title: 'consumer app -> Dispatch Router', client: ['client'], server: ['dispatchRouter'], clientCert: false },
  { id: 2, title: 'Hono Server -> Dispatch Router', client: ['honoServer'], server: ['dispatchRouter'], clientCert: true },
  { id: 3, title: 'Hono Server -> Auth Server', client: ['honoServer'], server: ['authServer'], clientCert: false },
  { id: 4, title: 'Device Registry -> Auth Server', client: ['deviceRegistry'], server: ['authServer'], clientCert: false },
  { id: 5, title: 'protocol adapter -> Device Registry', client: ADAPTERS, server: ['deviceRegistry'], clientCert: false },
  { id: 6, title: 'protocol adapter -> Hono Server', client: ADAPTERS, server: ['honoServer'], clientCert: false },
];

export type ServerWiring = { kind: 'env'; keyEnv: string; certEnv: string } | { kind: 'sslProfile' };
export interface ClientWiring {
  trustPathEnv: string;
  trustPasswordEnv?: string;
  keyEnv?: string;
  certEnv?: string;
}

// Seed profile names; replaced by the catalogue's lookup once it lands.
const SEED_SERVER: Partial<Record<ComponentType, ServerWiring>> = {
  dispatchRouter: { kind: 'sslProfile' },
  authServer: { kind: 'env', keyEnv: 'HONO_AUTH_KEY_FILE', certEnv: 'HONO_AUTH_CERT_FILE' },
  honoServer: { kind: 'env', keyEnv: 'HONO_SERVER_KEY_FILE', certEnv: 'HONO_SERVER_CERT_FILE' },
  deviceRegistry: { kind: 'env', keyEnv: 'HONO_DEVICE_REGISTRY_KEY_FILE', certEnv: 'HONO_DEVICE_REGISTRY_CERT_FILE' },
};
const trust = (p: string): ClientWiring => ({ trustPathEnv: `HONO_${p}_TRUST_STORE_PATH`, trustPasswordEnv: `HONO_${p}_TRUST_STORE_PASSWORD` });

export function serverWiring(type: ComponentType, _profile?: string): ServerWiring {
  const w = SEED_SERVER[type];
  if (!w) throw new Error(`no server wiring for component type ${type}`);
  return w;
}

export function clientWiring(client: ComponentType, server: ComponentType, _profile?: string): ClientWiring | undefined {
  if (client === 'honoServer' && server === 'dispatchRouter') return { ...trust('DOWNSTREAM'), keyEnv: 'HONO_DOWNSTREAM_KEY_FILE', certEnv: 'HONO_DOWNSTREAM_CERT_FILE' };
  if (server === 'authServer') return trust('AUTH');
  if (server === 'deviceRegistry') return trust('REGISTRATION');
  if (server === 'honoServer') return trust('CLIENT');
  return undefined;
}
