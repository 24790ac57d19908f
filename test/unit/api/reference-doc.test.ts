import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REFERENCE_FILE, renderReference } from '../../../operator/api/gen/gen-docs.js';
import { repoRoot } from '../../../operator/api/gen/sources.js';

test('crds/REFERENCE.md matches `npm run gen:docs`', (t) => {
  const text = renderReference();
  t.true(fs.readFileSync(path.join(repoRoot, REFERENCE_FILE), 'utf8') === text, 'stale: run npm run gen:docs');
  // Spot checks that it carries what users look up.
  t.regex(text, /\| `spec\.certificate\.renewBefore` \| string \| `"720h"` \|/);
  t.regex(text, /RSA key size must be 2048, 3072 or 4096/);
  t.regex(text, /\| honoServer \| `HONO_DOWNSTREAM_TRUST_STORE_PASSWORD` \| trustStore password \(secretKeyRef\) \| dispatchRouter \(2\) \|/);
  t.regex(text, /\| mqttAdapter \| `HONO_MQTT_KEYPATH` \| key\.pem \|/);
});
