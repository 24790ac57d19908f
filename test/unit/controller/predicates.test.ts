import test from 'ava';
import { ConfigPredicate } from '../../../operator/controller/predicates.js';
import { TerminatingNamespaces, isNamespaceTerminating } from '../../../operator/controller/terminating.js';

const cfg = (generation: number, extra: Record<string, unknown> = {}, status: unknown = {}) => ({ metadata: { name: 'c', namespace: 'n', generation, resourceVersion: String(Math.random()), ...extra }, status });

test('a status or finalizer write does not pass; generation, annotation and deletion changes do', (t) => {
  const p = new ConfigPredicate();
  t.true(p.admit('add', 'n/c', cfg(1)));
  t.false(p.admit('update', 'n/c', cfg(1, {}, { conditions: [{ type: 'Ready' }] })), 'status only');
  t.false(p.admit('update', 'n/c', cfg(1, { finalizers: ['x'] })), 'finalizer only');
  t.true(p.admit('update', 'n/c', cfg(2, { finalizers: ['x'] })), 'spec (generation)');
  t.true(p.admit('update', 'n/c', cfg(2, { annotations: { rotate: '1' } })), 'annotation');
  t.false(p.admit('update', 'n/c', cfg(2, { annotations: { rotate: '1' } })), 'the same again');
  t.true(p.admit('update', 'n/c', cfg(2, { annotations: { rotate: '1' }, deletionTimestamp: '2026-01-01T00:00:00Z' })), 'deletion');
  t.true(p.admit('delete', 'n/c', cfg(2)));
  t.true(p.admit('update', 'n/c', cfg(2)), 'after a delete, nothing is remembered');
});

test('the NamespaceTerminating refusal is recognised, other 403s are not', (t) => {
  const body = JSON.stringify({ kind: 'Status', reason: 'Forbidden', code: 403, details: { causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace' }] } });
  t.true(isNamespaceTerminating({ code: 403, body }));
  t.false(isNamespaceTerminating({ code: 403, body: JSON.stringify({ reason: 'Forbidden', message: 'secrets is forbidden: User cannot create' }) }));
  t.false(isNamespaceTerminating({ code: 409, body }));
  t.false(isNamespaceTerminating(new Error('x')));
});

test('a terminating namespace is marked once, and forgotten when a config is created there after the mark', (t) => {
  const ns = new TerminatingNamespaces();
  const at = Date.parse('2026-01-01T00:00:10Z');
  t.true(ns.mark('n', at));
  t.false(ns.mark('n', at + 5), 'logged once');
  ns.created('n', '2026-01-01T00:00:00Z'); // an old config relisted
  t.true(ns.has('n'));
  ns.created('n', '2026-01-01T00:01:00Z'); // the namespace was made again
  t.false(ns.has('n'));
});

test('a deleted Secret makes the next reconcile in its namespace look first, once', (t) => {
  const ns = new TerminatingNamespaces();
  t.false(ns.checkFirst('n'));
  ns.suspectAt('n');
  t.true(ns.checkFirst('n'));
  t.false(ns.checkFirst('n'), 'consumed');
});
