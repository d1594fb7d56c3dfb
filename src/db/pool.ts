import pg from 'pg';

// BIGINT (int8) arrives as a string; money columns are parsed explicitly to bigint where read.
export type Db = pg.Pool;
export type Tx = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

export function createPool(connectionString: string, max: number): Db {
  const pool = new pg.Pool({ connectionString, max, application_name: 'hebao' });
  // An idle client that errors (the server restarted) must not crash the process.
  pool.on('error', () => {});
  return pool;
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
