// Compile-time check (tsc --noEmit covers test/): the hand-written contract types of
// operator/api/v1alpha1.ts and the types generated from the CRD admit the same specs and statuses.
import type { HonoTlsConfigSpec, HonoTlsConfigStatus } from '../../../operator/api/v1alpha1.js';
import type { HonoTlsConfig as Generated } from '../../../operator/api/generated/honotlsconfig.js';

type GenSpec = Generated['spec'];
type GenStatus = NonNullable<Generated['status']>;

export const specFromCrd = (s: GenSpec): HonoTlsConfigSpec => s;
export const specToCrd = (s: HonoTlsConfigSpec): GenSpec => s;
export const statusFromCrd = (s: GenStatus): HonoTlsConfigStatus => s;
export const statusToCrd = (s: HonoTlsConfigStatus): GenStatus => s;
