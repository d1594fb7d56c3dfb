import { createHash, createHmac, randomBytes } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import pg from 'pg';
import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { BusCache, CacheBus } from '../../platform/cache-bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { maskIdNumber, maskRealName, parseIdNumber } from './id-number.ts';
import {
  claimLoginAttempt,
  clearLoginFailures,
  type LoginThrottlePolicy,
} from './login-throttle.ts';
import { weakPasswordReason } from './password-rules.ts';
import { maskPhone, normalizePhone } from './phone.ts';
import { type CodePurpose, PhoneCodes } from './phone-codes.ts';
import { PinKeyring, pinKeyring } from './pin-mac.ts';
import { weakPinReason } from './pin-rules.ts';
import type { SmsChannel } from './sms-channel.ts';

export interface IdentityOptions {
  secret: string;
  adminPhones: string[];
  sessionDays: number;
  pinMaxTries: number;
  pinLockMinutes: number;
  /** Keys for PIN MACs besides the one derived from `secret`, current first (HEBAO_PIN_KEYS). */
  pinKeys?: { id: string; secret: string }[];
  /** Invalidation across processes for the session cache; without it nothing is cached. */
  cacheBus?: CacheBus;
  /** Text moderation for nicknames (wired in services.ts); throws 422 content_rejected. */
  screenNickname?: (nickname: string) => Promise<void>;
  /** Where phone codes go; `smsSandboxCode` fixes the code (tests, demos). */
  sms: SmsChannel;
  smsSandboxCode?: string | undefined;
  loginThrottle: LoginThrottlePolicy;
}

export interface AuthUser {
  id: string;
  nickname: string;
  role: 'user' | 'admin';
  verified: boolean;
  sessionId: string;
}

export interface UserRow {
  id: string;
  phone: string;
  nickname: string;
  role: 'user' | 'admin';
  verified_at: Date | null;
  phone_verified_at: Date | null;
  real_name_masked: string | null;
  id_number_masked: string | null;
  birth_date: string | null;
  gender: string | null;
  pin_hash: string | null;
  created_at: Date;
}

/** A live session as cached: the caller, and what decides whether the session still holds. */
interface CachedSession {
  user: AuthUser;
  expiresAt: Date;
  lastSeenAt: Date;
}

export interface PublicUser {
  id: string;
  phone: string;
  nickname: string;
  verified: boolean;
}

export interface Me extends PublicUser {
  role: 'user' | 'admin';
  hasPin: boolean;
  /** The user proved the phone is theirs (a code sent to it came back). */
  phoneVerified: boolean;
  verification?: { realName: string; idNumber: string; birthDate: string; gender: string };
  createdAt: string;
}

