// The operator's names on the objects it touches: one place, so cleanup finds what apply wrote.
import { createHash } from 'node:crypto';
/** The operator's name in Events. */
export const OPERATOR_NAME = 'hono-tls-operator';
/** The single field manager of releases before per-config managers; its entries are migrated. */
export const LEGACY_FIELD_MANAGER = 'hono-tls-operator';
/** Deployment label naming the HonoTlsConfig allowed to wire it (the owner's consent). */
export const OPT_IN_LABEL = 'hono.eclipse.org/tls-config';
export const FINALIZER = 'hono.eclipse.org/cleanup';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'hono-tls-operator';
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
/** Which config and component a Secret belongs to. */
export const CONFIG_LABEL = 'hono.eclipse.org/config';
export const COMPONENT_LABEL = 'hono.eclipse.org/component';
/** Pod-template annotation: digest of the material the pod consumes (fingerprints and store digests). */
export const TLS_DIGEST_ANNOTATION = 'hono.eclipse.org/tls-digest';
/** Secret annotation: digest of the inputs the stores in the Secret were built from. */
export const STORE_DIGEST_ANNOTATION = 'hono.eclipse.org/store-input-digest';
/** Component Secret annotation: recent issue times and reasons, for the re-issue floor and loop guard. */
export const ISSUE_HISTORY_ANNOTATION = 'hono.eclipse.org/issue-history';
/** Secret annotation: the role of an operator Secret (ca, password, component). */
export const ROLE_ANNOTATION = 'hono.eclipse.org/role';

export function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * The server-side-apply field manager of one HonoTlsConfig: two configs never share fields, so a
 * conflict between them is reported instead of fought over. Manager names are at most 128 characters.
 */
export function fieldManager(configName: string): string {
  const name = `${OPERATOR_NAME}/${configName}`;
  return name.length <= 128 ? name : `${OPERATOR_NAME}/h-${createHash('sha256').update(configName).digest('hex').slice(0, 40)}`;
}

/** Label values are at most 63 characters of a restricted set; longer names become a hash. */
export function labelValue(s: string): string {
  if (s.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(s)) return s;
  return `h-${createHash('sha256').update(s).digest('hex').slice(0, 40)}`;
}
/** Secret annotation: the data keys the operator wrote; any other key is the user's and is kept. */
export const OWNED_KEYS_ANNOTATION = 'hono.eclipse.org/owned-keys';
/** HonoTlsConfig annotations: a changed value triggers once (renew the leaves; rotate the CA key). */
export const RENEW_ANNOTATION = 'hono.eclipse.org/renew';
export const ROTATE_CA_ANNOTATION = 'hono.eclipse.org/rotate-ca';
/** Rotation state, on the CA Secret (selfSigned) or on `<config>-ca-trust` (a brought-in CA). */
export const ROTATION_ANNOTATION = 'hono.eclipse.org/rotation';
/** The last rotate-ca token that started a rotation (kept after the rotation ends). */
export const LAST_ROTATE_TOKEN_ANNOTATION = 'hono.eclipse.org/last-rotate-token';
/** `<config>-ca-trust`: the fingerprint of the brought-in CA the components trust. */
export const TRUSTED_CA_ANNOTATION = 'hono.eclipse.org/trusted-ca-fingerprint';
