// cert-manager as an issuer is on the roadmap: the operator says so plainly instead of pretending.
export const CERT_MANAGER_NOT_IMPLEMENTED = {
  reason: 'IssuerNotImplemented',
  message:
    'spec.issuer.certManager is not implemented yet (roadmap): use spec.issuer.selfSigned or spec.issuer.ca for now',
} as const;
