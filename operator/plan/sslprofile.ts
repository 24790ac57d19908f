// Renders the Dispatch Router's sslProfile in qdrouterd's two config forms: the .conf syntax
// (one `name: value` per line, braces on their own lines) and the JSON form
// ([["sslProfile", {...}]]), from the attribute-set data in operator/catalogue/sslprofile.ts.
import { posix } from 'node:path';
import { FILES } from '../catalogue/files.js';
import { SSL_PROFILE_ATTRIBUTES } from '../catalogue/sslprofile.js';
import type { SslProfileAttributeSet } from '../catalogue/types.js';

export interface RenderedSslProfile {
  name: string;
  attributes: Record<string, string>;
  conf: string;
  json: string;
}

export function renderSslProfile(name: string, mountPath: string, set: SslProfileAttributeSet, origin: string): RenderedSslProfile {
  const attributes: Record<string, string> = { name };
  for (const [attr, value] of SSL_PROFILE_ATTRIBUTES[set]) {
    attributes[attr] = 'literal' in value ? value.literal : posix.join(mountPath, FILES[value.file].path);
  }
  const conf = [
    `# sslProfile rendered by hono-tls-operator for ${origin} (${set === 'old' ? 'certDb/keyFile' : 'caCertFile/privateKeyFile'} attributes).`,
    '# Reference it from a listener or connector: sslProfile: ' + name,
    'sslProfile {',
    ...Object.entries(attributes).map(([k, v]) => `    ${k}: ${v}`),
    '}',
    '',
  ].join('\n');
  const json = JSON.stringify([['sslProfile', attributes]], null, 2) + '\n';
  return { name, attributes, conf, json };
}
