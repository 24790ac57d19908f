// Reads the YAML files given to `render` into HonoTlsConfigs and Deployments, each with the file
// and line it came from. Kubernetes' own kinds are skipped; anything else is refused by name, as
// is YAML that does not parse (with its line).
import * as fs from 'node:fs';
import yaml from 'js-yaml';
import type { V1Deployment } from '@kubernetes/client-node';
import type { HonoTlsConfig } from '../api/v1alpha1.js';

export class RenderError extends Error {
  override name = 'RenderError';
}

export interface Located<T> {
  doc: T;
  file: string;
  line: number;
}

export interface Manifests {
  configs: Located<HonoTlsConfig>[];
  deployments: Located<V1Deployment>[];
  /** Kinds seen per file, for messages. */
  kinds: Map<string, string[]>;
}

const CONFIG_API = 'hono.eclipse.org/v1alpha1';
// API groups of Kubernetes itself: their objects may sit in a stack file and are not render's business.
const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy']);
const isBuiltIn = (apiVersion: string) => {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  return BUILT_IN_GROUPS.has(group) || group.endsWith('.k8s.io');
};

/** Splits a YAML stream at `---` lines, keeping each document's first line number (1-based). */
function documents(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let start = 0;
  let lines: string[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (/^---(\s|$)/.test(l)) {
      out.push({ text: lines.join('\n'), line: start + 1 });
      lines = [];
      start = i + 1;
    } else lines.push(l);
  });
  out.push({ text: lines.join('\n'), line: start + 1 });
  return out;
}

export function readManifests(files: string[]): Manifests {
  const m: Manifests = { configs: [], deployments: [], kinds: new Map() };
  const errors: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      errors.push(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    const kinds: string[] = [];
    m.kinds.set(file, kinds);
    for (const d of documents(text)) {
      let doc: unknown;
      try {
        doc = yaml.load(d.text, { filename: file });
      } catch (e) {
        const mark = (e as yaml.YAMLException).mark;
        errors.push(`${file}:${mark ? `${d.line + mark.line}:${mark.column + 1}` : d.line}: not valid YAML: ${(e as yaml.YAMLException).reason ?? (e as Error).message}`);
        continue;
      }
      if (doc === null || doc === undefined) continue;
      const o = doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
      const at = `${file}:${d.line}`;
      if (typeof o !== 'object' || Array.isArray(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
        errors.push(`${at}: not a Kubernetes object (a document needs apiVersion and kind)`);
        continue;
      }
      kinds.push(o.kind);
      if (o.kind === 'HonoTlsConfig' && o.apiVersion === CONFIG_API) {
        if (typeof o.metadata?.name !== 'string') errors.push(`${at}: HonoTlsConfig without metadata.name`);
        else m.configs.push({ doc: doc as HonoTlsConfig, file, line: d.line });
      } else if (o.kind === 'Deployment' && o.apiVersion === 'apps/v1') {
        if (typeof o.metadata?.name !== 'string') errors.push(`${at}: Deployment without metadata.name`);
        else m.deployments.push({ doc: doc as V1Deployment, file, line: d.line });
      } else if (!isBuiltIn(o.apiVersion)) {
        errors.push(`${at}: unknown kind ${o.kind} (${o.apiVersion}): render reads HonoTlsConfig (${CONFIG_API}) and Deployment (apps/v1), and skips Kubernetes' own kinds; leave this file out or remove the document`);
      }
    }
  }
  if (errors.length) throw new RenderError(errors.join('\n'));
  return m;
}
