// Production code imports no test code: every relative import under operator/ stays inside
// operator/ (the image is built from operator/ alone; the demo and the peers live under test/).
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve('operator');
const sources = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
// Static `from '...'`, side-effect `import '...'` and dynamic `import('...')`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

test('nothing under operator/ imports from outside it (no test helpers in production code)', (t) => {
  const files = sources(root);
  t.true(files.length > 20, 'found the operator sources');
  const outside: string[] = [];
  let relative = 0;
  for (const file of files) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      relative++;
      const target = path.resolve(path.dirname(file), m[1]!);
      if (!target.startsWith(root + path.sep)) outside.push(`${path.relative('.', file)} imports ${m[1]}`);
    }
  }
  t.true(relative > 50, 'the import pattern matches the code base (positive control)');
  // Positive control: the same check flags an import of a test helper.
  const probe = path.resolve(root, 'controller', '../../test/helpers/cluster.js');
  t.false(probe.startsWith(root + path.sep));
  t.deepEqual(outside, []);
});
