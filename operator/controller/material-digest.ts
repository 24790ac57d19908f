// The pod-template annotation that makes a Deployment roll exactly when its material changed.
// It is built from hashes of what the pod reads (certificates, bundles, stores, rendered text),
// never from raw bytes, and skips the private key (the certificate already pins it).
import { createHash } from 'node:crypto';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Digest over a Secret's entries; `exclude` names entries to leave out (the private key). */
export function secretMaterialDigest(data: Record<string, Buffer>, exclude: Iterable<string> = []): string {
  const skip = new Set(exclude);
  const lines = Object.keys(data)
    .filter((k) => !skip.has(k))
    .sort()
    .map((k) => `${k}=${sha256(data[k]!)}`);
  return sha256(lines.join('\n'));
}

/** One digest for a Deployment fed by several components. */
export function combineDigests(parts: Record<string, string>): string {
  const lines = Object.keys(parts)
    .sort()
    .map((k) => `${k}=${parts[k]}`);
  return `sha256:${sha256(lines.join('\n')).slice(0, 32)}`;
}
