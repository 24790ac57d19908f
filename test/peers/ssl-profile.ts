// Finds the Dispatch Router's sslProfile among the files mounted into its pod and returns the
// container paths it names. Both attribute sets are read: caCertFile/privateKeyFile (current
// routers) and certDb/keyFile (Hono 0.5's router); both the .conf and the JSON form.
import * as fs from 'node:fs/promises';
import type { PodView } from './pod-view.js';

export interface SslProfilePaths {
  certFile: string;
  privateKeyFile: string;
  caCertFile?: string;
  /** Container path of the config file it came from. */
  source: string;
}

export function parseSslProfile(text: string): Omit<SslProfilePaths, 'source'> | undefined {
  let attrs: Record<string, string> | undefined;
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const entries = JSON.parse(trimmed) as Array<[string, Record<string, string>]>;
    attrs = entries.find((e) => Array.isArray(e) && e[0] === 'sslProfile')?.[1];
  } else {
    const m = /sslProfile\s*\{([^}]*)\}/.exec(text);
    if (m) {
      attrs = {};
      for (const am of m[1]!.matchAll(/([A-Za-z]+)\s*:\s*(\S+)/g)) attrs[am[1]!] = am[2]!;
    }
  }
  if (!attrs) return undefined;
  const certFile = attrs['certFile'];
  const privateKeyFile = attrs['privateKeyFile'] ?? attrs['keyFile'];
  if (!certFile || !privateKeyFile) return undefined;
  return { certFile, privateKeyFile, caCertFile: attrs['caCertFile'] ?? attrs['certDb'] };
}

const ROUTER_CONF = '/etc/qpid-dispatch/qdrouterd.conf';

export async function findSslProfile(pod: PodView): Promise<SslProfilePaths> {
  // The file qdrouterd reads by default first, then anything else mounted.
  const files = [...pod.files].sort((a, b) => Number(b === ROUTER_CONF) - Number(a === ROUTER_CONF));
  for (const f of files) {
    const text = await fs.readFile(pod.hostPath(f), 'utf8').catch(() => '');
    if (!text.includes('sslProfile')) continue;
    const p = parseSslProfile(text);
    if (p) return { ...p, source: f };
  }
  throw new Error(`no sslProfile with certFile and privateKeyFile/keyFile in any file mounted into ${pod.deployment} (${pod.files.join(', ') || 'nothing mounted'})`);
}
