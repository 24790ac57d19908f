// Profile `seed`: exactly the env var tables of the seed document, Hono's 0.5-era "Secure
// Communication" page (../shared/reference/seed-secure-communication.md), one entry per table row.
// test/unit/catalogue/seed-fidelity.test.ts parses the document and compares.
import { cert, key, trustPassword, trustPath } from '../rows.js';
import type { ProfileData } from '../types.js';

const NOT_IN_SEED = (what: string) =>
  `${what} is not part of the seed document (Hono 0.5); set profile hono-2 (Hono 2.x) or hono-1 (Hono 1.x) on this component (spec.components[].profile)`;

export const seed: ProfileData = {
  name: 'seed',
  source:
    'Hono "Secure Communication" admin page, 0.5 era (the seed document). No Hono release reads these names: real Hono 1.2.3\'s Auth Server refuses to start on them ("configuration does not specify any signing tokens"; asserted by test/e2e/real-hono.test.ts)',
  // The seed's Dispatch Router image (eclipsehono/dispatch-router, Hono 0.5) used certDb/keyFile.
  sslProfileAttributes: 'old',
  components: {
    authServer: {
      env: [
        key('HONO_AUTH_KEY_FILE'),
        cert('HONO_AUTH_CERT_FILE'),
        trustPath('HONO_AUTH_TRUST_STORE_PATH', ['honoServer', 'deviceRegistry'], [3, 4], 'trust for clients authenticating with certificates'),
        trustPassword('HONO_AUTH_TRUST_STORE_PASSWORD', ['honoServer', 'deviceRegistry'], [3, 4]),
      ],
    },
    // Reads qdrouterd.conf: "Please refer to the Dispatch Router documentation" (no env vars).
    dispatchRouter: { env: [], sslProfile: true },
    honoServer: {
      tokenValidation: true, // auth-server-cert.pem, no env var in the seed
      env: [
        key('HONO_SERVER_KEY_FILE'),
        cert('HONO_SERVER_CERT_FILE'),
        key('HONO_DOWNSTREAM_KEY_FILE', { note: 'client certificate towards the Dispatch Router (channel 2)' }),
        cert('HONO_DOWNSTREAM_CERT_FILE', { note: 'client certificate towards the Dispatch Router (channel 2)' }),
        trustPath('HONO_DOWNSTREAM_TRUST_STORE_PATH', ['dispatchRouter'], [2]),
        // The seed spells this HONO_DOWNSTRAM_TRUST_STORE_PASSWORD (a typo): Hono binds the prefix
        // hono.downstream, so only the correct spelling is read.
        trustPassword('HONO_DOWNSTREAM_TRUST_STORE_PASSWORD', ['dispatchRouter'], [2], 'the seed document misspells it HONO_DOWNSTRAM_TRUST_STORE_PASSWORD'),
        trustPath('HONO_AUTH_TRUST_STORE_PATH', ['authServer'], [3]),
        trustPassword('HONO_AUTH_TRUST_STORE_PASSWORD', ['authServer'], [3]),
      ],
    },
    deviceRegistry: {
      tokenValidation: true,
      env: [
        key('HONO_DEVICE_REGISTRY_KEY_FILE'),
        cert('HONO_DEVICE_REGISTRY_CERT_FILE'),
        trustPath('HONO_AUTH_TRUST_STORE_PATH', ['authServer'], [4]),
        trustPassword('HONO_AUTH_TRUST_STORE_PASSWORD', ['authServer'], [4]),
      ],
    },
    // The seed's "REST Adapter" (eclipsehono/hono-adapter-rest-vertx) with the HONO_HTTP_ prefix.
    httpAdapter: {
      env: [
        key('HONO_HTTP_KEY_FILE'),
        cert('HONO_HTTP_CERT_FILE'),
        trustPath('HONO_CLIENT_TRUST_STORE_PATH', ['honoServer'], [6]),
        trustPassword('HONO_CLIENT_TRUST_STORE_PASSWORD', ['honoServer'], [6]),
        trustPath('HONO_REGISTRATION_TRUST_STORE_PATH', ['deviceRegistry'], [5]),
        trustPassword('HONO_REGISTRATION_TRUST_STORE_PASSWORD', ['deviceRegistry'], [5]),
        trustPath('HONO_HTTP_TRUST_STORE_PATH', ['devices'], undefined, 'trust anchor for device client certificates'),
        trustPassword('HONO_HTTP_TRUST_STORE_PASSWORD', ['devices']),
      ],
    },
    mqttAdapter: {
      env: [
        key('HONO_MQTT_KEY_FILE'),
        cert('HONO_MQTT_CERT_FILE'),
        trustPath('HONO_CLIENT_TRUST_STORE_PATH', ['honoServer'], [6]),
        trustPassword('HONO_CLIENT_TRUST_STORE_PASSWORD', ['honoServer'], [6]),
        trustPath('HONO_REGISTRATION_TRUST_STORE_PATH', ['deviceRegistry'], [5]),
        trustPassword('HONO_REGISTRATION_TRUST_STORE_PASSWORD', ['deviceRegistry'], [5]),
        trustPath('HONO_MQTT_TRUST_STORE_PATH', ['devices'], undefined, 'trust anchor for device client certificates'),
        trustPassword('HONO_MQTT_TRUST_STORE_PASSWORD', ['devices']),
      ],
    },
    // "Client Application": configured in code (ConnectionFactoryImpl); gets the material only.
    client: { env: [] },
    amqpAdapter: { unsupported: NOT_IN_SEED('The AMQP adapter') },
    coapAdapter: { unsupported: NOT_IN_SEED('The CoAP adapter') },
    commandRouter: { unsupported: NOT_IN_SEED('The Command Router') },
  },
};
