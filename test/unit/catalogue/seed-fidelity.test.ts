// Seed fidelity, table-driven: the env var tables are parsed from the seed document itself
// (../shared/reference/seed-secure-communication.md) and from hono-tls-facts.md, and compared
// with what planConfig emits for a full stack (jks trust store, so password variables appear).
import test from 'ava';
import type { ComponentType } from '../../../operator/api/v1alpha1.js';
import { SEED_CHANNELS, catalogueEntry, isUnsupported } from '../../../operator/catalogue/index.js';
import { planConfig } from '../../../operator/plan/plan.js';
import { comp, readReference, stackConfig } from './fixtures.js';

/** Section heading of the seed document -> component type. */
const SEED_SECTIONS: Record<string, ComponentType> = {
  'Auth Server': 'authServer',
  'Dispatch Router': 'dispatchRouter',
  'Hono Server': 'honoServer',
  'Device Registry': 'deviceRegistry',
  'REST Adapter': 'httpAdapter', // the seed's REST adapter uses the HONO_HTTP_ prefix
  'MQTT Adapter': 'mqttAdapter',
  'Client Application': 'client',
};

/** Env var names per `## Section` of the seed: the first column of each table row. */
function seedTables(): Map<ComponentType, Set<string>> {
  const doc = readReference('seed-secure-communication.md');
  const out = new Map<ComponentType, Set<string>>();
  let current: ComponentType | undefined;
  for (const line of doc.split('\n')) {
    const h = /^## (.+?)\s*$/.exec(line);
    if (h) {
      current = SEED_SECTIONS[h[1]!];
      if (!current) throw new Error(`seed document has an unexpected section "${h[1]}"`);
      out.set(current, new Set());
      continue;
    }
    const row = /^\|\s*`(HONO_[A-Z_]+)`<br>/.exec(line);
    if (row && current) out.get(current)!.add(row[1]!);
  }
  return out;
}

/** The one typo of the seed; the profile spells it correctly. */
const SEED_TYPO = { wrong: 'HONO_DOWNSTRAM_TRUST_STORE_PASSWORD', right: 'HONO_DOWNSTREAM_TRUST_STORE_PASSWORD' };

const fullSeedStack = () =>
  planConfig(
    stackConfig('seed', [
      comp('hono-service-auth', 'authServer'),
      comp('hono-dispatch-router', 'dispatchRouter'),
      comp('hono-server', 'honoServer'),
      comp('hono-service-device-registry', 'deviceRegistry'),
      comp('hono-adapter-rest-vertx', 'httpAdapter'),
      comp('hono-adapter-mqtt-vertx', 'mqttAdapter'),
      { name: 'consumer', type: 'client' },
    ]),
  );

test('the seed document parses into seven sections with 32 distinct env vars', (t) => {
  const tables = seedTables();
  t.is(tables.size, 7);
  t.is([...tables.values()].reduce((n, s) => n + s.size, 0), 32); // auth 4, server 8, registry 4, REST 8, MQTT 8
  t.true(tables.get('honoServer')!.has(SEED_TYPO.wrong), 'the seed still carries its typo');
});

const seedRows = [...seedTables()];
for (const [type, expectedRaw] of seedRows) {
  test(`seed profile, ${type}: exactly the seed's env vars (typo fixed)`, (t) => {
    const expected = [...expectedRaw].map((n) => (n === SEED_TYPO.wrong ? SEED_TYPO.right : n)).sort();
    const c = fullSeedStack().components.find((x) => x.type === type)!;
    const got = (c.workload?.env ?? []).map((e) => e.name).sort();
    t.deepEqual(got, expected);
    t.false(got.includes(SEED_TYPO.wrong));
  });
}

test('seed profile: trust variables follow the six channels', (t) => {
  const plan = fullSeedStack();
  for (const c of plan.components) {
    for (const tr of c.trust) {
      for (const id of tr.channels ?? []) {
        const ch = SEED_CHANNELS.find((x) => x.id === id)!;
        const asClient = ch.clients.includes(c.type) && tr.peers.includes(ch.server);
        const asServer = ch.server === c.type && ch.clients.some((p) => tr.peers.includes(p));
        t.true(asClient || asServer, `${c.name} ${tr.env} channel ${id}`);
      }
    }
  }
  // Channel 2 is the one with a client certificate: the Hono Server has the DOWNSTREAM identity.
  const server = plan.components.find((c) => c.type === 'honoServer')!;
  t.truthy(server.workload!.env.find((e) => e.name === 'HONO_DOWNSTREAM_KEY_FILE'));
  // The seed names no env var for token validation, so only the file is there.
  t.truthy(server.entries.find((e) => e.key === 'auth-server-cert.pem' && e.source.kind === 'peerCertificate'));
});

// --- hono-2 against hono-tls-facts.md section 1 ---

