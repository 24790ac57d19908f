// Installs crds/ exactly as written, with kubectl server-side apply.
// WHY not installCrds() from test/helpers/cluster.ts: it applies through client-node's typed
// serializer (V1CustomResourceDefinition), which drops the raw keys `default` and
// `x-kubernetes-validations` of every JSONSchemaProps outside `items` (the model calls them
// `_default` and `xKubernetesValidations`): the CRD would lose its defaults and most CEL rules.
import { kubectl } from '../helpers/cluster.js';

export const CRD_FILE = 'crds/hono.eclipse.org_honotlsconfigs.yaml';
export const CRD_NAME = 'honotlsconfigs.hono.eclipse.org';

let once: Promise<void> | undefined;
export function installCrdAsWritten(): Promise<void> {
  once ??= (async () => {
    const r = await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=hono-test-harness', '-f', CRD_FILE]);
    if (r.code !== 0) throw new Error(`installing ${CRD_FILE} failed: ${r.stderr}`);
    const w = await kubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=30s']);
    if (w.code !== 0) throw new Error(`${CRD_NAME} not Established: ${w.stderr}`);
  })();
  return once;
}
