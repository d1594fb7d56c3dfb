import { type Db, inTransaction, type Queryable } from '../../db/pool.ts';
import { AppError } from '../../platform/errors.ts';

/** Failures are "in a row" within a day: a day without one forgets them (and the backoff). */
const FORGET_AFTER_MS = 24 * 3600_000;

export interface LoginThrottlePolicy {
  /** Failures in a row that cost nothing. */
  freeTries: number;
  /** The wait after the last free failure; it doubles with each failure after that. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

/**
 * Seconds an account stays closed to log-ins once it has `failures` failures in a row: none
 * before `freeTries`, then base, 2×base, 4×base… up to the maximum.
 */
export function loginDelaySeconds(failures: number, policy: LoginThrottlePolicy): number {
  if (failures < policy.freeTries) return 0;
  const doublings = Math.min(failures - policy.freeTries, 30);
  return Math.min(policy.baseDelaySeconds * 2 ** doublings, policy.maxDelaySeconds);
}

/**
 * Claims one log-in attempt for a phone (registered or not), before the password is checked.
 * The attempt is counted as a failure up front, in one statement, so parallel guesses from many
 * addresses are counted one by one and at most `freeTries` of them are ever checked before the
 * account closes; a right password then clears the count (`clearLoginFailures`). While the
 * account is closed, the attempt is refused with 429 and the seconds left.
 */
export async function claimLoginAttempt(
  db: Db,
  phone: string,
  now: Date,
  policy: LoginThrottlePolicy,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.query(
      `INSERT INTO login_failures (phone, failed_count, updated_at) VALUES ($1, 0, $2)
       ON CONFLICT (phone) DO NOTHING`,
      [phone, now],
    );
    const { rows } = await tx.query<{
      failed_count: number;
      locked_until: Date | null;
      updated_at: Date;
    }>(
      'SELECT failed_count, locked_until, updated_at FROM login_failures WHERE phone = $1 FOR UPDATE',
      [phone],
    );
    const row = rows[0]!;
    if (row.locked_until && row.locked_until > now) throw closed(row.locked_until, now);
    const stale = now.getTime() - row.updated_at.getTime() > FORGET_AFTER_MS;
    const failures = (stale ? 0 : row.failed_count) + 1;
    const delay = loginDelaySeconds(failures, policy);
    await tx.query(
      'UPDATE login_failures SET failed_count = $2, locked_until = $3, updated_at = $4 WHERE phone = $1',
      [phone, failures, delay > 0 ? new Date(now.getTime() + delay * 1000) : null, now],
    );
  });
}

export async function clearLoginFailures(q: Queryable, phone: string): Promise<void> {
  await q.query('DELETE FROM login_failures WHERE phone = $1', [phone]);
}

function closed(until: Date, now: Date): AppError {
  const retryAfter = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new AppError('rate_limited', 'too many failed log-ins for this account; try again later', {
    retryAfter,
  });
}
