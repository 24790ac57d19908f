// Profile `hono-0.5`: the names Hono 0.5 really read (hono-tls-facts.md section 1). Its config
// classes expose keyPath, certPath, keyStorePath, keyStorePassword, trustStorePath and
// trustStorePassword (Spring relaxed binding: HONO_<PREFIX>_KEY_PATH ...). Prefixes as of 0.5:
// hono.auth.amqp (Auth Server), hono.messaging (Hono Messaging, formerly Hono Server; also the
// adapters' upstream client, formerly hono.client), hono.registry.amqp, hono.downstream,
// hono.registration, hono.auth (the client side towards the Auth Server).
// keyPath took only RSA keys in PEM; an ECDSA key is delivered in a PKCS12 key store instead.
import { ECDSA, RSA, authCert, cert, key, keyStore, keyStorePassword, trustPassword, trustPath } from '../rows.js';
import type { EnvVarSpec, ProfileData } from '../types.js';

const NOT_IN_05 = (what: string) => `${what} did not exist in Hono 0.5; set profile hono-2 (Hono 2.x) or hono-1 (Hono 1.x) on this component (spec.components[].profile)`;

/** Identity under one prefix: PEM files for RSA keys, a PKCS12 key store for ECDSA keys. */
const identity = (prefix: string, note?: string): EnvVarSpec[] => [
  key(`${prefix}_KEY_PATH`, { ...RSA, ...(note ? { note } : {}) }),
  cert(`${prefix}_CERT_PATH`, { ...RSA, ...(note ? { note } : {}) }),
  keyStore(`${prefix}_KEY_STORE_PATH`, { ...ECDSA, note: 'Hono 0.5 reads ECDSA keys only from a key store' }),
  keyStorePassword(`${prefix}_KEY_STORE_PASSWORD`, ECDSA),
];

export const hono05: ProfileData = {
  name: 'hono-0.5',
  source:
    'Hono 0.5 config classes and deployment files (hono-tls-facts.md section 1). Fits Hono 0.5; not run here (Hono 0.5 services are not on Maven Central)',
  sslProfileAttributes: 'old',
  components: {
    authServer: {
      env: [
        ...identity('HONO_AUTH_AMQP'),
        trustPath('HONO_AUTH_AMQP_TRUST_STORE_PATH', ['honoServer', 'deviceRegistry'], [3, 4]),
        trustPassword('HONO_AUTH_AMQP_TRUST_STORE_PASSWORD', ['honoServer', 'deviceRegistry'], [3, 4]),
        key('HONO_AUTH_SVC_SIGNING_KEY_PATH', { ...RSA, note: 'token signing key (PKCS8 PEM); without it the Auth Server falls back to its TLS key' }),
      ],
      requiresKeyAlgorithm: { algorithm: 'RSA', reason: 'Hono 0.5 signs tokens with RSA keys (SHA256withRSA)' },
    },
    dispatchRouter: { env: [], sslProfile: true },
    honoServer: {
      tokenValidation: true,
      env: [
        ...identity('HONO_MESSAGING'),
        ...identity('HONO_DOWNSTREAM', 'client certificate towards the Dispatch Router (channel 2)'),
        trustPath('HONO_DOWNSTREAM_TRUST_STORE_PATH', ['dispatchRouter'], [2]),
        trustPassword('HONO_DOWNSTREAM_TRUST_STORE_PASSWORD', ['dispatchRouter'], [2]),
        trustPath('HONO_AUTH_TRUST_STORE_PATH', ['authServer'], [3]),
        trustPassword('HONO_AUTH_TRUST_STORE_PASSWORD', ['authServer'], [3]),
        authCert('HONO_AUTH_VALIDATION_CERT_PATH'),
      ],
    },
    deviceRegistry: {
      tokenValidation: true,
      env: [
        ...identity('HONO_REGISTRY_AMQP'),
        trustPath('HONO_AUTH_TRUST_STORE_PATH', ['authServer'], [4]),
        trustPassword('HONO_AUTH_TRUST_STORE_PASSWORD', ['authServer'], [4]),
        authCert('HONO_AUTH_VALIDATION_CERT_PATH'),
      ],
    },
    httpAdapter: {
      env: [
        ...identity('HONO_HTTP'),
        trustPath('HONO_MESSAGING_TRUST_STORE_PATH', ['honoServer'], [6]),
        trustPassword('HONO_MESSAGING_TRUST_STORE_PASSWORD', ['honoServer'], [6]),
        trustPath('HONO_REGISTRATION_TRUST_STORE_PATH', ['deviceRegistry'], [5]),
        trustPassword('HONO_REGISTRATION_TRUST_STORE_PASSWORD', ['deviceRegistry'], [5]),
        trustPath('HONO_HTTP_TRUST_STORE_PATH', ['devices']),
        trustPassword('HONO_HTTP_TRUST_STORE_PASSWORD', ['devices']),
      ],
    },
    mqttAdapter: {
      env: [
        ...identity('HONO_MQTT'),
        trustPath('HONO_MESSAGING_TRUST_STORE_PATH', ['honoServer'], [6]),
        trustPassword('HONO_MESSAGING_TRUST_STORE_PASSWORD', ['honoServer'], [6]),
        trustPath('HONO_REGISTRATION_TRUST_STORE_PATH', ['deviceRegistry'], [5]),
        trustPassword('HONO_REGISTRATION_TRUST_STORE_PASSWORD', ['deviceRegistry'], [5]),
        trustPath('HONO_MQTT_TRUST_STORE_PATH', ['devices']),
        trustPassword('HONO_MQTT_TRUST_STORE_PASSWORD', ['devices']),
      ],
    },
    client: { env: [] },
    amqpAdapter: { unsupported: NOT_IN_05('The AMQP adapter') },
    coapAdapter: { unsupported: NOT_IN_05('The CoAP adapter') },
    commandRouter: { unsupported: NOT_IN_05('The Command Router') },
  },
};
