/**
 * A deliberately plain model of the ledger and generators of random work for it, shared by the
 * property test of the real ledger (engine + SQL + group commit) and the pure engine test that
 * mutation testing runs.
 */
import fc from 'fast-check';
import { isResolve, type MoveRequest } from '../../src/modules/ledger/engine.ts';
import { newTransferId } from '../../src/modules/ledger/ledger.ts';
import {
  type Account,
  type AccountId,
  MAX_BIGINT,
  type TransferId,
  type TransferRequest,
} from '../../src/modules/ledger/types.ts';

/**
 * A deliberately plain model of the ledger: balances in a map, chains applied to a copy.
 * The real ledger (engine + SQL + group commit) must agree with it on every outcome.
 */
export interface ModelAccount {
  flags: number;
  dp: bigint;
  dpo: bigint;
  cp: bigint;
  cpo: bigint;
}
export interface ModelPending {
  debit: number;
  credit: number;
  amount: bigint;
  expiresAt: number | null;
  status: 'open' | 'posted' | 'voided';
}
export interface ModelState {
  accounts: ModelAccount[];
  pendings: Map<string, ModelPending>;
  outcomes: Map<string, { key: string; result: string }>;
}

export type Op =
  | {
      t: 'move';
      mode: 'single' | 'pending';
      debit: number;
      credit: number;
      amount: bigint;
      timeout?: number;
    }
  | { t: 'resolve'; mode: 'post' | 'void'; target: number }
  | { t: 'replay'; target: number; conflict: Conflict };

/** How a replay differs from the request it reuses the id of (`none`: a true replay). */
export type Conflict =
  | 'none'
  | 'kind'
  | 'amount'
  | 'debit'
  | 'credit'
  | 'mode'
  | 'pending'
  | 'timeout';

export const ACCOUNTS = 4; // 0: the bank (may go negative), 1–3: wallets that may not

export function modelApply(
  s: ModelState,
  req: TransferRequest,
  key: string,
  now: number,
  idxOf: Map<number, number>,
): string {
  const prior = s.outcomes.get(req.id);
  if (prior) return prior.key === key ? prior.result : 'idempotency_conflict';
  if (isResolve(req)) {
    const p = s.pendings.get(req.pendingId);
    if (!p) return 'pending_transfer_not_found';
    if (p.status === 'posted') return 'pending_transfer_already_posted';
    if (p.status === 'voided') return 'pending_transfer_already_voided';
    if (p.expiresAt !== null && p.expiresAt <= now) return 'pending_transfer_expired';
    const d = s.accounts[p.debit]!;
    const c = s.accounts[p.credit]!;
    d.dp -= p.amount;
    c.cp -= p.amount;
    if (req.mode === 'post') {
      d.dpo += p.amount;
      c.cpo += p.amount;
    }
    p.status = req.mode === 'post' ? 'posted' : 'voided';
    return 'ok';
  }
  return modelMove(s, req as MoveRequest, idxOf, now);
}

export function modelMove(
  s: ModelState,
  req: MoveRequest,
  idxOf: Map<number, number>,
  now: number,
): string {
  if (req.amount <= 0n) return 'amount_must_be_positive';
  if (req.amount > MAX_BIGINT) return 'amount_too_large';
  if (req.debitAccountId === req.creditAccountId) return 'accounts_must_be_different';
  const di = idxOf.get(req.debitAccountId)!;
  const ci = idxOf.get(req.creditAccountId)!;
  const d = s.accounts[di]!;
  const c = s.accounts[ci]!;
  if (d.dpo + d.dp + req.amount > MAX_BIGINT || c.cpo + c.cp + req.amount > MAX_BIGINT) {
    return 'exceeds_limit';
  }
  if (d.flags & 1 && d.dpo + d.dp + req.amount > d.cpo) return 'insufficient_funds';
  if (req.mode === 'pending') {
    d.dp += req.amount;
    c.cp += req.amount;
    s.pendings.set(req.id, {
      debit: di,
      credit: ci,
      amount: req.amount,
      expiresAt: req.timeoutSeconds ? now + req.timeoutSeconds * 1000 : null,
      status: 'open',
    });
  } else {
    d.dpo += req.amount;
    c.cpo += req.amount;
  }
  return 'ok';
}