export interface SessionInfo {
  id: string;
  device: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

const USER_COLUMNS =
  "id, phone, nickname, role, verified_at, phone_verified_at, real_name_masked, id_number_masked, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, gender, pin_hash, created_at";

// argon2id, OWASP's second recommended setting (19 MiB, 2 passes): ~30 ms here. For passwords
// (and PINs stored before PIN MACs, until their next correct entry).
const ARGON = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
let dummyHash: Promise<string> | undefined;

// The failed count a wrong PIN makes, from the row's values before the UPDATE.
const FAILED_NEXT = '(CASE WHEN pin_locked_until IS NULL THEN pin_failed_count ELSE 0 END + 1)';

interface PinAttemptRow {
  attempted: boolean;
  ok: boolean | null;
  pin_hash: string | null;
  pin_failed_count: number;
  pin_locked_until: Date | null;
}

/**
 * One PIN attempt, as one round trip: two statements in one simple-protocol message, which
 * PostgreSQL runs as one transaction. The first waits for the user's PIN lock (an advisory
 * lock: memory only, released at the end), so attempts on one user are decided one at a time
 * in arrival order; the second, with a snapshot taken once the lock is held, sees every
 * earlier attempt. Its UPDATE writes only when something changes: a wrong PIN counts (and the
 * last allowed one locks), a right one resets a count or an expired lock. A right PIN with
 * nothing to reset writes nothing, so it costs no WAL flush. The UPDATE applies only to a row
 * stored as a MAC under a configured key and not locked; otherwise, and for a right PIN with
 * nothing to reset, the row is returned as read (`attempted` false, `ok` compared there too).
 * Values are inlined (the simple protocol has no parameters): a validated uuid, MACs and key
 * ids of a fixed alphabet, a timestamp and integers, each escaped as a literal all the same.
 */
function pinAttemptSql(
  userId: string,
  candidates: readonly string[],
  keyIds: readonly string[],
  now: Date,
  maxTries: number,
  until: Date,
): string {
  const id = `${escapeLiteral(userId)}::uuid`;
  const macs = `ARRAY[${candidates.map(escapeLiteral).join(', ')}]::text[]`;
  const kids = `ARRAY[${keyIds.map(escapeLiteral).join(', ')}]::text[]`;
  const at = `${escapeLiteral(now.toISOString())}::timestamptz`;
  const lockTo = `${escapeLiteral(until.toISOString())}::timestamptz`;
  const max = String(Math.trunc(maxTries));
  return `SELECT pg_advisory_xact_lock(hashtextextended(${escapeLiteral(userId)}, ${PIN_LOCK_SEED}));
  WITH attempt AS (
    UPDATE users SET
      pin_failed_count = CASE WHEN pin_hash = ANY(${macs}) OR ${FAILED_NEXT} >= ${max} THEN 0
                              ELSE ${FAILED_NEXT} END,
      pin_locked_until = CASE WHEN pin_hash = ANY(${macs}) OR ${FAILED_NEXT} < ${max} THEN NULL
                              ELSE ${lockTo} END
     WHERE id = ${id} AND starts_with(pin_hash, 'hmac-sha256$')
       AND split_part(pin_hash, '$', 2) = ANY(${kids})
       AND (pin_locked_until IS NULL OR pin_locked_until <= ${at})
       AND NOT (pin_hash = ANY(${macs}) AND pin_failed_count = 0 AND pin_locked_until IS NULL)
    RETURNING pin_hash = ANY(${macs}) AS ok, pin_hash, pin_failed_count, pin_locked_until
  )
  SELECT true AS attempted, ok, pin_hash, pin_failed_count, pin_locked_until FROM attempt
  UNION ALL
  SELECT false, pin_hash = ANY(${macs}), pin_hash, pin_failed_count, pin_locked_until FROM users
   WHERE id = ${id} AND NOT EXISTS (SELECT 1 FROM attempt)`;
}

const { escapeLiteral } = pg;

// Advisory-lock namespace of PIN attempts (hashtextextended seed); any constant, same everywhere.
const PIN_LOCK_SEED = 8010;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function publicUser(u: UserRow): PublicUser {
  return {
    id: u.id,
    phone: maskPhone(u.phone),
    nickname: u.nickname,
    verified: u.verified_at !== null,
  };
}

/** 422 naming the field, when a new password is one a guesser tries first. */
function refuseWeakPassword(password: string, phone: string, field: string): void {
  const reason = weakPasswordReason(password, phone);
  if (!reason) return;
  const why = {
    common: 'is one of the most used passwords',
    phone: 'contains the phone number',
    repeated: 'repeats characters',
    sequence: 'is a sequence of letters or digits',
  }[reason];
  throw invalid(`${field} ${why}; choose another`, { field, reason });
}

export interface Payee {
  id: string;
  nickname: string;
}

export class IdentityService {
  private readonly codes: PhoneCodes;
  private readonly adminPhones: Set<string>;
  private readonly pinKeys: PinKeyring;
  /** SHA-256 of a session token (base64url) → the live session; evicted by session and user. */
  private readonly sessionCache: BusCache<CachedSession | undefined> | undefined;
  /** User id → who they are to a payer (id and nickname); evicted when the user changes. */
  private readonly payeeCache: BusCache<Payee | undefined> | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: IdentityOptions,
  ) {
    this.codes = new PhoneCodes(db, clock, options.sms, {
      secret: options.secret,
      fixedCode: options.smsSandboxCode,
    });
    this.adminPhones = new Set(
      options.adminPhones.map(normalizePhone).filter((p): p is string => !!p),
    );
    this.pinKeys = pinKeyring(options.secret, options.pinKeys);
    const bus = options.cacheBus;
    if (bus) {
      const cache = bus.cache<CachedSession | undefined>('sessions', (s) =>
        s ? [`s:${s.user.sessionId}`, `u:${s.user.id}`] : [],
      );
      bus.on('session', (id) => cache.evictTag(`s:${id}`));
      bus.on('user', (id) => cache.evictTag(`u:${id}`));
      this.sessionCache = cache;
      const payees = bus.cache<Payee | undefined>('payees', (p) => (p ? [`u:${p.id}`] : []));
      bus.on('user', (id) => payees.evictTag(`u:${id}`));
      this.payeeCache = payees;
    }
  }

