// The operator as a real process (operator/main.ts through tsx): its JSON log lines, stderr and
// exit, for tests that need signals (SIGTERM, SIGKILL mid-rotation).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface OperatorProcess {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  stderr(): string;
}

export function startOperatorProcess(args: string[]): OperatorProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'operator/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  createInterface(child.stdout!).on('line', (l) => lines.push(l));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr };
}

/** The `started` log line's fields (metrics and health URLs), once it is written. */
export function startedLine(p: OperatorProcess): Record<string, string> | undefined {
  for (const l of p.lines) {
    try {
      const x = JSON.parse(l) as Record<string, string>;
      if (x.message === 'started') return x;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}
