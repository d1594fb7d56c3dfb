/**
 * One process of the ledger concurrency test (test/ledger/concurrency.test.ts): its own pool and
 * Ledger on the shared test database, many concurrent callers firing random transfers among a
 * few accounts. Prints one JSON WorkerReport on stdout when every caller is done.
 *
 * Config comes as JSON in LEDGER_WORKER_CONFIG (a ConcurrencyWorkerConfig).
 */
import { createPool } from '../../src/db/pool.ts';
import { Ledger, transferIdFor } from '../../src/modules/ledger/ledger.ts';
import type {
  AccountId,
  TransferId,
  TransferRequest,
  TransferResult,
} from '../../src/modules/ledger/types.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { newId } from '../../src/platform/ids.ts';
import {
  type AppliedTransfer,
  type ConcurrencyWorkerConfig,
  type SharedOutcome,
  seededRandom,
  type WorkerReport,
} from './ledger-report.ts';

const config = JSON.parse(process.env.LEDGER_WORKER_CONFIG ?? '') as ConcurrencyWorkerConfig;

const db = createPool(config.databaseUrl, config.maxInFlightBatches + 2);
const ledger = new Ledger(db, systemClock, {
  maxBatchTransfers: config.maxBatchTransfers,
  maxInFlightBatches: config.maxInFlightBatches,
  expirySweepMs: 60_000,
});

const bank = config.bankId as AccountId;
const wallets = config.walletIds.map((id) => id as AccountId);
const hot = config.hotId as AccountId;

const report: WorkerReport = {
  worker: config.worker,
  applied: [],
  shared: [],
  outcomes: {},
  replayMismatches: [],
};

interface Call {
  requests: TransferRequest[];
  results: TransferResult[];
}

interface Leg {
  debit: AccountId;
  credit: AccountId;
  amount: bigint;
}

/** Accounts and amount of every pending transfer this process opened, to account for its post or void. */
const pendingLegs = new Map<string, Leg>();

const outcomeOf = (r: TransferResult): string =>
  r.ok ? (r.replayed ? 'ok(replayed)' : 'ok') : `${r.code}${r.replayed ? '(replayed)' : ''}`;

async function send(requests: TransferRequest[]): Promise<TransferResult[]> {
  const results = await ledger.createTransfers(requests);
  results.forEach((result, i) => {
    const outcome = result.ok ? (result.replayed ? 'replayed' : 'ok') : result.code;
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
    if (!result.ok || result.replayed) return;
    // Derived from what was asked, not from what the ledger answered, so the test checks the ledger.
    const req = requests[i]!;
    let leg: Leg;
    if (req.mode === 'post' || req.mode === 'void') {
      const pending = pendingLegs.get(req.pendingId);
      if (!pending) throw new Error(`resolved a pending transfer this process never opened`);
      leg = pending;
    } else {
      leg = { debit: req.debitAccountId, credit: req.creditAccountId, amount: req.amount };
      if (req.mode === 'pending') pendingLegs.set(req.id, leg);
    }
    const applied: AppliedTransfer = {
      id: req.id,
      mode: req.mode ?? 'single',
      debit: leg.debit,
      credit: leg.credit,
      amount: leg.amount.toString(),
    };
    report.applied.push(applied);
  });
  return results;
}

function checkReplay(original: Call, replay: TransferResult[]): void {
  const id = original.requests[0]!.id;
  if (original.requests.length === 1) {
    const before = original.results[0]!;
    const after = replay[0]!;
    const same = before.ok
      ? after.ok &&
        after.replayed &&
        after.transfer.id === before.transfer.id &&
        after.transfer.amount === before.transfer.amount &&
        after.transfer.debitAccountId === before.transfer.debitAccountId &&
        after.transfer.creditAccountId === before.transfer.creditAccountId
      : !after.ok && after.replayed && after.code === before.code;
    if (!same) {
      report.replayMismatches.push(`${id}: first ${outcomeOf(before)}, replay ${outcomeOf(after)}`);
    }
    return;
  }
  // A replayed chain must succeed or fail as a whole exactly as it did the first time.
  const okBefore = original.results.every((r) => r.ok);
  const okAfter = replay.every((r) => r.ok && r.replayed);
  const failedAfter = replay.every((r) => !r.ok);
  if (okBefore ? !okAfter : !failedAfter) {
    report.replayMismatches.push(
      `chain ${id}: first [${original.results.map(outcomeOf)}], replay [${replay.map(outcomeOf)}]`,
    );
  }
}

