// Installs crds/ exactly as written, with kubectl server-side apply, and puts it back when it
// was replaced by a stripped copy.
// WHY not installCrds() from test/helpers/cluster.ts: it applies through client-node's typed
// serializer (V1CustomResourceDefinition), which drops the raw keys `default` and
// `x-kubernetes-validations` of every JSONSchemaProps outside `items` (the model calls them
// `_default` and `xKubernetesValidations`): the CRD loses its defaults and most CEL rules. Other
// test files still call installCrds() while these run, hence ensureCrdAsWritten() per test.
import * as fs from 'node:fs';
import yaml from 'js-yaml';
import { kubectl } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

export const CRD_FILE = 'crds/hono.eclipse.org_honotlsconfigs.yaml';
export const CRD_NAME = 'honotlsconfigs.hono.eclipse.org';

const count = (json: string, key: string) => json.split(`"${key}":`).length - 1;
const written = JSON.stringify((yaml.load(fs.readFileSync(CRD_FILE, 'utf8')) as any).spec.versions);
const signature = (json: string) => `${count(json, 'default')}/${count(json, 'rule')}`;

async function installed(): Promise<string | undefined> {
  const r = await kubectl(['get', 'crd', CRD_NAME, '-o', 'jsonpath={.spec.versions}']);
  return r.code === 0 ? signature(r.stdout) : undefined;
}

async function install(): Promise<void> {
  const r = await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=hono-test-harness', '-f', CRD_FILE]);
  if (r.code !== 0) throw new Error(`installing ${CRD_FILE} failed: ${r.stderr}`);
  const w = await kubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=30s']);
  if (w.code !== 0) throw new Error(`${CRD_NAME} not Established: ${w.stderr}`);
  // The apiserver swaps its validators a moment after the update: wait until a CEL rule bites.
  const probe = JSON.stringify({ apiVersion: 'hono.eclipse.org/v1alpha1', kind: 'HonoTlsConfig', metadata: { name: 'probe', namespace: 'default' }, spec: { issuer: {}, components: [{ name: 'a', type: 'client' }] } });
  await waitFor(`${CRD_NAME}: the CEL rules enforced after installing ${CRD_FILE}`, async () => {
    const p = await kubectl(['create', '--dry-run=server', '-f', '-'], { input: probe });
    return p.code !== 0 && /exactly one of issuer/.test(p.stderr);
  }, 10_000);
}

/** Installs the CRD as written unless the installed one already is. */
export async function installCrdAsWritten(): Promise<void> {
  if ((await installed()) !== signature(written)) await install();
}
export const ensureCrdAsWritten = installCrdAsWritten;
