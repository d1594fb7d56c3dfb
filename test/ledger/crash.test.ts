/**
 * Crash safety: a process streams transfers and acknowledges each one as soon as the ledger
 * answers ok; it is SIGKILLed mid-stream (with its embedded PostgreSQL, in the second case).
 * Every acknowledged transfer must be in the ledger afterwards, and the ledger must verify.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { createPool, type Db } from '../../src/db/pool.ts';
import { verifyLedger } from '../../src/modules/ledger/verify.ts';
import { testDatabaseUrl, testPool, uniquePrefix } from '../support/db.ts';
import { isAlive, spawnScript, waitUntilDead, waitUntilGone } from '../support/ledger-process.ts';
import { freePort } from '../support/ports.ts';

const ACKS_BEFORE_KILL = 300;
const WORKER = 'test/support/ledger-crash-worker.ts';

interface CrashRun {
  acks: string[];
  killed: boolean;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Reads the child's acknowledgements; after `ackTarget` of them kills its whole process group
 * (the child was started detached, so it leads one). Acks already in the pipe still count.
 */
function crashAfter(
  child: ChildProcess,
  ackTarget: number,
  onReady: () => void = () => {},
): Promise<CrashRun> {
  const run: CrashRun = { acks: [], killed: false, signal: null, stderr: '' };
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    // Keep the tail only: the embedded PostgreSQL logs a lot.
    run.stderr = (run.stderr + s).slice(-20_000);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('ready')) onReady();
    if (!line.startsWith('ack ')) return;
    run.acks.push(line.slice(4));
    if (run.acks.length >= ackTarget && !run.killed) {
      run.killed = true;
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      run.signal = signal;
      resolve(run);
    });
  });
}

async function missingAcks(db: Db, acks: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT a.id::text FROM unnest($1::uuid[]) AS a(id)
      WHERE NOT EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.id = a.id)`,
    [acks],
  );
  return rows.map((r) => r.id);
}

function killGroupIfAlive(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

describe('ledger crash safety', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    killGroupIfAlive(child);
    child = undefined;
  });

  it('keeps every acknowledged transfer when the process is killed (external PostgreSQL)', async () => {
    child = spawnScript(
      WORKER,
      { CRASH_DATABASE_URL: testDatabaseUrl(), CRASH_ACCOUNT_PREFIX: uniquePrefix('crash') },
      { detached: true },
    );
    const run = await crashAfter(child, ACKS_BEFORE_KILL);
    expect(run.killed, run.stderr).toBe(true);
    expect(run.signal).toBe('SIGKILL');
    expect(run.acks.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

    const db = testPool(2);
    try {
      expect(await missingAcks(db, run.acks)).toEqual([]);
      const report = await verifyLedger(db);
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      await db.end();
    }
  });

  it('keeps every acknowledged transfer when the process and its embedded PostgreSQL are killed', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hebao-crash-'));
    const port = await freePort();
    let restarted: EmbeddedDatabase | undefined;
    let db: Db | undefined;
    try {
      child = spawnScript(
        WORKER,
        {
          CRASH_EMBEDDED_DIR: dataDir,
          CRASH_EMBEDDED_PORT: String(port),
          CRASH_ACCOUNT_PREFIX: 'crash',
        },
        { detached: true },
      );
      let postmasterPid = 0;
      const run = await crashAfter(child, ACKS_BEFORE_KILL, () => {
        // First line of postmaster.pid: the pid of the server the child started.
        const lockFile = readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
        postmasterPid = Number(lockFile.split('\n')[0]);
      });
      expect(run.killed, run.stderr).toBe(true);
      expect(run.signal).toBe('SIGKILL');
      expect(postmasterPid).toBeGreaterThan(0);
      // Killed with the group, not shut down: gone at once, with no chance to checkpoint.
      await waitUntilDead(postmasterPid, 5_000);
      expect(isAlive(postmasterPid)).toBe(false);
      // Until its zombie is reaped, a restarted postgres would take the old pid for a live server.
      await waitUntilGone(postmasterPid, 20_000);

      const serverLog: string[] = [];
      restarted = await startEmbeddedPostgres(dataDir, port, (line) => serverLog.push(line));
      expect(serverLog.join('\n')).toMatch(
        /not properly shut down; automatic recovery in progress/,
      );

      db = createPool(restarted.url, 2);
      expect(await missingAcks(db, run.acks)).toEqual([]);
      const report = await verifyLedger(db);
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.transfersChecked).toBeGreaterThanOrEqual(run.acks.length);
    } finally {
      await db?.end();
      await restarted?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
