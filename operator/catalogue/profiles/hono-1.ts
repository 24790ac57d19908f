// Profile `hono-1`: Hono 1.x (Spring Boot). The names of `hono-2` (same property names, same
// spelling: hono.mqtt.keyPath -> HONO_MQTT_KEYPATH), plus the one client 1.x has and 2.x dropped:
// the protocol adapters' Device Connection client (prefix hono.device-connection ->
// HONO_DEVICECONNECTION_*, served by the Device Registry's AMQP endpoint). Read from Hono 1.2.3's
// own classes: AbstractAdapterConfig (hono-service-base-1.2.3.jar) binds hono.messaging,
// hono.command, hono.registration, hono.credentials, hono.tenant and hono.device-connection to
// ClientConfigProperties (trustStorePath, trustStorePassword, keyPath, certPath ...); the client
// starts TLS when it has a trust store. Without the trust variables it connects in plain AMQP.
// Not wired: hono.resource-limits.prometheus-based (Prometheus is not a Hono component).
import type { ComponentType } from '../../api/v1alpha1.js';
import type { ComponentEntry, ProfileData, Unsupported } from '../types.js';
import { trustPassword, trustPath } from '../rows.js';
import { hono2 } from './hono-2.js';

const deviceConnectionTrust = [
  trustPath('HONO_DEVICECONNECTION_TRUSTSTOREPATH', ['deviceRegistry'], undefined, 'Device Connection client (Hono 1.x only; the Device Registry serves it)'),
  trustPassword('HONO_DEVICECONNECTION_TRUSTSTOREPASSWORD', ['deviceRegistry']),
];

/** hono-2's adapter entry plus the Device Connection client's trust. */
const adapter = (type: ComponentType): ComponentEntry => {
  const e: ComponentEntry | Unsupported = hono2.components[type];
  if ('unsupported' in e) throw new Error(`hono-2 has no ${type} to extend`);
  return { ...e, env: [...e.env, ...deviceConnectionTrust] };
};

export const hono1: ProfileData = {
  name: 'hono-1',
  source:
    'Hono 1.x (Spring Boot) config classes, read in the 1.2.3 jars (AbstractAdapterConfig: hono.messaging, hono.command, hono.registration, hono.credentials, hono.tenant, hono.device-connection). Fits Hono 1.x: the hono-2 names plus the adapters\' Device Connection client trust (HONO_DEVICECONNECTION_TRUSTSTOREPATH/PASSWORD, trusting the Device Registry), which hono-2 lacks and without which a 1.x adapter talks plain AMQP to the registry. HONO_COMMANDROUTER_* is read from Hono 1.5 on and ignored before. Verified on real Hono 1.2.3 (Maven Central jars) by test/e2e/real-hono.test.ts: everything listed for hono-2, and the MQTT and HTTP adapters\' Device Connection client opens TLS to a listener holding the Device Registry\'s material and completes the handshake with the wired trust (on hono-2\'s wiring the same client sends plain AMQP, asserted in the same file)',
  sslProfileAttributes: hono2.sslProfileAttributes,
  components: {
    ...hono2.components,
    httpAdapter: adapter('httpAdapter'),
    mqttAdapter: adapter('mqttAdapter'),
    amqpAdapter: adapter('amqpAdapter'),
    coapAdapter: adapter('coapAdapter'),
  },
};
