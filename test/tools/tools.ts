// The Go tools the tests run (helm, kstatus): built once by test/tools/build.sh into the cache
// beside the control plane (or taken from HONO_HELM / HONO_KSTATUS), then run as child processes.
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Tool = 'helm' | 'kstatus';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const paths = new Map<Tool, string>();

/** The tool's binary: build.sh prints its path (cached, or built from the Go module proxy). */
export function toolPath(tool: Tool): string {
  let p = paths.get(tool);
  if (!p) {
    let out: string;
    try {
      out = execFileSync('bash', [path.join(here, 'build.sh'), tool], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const stderr = String((e as { stderr?: string }).stderr ?? '');
      const line = stderr.split('\n').reverse().find((l) => l.includes('ERROR')) ?? stderr.trim().split('\n').at(-1) ?? '';
      throw new Error(`test/tools/build.sh ${tool} failed: ${line.replace(/^\[tools\] /, '')}`);
    }
    p = out.trim().split('\n').at(-1)!.trim();
    paths.set(tool, p);
  }
  return p;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the tool from the repo root; never throws on a non-zero exit. */
export async function runTool(tool: Tool, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  const bin = toolPath(tool);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: repoRoot, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => reject(new Error(`${tool} (${bin}): ${e.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
