// Deterministic store aliases from certificate subjects (lower case: JKS and keytool fold aliases to lower case).
import type { X509Certificate } from 'node:crypto';

export function certificateAliases(certs: X509Certificate[]): string[] {
  const used = new Set<string>();
  return certs.map((cert, i) => {
    const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? `ca-${i}`;
    let alias = cn.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || `ca-${i}`;
    if (used.has(alias)) alias = `${alias}-${i}`;
    used.add(alias);
    return alias;
  });
}
