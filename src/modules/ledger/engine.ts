/**
 * The ledger's pure core: applies transfer requests, in order, to account and pending-transfer
 * state that the caller loaded (and locked). No I/O: the store runs it inside a database
 * transaction and writes back what it returns; tests run it directly.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../platform/canonical-json.ts';
import {
  type Account,
  AccountFlags,
  type AccountId,
  MAX_BIGINT,
  type Transfer,
  type TransferErrorCode,
  TransferFlags,
  type TransferId,
  type TransferRequest,
  type TransferResult,
} from './types.ts';

/** A request as the engine sees it; `expire` marks the ledger's own void of a timed-out transfer. */
export type EngineRequest = TransferRequest & { expire?: boolean };
export type MoveRequest = Extract<TransferRequest, { debitAccountId: AccountId }>;
export type ResolveRequest = Extract<TransferRequest, { pendingId: TransferId }>;

export function isResolve(r: TransferRequest): r is ResolveRequest {
  return r.mode === 'post' || r.mode === 'void';
}

export type PendingStatus = 'open' | 'posted' | 'voided';

export interface PendingState {
  transfer: Transfer;
  status: PendingStatus;
}

/** What an id already stands for: a committed transfer or a recorded refusal. */
export type PriorOutcome =
  | { fingerprint: string; ok: true; transfer: Transfer }
  | { fingerprint: string; ok: false; code: TransferErrorCode };

export interface LedgerState {
  accounts: Map<AccountId, Account>;
  /** The pending transfers that post/void requests in this batch refer to. */
  pendings: Map<TransferId, PendingState>;
  prior: Map<TransferId, PriorOutcome>;
}

export interface AppliedBatch {
  results: TransferResult[];
  inserted: { transfer: Transfer; fingerprint: string }[];
  rejected: { id: TransferId; code: TransferErrorCode; fingerprint: string }[];
  /** Final state of every account whose balances changed. */
  changedAccounts: Account[];
  pendingOpened: { transferId: TransferId; expiresAt: Date | null }[];
  pendingClosed: TransferId[];
}

const MAX_TIMEOUT_SECONDS = 366 * 24 * 3600;

// Requests are not changed once submitted: each one's fingerprint is worked out once, by the
// caller before its batch's transaction (`Ledger.createTransfers`), not while it holds locks.
const fingerprints = new WeakMap<EngineRequest, string>();

/** Hash of every field of a request but its id: a replay with the same id must match it. */
export function fingerprintOf(req: EngineRequest): string {
  const known = fingerprints.get(req);
  if (known !== undefined) return known;
  const { id: _id, linked: _linked, ...fields } = req;
  const fingerprint = createHash('sha256').update(canonicalJson(fields)).digest('hex');
  fingerprints.set(req, fingerprint);
  return fingerprint;
}

/** Splits requests into linked chains. A trailing chain that never closes is returned apart. */
export function toChains(requests: readonly EngineRequest[]): {
  chains: EngineRequest[][];
  open: EngineRequest[];
} {
  const chains: EngineRequest[][] = [];
  let current: EngineRequest[] = [];
  for (const req of requests) {
    current.push(req);
    if (!req.linked) {
      chains.push(current);
      current = [];
    }
  }
  return { chains, open: current };
}

function copyAccount(a: Account): Account {
  return { ...a };
}

/**
 * Applies `chains` in order. Within a chain every transfer succeeds or none takes effect; a
 * failing chain fails alone and later chains see the state as if it had never been tried.
 */
