// `npm run gen:docs`: crds/REFERENCE.md from the CRD schema (field, type, default, description,
// validations incl. CEL rules) and, from the catalogue's data, the env vars per profile and type.
// `--check` compares with the committed file instead of writing (exit 1 when stale).
import * as fs from 'node:fs';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { COMPONENT_TYPES_IN_ORDER, PROFILES, isUnsupported, type EnvVarSpec } from '../../catalogue/index.js';
import { FILES, TRUST_STORE_FILES } from '../../catalogue/files.js';
import { repoRoot } from './sources.js';

export const CRD_FILE = 'crds/hono.eclipse.org_honotlsconfigs.yaml';
export const REFERENCE_FILE = 'crds/REFERENCE.md';

type Schema = Record<string, any>;
const cell = (s: unknown) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();
const code = (s: unknown) => '`' + String(s).replace(/`/g, "'") + '`';

function typeOf(s: Schema): string {
  if (s.type === 'array') return `[]${typeOf(s.items ?? {})}`;
  if (s.type === 'object' && s.additionalProperties) return `map[string]${typeOf(s.additionalProperties)}`;
  return s.type ?? 'any';
}

function validations(s: Schema): string[] {
  const v: string[] = [];
  if (s.enum) v.push(`one of ${s.enum.map(code).join(', ')}`);
  if (s.pattern) v.push(`pattern ${code(s.pattern)}`);
  if (s.minLength !== undefined) v.push(`minLength ${s.minLength}`);
  if (s.maxLength !== undefined) v.push(`maxLength ${s.maxLength}`);
  if (s.minimum !== undefined) v.push(`minimum ${s.minimum}`);
  if (s.maximum !== undefined) v.push(`maximum ${s.maximum}`);
  if (s.minItems !== undefined) v.push(`minItems ${s.minItems}`);
  if (s.maxItems !== undefined) v.push(`maxItems ${s.maxItems}`);
  if (s.maxProperties !== undefined) v.push(`maxProperties ${s.maxProperties}`);
  if (s.format) v.push(`format ${s.format}`);
  if (s['x-kubernetes-list-type'] === 'map') v.push(`unique by ${s['x-kubernetes-list-map-keys'].join(', ')}`);
  if (s['x-kubernetes-list-type'] === 'set') v.push('unique items');
  if (s.additionalProperties) v.push(...validations(s.additionalProperties).map((x) => `values: ${x}`));
  if (s.items && s.items.type !== 'object') v.push(...validations(s.items).map((x) => `items: ${x}`));
  for (const r of s['x-kubernetes-validations'] ?? []) v.push(`CEL ${code(r.rule)}: ${r.message}`);
  if (s.items?.type !== 'object') for (const r of s.items?.['x-kubernetes-validations'] ?? []) v.push(`items: CEL ${code(r.rule)}: ${r.message}`);
  return v;
}

function rows(s: Schema, at: string, required: boolean, out: string[]): void {
  const def = s.default !== undefined ? code(JSON.stringify(s.default)) : '';
  out.push(`| ${code(at)}${required ? ' (required)' : ''} | ${typeOf(s)} | ${def} | ${cell(s.description)} | ${cell(validations(s).join('<br>'))} |`);
  const obj = s.type === 'array' ? s.items : s;
  const prefix = s.type === 'array' ? `${at}[]` : at;
  if (obj?.type === 'array' || !obj?.properties) return;
  if (s.type === 'array' && obj['x-kubernetes-validations']?.length) {
    out.push(`| ${code(prefix)} | object | | (each item) | ${cell(validations({ 'x-kubernetes-validations': obj['x-kubernetes-validations'] }).join('<br>'))} |`);
  }
  for (const [k, child] of Object.entries(obj.properties as Record<string, Schema>)) {
    rows(child, `${prefix}.${k}`, (obj.required ?? []).includes(k), out);
  }
}

function envTable(): string[] {
  const out: string[] = [];
  const fileOf = (e: EnvVarSpec): string => {
    if ('password' in e.value) return `${e.value.password} password (secretKeyRef)`;
    const f = e.value.file;
    if (f === 'trustStore') return `${Object.values(TRUST_STORE_FILES).map((x) => x.path).join(' / ')} (per trustStore.format)`;
    return FILES[f].path;
  };
  for (const p of Object.values(PROFILES)) {
    out.push(`### Profile \`${p.name}\``, '', `Source: ${p.source}. Dispatch Router sslProfile attributes: ${p.sslProfileAttributes === 'old' ? 'certFile, keyFile, certDb' : 'certFile, privateKeyFile, caCertFile, protocols'}.`, '');
    out.push('| Type | Env var | Value | Trust (peers, seed channels) | Condition / note |', '|---|---|---|---|---|');
    for (const type of COMPONENT_TYPES_IN_ORDER) {
      const entry = p.components[type];
      if (isUnsupported(entry)) {
        out.push(`| ${type} | - | - | - | not available: ${cell(entry.unsupported)} |`);
        continue;
      }
      const extra = [entry.tokenValidation ? `gets ${FILES.authCert.path} (token validation)` : '', entry.sslProfile ? 'reads an sslProfile (sslprofile.conf / sslprofile.json)' : '']
        .filter(Boolean)
        .join('; ');
      if (!entry.env.length) out.push(`| ${type} | - | - | - | ${cell(extra || 'material only')} |`);
      for (const e of entry.env) {
        const trust = e.trust ? `${e.trust.peers.join(', ')}${e.trust.channels ? ` (${e.trust.channels.join(', ')})` : ''}` : '';
        const cond = [e.when ? `only for ${e.when.keyAlgorithm} keys` : '', e.note ?? '', extra].filter(Boolean).join('; ');
        out.push(`| ${type} | ${code(e.name)} | ${cell(fileOf(e))} | ${cell(trust)} | ${cell(cond)} |`);
      }
    }
    out.push('');
  }
  return out;
}

export function renderReference(): string {
  const crd = yaml.load(fs.readFileSync(path.join(repoRoot, CRD_FILE), 'utf8')) as Schema;
  const v = crd.spec.versions[0];
  const root = v.schema.openAPIV3Schema;
  const out = [
    '<!-- GENERATED by `npm run gen:docs` (operator/api/gen/gen-docs.ts) from crds/hono.eclipse.org_honotlsconfigs.yaml and operator/catalogue. Do not edit. -->',
    `# ${crd.spec.names.kind} (${crd.spec.group}/${v.name}) reference`,
    '',
    cell(root.description),
    '',
    `Short name: ${crd.spec.names.shortNames.map(code).join(', ')}. Scope: ${crd.spec.scope}. Status subresource: ${v.subresources?.status ? 'yes' : 'no'}.`,
    `\`kubectl explain honotlsconfig.spec\` shows the same descriptions.`,
    '',
    '## Printer columns',
    '',
    '| Column | JSONPath |',
    '|---|---|',
    ...v.additionalPrinterColumns.map((c: Schema) => `| ${c.name} | ${code(c.jsonPath)} |`),
    '',
    '## Object-level rules',
    '',
    ...(root['x-kubernetes-validations'] ?? []).map((r: Schema) => `- ${code(r.rule)}: ${r.message}`),
    '',
    '## Fields',
    '',
    '| Field | Type | Default | Description | Validation |',
    '|---|---|---|---|---|',
  ];
  for (const k of ['spec', 'status']) rows(root.properties[k], k, (root.required ?? []).includes(k), out);
  out.push(
    '',
    '## Environment variables per profile (from operator/catalogue)',
    '',
    'Every trust variable of a component points at its one trust store (all components of a HonoTlsConfig share one CA); the Trust column records whose certificates it must accept. Passwords appear only for jks/pkcs12 stores and always come from a Secret through secretKeyRef. Override or drop any name per component with `envOverrides`.',
    'The seed document misspells HONO_DOWNSTREAM_TRUST_STORE_PASSWORD as HONO_DOWNSTRAM_TRUST_STORE_PASSWORD; Hono only reads the correct spelling, which the seed profile uses.',
    '',
    ...envTable(),
  );
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = renderReference();
  const abs = path.join(repoRoot, REFERENCE_FILE);
  const current = fs.existsSync(abs) ? fs.readFileSync(abs, 'utf8') : '';
  if (process.argv.includes('--check')) {
    if (current !== text) {
      console.error(`${REFERENCE_FILE} is stale: run npm run gen:docs`);
      process.exit(1);
    }
    console.log(`${REFERENCE_FILE} is current`);
  } else {
    fs.writeFileSync(abs, text);
    console.log(current === text ? `${REFERENCE_FILE} is current` : `wrote ${REFERENCE_FILE}`);
  }
}
