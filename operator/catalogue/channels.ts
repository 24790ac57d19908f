// The six channels of the seed document ("Secure Communication", Hono 0.5), as client/server
// pairs (hono-tls-facts.md section 2). Trust env vars in the profiles refer to these numbers.
import type { ComponentType } from '../api/v1alpha1.js';

export interface Channel {
  id: number;
  clients: ComponentType[];
  server: ComponentType;
  /** The client presents a certificate too. */
  clientCertificate: boolean;
  description: string;
}

export const SEED_CHANNELS: readonly Channel[] = [
  { id: 1, clients: ['client'], server: 'dispatchRouter', clientCertificate: false, description: 'Consumers connecting to the Dispatch Router' },
  { id: 2, clients: ['honoServer'], server: 'dispatchRouter', clientCertificate: true, description: 'Hono Server connecting to the Dispatch Router' },
  { id: 3, clients: ['honoServer'], server: 'authServer', clientCertificate: false, description: 'Hono Server connecting to the Auth Server' },
  { id: 4, clients: ['deviceRegistry'], server: 'authServer', clientCertificate: false, description: 'Device Registry connecting to the Auth Server' },
  { id: 5, clients: ['httpAdapter', 'mqttAdapter'], server: 'deviceRegistry', clientCertificate: false, description: 'Protocol adapter connecting to the Device Registry' },
  { id: 6, clients: ['httpAdapter', 'mqttAdapter'], server: 'honoServer', clientCertificate: false, description: 'Protocol adapter connecting to the Hono Server' },
];
