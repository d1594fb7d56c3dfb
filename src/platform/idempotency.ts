import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../db/pool.ts';
import { canonicalJson } from './canonical-json.ts';
import { AppError } from './errors.ts';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** The Idempotency-Key of the request being served, for the stages that commit its money. */
export interface IdempotencyContext {
  userId: string;
  key: string;
  requestHash: string;
  /** The key that ids are derived from: the caller's key with the request's fingerprint. */
  derivedKey: string;
  /** The status a success answers with (201 for what creates). */
  successStatus: number;
  /** Set once the response has been written with the money (nothing left to store). */
  recorded: boolean;
}

const current = new AsyncLocalStorage<IdempotencyContext>();

/** The keyed request this code runs for, if any. */
export function currentIdempotency(): IdempotencyContext | undefined {
  return current.getStore();
}

/** A row for `IdempotencyStore.writeRows`: the response that commits with the money. */
export interface IdempotencyRow {
  userId: string;
  key: string;
  requestHash: string;
  /** Null marks a key whose money committed while its response is not known yet. */
  response: StoredResponse | null;
}

/**
 * An answer other than the route's success that is not an error: a payment held for review
 * (202). Thrown by the stage that decides it, stored under the Idempotency-Key like a response.
 */
export class AlternateReply extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`reply ${status}`);
  }
}

const conflict = () =>
  new AppError('idempotency_conflict', 'this Idempotency-Key was used with a different request');

/**
 * Idempotency-Key handling for money-moving POSTs. Nothing is written before the work: the
 * record commits in the same transaction as the money it answers for (the payment pipeline
 * writes it, with the response where the response is known at commit), so a crash leaves
 * either the whole outcome or nothing, never a key that is "in progress" forever.
 *
 * - A repeat whose response is stored gets it back (same status, same body).
 * - A repeat whose money committed but whose response was lost (a crash after the commit)
 *   runs again: every id the work makes derives from the key, so the ledger answers it as a
 *   replay and the same outcome is reported, once.
 * - The same key with another request is `idempotency_conflict`. The ids derive from the key
 *   *and* the request's fingerprint, so even after the record is purged (48 h), a reused key
 *   with another request can never be taken for the old one.
 * - Two identical requests at the same moment both run; the ledger lets one move the money
 *   and answers the other as its replay.
 */
export class IdempotencyStore {
  constructor(private readonly db: Db) {}

  /** The key a request's ids derive from: the caller's key joined with its fingerprint. */
  static derivedKey(key: string, requestHash: string): string {
    return `${key}\u0000${requestHash}`;
  }

  static fingerprint(request: { method: string; path: string; body: unknown }): string {
    return createHash('sha256')
      .update(`${request.method} ${request.path} ${canonicalJson(request.body ?? null)}`)
      .digest('hex');
  }

  async run(
    userId: string,
    key: string | undefined,
    request: { method: string; path: string; body: unknown },
    execute: (derivedKey: string | undefined) => Promise<StoredResponse>,
    successStatus = 200,
  ): Promise<StoredResponse & { replayed: boolean }> {
    if (key === undefined) {
      try {
        return { ...(await execute(undefined)), replayed: false };
      } catch (err) {
        if (err instanceof AlternateReply) {
          return { status: err.status, body: err.body, replayed: false };
        }
        throw err;
      }
    }
    const requestHash = IdempotencyStore.fingerprint(request);
    const { rows } = await this.db.query<{
      request_hash: string;
      response_status: number | null;
      response_body: unknown;
      legacy_ids: boolean;
    }>(
      `SELECT request_hash, response_status, response_body, legacy_ids FROM idempotency_keys
        WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
    const row = rows[0];
    if (row && row.request_hash !== requestHash) throw conflict();
    if (row && row.response_status !== null) {
      return { status: row.response_status, body: row.response_body, replayed: true };
    }
    const context: IdempotencyContext = {
      userId,
      key,
      requestHash,
      // A key left unanswered by the code before the pipeline derived its ids from the key
      // alone: its retry must find that money, not move it again.
      derivedKey: row?.legacy_ids ? key : IdempotencyStore.derivedKey(key, requestHash),
      successStatus,
      recorded: false,
    };
    let response: StoredResponse;
    try {
      response = await current.run(context, () => execute(context.derivedKey));
    } catch (err) {
      if (err instanceof AlternateReply) {
        response = { status: err.status, body: err.body };
        if (!context.recorded)
          await this.writeRows(this.db, [{ userId, key, requestHash, response }]);
        return { ...response, replayed: false };
      }
      // Unexpected failures are not kept: the client retries, and the ledger's derived ids
      // make the retry a replay if the money did move.
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      response = { status: err.status, body: problemBody(err) };
    }
    if (!context.recorded) {
      await this.writeRows(this.db, [{ userId, key, requestHash, response }]);
    }
    return { ...response, replayed: false };
  }

  /**
   * Writes records, inside the money's transaction or after it. A stored response is never
   * replaced; a row of another request under the same key is left alone (its owner answers).
   */
  async writeRows(q: Queryable, rows: readonly IdempotencyRow[]): Promise<void> {
    if (rows.length === 0) return;
    await q.query(
      `INSERT INTO idempotency_keys AS k (user_id, key, request_hash, response_status, response_body)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::jsonb[])
       ON CONFLICT (user_id, key) DO UPDATE
         SET response_status = excluded.response_status, response_body = excluded.response_body
         WHERE k.response_status IS NULL AND k.request_hash = excluded.request_hash
           AND excluded.response_status IS NOT NULL`,
      [
        rows.map((r) => r.userId),
        rows.map((r) => r.key),
        rows.map((r) => r.requestHash),
        rows.map((r) => r.response?.status ?? null),
        rows.map((r) => (r.response ? JSON.stringify(r.response.body) : null)),
      ],
    );
  }

  /**
   * Inside the transaction that moves the request's money: marks the key as used by this
   * request (with its response when known). A concurrent request with another body under the
   * same key is refused here, before its money commits.
   */
  async recordIn(q: Queryable, context: IdempotencyContext, response: StoredResponse | null) {
    await this.writeRows(q, [
      {
        userId: context.userId,
        key: context.key,
        requestHash: context.requestHash,
        response,
      },
    ]);
    const { rows } = await q.query<{ request_hash: string }>(
      'SELECT request_hash FROM idempotency_keys WHERE user_id = $1 AND key = $2',
      [context.userId, context.key],
    );
    if (rows[0] && rows[0].request_hash !== context.requestHash) throw conflict();
    if (response) context.recorded = true;
  }

  /** Keys are kept at least 24 hours (API.md); this removes those older than `hours`. */
  async purgeOlderThan(hours: number, now: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM idempotency_keys WHERE created_at < $1', [
      new Date(now.getTime() - hours * 3_600_000),
    ]);
    return rowCount ?? 0;
  }
}

export function problemBody(err: AppError): Record<string, unknown> {
  return {
    type: `https://hebao.dev/problems/${err.code.replaceAll('_', '-')}`,
    title: err.code.replaceAll('_', ' '),
    status: err.status,
    detail: err.message,
    code: err.code,
    ...err.extra,
  };
}