  /** Keyed hash of an ID number or device id: equal inputs match, the input cannot be read back. */
  keyedHash(kind: string, value: string): Buffer {
    return createHmac('sha256', this.options.secret).update(`${kind}:${value}`).digest();
  }

  async register(input: {
    phone: string;
    password: string;
    nickname: string;
    device: string;
    userAgent?: string;
    ip?: string;
  }): Promise<{ token: string; user: PublicUser }> {
    const phone = normalizePhone(input.phone);
    if (!phone)
      throw invalid('phone must be an E.164 number or an 11-digit mainland mobile number');
    const nickname = input.nickname.trim();
    if (!nickname) throw invalid('nickname must not be blank');
    refuseWeakPassword(input.password, phone, 'password');
    await this.options.screenNickname?.(nickname);
    const passwordHash = await argonHash(input.password, ARGON);
    // An admin phone (HEBAO_ADMIN_PHONES) makes an admin only once it is verified.
    const id = newId();
    return inTransaction(this.db, async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO users (id, phone, password_hash, nickname, role, created_at)
         VALUES ($1, $2, $3, $4, 'user', $5) ON CONFLICT (phone) DO NOTHING RETURNING id`,
        [id, phone, passwordHash, nickname, this.clock.now()],
      );
      if (inserted.rowCount === 0) throw conflict('this phone number is already registered');
      const token = await this.createSession(tx, id, input);
      const { rows } = await tx.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [
        id,
      ]);
      return { token, user: publicUser(rows[0]!) };
    });
  }

  async login(input: {
    phone: string;
    password: string;
    device: string;
    userAgent?: string;
    ip?: string;
  }): Promise<{ token: string; user: PublicUser }> {
    const phone = normalizePhone(input.phone);
    // Per account (any number, registered or not), whatever address the guesses come from.
    if (phone) {
      await claimLoginAttempt(this.db, phone, this.clock.now(), this.options.loginThrottle);
    }
    const { rows } = phone
      ? await this.db.query<UserRow & { password_hash: string }>(
          `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE phone = $1`,
          [phone],
        )
      : { rows: [] };
    const user = rows[0];
    // Verify against a dummy hash when the phone is unknown, so timing does not reveal it.
    dummyHash ??= argonHash(randomBytes(16).toString('hex'), ARGON);
    const ok = await argonVerify(user?.password_hash ?? (await dummyHash), input.password);
    if (!user || !ok) throw new AppError('unauthorized', 'wrong phone number or password');
    await clearLoginFailures(this.db, user.phone);
    await this.assertNotBanned('user', user.id);
    const token = await this.createSession(this.db, user.id, input);
    return { token, user: publicUser(user) };
  }

  private async createSession(
    q: Db | import('../../db/pool.ts').Tx,
    userId: string,
    input: { device: string; userAgent?: string; ip?: string },
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await q.query(
      `INSERT INTO sessions (id, user_id, token_hash, device, user_agent, ip, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
      [
        newId(),
        userId,
        sha256(token),
        input.device.slice(0, 100),
        input.userAgent?.slice(0, 300) ?? null,
        input.ip ?? null,
        now,
        new Date(now.getTime() + this.options.sessionDays * 86_400_000),
      ],
    );
    return token;
  }

  /**
   * The user behind a bearer token or session cookie, or undefined if it is not a live session
   * (unknown, expired, signed out, or its user banned). Served from the session cache when it
   * is on: every change that could end a session or alter what it carries evicts it in every
   * process (src/platform/cache-bus.ts); only expiry is checked here, against the clock.
   */
  async authenticate(token: string): Promise<AuthUser | undefined> {
    if (token.length < 20 || token.length > 100) return undefined;
    const tokenHash = sha256(token);
    const session = this.sessionCache
      ? await this.sessionCache.get(
          tokenHash.toString('base64url'),
          () => this.loadSession(tokenHash),
          // Unknown tokens are not cached: anyone could fill the cache with them.
          (s) => s !== undefined,
        )
      : await this.loadSession(tokenHash);
    const now = this.clock.now();
    if (!session || session.expiresAt <= now) return undefined;
    // Touch last_seen at most once a minute: it is for the devices list, not for security.
    if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
      session.lastSeenAt = now;
      await this.db.query('UPDATE sessions SET last_seen_at = $2 WHERE id = $1', [
        session.user.sessionId,
        now,
      ]);
    }
    return { ...session.user };
  }

