// `hono-tls-operator render -f honotlsconfig.yaml -f stack.yaml [-o dir] [-n namespace]`: prints
// (or writes into dir) what render.ts computes. Bad input: a message naming file and line, exit
// 1, and nothing written. Usage mistakes: exit 2.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RenderError } from './manifests.js';
import { render, toFiles, toStream } from './render.js';

export const RENDER_USAGE = `usage: hono-tls-operator render -f FILE [-f FILE ...] [-o DIR] [-n NAMESPACE]
  Offline, no cluster: prints the Deployments of the files given as the operator would wire them
  for the HonoTlsConfigs among them (env, volumes, mounts, the digest annotation), preceded by
  each config's plan as comments (Secrets with their keys, never key material; the sslProfile).
  -f, --file FILE        YAML with HonoTlsConfigs and/or the stack's Deployments (repeat)
  -o, --output DIR       write honotlsconfig-<name>.plan.yaml and deployment-<name>.yaml there
  -n, --namespace NS     namespace for objects without one (default: the config's, else default)`;

export interface RenderIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: RenderIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function renderCommand(argv: string[], io: RenderIo = stdio): number {
  let values: { file?: string[]; output?: string; namespace?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        output: { type: 'string', short: 'o' },
        namespace: { type: 'string', short: 'n' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    io.err(`render: ${(e as Error).message}\n${RENDER_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${RENDER_USAGE}\n`);
    return 0;
  }
  if (!values.file?.length) {
    io.err(`render: give the files with -f\n${RENDER_USAGE}\n`);
    return 2;
  }
  try {
    const r = render(values.file, values.namespace);
    if (values.output) writeAll(values.output, toFiles(r));
    else io.out(toStream(r));
    return 0;
  } catch (e) {
    if (!(e instanceof RenderError)) throw e;
    io.err(`render: ${e.message}\n`);
    return 1;
  }
}

/** Writes every file or none: all go to temp names first, then are renamed into place. */
function writeAll(dir: string, files: Array<{ name: string; text: string }>): void {
  const temps: string[] = [];
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) {
      const tmp = path.join(dir, `.${f.name}.${process.pid}.tmp`);
      temps.push(tmp);
      fs.writeFileSync(tmp, f.text);
    }
  } catch (e) {
    for (const t of temps) fs.rmSync(t, { force: true });
    throw new RenderError(`${dir}: cannot write: ${(e as Error).message}`);
  }
  files.forEach((f, i) => fs.renameSync(temps[i]!, path.join(dir, f.name)));
}
