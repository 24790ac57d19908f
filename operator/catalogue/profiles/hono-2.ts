// Profile `hono-2`: the names of Hono 2.x (Quarkus, which reads only these) (hono-tls-facts.md
// section 1): the property name upper-cased with dots turned into `_` and no split inside camelCase
// (hono.mqtt.keyPath -> HONO_MQTT_KEYPATH). Hono 1.x (Spring Boot, whose relaxed binding also
// reads the `_KEY_PATH` forms) reads the same names, but its adapters also have a Device Connection
// client that this profile does not wire (it stays plain AMQP): profile hono-1 adds it.
// Verified on real Hono 1.2.3 by test/e2e/real-hono.test.ts (Auth Server, its client in the Device
// Registry, MQTT and HTTP adapters). Servers: HONO_AUTH_AMQP, HONO_REGISTRY_AMQP, HONO_REGISTRY_HTTP,
// HONO_COMMANDROUTER_AMQP, HONO_HTTP, HONO_MQTT, HONO_AMQP, HONO_COAP. Clients: HONO_MESSAGING,
// HONO_COMMAND (AMQP network, i.e. the Dispatch Router), HONO_TENANT, HONO_REGISTRATION,
// HONO_CREDENTIALS (Device Registry), HONO_COMMANDROUTER, and HONO_AUTH (the Auth Server client,
// whose token validation certificate is HONO_AUTH_VALIDATION_CERTPATH).
// Hono 1.0 removed Hono Messaging: adapters talk to the AMQP network directly.
import { authCert, cert, key, trustPassword, trustPath } from '../rows.js';
import type { ComponentEntry, EnvVarSpec, Peer } from '../types.js';
import type { ProfileData } from '../types.js';

const identity = (prefix: string, note?: string): EnvVarSpec[] => [
  key(`${prefix}_KEYPATH`, note ? { note } : {}),
  cert(`${prefix}_CERTPATH`, note ? { note } : {}),
];
const trust = (prefix: string, peers: Peer[], note?: string): EnvVarSpec[] => [
  trustPath(`${prefix}_TRUSTSTOREPATH`, peers, undefined, note),
  trustPassword(`${prefix}_TRUSTSTOREPASSWORD`, peers),
];

/** A protocol adapter: its own server identity and device trust, and its clients. */
const adapter = (prefix: string): ComponentEntry => ({
  env: [
    ...identity(prefix),
    ...trust(prefix, ['devices'], 'trust anchor for device client certificates'),
    ...identity('HONO_MESSAGING', 'client certificate towards the AMQP network'),
    ...trust('HONO_MESSAGING', ['dispatchRouter']),
    ...identity('HONO_COMMAND', 'client certificate towards the AMQP network'),
    ...trust('HONO_COMMAND', ['dispatchRouter']),
    ...trust('HONO_TENANT', ['deviceRegistry']),
    ...trust('HONO_REGISTRATION', ['deviceRegistry']),
    ...trust('HONO_CREDENTIALS', ['deviceRegistry']),
    ...trust('HONO_COMMANDROUTER', ['commandRouter']),
  ],
});

export const hono2: ProfileData = {
  name: 'hono-2',
  source:
    "Hono 2.x (Quarkus) configuration (hono-tls-facts.md section 1). Fits Hono 2.x. For Hono 1.x use hono-1: 1.x reads these names too, but its protocol adapters' Device Connection client (HONO_DEVICECONNECTION_*) gets no trust here and talks plain AMQP to the Device Registry (asserted on real Hono 1.2.3 by test/e2e/real-hono.test.ts). Verified on real Hono 1.2.3 (Maven Central jars) by test/e2e/real-hono.test.ts: the Auth Server starts on its wiring, Hono's client on the Device Registry's wiring logs in and verifies the token signature, the MQTT and HTTP adapters serve devices over TLS. Hono 2.x names from the facts measured on Hono 2.6.0 (reads only these spellings); 2.x services are not on Maven Central, so not run here",
  sslProfileAttributes: 'new',
  components: {
    authServer: {
      env: [...identity('HONO_AUTH_AMQP'), ...trust('HONO_AUTH_AMQP', ['deviceRegistry', 'commandRouter'])],
    },
    dispatchRouter: { env: [], sslProfile: true },
    honoServer: {
      unsupported:
        'Hono 1.0 removed the Hono Server (Hono Messaging); protocol adapters connect to the AMQP network (dispatchRouter) directly. Remove this component or set profile seed or hono-0.5 on it',
    },
    deviceRegistry: {
      tokenValidation: true,
      env: [
        ...identity('HONO_REGISTRY_AMQP'),
        ...identity('HONO_REGISTRY_HTTP'),
        ...trust('HONO_AUTH', ['authServer']),
        authCert('HONO_AUTH_VALIDATION_CERTPATH'),
      ],
    },
    httpAdapter: adapter('HONO_HTTP'),
    mqttAdapter: adapter('HONO_MQTT'),
    amqpAdapter: adapter('HONO_AMQP'),
    coapAdapter: { ...adapter('HONO_COAP'), requiresKeyAlgorithm: { algorithm: 'ECDSA', reason: 'the CoAP adapter (Scandium DTLS) accepts ECDSA keys only' } },
    commandRouter: {
      tokenValidation: true,
      env: [
        ...identity('HONO_COMMANDROUTER_AMQP'),
        ...trust('HONO_AUTH', ['authServer']),
        authCert('HONO_AUTH_VALIDATION_CERTPATH'),
        ...trust('HONO_TENANT', ['deviceRegistry']),
        ...trust('HONO_REGISTRATION', ['deviceRegistry']),
        ...identity('HONO_COMMAND', 'client certificate towards the AMQP network'),
        ...trust('HONO_COMMAND', ['dispatchRouter']),
      ],
    },
    client: { env: [] },
  },
};