/** Backticked names of the "Hono 1.x/2.x (Quarkus)" bullet of the facts document. */
function factsQuarkusNames(): { prefixes: Set<string>; suffixes: Set<string>; literal: Set<string> } {
  const doc = readReference('hono-tls-facts.md');
  const start = doc.indexOf('- Hono 1.x/2.x (Quarkus)');
  const end = doc.indexOf('Trust store format is chosen', start);
  if (start < 0 || end < 0) throw new Error('hono-tls-facts.md: the Quarkus bullet was not found');
  const tokens = [...doc.slice(start, end).matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const suffixes = new Set(tokens.filter((x) => /^[A-Z]+$/.test(x)));
  suffixes.add('KEYPATH'); // spelled in the bullet's example, HONO_MQTT_KEYPATH
  const prefixes = new Set(tokens.filter((x) => /^HONO_[A-Z_]+$/.test(x) && !x.endsWith('PATH')));
  const literal = new Set(tokens.filter((x) => /^HONO_[A-Z_]+PATH$/.test(x)));
  return { prefixes, suffixes, literal };
}

// Checked-in expectations per component type (what the hono-2 profile must emit, jks store).
// Built from the facts: server prefixes per type, the adapters' client prefixes, and HONO_AUTH for
// the Auth Server client (named by HONO_AUTH_VALIDATION_CERTPATH in the facts).
const TRUST = ['TRUSTSTOREPATH', 'TRUSTSTOREPASSWORD'];
const ID = ['KEYPATH', 'CERTPATH'];
const names = (prefix: string, suffixes: string[]) => suffixes.map((s) => `${prefix}_${s}`);
const adapter = (p: string) => [
  ...names(p, [...ID, ...TRUST]),
  ...names('HONO_MESSAGING', [...ID, ...TRUST]),
  ...names('HONO_COMMAND', [...ID, ...TRUST]),
  ...names('HONO_TENANT', TRUST),
  ...names('HONO_REGISTRATION', TRUST),
  ...names('HONO_CREDENTIALS', TRUST),
  ...names('HONO_COMMANDROUTER', TRUST),
];
const HONO2_EXPECTED: Partial<Record<ComponentType, string[]>> = {
  authServer: names('HONO_AUTH_AMQP', [...ID, ...TRUST]),
  dispatchRouter: [],
  deviceRegistry: [...names('HONO_REGISTRY_AMQP', ID), ...names('HONO_REGISTRY_HTTP', ID), ...names('HONO_AUTH', TRUST), 'HONO_AUTH_VALIDATION_CERTPATH'],
  httpAdapter: adapter('HONO_HTTP'),
  mqttAdapter: adapter('HONO_MQTT'),
  amqpAdapter: adapter('HONO_AMQP'),
  coapAdapter: adapter('HONO_COAP'),
  commandRouter: [
    ...names('HONO_COMMANDROUTER_AMQP', ID),
    ...names('HONO_AUTH', TRUST),
    'HONO_AUTH_VALIDATION_CERTPATH',
    ...names('HONO_TENANT', TRUST),
    ...names('HONO_REGISTRATION', TRUST),
    ...names('HONO_COMMAND', [...ID, ...TRUST]),
  ],
  client: [],
};

const hono2Stack = () =>
  planConfig(
    stackConfig(
      'hono-2',
      (Object.keys(HONO2_EXPECTED) as ComponentType[]).map((type) => comp(type.toLowerCase(), type)),
    ),
  );

for (const [type, expected] of Object.entries(HONO2_EXPECTED)) {
  test(`hono-2 profile, ${type}: the Quarkus names of the facts document`, (t) => {
    const c = hono2Stack().components.find((x) => x.type === type)!;
    t.deepEqual((c.workload?.env ?? []).map((e) => e.name).sort(), [...expected].sort());
  });
}

test('hono-2 profile: every name is a facts prefix plus a facts suffix, or a name the facts spell out', (t) => {
  const { prefixes, suffixes, literal } = factsQuarkusNames();
  t.true(prefixes.has('HONO_MQTT') && prefixes.has('HONO_COMMANDROUTER_AMQP') && suffixes.has('TRUSTSTOREPASSWORD'), 'facts parsed');
  prefixes.add('HONO_AUTH'); // the Auth Server client, see HONO_AUTH_VALIDATION_CERTPATH
  const all = hono2Stack().components.flatMap((c) => (c.workload?.env ?? []).map((e) => e.name));
  t.true(all.includes('HONO_MQTT_KEYPATH'));
  for (const n of all) {
    if (literal.has(n)) continue;
    const ok = [...prefixes].some((p) => n.startsWith(`${p}_`) && suffixes.has(n.slice(p.length + 1)));
    t.true(ok, `${n} is not built from the facts' prefixes and suffixes`);
  }
  // Every server prefix of the facts is used by some component.
  for (const p of ['HONO_AUTH_AMQP', 'HONO_REGISTRY_AMQP', 'HONO_REGISTRY_HTTP', 'HONO_COMMANDROUTER_AMQP', 'HONO_HTTP', 'HONO_MQTT', 'HONO_AMQP', 'HONO_COAP']) {
    t.true(all.includes(`${p}_KEYPATH`), p);
  }
});

// --- hono-1: hono-2 plus the adapters' Device Connection client (Hono 1.2.3's AbstractAdapterConfig) ---
const ADAPTERS: ComponentType[] = ['httpAdapter', 'mqttAdapter', 'amqpAdapter', 'coapAdapter'];
const DEVICE_CONNECTION = names('HONO_DEVICECONNECTION', TRUST);

test('hono-1 profile: the hono-2 names, plus HONO_DEVICECONNECTION trust on every adapter, trusting the Device Registry', (t) => {
  const types = Object.keys(HONO2_EXPECTED) as ComponentType[];
  const plan = planConfig(stackConfig('hono-1', types.map((type) => comp(type.toLowerCase(), type))));
  for (const [type, expected] of Object.entries(HONO2_EXPECTED) as Array<[ComponentType, string[]]>) {
    const c = plan.components.find((x) => x.type === type)!;
    const want = ADAPTERS.includes(type) ? [...expected, ...DEVICE_CONNECTION] : expected;
    t.deepEqual((c.workload?.env ?? []).map((e) => e.name).sort(), [...want].sort(), type);
  }
  for (const type of ADAPTERS) {
    const entry = catalogueEntry('hono-1', type);
    if (isUnsupported(entry)) {
      t.fail(`hono-1 has no ${type}`);
      continue;
    }
    for (const n of DEVICE_CONNECTION) t.deepEqual(entry.env.find((e) => e.name === n)?.trust?.peers, ['deviceRegistry'], `${type} ${n}`);
  }
});

test('hono-1 profile: honoServer does not exist either', (t) => {
  t.regex(t.throws(() => planConfig(stackConfig('hono-1', [comp('hono-server', 'honoServer')])))!.message, /honoServer in profile hono-1: Hono 1\.0 removed/);
});

test('hono-2 profile: honoServer does not exist and the error says what to do', (t) => {
  const err = t.throws(() => planConfig(stackConfig('hono-2', [comp('hono-server', 'honoServer')])));
  t.regex(err!.message, /spec\.components\[0\]\.type: honoServer in profile hono-2: Hono 1\.0 removed/);
});

// --- hono-0.5 against hono-tls-facts.md section 1 ---

test('hono-0.5 profile: the _PATH forms of the 0.5 config properties, with 0.5 prefixes', (t) => {
  const doc = readReference('hono-tls-facts.md');
  const bullet = /Hono 0\.5's config classes expose ([^.]+)\./.exec(doc.replace(/\s+/g, ' '));
  if (!bullet) throw new Error('hono-tls-facts.md: the 0.5 config property list was not found');
  // keyPath -> KEY_PATH (Spring relaxed binding splits camelCase).
  const suffixes = [...bullet[1]!.matchAll(/`([a-zA-Z]+)`/g)].map((m) => m[1]!.replace(/([A-Z])/g, '_$1').toUpperCase());
  t.deepEqual(suffixes, ['KEY_PATH', 'CERT_PATH', 'KEY_STORE_PATH', 'KEY_STORE_PASSWORD', 'TRUST_STORE_PATH', 'TRUST_STORE_PASSWORD']);
  // Prefixes named by the facts for 0.5 (hono.auth.amqp, hono.messaging, hono.registry.amqp,
  // hono.downstream, the hono.auth client), plus the adapters' own and their registration client.
  const prefixes = ['HONO_AUTH_AMQP', 'HONO_MESSAGING', 'HONO_REGISTRY_AMQP', 'HONO_DOWNSTREAM', 'HONO_AUTH', 'HONO_REGISTRATION', 'HONO_HTTP', 'HONO_MQTT'];
  const literal = ['HONO_AUTH_VALIDATION_CERT_PATH', 'HONO_AUTH_SVC_SIGNING_KEY_PATH'];
  for (const t2 of literal) t.true(doc.includes(t2), `${t2} is in the facts`);
  const stack = (algorithm: 'RSA' | 'ECDSA') =>
    planConfig(
      stackConfig(
        'hono-0.5',
        (['authServer', 'dispatchRouter', 'honoServer', 'deviceRegistry', 'httpAdapter', 'mqttAdapter', 'client'] as const).map((type) =>
          comp(type.toLowerCase(), type, { privateKey: { algorithm, size: algorithm === 'RSA' ? 2048 : 256 } }),
        ),
      ),
    );
  for (const alg of ['RSA', 'ECDSA'] as const) {
    const plan = stack(alg);
    const all = plan.components.flatMap((c) => (c.workload?.env ?? []).map((e) => e.name));
    for (const n of all) {
      const ok = literal.includes(n) || prefixes.some((p) => n.startsWith(`${p}_`) && suffixes.includes(n.slice(p.length + 1)));
      t.true(ok, `${n} (${alg})`);
      t.false(n.endsWith('_FILE'), n);
    }
    const server = plan.components.find((c) => c.type === 'honoServer')!.workload!.env.map((e) => e.name);
    t.true(server.includes('HONO_AUTH_VALIDATION_CERT_PATH'));
    t.true(server.includes(alg === 'RSA' ? 'HONO_MESSAGING_KEY_PATH' : 'HONO_MESSAGING_KEY_STORE_PATH'));
    t.true(server.includes('HONO_DOWNSTREAM_TRUST_STORE_PASSWORD'));
  }
});
