import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { type Db, inTransaction, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import type { SmsChannel } from './sms-channel.ts';

export type CodePurpose = 'verify' | 'reset';

/** The contract's numbers (API.md, Identity): a code lives 5 minutes and allows 5 tries. */
const CODE_TTL_MS = 5 * 60_000;
export const CODE_MAX_TRIES = 5;
/** Per number and purpose: one code a minute, five an hour (an SMS costs money and annoys). */
const RESEND_COOLDOWN_MS = 60_000;
const SENDS_PER_WINDOW = 5;
const SEND_WINDOW_MS = 3600_000;

const TEXT: Record<CodePurpose, (code: string) => string> = {
  verify: (code) => `【荷包】验证码 ${code}，用于验证手机号，5 分钟内有效。请勿告诉他人。`,
  reset: (code) => `【荷包】验证码 ${code}，用于重置登录密码，5 分钟内有效。请勿告诉他人。`,
};

interface CodeRow {
  code_hash: Buffer | null;
  expires_at: Date;
  failed_count: number;
  last_sent_at: Date;
  window_started: Date;
  window_sends: number;
}

const wrongCode = () =>
  invalid('the code is wrong or has expired; ask for a new one', { field: 'code' });

/**
 * Six-digit codes sent to a phone to prove it is the user's. Only an HMAC (keyed with the server
 * secret) is stored; a code is used once, and dies after five wrong tries or five minutes.
 */
export class PhoneCodes {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sms: SmsChannel,
    private readonly options: { secret: string; fixedCode?: string | undefined },
  ) {}

  private hash(phone: string, purpose: CodePurpose, code: string): Buffer {
    return createHmac('sha256', this.options.secret)
      .update(`phone-code:${purpose}:${phone}:${code}`)
      .digest();
  }

  /**
   * Issues a new code for `phone` (E.164), replacing any earlier one, and texts it when
   * `deliver` is true. The row and the limits exist either way, so a caller cannot tell from
   * the answer or from a 429 whether the number is registered.
   */
  async issue(phone: string, purpose: CodePurpose, deliver: boolean): Promise<void> {
    const code = this.options.fixedCode ?? String(randomInt(0, 1_000_000)).padStart(6, '0');
    const now = this.clock.now();
    await inTransaction(this.db, async (tx) => {
      const row = await lockRow(tx, phone, purpose);
      let windowStarted = now;
      let windowSends = 1;
      if (row) {
        const sinceLast = now.getTime() - row.last_sent_at.getTime();
        if (sinceLast < RESEND_COOLDOWN_MS) throw tooSoon(RESEND_COOLDOWN_MS - sinceLast);
        const windowEnd = row.window_started.getTime() + SEND_WINDOW_MS;
        if (windowEnd > now.getTime()) {
          if (row.window_sends >= SENDS_PER_WINDOW) throw tooSoon(windowEnd - now.getTime());
          windowStarted = row.window_started;
          windowSends = row.window_sends + 1;
        }
      }
      await tx.query(
        `INSERT INTO phone_codes (phone, purpose, code_hash, expires_at, failed_count, last_sent_at, window_started, window_sends)
         VALUES ($1, $2, $3, $4, 0, $5, $6, $7)
         ON CONFLICT (phone, purpose) DO UPDATE SET code_hash = $3, expires_at = $4, failed_count = 0,
           last_sent_at = $5, window_started = $6, window_sends = $7`,
        [
          phone,
          purpose,
          this.hash(phone, purpose, code),
          new Date(now.getTime() + CODE_TTL_MS),
          now,
          windowStarted,
          windowSends,
        ],
      );
    });
    // After the commit: a text must never carry a code the database does not hold.
    if (deliver) await this.sms.send(phone, TEXT[purpose](code));
  }

  /**
   * Checks `code` and, if right, uses it up and runs `then` in the same transaction (so the
   * code and what it unlocks go together). A wrong code counts a try; the count is committed
   * even though the request fails, so the error is thrown after COMMIT.
   */
  async redeem<T>(
    phone: string,
    purpose: CodePurpose,
    code: string,
    then: (tx: Tx) => Promise<T>,
  ): Promise<T> {
    const outcome = await inTransaction(this.db, async (tx) => {
      const row = await lockRow(tx, phone, purpose);
      const now = this.clock.now();
      if (!row?.code_hash || row.expires_at <= now || row.failed_count >= CODE_MAX_TRIES) {
        return { error: wrongCode() };
      }
      if (!timingSafeEqual(row.code_hash, this.hash(phone, purpose, code))) {
        await tx.query(
          'UPDATE phone_codes SET failed_count = failed_count + 1 WHERE phone = $1 AND purpose = $2',
          [phone, purpose],
        );
        return { error: wrongCode() };
      }
      await tx.query('UPDATE phone_codes SET code_hash = NULL WHERE phone = $1 AND purpose = $2', [
        phone,
        purpose,
      ]);
      return { value: await then(tx) };
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }
}

async function lockRow(tx: Tx, phone: string, purpose: CodePurpose): Promise<CodeRow | undefined> {
  // Also when there is no row yet: two first requests for a number must not both send.
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `phone-code:${purpose}:${phone}`,
  ]);
  const { rows } = await tx.query<CodeRow>(
    `SELECT code_hash, expires_at, failed_count, last_sent_at, window_started, window_sends
       FROM phone_codes WHERE phone = $1 AND purpose = $2 FOR UPDATE`,
    [phone, purpose],
  );
  return rows[0];
}

function tooSoon(ms: number): AppError {
  const retryAfter = Math.ceil(ms / 1000);
  return new AppError('rate_limited', 'too many codes for this number; try again later', {
    retryAfter,
  });
}
