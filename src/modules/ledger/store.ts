/** The ledger's SQL: loads and locks what a batch touches, runs the engine, writes the result. */
import type { Queryable, Tx } from '../../db/pool.ts';
import {
  type AppliedBatch,
  applyChains,
  type EngineRequest,
  isResolve,
  type LedgerState,
  type MoveRequest,
  type PendingState,
  type PriorOutcome,
} from './engine.ts';
import {
  type Account,
  type AccountId,
  type Transfer,
  type TransferErrorCode,
  TransferFlags,
  type TransferId,
  type TransferResult,
} from './types.ts';

interface AccountRow {
  id: string;
  code: string;
  currency: string;
  flags: number;
  debits_pending: string;
  debits_posted: string;
  credits_pending: string;
  credits_posted: string;
}

export interface TransferRow {
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: string;
  currency: string;
  kind: string;
  flags: number;
  pending_id: string | null;
  expires_at: Date | null;
  metadata: Record<string, unknown> | null;
  created_at: Date;
}

export const ACCOUNT_COLUMNS =
  'id, code, currency, flags, debits_pending, debits_posted, credits_pending, credits_posted';
export const TRANSFER_COLUMNS =
  'id, debit_account_id, credit_account_id, amount, currency, kind, flags, pending_id, expires_at, metadata, created_at';

export function toAccount(r: AccountRow): Account {
  return {
    id: Number(r.id) as AccountId,
    code: r.code,
    currency: r.currency,
    flags: r.flags,
    debitsPending: BigInt(r.debits_pending),
    debitsPosted: BigInt(r.debits_posted),
    creditsPending: BigInt(r.credits_pending),
    creditsPosted: BigInt(r.credits_posted),
  };
}

export function toTransfer(r: TransferRow): Transfer {
  return {
    id: r.id as TransferId,
    debitAccountId: Number(r.debit_account_id) as AccountId,
    creditAccountId: Number(r.credit_account_id) as AccountId,
    amount: BigInt(r.amount),
    currency: r.currency,
    kind: r.kind,
    flags: r.flags,
    pendingId: r.pending_id as TransferId | null,
    expiresAt: r.expires_at,
    metadata: r.metadata,
    createdAt: r.created_at,
  };
}

/** A 64-bit advisory-lock key from a UUID's first 64 bits. */
function idLockKey(id: string): bigint {
  return BigInt.asIntN(64, BigInt(`0x${id.replaceAll('-', '').slice(0, 16)}`));
}

export async function selectAccounts(q: Queryable, ids: readonly AccountId[]): Promise<Account[]> {
  const { rows } = await q.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  return rows.map(toAccount);
}

/**
 * Runs `chains` against the database inside `tx`: locks every touched account in id order
 * (so concurrent batches never deadlock), applies the engine, and writes one row per
 * transfer and one update per touched account.
 */
