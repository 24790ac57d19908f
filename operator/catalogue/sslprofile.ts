// qdrouterd sslProfile attributes per attribute set, as data. Older routers (qpid-dispatch of
// Hono 0.5's time) name the CA file certDb and the key keyFile; current ones caCertFile and
// privateKeyFile (hono-tls-facts.md section 4).
import type { SslProfileAttributeSet } from './types.js';

/** An attribute's value: a file of the mount (by FILES key) or a literal. */
export type SslProfileValue = { file: 'cert' | 'key' | 'caBundle' } | { literal: string };

export const SSL_PROFILE_ATTRIBUTES: Record<SslProfileAttributeSet, ReadonlyArray<readonly [string, SslProfileValue]>> = {
  old: [
    ['certFile', { file: 'cert' }],
    ['keyFile', { file: 'key' }],
    ['certDb', { file: 'caBundle' }],
  ],
  new: [
    ['certFile', { file: 'cert' }],
    ['privateKeyFile', { file: 'key' }],
    ['caCertFile', { file: 'caBundle' }],
    ['protocols', { literal: 'TLSv1.2 TLSv1.3' }],
  ],
};