export function clone(s: ModelState): ModelState {
  return {
    accounts: s.accounts.map((a) => ({ ...a })),
    pendings: new Map([...s.pendings].map(([k, v]) => [k, { ...v }])),
    outcomes: new Map(s.outcomes),
  };
}

/** Applies one call's chains to the model; returns the expected result code per request. */
export function modelCall(
  state: ModelState,
  requests: TransferRequest[],
  keys: string[],
  now: number,
  idxOf: Map<number, number>,
): { state: ModelState; results: string[] } {
  let s = state;
  const results: string[] = [];
  let start = 0;
  for (let i = 0; i < requests.length; i++) {
    if (requests[i]!.linked && i < requests.length - 1) continue;
    const chain = requests.slice(start, i + 1);
    const chainKeys = keys.slice(start, i + 1);
    start = i + 1;
    const trial = clone(s);
    const chainResults: string[] = [];
    let failed = -1;
    for (let j = 0; j < chain.length; j++) {
      const seenBefore = chain.slice(0, j).some((r) => r.id === chain[j]!.id);
      const r = seenBefore
        ? 'idempotency_conflict'
        : modelApply(trial, chain[j]!, chainKeys[j]!, now, idxOf);
      chainResults.push(r);
      if (r !== 'ok') {
        failed = j;
        break;
      }
    }
    if (failed === -1) {
      chain.forEach((r, j) => {
        trial.outcomes.set(r.id, { key: chainKeys[j]!, result: 'ok' });
      });
      s = trial;
      results.push(...chainResults);
    } else {
      chain.forEach((r, j) => {
        const code =
          j === failed
            ? chainResults[j]!
            : j < failed &&
                s.outcomes.get(r.id)?.result === 'ok' &&
                s.outcomes.get(r.id)?.key === chainKeys[j]
              ? 'ok'
              : 'linked_event_failed';
        results.push(code);
        if (code !== 'ok' && code !== 'idempotency_conflict' && !s.outcomes.has(r.id)) {
          s.outcomes.set(r.id, { key: chainKeys[j]!, result: code });
        }
      });
    }
  }
  return { state: s, results };
}

export const keyOf = (r: TransferRequest): string =>
  JSON.stringify(r, (k, v) =>
    k === 'id' || k === 'linked' ? undefined : typeof v === 'bigint' ? `${v}n` : v,
  );

/**
 * The same id with one field changed: every field is part of the request's fingerprint, so
 * each must be refused with idempotency_conflict (a fingerprint that ignored one would replay).
 */
