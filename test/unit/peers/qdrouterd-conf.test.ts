// The Dispatch Router config reader (test/peers/qdrouterd/conf.ts) against the forms that
// qdrouterd.conf(5) documents, and the mistakes it must name by file and line.
import test from 'ava';
import { camelName, readRouterConfig } from '../../peers/qdrouterd/conf.js';

test('the manual form: sections, one attribute a line, comments and blank lines skipped, values kept whole', (t) => {
  const text = [
    '# router config',
    'router {',
    '    mode: standalone',
    '    id: Router.A',
    '}',
    '',
    'sslProfile {',
    '    # the mounted files',
    '    name: my-ssl',
    '    caCertFile: /etc/tls/ca.pem',
    '    protocols: TLSv1.2 TLSv1.3',
    '}',
    'listener {',
    '    sslProfile: my-ssl',
    '    host: ::1',
    '    port: 20102',
    '    saslMechanisms: ANONYMOUS EXTERNAL',
    '}',
  ].join('\n');
  t.deepEqual(readRouterConfig(text), [
    ['router', { mode: 'standalone', id: 'Router.A' }],
    ['sslProfile', { name: 'my-ssl', caCertFile: '/etc/tls/ca.pem', protocols: 'TLSv1.2 TLSv1.3' }],
    ['listener', { sslProfile: 'my-ssl', host: '::1', port: '20102', saslMechanisms: 'ANONYMOUS EXTERNAL' }],
  ]);
});

test('the older hyphenated names read as the camelCase ones', (t) => {
  const text = 'ssl-profile {\n    name: ssl-profile-one\n    cert-db: ca.pem\n    cert-file: server.pem\n    key-file: server-key.pem\n}\nlistener {\n    ssl-profile: ssl-profile-one\n    sasl-mechanisms: ANONYMOUS\n}\n';
  t.deepEqual(readRouterConfig(text), [
    ['sslProfile', { name: 'ssl-profile-one', certDb: 'ca.pem', certFile: 'server.pem', keyFile: 'server-key.pem' }],
    ['listener', { sslProfile: 'ssl-profile-one', saslMechanisms: 'ANONYMOUS' }],
  ]);
  t.is(camelName('require_ssl'), 'requireSsl');
  t.is(camelName('certDb'), 'certDb');
});

test('the JSON form, chosen by the .json name, with comment lines', (t) => {
  const text = '# rendered\n[\n  ["sslProfile", {"name": "x", "cert-file": "/c.pem"}],\n  ["listener", {"port": 5671}]\n]\n';
  t.deepEqual(readRouterConfig(text, 'qdrouterd.json'), [
    ['sslProfile', { name: 'x', certFile: '/c.pem' }],
    ['listener', { port: 5671 }],
  ]);
  // The same text under a .conf name is not the JSON form.
  t.throws(() => readRouterConfig(text, 'qdrouterd.conf'), { message: /^qdrouterd\.conf:2: expected/ });
});

test('mistakes are named with file and line', (t) => {
  const bad: Array<[string, RegExp, string?]> = [
    ['sslProfile {\n    name: x\n', /^qdrouterd\.conf:1: section 'sslProfile' has no closing '}'/],
    ['router {\n mode: standalone\n}\n}\n', /^qdrouterd\.conf:4: '}' closes no section/],
    ['name: x\n', /^qdrouterd\.conf:1: attribute 'name' outside a section/],
    ['router {\nlistener {\n}\n', /^qdrouterd\.conf:2: section 'listener' opens inside section 'router' \(line 1\)/],
    ['listener {\n port: 1\n port: 2\n}\n', /^qdrouterd\.conf:3: attribute 'port' given twice/],
    ['router { mode: standalone }\n', /^qdrouterd\.conf:1: expected 'sectionName \{'/],
    ['[["sslProfile", {}]', /^r\.json: not JSON/, 'r.json'],
    ['{"sslProfile": {}}', /^r\.json: the JSON form is a list/, 'r.json'],
    ['[["sslProfile"]]', /^r\.json: entry 0 is not an \[entityType, \{attributes\}\] pair/, 'r.json'],
  ];
  for (const [text, message, file] of bad) t.throws(() => readRouterConfig(text, file), { message }, text);
  // Positive control: the first case, closed, reads.
  t.deepEqual(readRouterConfig('sslProfile {\n    name: x\n}\n'), [['sslProfile', { name: 'x' }]]);
});
