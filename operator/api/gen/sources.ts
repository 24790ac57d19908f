// Where the CRD schemas for generated types come from: cert-manager's CRD YAML inside its Go
// module (fetched through the Go module proxy with `go mod download`), and our own crds/.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The cert-manager release whose CRDs the operator codes against. */
export const CERT_MANAGER_MODULE = 'github.com/cert-manager/cert-manager';
export const CERT_MANAGER_VERSION = 'v1.16.5';

export interface CrdSchema {
  kind: string;
  group: string;
  version: string;
  schema: Record<string, unknown>;
}

/** The module's directory in the Go module cache (downloads it when missing). */
export function certManagerDir(): string {
  let out: string;
  try {
    out = execFileSync('go', ['mod', 'download', '-json', `${CERT_MANAGER_MODULE}@${CERT_MANAGER_VERSION}`], {
      encoding: 'utf8',
      cwd: repoRoot,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    throw new Error(`go mod download ${CERT_MANAGER_MODULE}@${CERT_MANAGER_VERSION} failed (needs Go and the module proxy, or a filled GOMODCACHE): ${(e as Error).message}`);
  }
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download returned no Dir for ${CERT_MANAGER_MODULE}@${CERT_MANAGER_VERSION}`);
  return dir;
}

/** The storage version's openAPIV3Schema of every CRD in a YAML file. */
export function crdSchemas(file: string): CrdSchema[] {
  const out: CrdSchema[] = [];
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8')) as any[]) {
    if (doc?.kind !== 'CustomResourceDefinition') continue;
    const v = doc.spec.versions.find((x: any) => x.storage) ?? doc.spec.versions[0];
    out.push({ kind: doc.spec.names.kind, group: doc.spec.group, version: v.name, schema: v.schema.openAPIV3Schema });
  }
  return out;
}
