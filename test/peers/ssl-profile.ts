// Finds the Dispatch Router's sslProfile among the files mounted into its pod and returns the
// container paths it names. Both attribute sets are read: caCertFile/privateKeyFile (current
// routers) and certDb/keyFile (Hono 0.5's router); both the .conf and the JSON form, read by
// test/peers/qdrouterd/conf.ts.
import * as fs from 'node:fs/promises';
import type { PodView } from './pod-view.js';
import { readRouterConfig } from './qdrouterd/conf.js';

export interface SslProfilePaths {
  certFile: string;
  privateKeyFile: string;
  caCertFile?: string;
  /** Container path of the config file it came from. */
  source: string;
}

/** The first sslProfile in a router config file (.conf or, by its name, the JSON form) with a cert and key file. */
export function parseSslProfile(text: string, fileName: string): Omit<SslProfilePaths, 'source'> | undefined {
  for (const [type, attrs] of readRouterConfig(text, fileName)) {
    if (type !== 'sslProfile') continue;
    const str = (k: string) => (typeof attrs[k] === 'string' ? (attrs[k] as string) : undefined);
    const certFile = str('certFile');
    const privateKeyFile = str('privateKeyFile') ?? str('keyFile');
    if (certFile && privateKeyFile) return { certFile, privateKeyFile, caCertFile: str('caCertFile') ?? str('certDb') };
  }
  return undefined;
}

const ROUTER_CONF = '/etc/qpid-dispatch/qdrouterd.conf';

export async function findSslProfile(pod: PodView): Promise<SslProfilePaths> {
  // The file qdrouterd reads by default first, then anything else mounted.
  const files = [...pod.files].sort((a, b) => Number(b === ROUTER_CONF) - Number(a === ROUTER_CONF));
  for (const f of files) {
    const text = await fs.readFile(pod.hostPath(f), 'utf8').catch(() => '');
    if (!text.includes('sslProfile')) continue;
    const p = parseSslProfile(text, f);
    if (p) return { ...p, source: f };
  }
  throw new Error(`no sslProfile with certFile and privateKeyFile/keyFile in any file mounted into ${pod.deployment} (${pod.files.join(', ') || 'nothing mounted'})`);
}