export function applyChains(
  state: LedgerState,
  chains: readonly EngineRequest[][],
  now: Date,
): AppliedBatch {
  const out: AppliedBatch = {
    results: [],
    inserted: [],
    rejected: [],
    changedAccounts: [],
    pendingOpened: [],
    pendingClosed: [],
  };
  const changed = new Set<AccountId>();

  for (const chain of chains) {
    // Scratch copies, merged only if the whole chain succeeds.
    const accounts = new Map<AccountId, Account>();
    const pendings = new Map<TransferId, PendingState>();
    const results: TransferResult[] = [];
    const fingerprints: string[] = [];
    const account = (id: AccountId): Account | undefined => {
      let a = accounts.get(id);
      if (!a) {
        const base = state.accounts.get(id);
        if (!base) return undefined;
        a = copyAccount(base);
        accounts.set(id, a);
      }
      return a;
    };
    const pending = (id: TransferId): PendingState | undefined =>
      pendings.get(id) ?? state.pendings.get(id);

    let failedAt = -1;
    const seenInChain = new Set<TransferId>();
    for (let i = 0; i < chain.length; i++) {
      const req = chain[i]!;
      const fingerprint = fingerprintOf(req);
      fingerprints.push(fingerprint);
      const prior = state.prior.get(req.id);
      let result: TransferResult;
      if (seenInChain.has(req.id)) {
        result = { ok: false, code: 'idempotency_conflict', replayed: false };
      } else if (prior) {
        if (prior.fingerprint !== fingerprint) {
          result = { ok: false, code: 'idempotency_conflict', replayed: false };
        } else if (prior.ok) {
          result = { ok: true, transfer: prior.transfer, replayed: true };
        } else {
          result = { ok: false, code: prior.code, replayed: true };
        }
      } else {
        result = applyOne(req, account, pending, pendings, now);
      }
      seenInChain.add(req.id);
      results.push(result);
      if (!result.ok) {
        failedAt = i;
        break;
      }
    }

    if (failedAt === -1) {
      for (const [id, a] of accounts) {
        state.accounts.set(id, a);
      }
      for (const [id, p] of pendings) state.pendings.set(id, p);
      chain.forEach((req, i) => {
        const r = results[i]!;
        out.results.push(r);
        if (!r.ok || r.replayed) return;
        const t = r.transfer;
        changed.add(t.debitAccountId);
        changed.add(t.creditAccountId);
        out.inserted.push({ transfer: t, fingerprint: fingerprints[i]! });
        state.prior.set(req.id, { fingerprint: fingerprints[i]!, ok: true, transfer: t });
        if (t.flags & TransferFlags.pending) {
          out.pendingOpened.push({ transferId: t.id, expiresAt: t.expiresAt });
        } else if (t.pendingId) {
          out.pendingClosed.push(t.pendingId);
        }
      });
      continue;
    }

    // The chain failed: nothing of it applies. Each member is refused and the refusal kept.
    const failure = results[failedAt] as Extract<TransferResult, { ok: false }>;
    chain.forEach((req, i) => {
      const fingerprint = fingerprints[i] ?? fingerprintOf(req);
      let r: TransferResult;
      if (i === failedAt) r = failure;
      else {
        const prior = state.prior.get(req.id);
        // A member that replays a committed transfer keeps reporting it; the rest fail with it.
        if (prior?.ok && prior.fingerprint === fingerprint && i < failedAt) {
          r = { ok: true, transfer: prior.transfer, replayed: true };
        } else r = { ok: false, code: 'linked_event_failed', replayed: false };
      }
      out.results.push(r);
      if (!r.ok && !r.replayed && r.code !== 'idempotency_conflict' && !state.prior.has(req.id)) {
        out.rejected.push({ id: req.id, code: r.code, fingerprint });
        state.prior.set(req.id, { fingerprint, ok: false, code: r.code });
      }
    });
  }

  for (const id of changed) out.changedAccounts.push(state.accounts.get(id)!);
  return out;
}