  /**
   * Whether a token that no longer authenticates belonged to a user who is banned now: the
   * ban ended the session, and the client is told why (403 banned) rather than to sign in.
   * Asked only after `authenticate` failed.
   */
  async isBannedSession(token: string): Promise<boolean> {
    if (token.length < 20 || token.length > 100) return false;
    const { rowCount } = await this.db.query(
      `SELECT 1 FROM sessions s JOIN bans b ON b.kind = 'user' AND b.subject = s.user_id::text
        WHERE s.token_hash = $1 AND (b.expires_at IS NULL OR b.expires_at > $2) LIMIT 1`,
      [sha256(token), this.clock.now()],
    );
    return rowCount !== null && rowCount > 0;
  }

  private async loadSession(tokenHash: Buffer): Promise<CachedSession | undefined> {
    const now = this.clock.now();
    const { rows } = await this.db.query<{
      session_id: string;
      id: string;
      nickname: string;
      role: 'user' | 'admin';
      verified: boolean;
      expires_at: Date;
      last_seen_at: Date;
    }>({
      name: 'identity.session',
      text: `SELECT s.id AS session_id, u.id, u.nickname, u.role, u.verified_at IS NOT NULL AS verified,
              s.expires_at, s.last_seen_at
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
          AND NOT EXISTS (SELECT 1 FROM bans b WHERE b.kind = 'user' AND b.subject = u.id::text
                            AND (b.expires_at IS NULL OR b.expires_at > $2))`,
      values: [tokenHash, now],
    });
    const row = rows[0];
    if (!row) return undefined;
    return {
      user: {
        id: row.id,
        nickname: row.nickname,
        role: row.role,
        verified: row.verified,
        sessionId: row.session_id,
      },
      expiresAt: row.expires_at,
      lastSeenAt: row.last_seen_at,
    };
  }

  /**
   * After a change to sessions or users has committed: evicts here at once (the trigger's
   * NOTIFY reaches the other processes, and this one again, a moment later).
   */
  private forget(topic: 'session' | 'user', id: string): void {
    this.options.cacheBus?.evict(topic, id);
  }

  async logout(sessionId: string): Promise<void> {
    await this.db.query(
      'UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
      [sessionId, this.clock.now()],
    );
    this.forget('session', sessionId);
  }

  async logoutEverywhere(userId: string): Promise<void> {
    await this.db.query(
      'UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL',
      [userId, this.clock.now()],
    );
    this.forget('user', userId);
  }

  async sessions(user: AuthUser): Promise<SessionInfo[]> {
    const { rows } = await this.db.query<{
      id: string;
      device: string;
      user_agent: string | null;
      ip: string | null;
      created_at: Date;
      last_seen_at: Date;
    }>(
      `SELECT id, device, user_agent, ip, created_at, last_seen_at FROM sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC LIMIT 100`,
      [user.id, this.clock.now()],
    );
    return rows.map((r) => ({
      id: r.id,
      device: r.device,
      userAgent: r.user_agent,
      ip: r.ip,
      createdAt: r.created_at.toISOString(),
      lastSeenAt: r.last_seen_at.toISOString(),
      current: r.id === user.sessionId,
    }));
  }

