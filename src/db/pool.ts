import pg from 'pg';

// BIGINT (int8) arrives as a string; money columns are parsed explicitly to bigint where read.
export type Db = pg.Pool;
export type Tx = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

export function createPool(connectionString: string, max: number): Db {
  const pool = new pg.Pool({ connectionString, max, application_name: 'hebao' });
  // A client whose connection PostgreSQL ends (57P01 on a restart or pg_terminate_backend, a
  // failover) emits 'error': idle ones on the pool, checked-out ones on themselves. Unhandled,
  // either ends the process; the request that holds the client sees the failure on its query.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

// admin_shutdown, crash_shutdown, cannot_connect_now, and the connection_exception class (08).
const CONNECTION_LOST = new Set(['57P01', '57P02', '57P03']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);

/** Whether `err` means the database is unreachable (for now), not that the request was wrong. */
export function isConnectionLoss(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: string }).code ?? '';
  if (CONNECTION_LOST.has(code) || code.startsWith('08') || NETWORK.has(code)) return true;
  const message = (err as { message?: string }).message ?? '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export function isRetryable(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && RETRYABLE.has((err as { code?: string }).code ?? '')
  );
}

/**
 * Runs `work` in one transaction; commits if it returns, rolls back if it throws.
 * Serialization failures and deadlocks are retried: `work` must be safe to run again.
 */
export async function inTransaction<T>(
  db: Db,
  work: (tx: Tx) => Promise<T>,
  options: {
    isolation?: 'read committed' | 'repeatable read' | 'serializable';
    readOnly?: boolean;
  } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await db.connect();
    let broken = false;
    try {
      const mode = `BEGIN ISOLATION LEVEL ${(options.isolation ?? 'read committed').toUpperCase()}${options.readOnly ? ' READ ONLY' : ''}`;
      await client.query(mode);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      if (attempt < 5 && isRetryable(err)) continue;
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
