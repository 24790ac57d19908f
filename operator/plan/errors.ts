/** Bad input the CRD's schema cannot see (e.g. an env override of a name the profile does not have). */
export class PlanError extends Error {
  constructor(
    /** JSON path of the offending field, e.g. spec.components[2].envOverrides. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PlanError';
  }
}