export function withConflict(
  base: TransferRequest,
  conflict: Conflict,
  accounts: readonly Account[],
): TransferRequest {
  if (conflict === 'none') return base;
  if (conflict === 'kind') return { ...base, kind: 'test-conflict' };
  if (isResolve(base)) {
    if (conflict === 'pending') return { ...base, pendingId: newTransferId() };
    return { ...base, mode: base.mode === 'post' ? 'void' : 'post' };
  }
  // Another of the test's accounts (the model knows only those).
  const next = (id: AccountId) =>
    accounts[(accounts.findIndex((a) => a.id === id) + 1) % accounts.length]!.id;
  switch (conflict) {
    case 'debit':
      return { ...base, debitAccountId: next(base.debitAccountId) };
    case 'credit':
      return { ...base, creditAccountId: next(base.creditAccountId) };
    case 'mode': {
      const { timeoutSeconds: _t, ...plain } = base;
      return base.mode === 'pending' ? { ...plain, mode: 'single' } : { ...base, mode: 'pending' };
    }
    case 'timeout':
      if (base.mode === 'pending') {
        return { ...base, timeoutSeconds: (base.timeoutSeconds ?? 0) + 1 };
      }
      return { ...base, amount: base.amount + 1n };
    default:
      return { ...base, amount: base.amount + 1n };
  }
}

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('move' as const),
      mode: fc.constantFrom('single' as const, 'pending' as const),
      debit: fc.integer({ min: 0, max: ACCOUNTS - 1 }),
      credit: fc.integer({ min: 0, max: ACCOUNTS - 1 }),
      amount: fc.oneof(
        { weight: 10, arbitrary: fc.bigInt({ min: 1n, max: 600n }) },
        { weight: 1, arbitrary: fc.constantFrom(0n, -5n, MAX_BIGINT, MAX_BIGINT + 1n) },
      ),
      timeout: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('resolve' as const),
      mode: fc.constantFrom('post' as const, 'void' as const),
      target: fc.nat(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('replay' as const),
      target: fc.nat(),
      conflict: fc.constantFrom<Conflict>(
        'none',
        'none',
        'kind',
        'amount',
        'debit',
        'credit',
        'mode',
        'pending',
        'timeout',
      ),
    }),
  },
);

export const stepArb = fc.record({
  calls: fc.array(
    fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 4 }), linked: fc.boolean() }),
    { minLength: 1, maxLength: 3 },
  ),
  advanceSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90 })),
});

export type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

/** The requests of one step's calls, over `accounts`; `history` and `pendingIds` grow. */
export function requestsFor(
  step: Step,
  accounts: readonly Account[],
  history: TransferRequest[],
  pendingIds: TransferId[],
): TransferRequest[][] {
  const callRequests: TransferRequest[][] = step.calls.map((call) => {
    const reqs = call.ops.map((op): TransferRequest => {
      if (op.t === 'move') {
        const id = newTransferId();
        if (op.mode === 'pending') pendingIds.push(id);
        return {
          id,
          mode: op.mode,
          debitAccountId: accounts[op.debit]!.id,
          creditAccountId: accounts[op.credit]!.id,
          amount: op.amount,
          kind: 'test',
          ...(op.mode === 'pending' && op.timeout ? { timeoutSeconds: op.timeout } : {}),
        };
      }
      if (op.t === 'resolve') {
        const pendingId =
          pendingIds.length > 0 && op.target % 5 !== 4
            ? pendingIds[op.target % pendingIds.length]!
            : newTransferId();
        return { id: newTransferId(), mode: op.mode, pendingId, kind: 'test' };
      }
      const earlier = history[op.target % Math.max(1, history.length)];
      if (!earlier)
        return {
          id: newTransferId(),
          mode: 'void',
          pendingId: newTransferId(),
          kind: 'test',
        };
      const { linked: _l, ...base } = earlier;
      return withConflict(base, op.conflict, accounts);
    });
    if (call.linked)
      for (let i = 0; i < reqs.length - 1; i++) reqs[i] = { ...reqs[i]!, linked: true };
    return reqs;
  });
  return callRequests;
}

/** The model's side of the ledger's expiry sweep at `now`. */
export function expireModel(model: ModelState, now: number): void {
  for (const p of model.pendings.values()) {
    if (p.status === 'open' && p.expiresAt !== null && p.expiresAt <= now) {
      model.accounts[p.debit]!.dp -= p.amount;
      model.accounts[p.credit]!.cp -= p.amount;
      p.status = 'voided';
    }
  }
}

/** A fresh model of ACCOUNTS accounts: 0 may go negative, the others may not. */
export function freshModel(): ModelState {
  return {
    accounts: Array.from({ length: ACCOUNTS }, (_, i) => ({
      flags: i === 0 ? 0 : 1,
      dp: 0n,
      dpo: 0n,
      cp: 0n,
      cpo: 0n,
    })),
    pendings: new Map(),
    outcomes: new Map(),
  };
}
