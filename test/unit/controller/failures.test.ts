// Errors to status: typed errors keep their reason, anything else is a retried InternalError,
// and no PEM block ever reaches a message.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { FAILURE_REASONS, WARNING_REASONS, failureOf } from '../../../operator/controller/failures.js';
import { PkiError } from '../../../operator/pki/errors.js';
import { PlanError } from '../../../operator/plan/errors.js';

test('typed errors map to their reasons; bad input waits for a spec change, the rest retries', (t) => {
  t.deepEqual(failureOf(new PlanError('spec.components[0].envOverrides.X', 'X is not a variable')), {
    reason: 'InvalidSpec',
    message: 'spec.components[0].envOverrides.X: X is not a variable',
    retry: false,
  });
  t.is(failureOf(new PkiError('UNSUPPORTED_PASSWORD', 'must be ASCII')).reason, 'PasswordSecretInvalid');
  t.is(failureOf(new PkiError('CHAIN_INVALID', 'pathLenConstraint: ...')).reason, 'CaSecretInvalid');
  const issue = failureOf(new PkiError('INVALID_DNS_NAME', 'label too long', 'dnsNames[0]'), 'component auth');
  t.deepEqual(issue, { reason: 'IssueFailed', message: 'component auth: dnsNames[0]: label too long', retry: true });
});

test('an unexpected error is an InternalError with its message, retried, and without key material', (t) => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';
  const f = failureOf(new TypeError(`cannot read key ${pem} here`));
  t.is(f.reason, 'InternalError');
  t.true(f.retry);
  t.regex(f.message, /cannot read key \[PEM redacted\] here; retrying with backoff/);
  t.false(f.message.includes('MIGHAgEA'));
  const api = Object.assign(new Error('HTTP-Code: 422 Body: {...}'), { code: 422, body: JSON.stringify({ message: 'Deployment.apps "x" is invalid' }) });
  t.regex(failureOf(api).message, /^422: Deployment\.apps "x" is invalid/);
});

test("the README's Troubleshooting table explains every reason, warnings included", (t) => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('## Troubleshooting'), readme.indexOf('Control plane and tests:'));
  const rows = table.split('\n').filter((l) => l.startsWith('| `'));
  t.true(rows.length > 5, 'the table is found');
  t.deepEqual([...FAILURE_REASONS, ...WARNING_REASONS].filter((r) => !rows.some((row) => row.split('|')[1]!.includes(`\`${r}\``))), []);
});
