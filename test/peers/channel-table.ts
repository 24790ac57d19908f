// Which env var holds what for a channel, read from the operator's catalogue (the same data the
// operator wired from), so the proof checks the wiring: a wrong name or path makes it fail.
import type { ComponentSpec, ComponentType, ProfileName } from '../../operator/api/v1alpha1.js';
import { SEED_CHANNELS, catalogueEntry, isUnsupported, type EnvVarSpec } from '../../operator/catalogue/index.js';

export interface ChannelDef {
  id: number;
  title: string;
  client: readonly ComponentType[];
  server: readonly ComponentType[];
  clientCert: boolean;
}

export const CHANNELS: readonly ChannelDef[] = SEED_CHANNELS.map((c) => ({
  id: c.id,
  title: c.description,
  client: c.clients,
  server: [c.server],
  clientCert: c.clientCertificate,
}));

export type ServerWiring = { kind: 'env'; keyEnv: string; certEnv: string } | { kind: 'sslProfile' };
export interface ClientWiring {
  trustPathEnv: string;
  trustPasswordEnv?: string;
  keyEnv?: string;
  certEnv?: string;
}

function entryEnv(spec: ComponentSpec, profile: ProfileName): EnvVarSpec[] | 'sslProfile' {
  const e = catalogueEntry(spec.profile ?? profile, spec.type);
  if (isUnsupported(e)) throw new Error(`${spec.name}: ${e.unsupported}`);
  if (e.sslProfile) return 'sslProfile';
  // A per-component override renames a variable ("" drops it), as the operator applies it.
  return e.env.flatMap((v) => {
    const name = spec.envOverrides?.[v.name] ?? v.name;
    return name ? [{ ...v, name }] : [];
  });
}

const isFile = (v: EnvVarSpec, role: string) => 'file' in v.value && v.value.file === role;
/** HONO_DOWNSTREAM_TRUST_STORE_PATH -> HONO_DOWNSTREAM_, HONO_MESSAGING_TRUSTSTOREPATH -> HONO_MESSAGING_. */
const prefixOf = (name: string) => name.replace(/(TRUST_STORE_PATH|TRUSTSTOREPATH|TRUST_STORE_PASSWORD|TRUSTSTOREPASSWORD)$/, '');

/** The server's own key and chain: the component's first key/cert variables (its identity). */
export function serverWiring(spec: ComponentSpec, profile: ProfileName): ServerWiring {
  const env = entryEnv(spec, profile);
  if (env === 'sslProfile') return { kind: 'sslProfile' };
  const key = env.find((v) => isFile(v, 'key'));
  const cert = env.find((v) => isFile(v, 'cert'));
  if (!key || !cert) throw new Error(`${spec.name}: the catalogue names no key/cert env vars for ${spec.type}`);
  return { kind: 'env', keyEnv: key.name, certEnv: cert.name };
}

/**
 * The client's trust store for `channel` towards `server`: the trust variable whose relation names
 * the channel (or, in profiles without channel numbers, the server's type); the password and a
 * client key/cert share its prefix. Undefined when the component reads no such variable.
 */
export function clientWiring(spec: ComponentSpec, profile: ProfileName, channel: number, server: ComponentType): ClientWiring | undefined {
  const env = entryEnv(spec, profile);
  if (env === 'sslProfile') return undefined;
  const path =
    env.find((v) => isFile(v, 'trustStore') && v.trust?.channels?.includes(channel)) ??
    env.find((v) => isFile(v, 'trustStore') && !v.trust?.channels && v.trust?.peers.includes(server));
  if (!path) return undefined;
  const prefix = prefixOf(path.name);
  const same = (v: EnvVarSpec) => v.name.startsWith(prefix);
  return {
    trustPathEnv: path.name,
    trustPasswordEnv: env.find((v) => 'password' in v.value && v.value.password === 'trustStore' && same(v))?.name,
    keyEnv: env.find((v) => isFile(v, 'key') && same(v))?.name,
    certEnv: env.find((v) => isFile(v, 'cert') && same(v))?.name,
  };
}
