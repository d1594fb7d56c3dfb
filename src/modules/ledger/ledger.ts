import type { Db, Queryable, Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { derivedId, isUuid, newId } from '../../platform/ids.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { type EngineRequest, fingerprintOf, isResolve, toChains } from './engine.ts';
import {
  type BatchEffects,
  type BatchRow,
  type BatchWriter,
  GroupCommitter,
} from './group-commit.ts';
import {
  ACCOUNT_COLUMNS,
  applyInTransaction,
  selectAccounts,
  TRANSFER_COLUMNS,
  type TransferRow,
  toAccount,
  toTransfer,
} from './store.ts';
import type {
  Account,
  AccountId,
  Transfer,
  TransferId,
  TransferRequest,
  TransferResult,
} from './types.ts';
import { type VerifyReport, verifyLedger } from './verify.ts';

export interface LedgerOptions {
  maxBatchTransfers: number;
  maxInFlightBatches: number;
  expirySweepMs: number;
}

export interface AccountSpec {
  code: string;
  currency: string;
  flags: number;
}

export function newTransferId(): TransferId {
  return newId() as TransferId;
}

/** The transfer id for an operation named by a scope and a key: the same pair, the same id. */
export function transferIdFor(...parts: string[]): TransferId {
  return derivedId('transfer', ...parts) as TransferId;
}

function checkShape(requests: readonly EngineRequest[]): void {
  for (const r of requests) {
    // These are programming errors, not user errors: user input is validated at the edge.
    if (!isUuid(r.id)) throw new TypeError(`transfer id must be a UUID: ${r.id}`);
    if (isResolve(r)) {
      if (!isUuid(r.pendingId)) throw new TypeError(`pendingId must be a UUID: ${r.pendingId}`);
    } else if (typeof r.amount !== 'bigint') {
      throw new TypeError('transfer amount must be a bigint');
    }
    if (!r.kind) throw new TypeError('transfer kind is required');
  }
}

/**
 * The only way money moves in Hebao. Accounts and transfers as in TigerBeetle; concurrent
 * calls are group-committed; modules that must commit their own state with a transfer call
 * `createTransfersIn` inside their transaction instead.
 */
export class Ledger {
  private readonly committer: GroupCommitter;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: LedgerOptions,
    private readonly metrics?: Metrics,
  ) {
    this.committer = new GroupCommitter(db, clock, {
      maxBatchTransfers: options.maxBatchTransfers,
      maxInFlightBatches: options.maxInFlightBatches,
      onBatch: (n, seconds) => {
        metrics?.ledgerBatchSize.observe(n);
        metrics?.ledgerBatchSeconds.observe(seconds);
      },
    });
  }

  /** Returns the account with this code, creating it if it does not exist yet. */
  async ensureAccount(spec: AccountSpec, q: Queryable = this.db): Promise<Account> {
    // A concurrent creator's row is invisible to this statement's snapshot when ON CONFLICT
    // waited for it, so an empty answer means "ask again", not "missing".
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await q.query(
        `WITH ins AS (
           INSERT INTO ledger_accounts (code, currency, flags) VALUES ($1, $2, $3)
           ON CONFLICT (code) DO NOTHING RETURNING ${ACCOUNT_COLUMNS}
         )
         SELECT ${ACCOUNT_COLUMNS} FROM ins
         UNION ALL
         SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE code = $1`,
        [spec.code, spec.currency, spec.flags],
      );
      if (!rows[0]) continue;
      const account = toAccount(rows[0]);
      if (account.currency !== spec.currency || account.flags !== spec.flags) {
        throw new Error(`account ${spec.code} exists with another currency or flags`);
      }
      return account;
    }
    throw new Error(`account ${spec.code} could not be created or read`);
  }

  async accountByCode(code: string, q: Queryable = this.db): Promise<Account | undefined> {
    const { rows } = await q.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE code = $1`,
      [code],
    );
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async accountsByCodePrefix(prefix: string, q: Queryable = this.db): Promise<Account[]> {
    const { rows } = await q.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE code LIKE $1 ORDER BY code`,
      [`${prefix.replace(/[\\%_]/g, '\\$&')}%`],
    );
    return rows.map(toAccount);
  }

  accounts(ids: readonly AccountId[], q: Queryable = this.db): Promise<Account[]> {
    return selectAccounts(q, ids);
  }

  /** Names a writer for rows that commit with transfers (see `createTransfers`' effects). */
  registerBatchWriter(name: string, writer: BatchWriter): void {
    this.committer.registerWriter(name, writer);
  }

  /** Writes rows with the registered batch writers, in the caller's transaction. */
  writeBatchRows(tx: Tx, rows: readonly BatchRow[]): Promise<void> {
    return this.committer.writeRows(tx, rows);
  }

  /**
   * Submits transfers for the next group-commit batch; results come back in request order.
   * `effects` builds rows (idempotency record, outbox messages, notifications) from the
   * results that are written in the same transaction, with one statement per writer per batch.
   */
  async createTransfers(
    requests: readonly TransferRequest[],
    effects?: BatchEffects,
  ): Promise<TransferResult[]> {
    checkShape(requests);
    // Hashed now, so that the batch's transaction does not hash while it holds account locks.
    for (const r of requests) fingerprintOf(r);
    const { chains, open } = toChains(requests);
    const results = await this.committer.submit(chains, effects);
    this.count(results);
    return [...results, ...this.openChainResults(open)];
  }

  /** Applies transfers inside the caller's transaction, so they commit with the caller's state. */
  async createTransfersIn(tx: Tx, requests: readonly TransferRequest[]): Promise<TransferResult[]> {
    checkShape(requests);
    const { chains, open } = toChains(requests);
    const results = await applyInTransaction(tx, chains, this.clock.now());
    this.count(results);
    return [...results, ...this.openChainResults(open)];
  }

  async transfers(ids: readonly TransferId[], q: Queryable = this.db): Promise<Transfer[]> {
    const { rows } = await q.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY($1::uuid[])`,
      [ids.filter(isUuid)],
    );
    return rows.map(toTransfer);
  }

  /** Voids pending transfers whose timeout has passed. Safe from any number of processes. */
  async expireDuePending(limit = 1000): Promise<number> {
    const { rows } = await this.db.query<{ transfer_id: string }>(
      `SELECT transfer_id FROM ledger_pending WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [this.clock.now(), limit],
    );
    if (rows.length === 0) return 0;
    const requests: EngineRequest[] = rows.map((r) => ({
      // Derived from the pending id: two processes expiring it write the same transfer once.
      id: transferIdFor('ledger.expire', r.transfer_id),
      mode: 'void',
      pendingId: r.transfer_id as TransferId,
      kind: 'ledger.expire',
      expire: true,
    }));
    const results = await this.committer.submit(requests.map((r) => [r]));
    return results.filter((r) => r.ok && !r.replayed).length;
  }

  verify(): Promise<VerifyReport> {
    return verifyLedger(this.db);
  }

  startExpirySweeper(onError: (err: unknown) => void): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.expireDuePending()
        .catch(onError)
        .finally(() => {
          this.sweeping = undefined;
        });
    }, this.options.expirySweepMs);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.sweeping;
    // Batches still queued or in flight commit before the database goes away.
    await this.committer.drain();
  }

  private openChainResults(open: readonly EngineRequest[]): TransferResult[] {
    return open.map((_, i) => ({
      ok: false,
      code: i === open.length - 1 ? 'linked_event_chain_open' : 'linked_event_failed',
      replayed: false,
    }));
  }

  private count(results: readonly TransferResult[]): void {
    if (!this.metrics) return;
    for (const r of results) {
      this.metrics.ledgerTransfers.inc({
        result: r.ok ? (r.replayed ? 'replayed' : 'ok') : r.code,
      });
    }
  }
}
