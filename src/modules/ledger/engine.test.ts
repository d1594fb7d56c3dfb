import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNTS,
  expireModel,
  freshModel,
  keyOf,
  modelCall,
  requestsFor,
  stepArb,
} from '../../../test/support/ledger-model.ts';
import {
  applyChains,
  type EngineRequest,
  fingerprintOf,
  isResolve,
  type LedgerState,
  toChains,
} from './engine.ts';
import { newTransferId } from './ledger.ts';
import {
  type Account,
  AccountFlags,
  type AccountId,
  MAX_BIGINT,
  TransferFlags,
  type TransferId,
  type TransferRequest,
  type TransferResult,
} from './types.ts';

/**
 * The ledger's pure core on its own, without a database: fast enough for mutation testing
 * (npm run mutate), which runs these tests against every mutant of engine.ts.
 */
const NOW = new Date('2026-03-01T00:00:00Z');

function account(id: number, flags = 0, currency = 'CNY', credits = 0n): Account {
  return {
    id: id as AccountId,
    code: `a${id}`,
    currency,
    flags,
    debitsPending: 0n,
    debitsPosted: 0n,
    creditsPending: 0n,
    creditsPosted: credits,
  };
}

function stateOf(...accounts: Account[]): LedgerState {
  return {
    accounts: new Map(accounts.map((a) => [a.id, a])),
    pendings: new Map(),
    prior: new Map(),
  };
}

