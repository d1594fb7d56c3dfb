/**
 * Many callers in two processes, each process with its own Ledger and pool on one database,
 * fire random transfers among a few accounts so that batches collide on the same rows. The
 * balances must come out exactly as the transfers the callers were told about imply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/pool.ts';
import { Ledger } from '../../src/modules/ledger/ledger.ts';
import {
  type Account,
  AccountFlags,
  type TransferId,
  type TransferRequest,
} from '../../src/modules/ledger/types.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { newId } from '../../src/platform/ids.ts';
import { testDatabaseUrl, testPool, uniquePrefix } from '../support/db.ts';
import { finished, spawnScript } from '../support/ledger-process.ts';
import {
  type AppliedTransfer,
  type ConcurrencyWorkerConfig,
  impliedBalances,
  type WorkerReport,
} from '../support/ledger-report.ts';

const WORKERS = 2;
const CALLERS = 16;
const OPS_PER_CALLER = 100;
const INITIAL_WALLET_FUNDS = 1_000n;

describe('ledger under concurrent callers in two processes', () => {
  let db: Db;
  let ledger: Ledger;

  beforeAll(() => {
    db = testPool(4);
    ledger = new Ledger(db, systemClock, {
      maxBatchTransfers: 1000,
      maxInFlightBatches: 1,
      expirySweepMs: 60_000,
    });
  });
  afterAll(async () => {
    await db.end();
  });

  it('keeps every balance equal to the transfers its callers were told were applied', async () => {
    const seed = Number(process.env.LEDGER_SEED ?? Date.now() % 2 ** 31);
    const prefix = uniquePrefix('concurrency');
    const open = (name: string, flags: number): Promise<Account> =>
      ledger.ensureAccount({ code: `${prefix}:${name}`, currency: 'CNY', flags }, db);
    const bank = await open('bank', AccountFlags.none);
    const wallets: Account[] = [];
    for (let i = 0; i < 5; i++) {
      wallets.push(await open(`wallet${i}`, AccountFlags.debitsMustNotExceedCredits));
    }
    const hot = await open('hot', AccountFlags.debitsMustNotExceedCredits);
    const accounts = [bank, ...wallets, hot];

    const funding: TransferRequest[] = wallets.map((w) => ({
      id: newId() as TransferId,
      debitAccountId: bank.id,
      creditAccountId: w.id,
      amount: INITIAL_WALLET_FUNDS,
      kind: 'test.funding',
    }));
    const fundingResults = await ledger.createTransfers(funding);
    expect(fundingResults.every((r) => r.ok)).toBe(true);
    const initial: AppliedTransfer[] = wallets.map((w, i) => ({
      id: funding[i]!.id,
      mode: 'single',
      debit: bank.id,
      credit: w.id,
      amount: INITIAL_WALLET_FUNDS.toString(),
    }));

    const runs = Array.from({ length: WORKERS }, (_, worker) => {
      const config: ConcurrencyWorkerConfig = {
        worker,
        databaseUrl: testDatabaseUrl(),
        seed,
        callers: CALLERS,
        opsPerCaller: OPS_PER_CALLER,
        bankId: bank.id,
        walletIds: wallets.map((w) => w.id),
        hotId: hot.id,
        // Small batches with several in flight in one process, large ones in the other.
        maxBatchTransfers: worker === 0 ? 8 : 1000,
        maxInFlightBatches: worker === 0 ? 4 : 2,
      };
      return finished(
        spawnScript('test/support/ledger-worker.ts', {
          LEDGER_WORKER_CONFIG: JSON.stringify(config),
        }),
      );
    });
    const outputs = await Promise.all(runs);
    const reports: WorkerReport[] = outputs.map((out, worker) => {
      expect(out.code, `worker ${worker} (seed ${seed}) failed:\n${out.stderr}`).toBe(0);
      return JSON.parse(out.stdout) as WorkerReport;
    });

    for (const report of reports) {
      expect(report.replayMismatches, `seed ${seed}`).toEqual([]);
      // The run only means something if it hit the paths it is about.
      const o = report.outcomes;
      expect(o.ok ?? 0).toBeGreaterThan(500);
      expect(o.insufficient_funds ?? 0).toBeGreaterThan(50);
      expect(o.linked_event_failed ?? 0).toBeGreaterThan(10);
      expect(o.replayed ?? 0).toBeGreaterThan(50);
      expect(o.idempotency_conflict ?? 0).toBeGreaterThan(5);
      expect(o.pending_transfer_already_posted ?? 0).toBeGreaterThan(0);
      const modes = new Set(report.applied.map((t) => t.mode));
      expect([...modes].sort()).toEqual(['pending', 'post', 'single', 'void']);
    }

    // Requests sent by both processes with the same id: applied by exactly one of them.
    const sharedById = new Map<string, { ok: boolean; replayed: boolean }[]>();
    for (const report of reports) {
      for (const s of report.shared) sharedById.set(s.id, [...(sharedById.get(s.id) ?? []), s]);
    }
    expect(sharedById.size).toBe(CALLERS * (OPS_PER_CALLER / 10));
    for (const [id, outcomes] of sharedById) {
      expect(
        outcomes.every((s) => s.ok),
        id,
      ).toBe(true);
      expect(outcomes.filter((s) => !s.replayed).length, id).toBe(1);
    }

    const applied = [...initial, ...reports.flatMap((r) => r.applied)];
    const appliedIds = applied.map((t) => t.id);
    expect(new Set(appliedIds).size).toBe(appliedIds.length);
    // Every transfer the ledger holds on these accounts is one a caller was told about, and back.
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM ledger_transfers
        WHERE debit_account_id = ANY($1::bigint[]) OR credit_account_id = ANY($1::bigint[])`,
      [accounts.map((a) => a.id)],
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...appliedIds].sort());

    const stored = await ledger.accounts(accounts.map((a) => a.id));
    expect(stored).toHaveLength(accounts.length);
    const implied = impliedBalances(applied);
    let postedNet = 0n;
    let pendingNet = 0n;
    for (const a of stored) {
      const expected = implied.get(a.id);
      expect(
        [a.debitsPending, a.debitsPosted, a.creditsPending, a.creditsPosted],
        `account ${a.code}`,
      ).toEqual([
        expected?.debitsPending ?? 0n,
        expected?.debitsPosted ?? 0n,
        expected?.creditsPending ?? 0n,
        expected?.creditsPosted ?? 0n,
      ]);
      postedNet += a.creditsPosted - a.debitsPosted;
      pendingNet += a.creditsPending - a.debitsPending;
      if (a.flags & AccountFlags.debitsMustNotExceedCredits) {
        expect(a.creditsPosted - a.debitsPosted - a.debitsPending, a.code).toBeGreaterThanOrEqual(
          0n,
        );
      }
    }
    expect(postedNet).toBe(0n);
    expect(pendingNet).toBe(0n);
    // The hot account was credited by most callers, from both processes.
    expect(stored.find((a) => a.id === hot.id)!.creditsPosted).toBeGreaterThan(0n);

    const verdict = await ledger.verify();
    expect(verdict.problems).toEqual([]);
    expect(verdict.ok).toBe(true);
  });
});
