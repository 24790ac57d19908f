// The catalogue: profile name -> data. Adding a Hono version = adding a file under profiles/ and
// a line here (and the name in the CRD's profile enum).
import type { ComponentType, ProfileName } from '../api/v1alpha1.js';
import { hono05 } from './profiles/hono-0.5.js';
import { hono1 } from './profiles/hono-1.js';
import { hono2 } from './profiles/hono-2.js';
import { seed } from './profiles/seed.js';
import type { ComponentEntry, ProfileData, Unsupported } from './types.js';

export * from './types.js';
export { FILES, TRUST_STORE_FILES } from './files.js';
export { SEED_CHANNELS } from './channels.js';
export { SSL_PROFILE_ATTRIBUTES } from './sslprofile.js';

/** Component types in the order docs list them. */
export const COMPONENT_TYPES_IN_ORDER: readonly ComponentType[] = [
  'authServer',
  'dispatchRouter',
  'honoServer',
  'deviceRegistry',
  'httpAdapter',
  'mqttAdapter',
  'amqpAdapter',
  'coapAdapter',
  'commandRouter',
  'client',
];

export const PROFILES: Readonly<Record<ProfileName, ProfileData>> = {
  seed,
  'hono-0.5': hono05,
  'hono-1': hono1,
  'hono-2': hono2,
};

export function catalogueEntry(profile: ProfileName, type: ComponentType): ComponentEntry | Unsupported {
  return PROFILES[profile].components[type];
}

export function isUnsupported(e: ComponentEntry | Unsupported): e is Unsupported {
  return 'unsupported' in e;
}