const A = 1 as AccountId;
const B = 2 as AccountId;
const C = 3 as AccountId;
const tid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` as TransferId;

function move(
  n: number,
  amount: bigint,
  extra: Partial<Extract<TransferRequest, { debitAccountId: AccountId }>> = {},
): EngineRequest {
  return { id: tid(n), debitAccountId: A, creditAccountId: B, amount, kind: 'test', ...extra };
}

type Ok = Extract<TransferResult, { ok: true }>;

const run = (state: LedgerState, reqs: EngineRequest[], now = NOW) =>
  applyChains(state, toChains(reqs).chains, now);
const codes = (out: ReturnType<typeof applyChains>) =>
  out.results.map((r) => (r.ok ? (r.replayed ? 'replayed' : 'ok') : r.code));
const balances = (s: LedgerState, id: AccountId) => {
  const a = s.accounts.get(id)!;
  return [a.debitsPending, a.debitsPosted, a.creditsPending, a.creditsPosted];
};

describe('engine against the model', () => {
  it('random sequences of transfers, chains, two-phase, timeouts and replays match', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 3, maxLength: 12 }), (steps) => {
        let now = NOW.getTime();
        const accounts = Array.from({ length: ACCOUNTS }, (_, i) =>
          account(i + 1, i === 0 ? AccountFlags.none : AccountFlags.debitsMustNotExceedCredits),
        );
        const state = stateOf(...accounts.map((a) => ({ ...a })));
        const idxOf = new Map(accounts.map((a, i) => [a.id as number, i]));
        let model = freshModel();
        const history: TransferRequest[] = [];
        const pendingIds: TransferId[] = [];
        for (const step of steps) {
          for (const reqs of requestsFor(step, accounts, history, pendingIds)) {
            const expected = modelCall(model, reqs, reqs.map(keyOf), now, idxOf);
            model = expected.state;
            const out = applyChains(state, toChains(reqs).chains, new Date(now));
            expect(out.results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(expected.results);
            history.push(...reqs);
          }
          if (step.advanceSeconds > 0) {
            now += step.advanceSeconds * 1000;
            // The ledger's sweep: a void with `expire` for each pending past its time.
            const due = [...state.pendings.values()].filter(
              (p) =>
                p.status === 'open' &&
                p.transfer.expiresAt !== null &&
                p.transfer.expiresAt.getTime() <= now,
            );
            for (const p of due) {
              const out = run(
                state,
                [
                  {
                    id: newTransferId(),
                    mode: 'void',
                    pendingId: p.transfer.id,
                    kind: 'expire',
                    expire: true,
                  },
                ],
                new Date(now),
              );
              expect(codes(out)).toEqual(['ok']);
            }
            expireModel(model, now);
          }
        }
        accounts.forEach((a, i) => {
          const m = model.accounts[i]!;
          expect(balances(state, a.id)).toEqual([m.dp, m.dpo, m.cp, m.cpo]);
        });
      }),
    );
  });
});

describe('moves', () => {
  it('posts a single transfer and reports everything it did', () => {
    const s = stateOf(account(1), account(2));
    const out = run(s, [move(1, 50n, { metadata: { note: 'x' } })]);
    expect(codes(out)).toEqual(['ok']);
    const r = out.results[0]!;
    expect(r).toEqual({
      ok: true,
      replayed: false,
      transfer: {
        id: tid(1),
        debitAccountId: A,
        creditAccountId: B,
        amount: 50n,
        currency: 'CNY',
        kind: 'test',
        flags: TransferFlags.none,
        pendingId: null,
        expiresAt: null,
        metadata: { note: 'x' },
        createdAt: NOW,
      },
    });
    expect(balances(s, A)).toEqual([0n, 50n, 0n, 0n]);
    expect(balances(s, B)).toEqual([0n, 0n, 0n, 50n]);
    expect(out.inserted).toEqual([
      {
        transfer: (r as Ok).transfer,
        fingerprint: fingerprintOf(move(1, 50n, { metadata: { note: 'x' } })),
      },
    ]);
    expect(out.changedAccounts.map((a) => a.id).sort()).toEqual([A, B]);
    expect(out.rejected).toEqual([]);
    expect(out.pendingOpened).toEqual([]);
    expect(out.pendingClosed).toEqual([]);
    // The caller's accounts are not the state's: nothing aliases.
    expect(out.changedAccounts.find((a) => a.id === A)).toBe(s.accounts.get(A));
  });

  it('defaults metadata to null', () => {
    const s = stateOf(account(1), account(2));
    const r = run(s, [move(1, 1n)]).results[0]!;
    expect(r.ok && r.transfer.metadata).toBeNull();
  });

  it('refuses bad amounts, one account twice, unknown accounts, mixed currencies', () => {
    const s = stateOf(account(1), account(2), account(3, 0, 'USD'));
    expect(codes(run(s, [move(1, 0n)]))).toEqual(['amount_must_be_positive']);
    expect(codes(run(s, [move(2, -1n)]))).toEqual(['amount_must_be_positive']);
    expect(codes(run(s, [move(3, 5 as unknown as bigint)]))).toEqual(['amount_must_be_positive']);
    expect(codes(run(s, [move(4, MAX_BIGINT + 1n)]))).toEqual(['amount_too_large']);
    expect(codes(run(s, [move(5, 1n, { creditAccountId: A })]))).toEqual([
      'accounts_must_be_different',
    ]);
    expect(codes(run(s, [move(6, 1n, { creditAccountId: 9 as AccountId })]))).toEqual([
      'account_not_found',
    ]);
    expect(codes(run(s, [move(7, 1n, { debitAccountId: 9 as AccountId })]))).toEqual([
      'account_not_found',
    ]);
    expect(codes(run(s, [move(8, 1n, { creditAccountId: C })]))).toEqual(['currency_mismatch']);
    expect(balances(s, A)).toEqual([0n, 0n, 0n, 0n]);
    // Each refusal is recorded under its id, with its fingerprint.
    expect(run(s, [move(1, 0n)]).results[0]).toEqual({
      ok: false,
      code: 'amount_must_be_positive',
      replayed: true,
    });
  });

  it('accepts MAX_BIGINT but never lets a balance pass it', () => {
    const s = stateOf(account(1), account(2));
    expect(codes(run(s, [move(1, MAX_BIGINT)]))).toEqual(['ok']);
    expect(codes(run(s, [move(2, 1n)]))).toEqual(['exceeds_limit']);
    const t = stateOf(account(1), account(2), account(3));
    expect(codes(run(t, [move(1, MAX_BIGINT - 1n, { creditAccountId: C })]))).toEqual(['ok']);
    expect(codes(run(t, [move(2, 1n, { mode: 'pending' })]))).toEqual(['ok']);
    // Pending debits count toward the limit too.
    expect(codes(run(t, [move(3, 1n)]))).toEqual(['exceeds_limit']);
    const u = stateOf(account(1), account(2), account(3));
    expect(codes(run(u, [move(1, MAX_BIGINT - 1n, { debitAccountId: C })]))).toEqual(['ok']);
    expect(codes(run(u, [move(2, 1n, { mode: 'pending' })]))).toEqual(['ok']);
    expect(codes(run(u, [move(3, 1n)]))).toEqual(['exceeds_limit']);
  });

  it('never overdraws a debit-limited account, counting what it holds', () => {
    const s = stateOf(account(1, AccountFlags.debitsMustNotExceedCredits, 'CNY', 100n), account(2));
    expect(codes(run(s, [move(1, 101n)]))).toEqual(['insufficient_funds']);
    expect(codes(run(s, [move(2, 60n, { mode: 'pending' })]))).toEqual(['ok']);
    expect(codes(run(s, [move(3, 41n)]))).toEqual(['insufficient_funds']);
    expect(codes(run(s, [move(4, 40n)]))).toEqual(['ok']);
    expect(balances(s, A)).toEqual([60n, 40n, 0n, 100n]);
  });

  it('never lets a credit-limited account take more than it was debited', () => {
    const s = stateOf(account(1), account(2, AccountFlags.creditsMustNotExceedDebits));
    s.accounts.get(B)!.debitsPosted = 10n;
    expect(codes(run(s, [move(1, 11n)]))).toEqual(['exceeds_debits']);
    expect(codes(run(s, [move(2, 6n, { mode: 'pending' })]))).toEqual(['ok']);
    expect(codes(run(s, [move(3, 5n)]))).toEqual(['exceeds_debits']);
    expect(codes(run(s, [move(4, 4n)]))).toEqual(['ok']);
  });
});

describe('two-phase transfers', () => {
  it('holds, then posts, with the right flags and accounts', () => {
    const s = stateOf(account(1), account(2));
    const opened = run(s, [move(1, 30n, { mode: 'pending', timeoutSeconds: 60 })]);
    const hold = opened.results[0]!;
    expect(hold.ok && hold.transfer.flags).toBe(TransferFlags.pending);
    expect(hold.ok && hold.transfer.expiresAt).toEqual(new Date(NOW.getTime() + 60_000));
    expect(opened.pendingOpened).toEqual([
      { transferId: tid(1), expiresAt: new Date(NOW.getTime() + 60_000) },
    ]);
    expect(balances(s, A)).toEqual([30n, 0n, 0n, 0n]);
    expect(balances(s, B)).toEqual([0n, 0n, 30n, 0n]);
    expect(s.pendings.get(tid(1))!.status).toBe('open');

    const posted = run(s, [{ id: tid(2), mode: 'post', pendingId: tid(1), kind: 'p' }]);
    expect(posted.results[0]).toEqual({
      ok: true,
      replayed: false,
      transfer: {
        id: tid(2),
        debitAccountId: A,
        creditAccountId: B,
        amount: 30n,
        currency: 'CNY',
        kind: 'p',
        flags: TransferFlags.postPending,
        pendingId: tid(1),
        expiresAt: null,
        metadata: null,
        createdAt: NOW,
      },
    });
    expect(posted.pendingClosed).toEqual([tid(1)]);
    expect(posted.pendingOpened).toEqual([]);
    expect(balances(s, A)).toEqual([0n, 30n, 0n, 0n]);
    expect(balances(s, B)).toEqual([0n, 0n, 0n, 30n]);
    expect(s.pendings.get(tid(1))!.status).toBe('posted');
    expect(codes(run(s, [{ id: tid(3), mode: 'void', pendingId: tid(1), kind: 'v' }]))).toEqual([
      'pending_transfer_already_posted',
    ]);
  });

  it('voids, and a void cannot be followed by a post', () => {
    const s = stateOf(account(1), account(2));
    run(s, [move(1, 30n, { mode: 'pending' })]);
    const voided = run(s, [{ id: tid(2), mode: 'void', pendingId: tid(1), kind: 'v' }]);
    const v = voided.results[0]!;
    expect(v.ok && v.transfer.flags).toBe(TransferFlags.voidPending);
    expect(v.ok && v.transfer.amount).toBe(30n);
    expect(balances(s, A)).toEqual([0n, 0n, 0n, 0n]);
    expect(balances(s, B)).toEqual([0n, 0n, 0n, 0n]);
    expect(s.pendings.get(tid(1))!.status).toBe('voided');
    expect(codes(run(s, [{ id: tid(3), mode: 'post', pendingId: tid(1), kind: 'p' }]))).toEqual([
      'pending_transfer_already_voided',
    ]);
  });

  it('refuses to resolve what is not a pending transfer', () => {
    const s = stateOf(account(1), account(2));
    run(s, [move(1, 5n)]);
    s.pendings.set(tid(1), {
      transfer: (run(stateOf(account(1), account(2)), [move(1, 5n)]).results[0] as Ok).transfer,
      status: 'open',
    });
    expect(codes(run(s, [{ id: tid(2), mode: 'post', pendingId: tid(1), kind: 'p' }]))).toEqual([
      'pending_transfer_not_pending',
    ]);
    expect(codes(run(s, [{ id: tid(3), mode: 'post', pendingId: tid(9), kind: 'p' }]))).toEqual([
      'pending_transfer_not_found',
    ]);
  });

  it('lets only the ledger void a timed-out transfer, exactly at its time', () => {
    const s = stateOf(account(1), account(2));
    run(s, [move(1, 5n, { mode: 'pending', timeoutSeconds: 10 })]);
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    expect(
      codes(run(s, [{ id: tid(2), mode: 'post', pendingId: tid(1), kind: 'p' }], at(10_000))),
    ).toEqual(['pending_transfer_expired']);
    const expired = run(
      s,
      [{ id: tid(3), mode: 'void', pendingId: tid(1), kind: 'x', expire: true }],
      at(10_000),
    );
    const e = expired.results[0]!;
    expect(e.ok && e.transfer.flags).toBe(TransferFlags.voidPending | TransferFlags.expired);
    expect(balances(s, A)).toEqual([0n, 0n, 0n, 0n]);

    const t = stateOf(account(1), account(2));
    run(t, [move(1, 5n, { mode: 'pending', timeoutSeconds: 10 })]);
    expect(
      codes(run(t, [{ id: tid(2), mode: 'post', pendingId: tid(1), kind: 'p' }], at(9_999))),
    ).toEqual(['ok']);
  });

  it('refuses timeouts that are not a positive whole number of seconds within a year, or on a plain transfer', () => {
    const s = stateOf(account(1), account(2));
    for (const [n, timeoutSeconds] of [
      [1, 0],
      [2, -1],
      [3, 1.5],
      [4, 366 * 24 * 3600 + 1],
    ] as const) {
      expect(codes(run(s, [move(n, 1n, { mode: 'pending', timeoutSeconds })]))).toEqual([
        'invalid_timeout',
      ]);
    }
    expect(codes(run(s, [move(5, 1n, { timeoutSeconds: 5 })]))).toEqual(['invalid_timeout']);
    expect(
      codes(run(s, [move(6, 1n, { mode: 'pending', timeoutSeconds: 366 * 24 * 3600 })])),
    ).toEqual(['ok']);
    expect(codes(run(s, [move(7, 1n, { mode: 'pending', timeoutSeconds: 1 })]))).toEqual(['ok']);
  });

  it('refuses to post or void a plain transfer, made in the same batch or before', () => {
    const s = stateOf(account(1), account(2));
    const sameBatch = applyChains(
      s,
      [[move(1, 5n)], [{ id: tid(2), mode: 'post', pendingId: tid(1), kind: 'p' }]],
      NOW,
    );
    expect(codes(sameBatch)).toEqual(['ok', 'pending_transfer_not_pending']);
    expect(sameBatch.pendingOpened).toEqual([]);
    // A later batch: the store loads the transfer by id.
    const later = stateOf(account(1), account(2));
    later.pendings.set(tid(1), { transfer: (sameBatch.results[0] as Ok).transfer, status: 'open' });
    expect(codes(run(later, [{ id: tid(3), mode: 'void', pendingId: tid(1), kind: 'v' }]))).toEqual(
      ['pending_transfer_not_pending'],
    );
  });

  it('posts up to exactly the BIGINT maximum', () => {
    const s = stateOf(account(1), account(2));
    run(s, [move(1, 10n, { mode: 'pending' })]);
    s.accounts.get(A)!.debitsPosted = MAX_BIGINT - 10n;
    s.accounts.get(B)!.creditsPosted = MAX_BIGINT - 10n;
    expect(codes(run(s, [{ id: tid(2), mode: 'post', pendingId: tid(1), kind: 'p' }]))).toEqual([
      'ok',
    ]);
    expect(s.accounts.get(B)!.creditsPosted).toBe(MAX_BIGINT);
  });

  it('refuses a post that would pass the BIGINT maximum', () => {
    const s = stateOf(account(1), account(2), account(3));
    run(s, [move(1, 10n, { mode: 'pending' })]);
    s.accounts.get(A)!.debitsPosted = MAX_BIGINT - 5n;
    expect(codes(run(s, [{ id: tid(2), mode: 'post', pendingId: tid(1), kind: 'p' }]))).toEqual([
      'exceeds_limit',
    ]);
    const t = stateOf(account(1), account(2));
    run(t, [move(1, 10n, { mode: 'pending' })]);
    t.accounts.get(B)!.creditsPosted = MAX_BIGINT - 5n;
    expect(codes(run(t, [{ id: tid(2), mode: 'post', pendingId: tid(1), kind: 'p' }]))).toEqual([
      'exceeds_limit',
    ]);
  });
});

describe('linked chains and replays', () => {
  it('applies a chain whole or not at all, recording each member’s refusal', () => {
    const s = stateOf(account(1, AccountFlags.debitsMustNotExceedCredits, 'CNY', 100n), account(2));
    const out = run(s, [
      move(1, 60n, { linked: true }),
      move(2, 60n, { linked: true }),
      move(3, 1n),
    ]);
    expect(codes(out)).toEqual([
      'linked_event_failed',
      'insufficient_funds',
      'linked_event_failed',
    ]);
    expect(balances(s, A)).toEqual([0n, 0n, 0n, 100n]);
    expect(out.inserted).toEqual([]);
    expect(out.changedAccounts).toEqual([]);
    expect(out.rejected.map((r) => [r.id, r.code])).toEqual([
      [tid(1), 'linked_event_failed'],
      [tid(2), 'insufficient_funds'],
      [tid(3), 'linked_event_failed'],
    ]);
    // A later chain sees the state as if the failed one had never been tried.
    expect(codes(run(s, [move(4, 100n)]))).toEqual(['ok']);
    // The same chain again replays its recorded refusal.
    const again = run(s, [
      move(1, 60n, { linked: true }),
      move(2, 60n, { linked: true }),
      move(3, 1n),
    ]);
    expect(again.results[0]).toEqual({ ok: false, code: 'linked_event_failed', replayed: true });
    expect(again.rejected).toEqual([]);
  });

  it('replays a committed transfer, refuses the same id with other fields', () => {
    const s = stateOf(account(1), account(2));
    const first = run(s, [move(1, 5n)]);
    const again = run(s, [move(1, 5n)]);
    expect(again.results[0]).toEqual({
      ok: true,
      replayed: true,
      transfer: (first.results[0] as Ok).transfer,
    });
    expect(again.inserted).toEqual([]);
    expect(again.changedAccounts).toEqual([]);
    expect(balances(s, A)).toEqual([0n, 5n, 0n, 0n]);
    for (const changed of [
      move(1, 6n),
      move(1, 5n, { creditAccountId: A, debitAccountId: B }),
      move(1, 5n, { kind: 'other' }),
      move(1, 5n, { metadata: { x: 1 } }),
      move(1, 5n, { mode: 'pending' }),
    ]) {
      const r = run(s, [changed]);
      expect(r.results).toEqual([{ ok: false, code: 'idempotency_conflict', replayed: false }]);
      // A conflict is not recorded: it would shadow the real outcome.
      expect(r.rejected).toEqual([]);
    }
    // `linked` is not part of the fingerprint.
    expect(codes(run(s, [move(1, 5n, { linked: true }), move(9, 1n)]))).toEqual(['replayed', 'ok']);
  });

  it('refuses an id used twice in one chain', () => {
    const s = stateOf(account(1), account(2));
    const out = run(s, [move(1, 5n, { linked: true }), move(1, 5n)]);
    expect(out.results).toEqual([
      { ok: false, code: 'linked_event_failed', replayed: false },
      { ok: false, code: 'idempotency_conflict', replayed: false },
    ]);
    expect(balances(s, A)).toEqual([0n, 0n, 0n, 0n]);
  });

  it('in a failed chain, keeps reporting members that replay a committed transfer', () => {
    const s = stateOf(account(1, AccountFlags.debitsMustNotExceedCredits, 'CNY', 10n), account(2));
    run(s, [move(1, 5n)]);
    const out = run(s, [
      move(1, 5n, { linked: true }),
      move(2, 50n, { linked: true }),
      move(3, 1n),
    ]);
    expect(codes(out)).toEqual(['replayed', 'insufficient_funds', 'linked_event_failed']);
    // Only new refusals are recorded.
    expect(out.rejected.map((r) => r.id)).toEqual([tid(2), tid(3)]);
    // A replayed refusal is reported as replayed and not recorded again.
    const twice = run(s, [move(2, 50n)]);
    expect(twice.results[0]).toEqual({ ok: false, code: 'insufficient_funds', replayed: true });
    expect(twice.rejected).toEqual([]);
  });

  it('fails a member after the failing one even when it replays a committed transfer', () => {
    const s = stateOf(account(1, AccountFlags.debitsMustNotExceedCredits, 'CNY', 10n), account(2));
    run(s, [move(1, 5n)]);
    const out = run(s, [move(2, 50n, { linked: true }), move(1, 5n)]);
    expect(out.results).toEqual([
      { ok: false, code: 'insufficient_funds', replayed: false },
      { ok: false, code: 'linked_event_failed', replayed: false },
    ]);
    // The committed transfer's record is not overwritten by that failure.
    expect(out.rejected.map((r) => r.id)).toEqual([tid(2)]);
    expect(codes(run(s, [move(1, 5n)]))).toEqual(['replayed']);
  });

  it('splits requests into chains and returns an unclosed chain apart', () => {
    const a = move(1, 1n, { linked: true });
    const b = move(2, 1n);
    const c = move(3, 1n, { linked: true });
    expect(toChains([a, b, c])).toEqual({ chains: [[a, b]], open: [c] });
    expect(toChains([b, b])).toEqual({ chains: [[b], [b]], open: [] });
  });

  it('fingerprints every field but the id and `linked`', () => {
    const base = move(1, 5n);
    expect(fingerprintOf(base)).toBe(fingerprintOf({ ...base, id: tid(2), linked: true }));
    expect(fingerprintOf(base)).not.toBe(fingerprintOf(move(1, 6n)));
    expect(fingerprintOf(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(isResolve({ id: tid(1), mode: 'void', pendingId: tid(2), kind: 'v' })).toBe(true);
    expect(isResolve(base)).toBe(false);
    expect(isResolve(move(1, 5n, { mode: 'pending' }))).toBe(false);
  });
});
