// Where provision.sh put real Hono and our Java peers, and whether it is current. A test that
// needs them and finds them missing or stale fails at once with the command to run.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROVISION_SCRIPT = path.join(here, 'provision.sh');
export const PROVISION_COMMAND = 'bash test/peers/hono/provision.sh';

export type HonoService = 'auth' | 'mqtt' | 'http';

export interface RealHonoInstall {
  version: string;
  dir: string;
  /** Runtime classpath of each service (Hono's jar and its dependencies). */
  classpath: Record<HonoService, string>;
  /** Classpath for our peers: the Auth Server's (Hono's client classes) plus the compiled peers. */
  peerClasspath: string;
}

export class RealHonoMissingError extends Error {
  override name = 'RealHonoMissingError';
}

export function realHonoVersion(): string {
  const m = /^REAL_HONO_VERSION=(\S+)/m.exec(fs.readFileSync(path.join(here, 'versions.env'), 'utf8'));
  if (!m) throw new Error('test/peers/hono/versions.env names no REAL_HONO_VERSION');
  return m[1]!;
}

const sha16 = (s: Buffer | string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const cat = (files: string[]) => Buffer.concat(files.map((f) => fs.readFileSync(f)));
const sortedGlob = (dir: string, pick: (name: string) => boolean) =>
  fs.readdirSync(dir).filter(pick).sort().map((n) => path.join(dir, n));

/** The stamps provision.sh writes, recomputed from the sources (same inputs, same order). */
function expectedStamps(version: string): { deps: string; peer: string } {
  const maven = path.join(here, 'maven');
  const modulePoms = sortedGlob(maven, (n) => fs.existsSync(path.join(maven, n, 'pom.xml'))).map((d) => path.join(d, 'pom.xml'));
  const deps = sha16(Buffer.concat([Buffer.from(`${version}\n`), cat([path.join(maven, 'pom.xml'), ...modulePoms])]));
  const peer = sha16(Buffer.concat([Buffer.from(`${deps}\n`), cat(sortedGlob(path.join(here, 'java'), (n) => n.endsWith('.java')))]));
  return { deps, peer };
}

/** The provisioned install; throws RealHonoMissingError naming the command when absent or stale. */
export function realHono(): RealHonoInstall {
  const version = realHonoVersion();
  const dir = process.env.REAL_HONO_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'hono-tls-operator', `hono-${version}`);
  const command = `${process.env.REAL_HONO_CACHE ? `REAL_HONO_CACHE=${dir} ` : ''}${PROVISION_COMMAND}`;
  const missing = (what: string) =>
    new RealHonoMissingError(`real Hono ${version} is not provisioned in ${dir} (${what}): run \`${command}\` (cold: about a minute, Maven Central)`);
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(dir, f), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const want = expectedStamps(version);
  if (read('classpath/stamp') !== want.deps) throw missing('no or stale classpath/stamp');
  if (read('peer/stamp') !== want.peer) throw missing('the Java peers in test/peers/hono/java changed or were never compiled');
  const classpath = {} as Record<HonoService, string>;
  for (const s of ['auth', 'mqtt', 'http'] as const) {
    const cp = read(`classpath/${s}.txt`);
    if (!cp) throw missing(`no classpath/${s}.txt`);
    const absent = cp.split(':').find((j) => !fs.existsSync(j));
    if (absent) throw missing(`${absent} is gone`);
    classpath[s] = cp;
  }
  return { version, dir, classpath, peerClasspath: `${classpath.auth}:${path.join(dir, 'peer')}` };
}
