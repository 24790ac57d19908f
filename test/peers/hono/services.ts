// The real Hono 1.x services the e2e test starts, as data: main class, secure port, and the
// start-up settings each needs beyond its Deployment's env (none of them TLS). Plus the one place
// that turns a pod's env into a process env: values rewritten only where a pod and this host
// differ (the mount prefix, and 0.0.0.0 = the pod's own address).
import type { PodView } from '../pod-view.js';
import type { HonoService } from './install.js';

/** Where an adapter's Device Connection client connects (a 1.x adapter does not start without one). */
export interface DeviceConnection {
  host: string;
  port: number;
}

export interface ServiceDef {
  service: HonoService;
  mainClass: string;
  /** The env var naming the TLS port (read from the pod's env), and Hono's default. */
  portEnv: string;
  defaultPort: number;
  /** Hono's health check resource that says the service is up (on HONO_HEALTHCHECK_INSECUREPORT). */
  health: 'readiness' | 'liveness';
  /** Settings Hono needs to start that a TLS operator does not own; `why` is printed. */
  startup(o: { podIp: string; deviceConnection?: DeviceConnection }): Record<string, string>;
  why: string;
}

// Every Hono 1.x service runs a health check server; it must bind somewhere.
// And Hono gives its services 20 s to deploy, then shuts down (exit 0): too short on a shared
// 2-core machine, so allow 180 s.
export const HEALTH_PORT = 8088;
const healthCheck = (podIp: string) => ({
  HONO_HEALTHCHECK_INSECUREPORTBINDADDRESS: podIp,
  HONO_HEALTHCHECK_INSECUREPORT: String(HEALTH_PORT),
  HONO_APP_STARTUPTIMEOUT: '180',
});

// Host and port only: whether it uses TLS, and whom it trusts, is the wiring's (HONO_DEVICECONNECTION_TRUSTSTORE*).
const deviceConnectionAt = (d: DeviceConnection | undefined) => {
  if (!d) throw new Error('a Hono 1.x adapter needs a Device Connection service: pass deviceConnection');
  return { HONO_DEVICECONNECTION_HOST: d.host, HONO_DEVICECONNECTION_PORT: String(d.port) };
};

export const SERVICES: Record<HonoService, ServiceDef> = {
  auth: {
    service: 'auth',
    mainClass: 'org.eclipse.hono.service.auth.impl.Application',
    portEnv: 'HONO_AUTH_AMQP_PORT',
    defaultPort: 5671,
    health: 'readiness',
    startup: ({ podIp }) => ({
      SPRING_PROFILES_ACTIVE: 'authentication-impl',
      ...healthCheck(podIp),
      // 1.2.3 binds 127.0.0.1 by default; the stack's HONO_AUTH_BIND_ADDRESS is Hono 0.5's name.
      HONO_AUTH_AMQP_BINDADDRESS: podIp,
    }),
    why: 'the file-based authentication profile, the health check server, the start-up timeout, and the AMQP bind address (1.2.3 defaults to 127.0.0.1)',
  },
  mqtt: {
    service: 'mqtt',
    mainClass: 'org.eclipse.hono.adapter.mqtt.impl.Application',
    portEnv: 'HONO_MQTT_PORT',
    defaultPort: 8883,
    // not ready without a messaging network and a registry; alive once its servers run
    health: 'liveness',
    startup: ({ podIp, deviceConnection }) => ({ ...healthCheck(podIp), ...deviceConnectionAt(deviceConnection) }),
    why: 'the health check server, the start-up timeout, and the host and port of the Device Connection service (1.2.3 adapters refuse to start without one; the Device Registry serves it, connected in the background)',
  },
  http: {
    service: 'http',
    mainClass: 'org.eclipse.hono.adapter.http.impl.Application',
    portEnv: 'HONO_HTTP_PORT',
    defaultPort: 8443,
    health: 'liveness',
    startup: ({ podIp, deviceConnection }) => ({ ...healthCheck(podIp), ...deviceConnectionAt(deviceConnection) }),
    why: 'the health check server, the start-up timeout, and the host and port of the Device Connection service (1.2.3 adapters refuse to start without one; the Device Registry serves it, connected in the background)',
  },
};

export interface ProcessEnv {
  /** What the Hono process gets (besides PATH and HOME). */
  env: Record<string, string>;
  /** Container env names whose value was rewritten, with the rule. */
  rewritten: Array<{ name: string; rule: 'mount' | 'bind-all' }>;
}

/**
 * The pod's env as this host must pass it: a path under a mount points into the materialised
 * mount, 0.0.0.0 (all of the pod's interfaces) becomes the pod's loopback address; every other
 * value, and every name, is the pod's.
 */
export function podProcessEnv(pod: PodView, podIp: string): ProcessEnv {
  const env: Record<string, string> = {};
  const rewritten: ProcessEnv['rewritten'] = [];
  for (const [name, value] of pod.env) {
    let v = value;
    if (value === '0.0.0.0') {
      v = podIp;
      rewritten.push({ name, rule: 'bind-all' });
    } else if (value.startsWith('/')) {
      try {
        v = pod.hostPath(value);
        rewritten.push({ name, rule: 'mount' });
      } catch {
        // not under a mount: the pod's value as is
      }
    }
    env[name] = v;
  }
  return { env, rewritten };
}

/** The TLS port the service listens on: the pod's env, else Hono's default. */
export function securePort(def: ServiceDef, env: Record<string, string>): number {
  const v = env[def.portEnv];
  return v ? Number(v) : def.defaultPort;
}