export async function applyInTransaction(
  tx: Tx,
  chains: readonly EngineRequest[][],
  now: Date,
): Promise<TransferResult[]> {
  const requests = chains.flat();
  if (requests.length === 0) return [];

  // Pending transfers named by post/void: immutable rows, read before locking to learn their accounts.
  const pendingIds = [...new Set(requests.flatMap((r) => (isResolve(r) ? [r.pendingId] : [])))];
  const pendingTransfers = new Map<TransferId, Transfer>();
  if (pendingIds.length > 0) {
    const { rows } = await tx.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY($1::uuid[])`,
      [pendingIds],
    );
    for (const row of rows) pendingTransfers.set(row.id as TransferId, toTransfer(row));
  }

  const accountIds = new Set<number>();
  for (const r of requests) {
    if (isResolve(r)) continue;
    const move = r as MoveRequest;
    accountIds.add(move.debitAccountId);
    accountIds.add(move.creditAccountId);
  }
  for (const t of pendingTransfers.values()) {
    accountIds.add(t.debitAccountId);
    accountIds.add(t.creditAccountId);
  }
  const sortedIds = [...accountIds].filter((id) => Number.isSafeInteger(id)).sort((a, b) => a - b);
  // Claim every id of the batch before reading what it already stands for. Account locks do
  // not cover this: the same new id sent twice with different accounts would otherwise be
  // applied by one batch and refused by another. One statement, one round trip: the account
  // rows are locked in id order first (the materialized CTE must be complete before the
  // advisory locks' scan starts, since its WHERE reads it), then the id locks in key order,
  // so two batches never wait for each other in a cycle.
  const ids = [...new Set(requests.map((r) => r.id))];
  const lockKeys = [...new Set(ids.map(idLockKey))]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map(String);
  const { rows: accountRows } = await tx.query<AccountRow>(
    `WITH acc AS MATERIALIZED (
       SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE
     ), claimed AS MATERIALIZED (
       SELECT count(pg_advisory_xact_lock(k)) AS n
         FROM (SELECT k FROM unnest($2::bigint[]) AS k ORDER BY k) s
        WHERE (SELECT count(*) FROM acc) >= 0
     )
     SELECT acc.* FROM acc, claimed ORDER BY acc.id`,
    [sortedIds, lockKeys],
  );

  // With the accounts locked, a pending transfer's status cannot change under us: whoever
  // posts or voids it must lock the same two accounts.
  const pendings = new Map<TransferId, PendingState>();
  if (pendingTransfers.size > 0) {
    const { rows } = await tx.query<{ id: string; open: boolean; resolution: number | null }>(
      `SELECT t.id, (p.transfer_id IS NOT NULL) AS open, r.flags AS resolution
         FROM unnest($1::uuid[]) AS t(id)
         LEFT JOIN ledger_pending p ON p.transfer_id = t.id
         LEFT JOIN ledger_transfers r ON r.pending_id = t.id`,
      [[...pendingTransfers.keys()]],
    );
    for (const row of rows) {
      const transfer = pendingTransfers.get(row.id as TransferId)!;
      const status = row.open
        ? 'open'
        : row.resolution !== null && row.resolution & TransferFlags.postPending
          ? 'posted'
          : row.resolution !== null
            ? 'voided'
            : 'open';
      // A transfer that was never pending has no ledger_pending row and no resolution.
      pendings.set(transfer.id, {
        transfer,
        status: transfer.flags & TransferFlags.pending ? status : 'open',
      });
    }
  }

  // The prior outcomes are read by a statement that starts after the id locks are held: its
  // snapshot sees whatever a batch that held them before us committed.
  const { rows: priorRows } = await tx.query<
    TransferRow & { fingerprint: string; code: TransferErrorCode | null }
  >(
    `SELECT ${TRANSFER_COLUMNS}, encode(fingerprint, 'hex') AS fingerprint, NULL::text AS code
       FROM ledger_transfers WHERE id = ANY($1::uuid[])
     UNION ALL
     SELECT id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, created_at,
            encode(fingerprint, 'hex'), code
       FROM ledger_rejections WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const prior = new Map<TransferId, PriorOutcome>();
  for (const row of priorRows) {
    prior.set(
      row.id as TransferId,
      row.code === null
        ? { fingerprint: row.fingerprint, ok: true, transfer: toTransfer(row) }
        : { fingerprint: row.fingerprint, ok: false, code: row.code },
    );
  }

  const state: LedgerState = {
    accounts: new Map(accountRows.map((r) => [Number(r.id) as AccountId, toAccount(r)])),
    pendings,
    prior,
  };
  const applied = applyChains(state, chains, now);
  await writeBatch(tx, applied, now);
  return applied.results;
}

async function writeBatch(tx: Tx, b: AppliedBatch, now: Date): Promise<void> {
  if (b.inserted.length === 0 && b.rejected.length === 0) return;
  // A pending transfer opened and resolved in the same batch never needs a ledger_pending row.
  const closed = new Set(b.pendingClosed);
  const opened = b.pendingOpened.filter((p) => !closed.has(p.transferId));
  const openedIds = new Set(b.pendingOpened.map((p) => p.transferId));
  const toDelete = b.pendingClosed.filter((id) => !openedIds.has(id));

  const t = b.inserted.map((i) => i.transfer);
  await tx.query(
    `WITH ins AS (
       INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, kind,
                                     flags, pending_id, expires_at, metadata, fingerprint, created_at)
       SELECT id, debit, credit, amount, currency, kind, flags, pending_id, expires_at, metadata,
              decode(fingerprint, 'hex'), $12
         FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                     $7::int[], $8::uuid[], $9::timestamptz[], $10::jsonb[], $11::text[])
           AS v(id, debit, credit, amount, currency, kind, flags, pending_id, expires_at, metadata, fingerprint)
     ), upd AS (
       UPDATE ledger_accounts a
          SET debits_pending = v.dp, debits_posted = v.dpo, credits_pending = v.cp, credits_posted = v.cpo
         FROM unnest($13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[])
           AS v(id, dp, dpo, cp, cpo)
        WHERE a.id = v.id
     ), rej AS (
       INSERT INTO ledger_rejections (id, code, fingerprint, created_at)
       SELECT id, code, decode(fingerprint, 'hex'), $12
         FROM unnest($18::uuid[], $19::text[], $20::text[]) AS v(id, code, fingerprint)
     ), opened AS (
       INSERT INTO ledger_pending (transfer_id, expires_at)
       SELECT * FROM unnest($21::uuid[], $22::timestamptz[])
     ), closed AS (
       DELETE FROM ledger_pending WHERE transfer_id = ANY($23::uuid[])
     )
     SELECT 1`,
    [
      t.map((x) => x.id),
      t.map((x) => x.debitAccountId),
      t.map((x) => x.creditAccountId),
      t.map((x) => x.amount.toString()),
      t.map((x) => x.currency),
      t.map((x) => x.kind),
      t.map((x) => x.flags),
      t.map((x) => x.pendingId),
      t.map((x) => x.expiresAt),
      t.map((x) => (x.metadata === null ? null : JSON.stringify(x.metadata))),
      b.inserted.map((i) => i.fingerprint),
      now,
      b.changedAccounts.map((a) => a.id),
      b.changedAccounts.map((a) => a.debitsPending.toString()),
      b.changedAccounts.map((a) => a.debitsPosted.toString()),
      b.changedAccounts.map((a) => a.creditsPending.toString()),
      b.changedAccounts.map((a) => a.creditsPosted.toString()),
      b.rejected.map((r) => r.id),
      b.rejected.map((r) => r.code),
      b.rejected.map((r) => r.fingerprint),
      opened.map((p) => p.transferId),
      opened.map((p) => p.expiresAt),
      toDelete,
    ],
  );
}
