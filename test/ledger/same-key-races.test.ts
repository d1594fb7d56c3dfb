/**
 * Two processes (here: two Ledgers, each with its own pool) using the same key at the same
 * moment. The transfer-id case fails against the ledger as of 2026-11-25: an id can end up both
 * applied and refused (see the test). The ensureAccount case guards the fix in d56771d.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Db } from '../../src/db/pool.ts';
import { Ledger } from '../../src/modules/ledger/ledger.ts';
import {
  AccountFlags,
  type TransferId,
  type TransferRequest,
  type TransferResult,
} from '../../src/modules/ledger/types.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { newId } from '../../src/platform/ids.ts';
import { uniquePrefix } from '../support/db.ts';
import { type ScratchDatabase, scratchDatabase } from '../support/ledger-scratch-db.ts';

const ROUNDS = 20;
const options = { maxBatchTransfers: 100, maxInFlightBatches: 1, expirySweepMs: 60_000 };
const answer = (r: TransferResult): string =>
  r.ok ? (r.replayed ? 'ok(replayed)' : 'ok') : `${r.code}${r.replayed ? '(replayed)' : ''}`;

describe('the same key used by two processes at once', () => {
  // A database of its own: the first case leaves the ledger in a state that verify() rejects,
  // and other test files verify the shared test database.
  let scratch: ScratchDatabase;
  let dbA: Db;
  let dbB: Db;
  let a: Ledger;
  let b: Ledger;
  beforeAll(async () => {
    scratch = await scratchDatabase('races');
    dbA = createPool(scratch.url, 2);
    dbB = createPool(scratch.url, 2);
    a = new Ledger(dbA, systemClock, options);
    b = new Ledger(dbB, systemClock, options);
  });
  afterAll(async () => {
    await dbA.end();
    await dbB.end();
    await scratch.drop();
  });

  it('one transfer id with two different contents: one is applied or refused, the other conflicts', async () => {
    const prefix = uniquePrefix('same-id');
    const open = (name: string, flags: number) =>
      a.ensureAccount({ code: `${prefix}:${name}`, currency: 'CNY', flags });
    const bank = await open('bank', AccountFlags.none);
    const payee = await open('payee', AccountFlags.debitsMustNotExceedCredits);
    const empty = await open('empty', AccountFlags.debitsMustNotExceedCredits);
    const other = await open('other', AccountFlags.debitsMustNotExceedCredits);

    const answers: string[] = [];
    const replays: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const id = newId() as TransferId;
      // Disjoint accounts, so no row lock orders the two; the first succeeds, the second cannot.
      const applied: TransferRequest = {
        id,
        debitAccountId: bank.id,
        creditAccountId: payee.id,
        amount: 1n,
        kind: 'test.race',
      };
      const refused: TransferRequest = {
        id,
        debitAccountId: empty.id,
        creditAccountId: other.id,
        amount: 1n,
        kind: 'test.race',
      };
      const [[ra], [rb]] = await Promise.all([
        a.createTransfers([applied]),
        b.createTransfers([refused]),
      ]);
      answers.push(`${answer(ra!)} / ${answer(rb!)}`);
      if (ra!.ok) {
        // A replay of what was applied must keep answering that it was applied.
        const [again] = await a.createTransfers([applied]);
        replays.push(answer(again!));
      }
    }

    // Whichever came first owns the id; the other must be told the id is taken.
    expect(answers.filter((x) => !x.includes('idempotency_conflict'))).toEqual([]);
    expect(replays.filter((x) => x !== 'ok(replayed)')).toEqual([]);
    const report = await a.verify();
    expect(report.problems.filter((p) => p.kind === 'transfer_and_rejection_share_id')).toEqual([]);
  });

  it('ensureAccount of one new code from two processes returns the same account to both', async () => {
    const prefix = uniquePrefix('same-code');
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const spec = { code: `${prefix}:wallet${round}`, currency: 'CNY', flags: 1 };
      const settled = await Promise.allSettled([a.ensureAccount(spec), b.ensureAccount(spec)]);
      const ids = settled.map((s) => (s.status === 'fulfilled' ? s.value.id : String(s.reason)));
      if (ids[0] !== ids[1] || typeof ids[0] !== 'number') failures.push(ids.join(' / '));
    }
    expect(failures).toEqual([]);
  });
});