async function runCaller(caller: number): Promise<void> {
  const random = seededRandom(config.seed * 1000 + config.worker * 100 + caller);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const amount = (max: number): bigint => BigInt(1 + Math.floor(random() * max));
  const twoWallets = (): [AccountId, AccountId] => {
    const a = pick(wallets);
    let b = pick(wallets);
    while (b === a) b = pick(wallets);
    return [a, b];
  };
  const move = (
    debit: AccountId,
    credit: AccountId,
    value: bigint,
    mode: 'single' | 'pending' = 'single',
  ): TransferRequest => ({
    id: newId() as TransferId,
    mode,
    debitAccountId: debit,
    creditAccountId: credit,
    amount: value,
    kind: 'test.concurrency',
  });

  const history: Call[] = [];
  const open: TransferId[] = [];
  const resolved: { id: TransferId; mode: 'post' | 'void' }[] = [];

  for (let i = 0; i < config.opsPerCaller; i++) {
    if (i % 10 === 5) {
      // Same id and fields in both processes, sent at about the same moment: one applies it.
      const request: TransferRequest = {
        id: transferIdFor('concurrency-test', String(config.seed), String(caller), String(i)),
        debitAccountId: bank,
        creditAccountId: wallets[(caller + i) % wallets.length]!,
        amount: BigInt(1 + ((caller * 7 + i) % 40)),
        kind: 'test.shared',
      };
      const [result] = await send([request]);
      const outcome: SharedOutcome = { id: request.id, ok: result!.ok, replayed: result!.replayed };
      report.shared.push(outcome);
      continue;
    }

    const r = random();
    let requests: TransferRequest[];
    if (r < 0.24) {
      const [a, b] = twoWallets();
      requests = [move(a, b, amount(400))];
    } else if (r < 0.42) {
      requests = [move(pick(wallets), hot, amount(300))];
    } else if (r < 0.52) {
      requests = [move(bank, pick(wallets), amount(700))];
    } else if (r < 0.64) {
      // A linked pair: pass money on, and only if the second leg can be paid too.
      const [a, b] = twoWallets();
      requests = [{ ...move(a, b, amount(300)), linked: true }, move(b, hot, amount(300))];
    } else if (r < 0.76) {
      const credit = random() < 0.5 ? hot : twoWallets()[1];
      let debit = pick(wallets);
      while (debit === credit) debit = pick(wallets);
      requests = [move(debit, credit, amount(300), 'pending')];
    } else if (r < 0.9) {
      const again = resolved.length > 0 && random() < 0.15;
      if (again) {
        // Resolving a pending transfer a second time must be refused, whatever the mode.
        const target = pick(resolved);
        const mode = random() < 0.5 ? 'post' : 'void';
        const [result] = await send([
          { id: newId() as TransferId, mode, pendingId: target.id, kind: 'test.concurrency' },
        ]);
        const expected =
          target.mode === 'post'
            ? 'pending_transfer_already_posted'
            : 'pending_transfer_already_voided';
        if (result!.ok || result!.code !== expected) {
          report.replayMismatches.push(
            `second ${mode} of ${target.id} (${target.mode}ed): ${outcomeOf(result!)}, expected ${expected}`,
          );
        }
        continue;
      }
      if (open.length === 0) continue;
      const target = open.splice(Math.floor(random() * open.length), 1)[0]!;
      const mode = random() < 0.5 ? 'post' : 'void';
      requests = [{ id: newId() as TransferId, mode, pendingId: target, kind: 'test.concurrency' }];
      const [result] = await send(requests);
      if (!result!.ok) {
        report.replayMismatches.push(`${mode} of open pending ${target}: ${outcomeOf(result!)}`);
      } else {
        resolved.push({ id: target, mode });
      }
      history.push({ requests, results: [result!] });
      continue;
    } else {
      if (history.length === 0) continue;
      const original = pick(history);
      if (original.requests.length === 1 && random() < 0.2) {
        // Same id, different fields: refused, and nothing of it applies.
        const [result] = await send([{ ...original.requests[0]!, kind: 'test.conflict' }]);
        if (result!.ok || result!.code !== 'idempotency_conflict' || result!.replayed) {
          report.replayMismatches.push(
            `conflicting replay of ${original.requests[0]!.id}: ${outcomeOf(result!)}`,
          );
        }
        continue;
      }
      checkReplay(original, await send(original.requests));
      continue;
    }

    const results = await send(requests);
    history.push({ requests, results });
    const [first] = results;
    if (requests[0]!.mode === 'pending' && first!.ok) open.push(requests[0]!.id);
  }
}

try {
  await Promise.all(Array.from({ length: config.callers }, (_, c) => runCaller(c)));
  await new Promise<void>((resolve) =>
    process.stdout.write(`${JSON.stringify(report)}\n`, () => resolve()),
  );
} catch (err) {
  process.stderr.write(`worker ${config.worker} failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await db.end();
}
