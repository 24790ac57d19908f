// Runs an Argo CD health script (Lua) with a real interpreter, as Argo CD does: the object is the
// global `obj`, the script returns { status, message }. The interpreter is Debian's lua5.4 (or
// lua5.3, or lua), which test/provision/provision.sh installs.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';

let found: string | undefined;

export function luaInterpreter(): string {
  if (found) return found;
  for (const name of ['lua5.4', 'lua5.3', 'lua']) {
    try {
      execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' });
      return (found = name);
    } catch {
      /* try the next one */
    }
  }
  throw new Error('no Lua interpreter on PATH (lua5.4, lua5.3 or lua): run `bash test/provision/provision.sh`, or `apt-get install lua5.4`');
}

/** A JSON value as a Lua table constructor (arrays 1-based, as Argo CD's decoding gives them). */
export function toLua(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v).replace(/\\u([0-9a-fA-F]{4})/g, '\\u{$1}');
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{${v.map(toLua).join(',')}}`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `[${JSON.stringify(k)}]=${toLua(x)}`).join(',')}}`;
}

/** The health a script file computes for `obj`. */
export async function luaHealth(scriptFile: string, obj: unknown): Promise<{ status: string; message: string }> {
  const script = fs.readFileSync(scriptFile, 'utf8');
  const program = `obj = ${toLua(obj)}\nlocal hs = (function()\n${script}\nend)()\nio.write(tostring(hs.status), "\\n", tostring(hs.message or ""))\n`;
  return new Promise((resolve, reject) => {
    const child = spawn(luaInterpreter(), ['-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${scriptFile}: lua exited ${code}: ${err.trim()}`));
      const [status, ...message] = out.split('\n');
      resolve({ status: status!, message: message.join('\n') });
    });
    child.stdin.end(program);
  });
}