function applyOne(
  req: EngineRequest,
  account: (id: AccountId) => Account | undefined,
  pending: (id: TransferId) => PendingState | undefined,
  pendings: Map<TransferId, PendingState>,
  now: Date,
): TransferResult {
  const fail = (code: TransferErrorCode): TransferResult => ({ ok: false, code, replayed: false });
  const metadata = req.metadata ?? null;

  if (req.mode === 'post' || req.mode === 'void') {
    const p = pending(req.pendingId);
    if (!p) return fail('pending_transfer_not_found');
    if (!(p.transfer.flags & TransferFlags.pending)) return fail('pending_transfer_not_pending');
    if (p.status === 'posted') return fail('pending_transfer_already_posted');
    if (p.status === 'voided') return fail('pending_transfer_already_voided');
    const timedOut =
      p.transfer.expiresAt !== null && p.transfer.expiresAt.getTime() <= now.getTime();
    if (timedOut && !req.expire) return fail('pending_transfer_expired');
    const debit = account(p.transfer.debitAccountId)!;
    const credit = account(p.transfer.creditAccountId)!;
    const amount = p.transfer.amount;
    if (req.mode === 'post') {
      if (debit.debitsPosted + amount > MAX_BIGINT || credit.creditsPosted + amount > MAX_BIGINT) {
        return fail('exceeds_limit');
      }
      debit.debitsPending -= amount;
      debit.debitsPosted += amount;
      credit.creditsPending -= amount;
      credit.creditsPosted += amount;
    } else {
      debit.debitsPending -= amount;
      credit.creditsPending -= amount;
    }
    pendings.set(req.pendingId, {
      transfer: p.transfer,
      status: req.mode === 'post' ? 'posted' : 'voided',
    });
    const flags =
      req.mode === 'post'
        ? TransferFlags.postPending
        : TransferFlags.voidPending | (req.expire ? TransferFlags.expired : 0);
    return {
      ok: true,
      replayed: false,
      transfer: {
        id: req.id,
        debitAccountId: debit.id,
        creditAccountId: credit.id,
        amount,
        currency: p.transfer.currency,
        kind: req.kind,
        flags,
        pendingId: req.pendingId,
        expiresAt: null,
        metadata,
        createdAt: now,
      },
    };
  }

  return applyMove(req as MoveRequest, account, pendings, now);
}

function applyMove(
  req: MoveRequest,
  account: (id: AccountId) => Account | undefined,
  pendings: Map<TransferId, PendingState>,
  now: Date,
): TransferResult {
  const fail = (code: TransferErrorCode): TransferResult => ({ ok: false, code, replayed: false });
  const metadata = req.metadata ?? null;
  const isPending = req.mode === 'pending';
  if (typeof req.amount !== 'bigint' || req.amount <= 0n) return fail('amount_must_be_positive');
  if (req.amount > MAX_BIGINT) return fail('amount_too_large');
  if (req.debitAccountId === req.creditAccountId) return fail('accounts_must_be_different');
  let expiresAt: Date | null = null;
  if (req.timeoutSeconds !== undefined) {
    const t = req.timeoutSeconds;
    if (!isPending || !Number.isInteger(t) || t <= 0 || t > MAX_TIMEOUT_SECONDS) {
      return fail('invalid_timeout');
    }
    expiresAt = new Date(now.getTime() + t * 1000);
  }
  const debit = account(req.debitAccountId);
  const credit = account(req.creditAccountId);
  if (!debit || !credit) return fail('account_not_found');
  if (debit.currency !== credit.currency) return fail('currency_mismatch');
  const amount = req.amount;
  if (
    debit.debitsPosted + debit.debitsPending + amount > MAX_BIGINT ||
    credit.creditsPosted + credit.creditsPending + amount > MAX_BIGINT
  ) {
    return fail('exceeds_limit');
  }
  if (
    debit.flags & AccountFlags.debitsMustNotExceedCredits &&
    debit.debitsPosted + debit.debitsPending + amount > debit.creditsPosted
  ) {
    return fail('insufficient_funds');
  }
  if (
    credit.flags & AccountFlags.creditsMustNotExceedDebits &&
    credit.creditsPosted + credit.creditsPending + amount > credit.debitsPosted
  ) {
    return fail('exceeds_debits');
  }
  if (isPending) {
    debit.debitsPending += amount;
    credit.creditsPending += amount;
  } else {
    debit.debitsPosted += amount;
    credit.creditsPosted += amount;
  }
  const transfer: Transfer = {
    id: req.id,
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    amount,
    currency: debit.currency,
    kind: req.kind,
    flags: isPending ? TransferFlags.pending : TransferFlags.none,
    pendingId: null,
    expiresAt,
    metadata,
    createdAt: now,
  };
  // Plain transfers too: a post or void naming one later in the same batch is refused with
  // pending_transfer_not_pending, as it is from a later batch (the store loads it by id),
  // not with pending_transfer_not_found.
  pendings.set(req.id, { transfer, status: 'open' });
  return { ok: true, replayed: false, transfer };
}
