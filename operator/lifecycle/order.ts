// Hono's dependency order for re-issuing leaves: servers before their clients. Catalogue as data.
import type { ComponentType } from '../api/v1alpha1.js';

export const REISSUE_GROUPS: { name: string; types: ComponentType[] }[] = [
  { name: 'auth-server', types: ['authServer'] },
  { name: 'dispatch-router', types: ['dispatchRouter'] },
  { name: 'hono-server-and-registry', types: ['honoServer', 'deviceRegistry', 'commandRouter'] },
  { name: 'adapters-and-clients', types: ['httpAdapter', 'mqttAdapter', 'amqpAdapter', 'coapAdapter', 'client'] },
];

export function groupOf(type: ComponentType): number {
  const i = REISSUE_GROUPS.findIndex((g) => g.types.includes(type));
  return i < 0 ? REISSUE_GROUPS.length - 1 : i;
}