  /** Signs out one of the caller's own sessions; another user's session id is simply not found. */
  async revokeSession(userId: string, sessionId: string): Promise<void> {
    const { rowCount } = await this.db.query(
      `UPDATE sessions SET revoked_at = $3 WHERE id::text = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [sessionId, userId, this.clock.now()],
    );
    if (rowCount === 0) throw notFound('session');
    this.forget('session', sessionId);
  }

  async user(id: string): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE id::text = $1`,
      [id],
    );
    return rows[0];
  }

  /**
   * The user a payment names as its receiver: id and nickname only, cached (a nickname change
   * evicts it in every process; an unknown id is not cached, so a new user is found at once).
   */
  async payee(id: string): Promise<Payee | undefined> {
    const load = async () => {
      const u = await this.user(id);
      return u ? { id: u.id, nickname: u.nickname } : undefined;
    };
    if (!this.payeeCache) return load();
    return this.payeeCache.get(id, load, (p) => p !== undefined);
  }

  /** A user's nickname, for notifications that name who acted; inside a transaction with `q`. */
  async nickname(id: string, q: Queryable = this.db): Promise<string | undefined> {
    const { rows } = await q.query<{ nickname: string }>(
      'SELECT nickname FROM users WHERE id = $1',
      [id],
    );
    return rows[0]?.nickname;
  }

