// Shared inputs for the catalogue tests: where the reference documents live, and a full stack.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentSpec, HonoTlsConfig, ProfileName, TrustStoreFormat } from '../../../operator/api/v1alpha1.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** ../shared/reference beside the clone (CI and the work tree both have it). */
export function readReference(file: string): string {
  const p = path.resolve(repoRoot, '..', 'shared', 'reference', file);
  if (!fs.existsSync(p)) throw new Error(`reference document ${p} is missing: the tests read the seed and facts documents from ../shared/reference beside the repository`);
  return fs.readFileSync(p, 'utf8');
}

export function stackConfig(profile: ProfileName, components: ComponentSpec[], format: TrustStoreFormat = 'jks'): HonoTlsConfig {
  return {
    apiVersion: 'hono.eclipse.org/v1alpha1',
    kind: 'HonoTlsConfig',
    metadata: { name: 'hono', namespace: 'hono' },
    spec: { profile, trustStore: { format }, components },
  };
}

export const comp = (name: string, type: ComponentSpec['type'], extra: Partial<ComponentSpec> = {}): ComponentSpec => ({
  name,
  type,
  serviceName: name,
  deployment: { name },
  ...extra,
});
