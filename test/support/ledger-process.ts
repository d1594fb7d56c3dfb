/** Child processes for the ledger's multi-process tests: TypeScript scripts run through tsx. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts `node --import tsx <script>` from the repository root, stdout and stderr piped. */
export function spawnScript(
  script: string,
  env: Record<string, string>,
  options: { detached?: boolean } = {},
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, script)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output until it exits. */
export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close', not 'exit': the pipes are drained by then.
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Whether a process exists and is not a zombie (a zombie holds no files, memory or ports). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the parenthesised command name, which may itself hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until `pid` has exited (it may linger as a zombie until its parent reaps it). */
export async function waitUntilDead(pid: number, timeoutMs: number): Promise<void> {
  await waitFor(() => !isAlive(pid), timeoutMs, `process ${pid} still running`);
}

/**
 * Waits until `pid` is reaped as well. An orphan's zombie goes only when init reaps it, and
 * some container inits do that late; postgres's own lock-file check sees a zombie as alive.
 */
export async function waitUntilGone(pid: number, timeoutMs: number): Promise<void> {
  await waitFor(
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    timeoutMs,
    `process ${pid} not reaped`,
  );
}

async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