  async userByPhone(rawPhone: string): Promise<UserRow | undefined> {
    const phone = normalizePhone(rawPhone);
    if (!phone) return undefined;
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE phone = $1`,
      [phone],
    );
    return rows[0];
  }

  async usersByIds(ids: readonly string[]): Promise<Map<string, UserRow>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  async me(userId: string): Promise<Me> {
    const u = await this.user(userId);
    if (!u) throw notFound('user');
    return toMe(u);
  }

  async verify(userId: string, realName: string, rawIdNumber: string): Promise<Me> {
    const name = realName.trim();
    if (!/^[\p{Script=Han}·•a-zA-Z ]{2,30}$/u.test(name)) {
      throw invalid('realName must be 2–30 letters or Chinese characters', { field: 'realName' });
    }
    const parsed = parseIdNumber(rawIdNumber, this.clock.now());
    if (!parsed.ok) {
      const why = {
        format: 'must be 17 digits followed by a digit or X',
        region: 'has an unknown region code',
        date: 'has an impossible or future birth date',
        check_digit: 'has a wrong check digit',
      }[parsed.reason];
      throw invalid(`idNumber ${why}`, { field: 'idNumber', reason: parsed.reason });
    }
    const idHash = this.keyedHash('id', parsed.normalized);
    await this.assertNotBanned('identity', idHash.toString('hex'));
    const me = await inTransaction(this.db, async (tx) => {
      const { rows } = await tx.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`,
        [userId],
      );
      const user = rows[0];
      if (!user) throw notFound('user');
      if (user.verified_at) throw conflict('this account is already verified');
      if (!user.phone_verified_at) {
        throw new AppError('verification_required', 'verify your phone number first');
      }
      const taken = await tx.query('SELECT 1 FROM users WHERE id_number_hash = $1', [idHash]);
      if (taken.rowCount) throw conflict('this identity is already bound to another account');
      try {
        const updated = await tx.query<UserRow>(
          `UPDATE users SET verified_at = $2, real_name_masked = $3, id_number_hash = $4,
                  id_number_masked = $5, birth_date = $6, gender = $7
            WHERE id = $1 RETURNING ${USER_COLUMNS}`,
          [
            userId,
            this.clock.now(),
            maskRealName(name),
            idHash,
            maskIdNumber(parsed.normalized),
            parsed.birthDate,
            parsed.gender,
          ],
        );
        return toMe(updated.rows[0]!);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw conflict('this identity is already bound to another account');
        }
        throw err;
      }
    });
    // The caller's sessions carry `verified`: the next request must see it.
    this.forget('user', userId);
    return me;
  }

  async setPin(userId: string, pin: string, currentPin: string | undefined): Promise<void> {
    const weak = weakPinReason(pin);
    if (weak) throw invalid(weak, { field: 'pin' });
    const { rows } = await this.db.query<{ pin_hash: string | null }>(
      'SELECT pin_hash FROM users WHERE id = $1',
      [userId],
    );
    if (!rows[0]) throw notFound('user');
    if (rows[0].pin_hash) {
      if (currentPin === undefined) {
        throw new AppError('pin_invalid', 'changing the PIN needs the current PIN');
      }
      await this.checkPin(userId, currentPin);
    }
    await this.db.query('UPDATE users SET pin_hash = $2 WHERE id = $1', [
      userId,
      this.pinKeys.seal(userId, pin),
    ]);
  }

  /**
   * Gate for moving money out of a wallet. Without a PIN set there is nothing to check.
   *
   * The entered PIN's MACs (one per configured key) are computed first, in microseconds and
   * with nothing open in the database; then one round trip decides and records the attempt
   * under the user's PIN advisory lock (`pinAttemptSql`). Attempts, right or wrong, are thus
   * decided one at a time in arrival order: the lock engages after exactly `pinMaxTries` wrong
   * PINs, and a right PIN that arrives after them is refused even when all were sent at once.
   * (Deciding a right PIN from a plain read would let it slip in ahead of wrong guesses still
   * in flight, so a burst of guesses would all be tried.) A right PIN with nothing to reset
   * writes nothing. PINs still stored as argon2id (before PIN MACs) are verified with no
   * transaction open and their outcome recorded by a compare-and-set UPDATE.
   * The lockout state is never cached: it is what protects a six-digit PIN.
   */
  async checkPin(userId: string, pin: string | undefined): Promise<void> {
    if (pin === undefined) {
      const row = await this.pinState(userId);
      if (!row.pin_hash) return;
      if (row.pin_locked_until && row.pin_locked_until > this.clock.now()) {
        throw pinLocked(row.pin_locked_until);
      }
      throw new AppError('pin_invalid', 'this payment needs your PIN');
    }
    if (!UUID.test(userId)) throw notFound('user');
    const candidates = this.pinKeys.sealAll(userId, pin);
    for (let attempt = 0; attempt < 20; attempt++) {
      const now = this.clock.now();
      const until = new Date(now.getTime() + this.options.pinLockMinutes * 60_000);
      const results = (await this.db.query(
        pinAttemptSql(userId, candidates, this.pinKeys.ids, now, this.options.pinMaxTries, until),
      )) as unknown as pg.QueryResult<PinAttemptRow>[];
      const row = results[1]!.rows[0];
      if (!row) throw notFound('user');
      if (row.attempted) {
        if (row.ok) {
          if (PinKeyring.keyIdOf(row.pin_hash!) !== this.pinKeys.currentId) {
            // Rotation: right under an older key; from now on stored under the current one.
            await this.db.query('UPDATE users SET pin_hash = $3 WHERE id = $1 AND pin_hash = $2', [
              userId,
              row.pin_hash,
              this.pinKeys.seal(userId, pin),
            ]);
          }
          return;
        }
        if (row.pin_locked_until) throw pinLocked(row.pin_locked_until);
        throw wrongPin(this.options.pinMaxTries - row.pin_failed_count);
      }
      // Not written: no PIN, locked, a right PIN with nothing to reset (decided here, under
      // the lock), stored as argon2id, under an unknown key, or changed by a writer that does
      // not take the PIN lock (setPin) between the snapshot and the update: then look again.
      if (!row.pin_hash) return;
      if (row.pin_locked_until && row.pin_locked_until > now) throw pinLocked(row.pin_locked_until);
      if (row.ok && row.pin_failed_count === 0 && row.pin_locked_until === null) {
        if (PinKeyring.keyIdOf(row.pin_hash) !== this.pinKeys.currentId) {
          await this.db.query('UPDATE users SET pin_hash = $3 WHERE id = $1 AND pin_hash = $2', [
            userId,
            row.pin_hash,
            this.pinKeys.seal(userId, pin),
          ]);
        }
        return;
      }
      if (PinKeyring.isMac(row.pin_hash)) {
        // Throws for a key that is not configured: that is never counted as a wrong guess.
        this.pinKeys.verify(row.pin_hash, userId, pin);
        continue;
      }
      const outcome = await this.checkArgonPin(userId, pin, row, now, until);
      if (outcome === 'ok') return;
      if (outcome !== 'changed') throw outcome;
    }
    throw new Error('the PIN row kept changing while it was checked');
  }

  /** A PIN stored as argon2id: verified with no transaction open, then rewritten as a MAC. */
  private async checkArgonPin(
    userId: string,
    pin: string,
    seen: PinAttemptRow,
    now: Date,
    until: Date,
  ): Promise<'ok' | 'changed' | AppError> {
    if (await argonVerify(seen.pin_hash!, pin)) {
      // Compare-and-set: right only if no attempt was counted since the read.
      const { rowCount } = await this.db.query(
        `UPDATE users SET pin_hash = $5, pin_failed_count = 0, pin_locked_until = NULL
          WHERE id = $1 AND pin_hash = $2 AND pin_failed_count = $3
            AND pin_locked_until IS NOT DISTINCT FROM $4`,
        [
          userId,
          seen.pin_hash,
          seen.pin_failed_count,
          seen.pin_locked_until,
          this.pinKeys.seal(userId, pin),
        ],
      );
      return rowCount ? 'ok' : 'changed';
    }
    const { rows } = await this.db.query<{
      pin_failed_count: number;
      pin_locked_until: Date | null;
    }>(
      `UPDATE users SET
         pin_failed_count = CASE WHEN ${FAILED_NEXT} >= $4 THEN 0 ELSE ${FAILED_NEXT} END,
         pin_locked_until = CASE WHEN ${FAILED_NEXT} >= $4 THEN $5::timestamptz END
        WHERE id = $1 AND pin_hash = $2 AND (pin_locked_until IS NULL OR pin_locked_until <= $3)
        RETURNING pin_failed_count, pin_locked_until`,
      [userId, seen.pin_hash, now, this.options.pinMaxTries, until],
    );
    const recorded = rows[0];
    if (!recorded) return 'changed';
    if (recorded.pin_locked_until) return pinLocked(recorded.pin_locked_until);
    return wrongPin(this.options.pinMaxTries - recorded.pin_failed_count);
  }

  private async pinState(userId: string) {
    const { rows } = await this.db.query<{
      pin_hash: string | null;
      pin_locked_until: Date | null;
    }>('SELECT pin_hash, pin_locked_until FROM users WHERE id = $1', [userId]);
    if (!rows[0]) throw notFound('user');
    return rows[0];
  }

  async hasPin(userId: string): Promise<boolean> {
    const { rows } = await this.db.query(
      'SELECT pin_hash IS NOT NULL AS has FROM users WHERE id = $1',
      [userId],
    );
    return rows[0]?.has === true;
  }

  /**
   * `POST /auth/phone-codes`: texts a code to a registered number that needs it (an unverified
   * phone, or any for a password reset). The answer is the same for every number.
   */
  async requestPhoneCode(rawPhone: string, purpose: CodePurpose): Promise<void> {
    const phone = normalizePhone(rawPhone);
    if (!phone) {
      throw invalid('phone must be an E.164 number or an 11-digit mainland mobile number', {
        field: 'phone',
      });
    }
    const { rows } = await this.db.query<{ phone_verified: boolean }>(
      'SELECT phone_verified_at IS NOT NULL AS phone_verified FROM users WHERE phone = $1',
      [phone],
    );
    const user = rows[0];
    const deliver = purpose === 'reset' ? !!user : !!user && !user.phone_verified;
    await this.codes.issue(phone, purpose, deliver);
  }

  /** `POST /me/phone-verification`: the code texted to the caller's phone marks it theirs. */
  async verifyPhone(userId: string, code: string): Promise<Me> {
    const user = await this.user(userId);
    if (!user) throw notFound('user');
    if (user.phone_verified_at) return toMe(user);
    await this.codes.redeem(user.phone, 'verify', code, (tx) =>
      this.markPhoneVerified(tx, userId, user.phone),
    );
    return this.me(userId);
  }

  /**
   * `POST /auth/password-reset`: a code texted to the phone sets a new password, ends every
   * session and the log-in backoff; receiving the code also proves the phone is theirs.
   */
  async resetPassword(rawPhone: string, code: string, newPassword: string): Promise<void> {
    const phone = normalizePhone(rawPhone);
    if (!phone) throw invalid('phone is not a valid phone number', { field: 'phone' });
    refuseWeakPassword(newPassword, phone, 'newPassword');
    const passwordHash = await argonHash(newPassword, ARGON);
    let userId: string | undefined;
    await this.codes.redeem(phone, 'reset', code, async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        'UPDATE users SET password_hash = $2 WHERE phone = $1 RETURNING id',
        [phone, passwordHash],
      );
      const id = rows[0]?.id;
      if (!id) return;
      userId = id;
      await tx.query(
        'UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL',
        [id, this.clock.now()],
      );
      await clearLoginFailures(tx, phone);
      await this.markPhoneVerified(tx, id, phone);
    });
    // Other processes hear of it from the sessions trigger; this one forgets at once.
    if (userId) this.forget('user', userId);
  }

  /** Records phone ownership; a configured admin phone becomes an admin only here. */
  private async markPhoneVerified(tx: Tx, userId: string, phone: string): Promise<void> {
    await tx.query(
      `UPDATE users SET phone_verified_at = COALESCE(phone_verified_at, $2),
              role = CASE WHEN $3 THEN 'admin' ELSE role END
        WHERE id = $1`,
      [userId, this.clock.now(), this.adminPhones.has(phone)],
    );
  }

  async assertNotBanned(kind: 'identity' | 'device' | 'user', subject: string): Promise<void> {
    const { rowCount } = await this.db.query(
      `SELECT 1 FROM bans WHERE kind = $1 AND subject = $2 AND (expires_at IS NULL OR expires_at > $3)`,
      [kind, subject, this.clock.now()],
    );
    if (rowCount) throw new AppError('banned', 'this account or identity is banned');
  }

  /** Makes the configured admin phones admins (verified phones only), for users who were there first. */
  async promoteConfiguredAdmins(): Promise<void> {
    const phones = [...this.adminPhones];
    if (phones.length === 0) return;
    await this.db.query(
      `UPDATE users SET role = 'admin'
        WHERE phone = ANY($1) AND role <> 'admin' AND phone_verified_at IS NOT NULL`,
      [phones],
    );
  }

  /** `hebao admin create`: promotes an existing user, or creates one with the given password. */
  async createAdmin(
    rawPhone: string,
    password?: string,
    nickname = 'admin',
  ): Promise<'promoted' | 'created'> {
    const phone = normalizePhone(rawPhone);
    if (!phone)
      throw invalid('phone must be an E.164 number or an 11-digit mainland mobile number');
    const { rowCount } = await this.db.query(`UPDATE users SET role = 'admin' WHERE phone = $1`, [
      phone,
    ]);
    if (rowCount) return 'promoted';
    if (!password || password.length < 8) {
      throw invalid('no user has this phone; give --password (8+ characters) to create one');
    }
    refuseWeakPassword(password, phone, 'password');
    await this.db.query(
      `INSERT INTO users (id, phone, password_hash, nickname, role, created_at) VALUES ($1, $2, $3, $4, 'admin', $5)`,
      [newId(), phone, await argonHash(password, ARGON), nickname, this.clock.now()],
    );
    return 'created';
  }
}

function wrongPin(triesLeft: number): AppError {
  return new AppError('pin_invalid', 'wrong PIN', { triesLeft });
}

function pinLocked(until: Date): AppError {
  return new AppError('pin_locked', 'too many wrong PINs; payments are locked', {
    lockedUntil: until.toISOString(),
  });
}

function toMe(u: UserRow): Me {
  return {
    ...publicUser(u),
    role: u.role,
    hasPin: u.pin_hash !== null,
    phoneVerified: u.phone_verified_at !== null,
    ...(u.verified_at
      ? {
          verification: {
            realName: u.real_name_masked!,
            idNumber: u.id_number_masked!,
            birthDate: u.birth_date!,
            gender: u.gender!,
          },
        }
      : {}),
    createdAt: u.created_at.toISOString(),
  };
}
