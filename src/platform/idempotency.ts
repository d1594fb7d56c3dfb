import { createHash } from 'node:crypto';
import type { Db } from '../db/pool.ts';
import { canonicalJson } from './canonical-json.ts';
import { AppError } from './errors.ts';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * Idempotency-Key handling for money-moving POSTs. The first request with a key runs and its
 * response (success or a business error) is kept; a repeat with the same body gets the same
 * response without running again; the same key with another body is refused. The money itself
 * is also protected below this: transfer ids are derived from the key, so even a repeat that
 * slips past this table (a crash before the response was stored) replays in the ledger.
 */
export class IdempotencyStore {
  constructor(private readonly db: Db) {}

  async run(
    userId: string,
    key: string | undefined,
    request: { method: string; path: string; body: unknown },
    execute: () => Promise<StoredResponse>,
  ): Promise<StoredResponse & { replayed: boolean }> {
    if (key === undefined) return { ...(await execute()), replayed: false };
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.path} ${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    const claimed = await this.db.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, key) DO NOTHING`,
      [userId, key, requestHash],
    );
    if (claimed.rowCount === 0) {
      const { rows } = await this.db.query<{
        request_hash: string;
        response_status: number | null;
        response_body: unknown;
      }>(
        'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2',
        [userId, key],
      );
      const row = rows[0];
      if (!row || row.request_hash !== requestHash) {
        throw new AppError(
          'idempotency_conflict',
          'this Idempotency-Key was used with a different request',
        );
      }
      if (row.response_status === null) {
        throw new AppError('conflict', 'a request with this Idempotency-Key is still in progress');
      }
      return { status: row.response_status, body: row.response_body, replayed: true };
    }
    let response: StoredResponse;
    try {
      response = await execute();
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        response = { status: err.status, body: problemBody(err) };
      } else {
        // Unexpected failure: free the key so that the client can retry.
        await this.db.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2', [
          userId,
          key,
        ]);
        throw err;
      }
    }
    await this.db.query(
      'UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2',
      [userId, key, response.status, JSON.stringify(response.body)],
    );
    return { ...response, replayed: false };
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
