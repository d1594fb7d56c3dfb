import type { Db, Queryable } from '../../db/pool.ts';
import type { BusCache, CacheBus } from '../../platform/cache-bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { normalizePhone } from '../identity/index.ts';

export type Visibility = 'public' | 'friends' | 'private';

export interface PrivacySettings {
  /** Others may find this user (and send a friend request) by phone number. */
  findableByPhone: boolean;
  /** The visibility a transfer gets when its sender does not choose one. */
  defaultPaymentVisibility: Visibility;
}

export const DEFAULT_PRIVACY: PrivacySettings = {
  findableByPhone: true,
  defaultPaymentVisibility: 'friends',
};

/** Per-user privacy choices; a user who never changed them has the defaults (no row). */
export class PrivacyService {
  /** Every payment without a visibility reads its sender's default: cached, evicted on change. */
  private readonly cache: BusCache<Readonly<PrivacySettings>> | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly cacheBus?: CacheBus,
  ) {
    if (cacheBus) {
      const cache = cacheBus.cache<Readonly<PrivacySettings>>('privacy');
      cacheBus.on('privacy', (userId) => cache.evict(userId));
      this.cache = cache;
    }
  }

  /** Outside a transaction from the cache when it is on; inside one (`q`), from the database. */
  async settings(userId: string, q: Queryable = this.db): Promise<PrivacySettings> {
    if (this.cache && q === this.db) {
      return { ...(await this.cache.get(userId, () => this.load(userId, q))) };
    }
    return this.load(userId, q);
  }

  private async load(userId: string, q: Queryable): Promise<PrivacySettings> {
    const { rows } = await q.query<{
      findable_by_phone: boolean;
      default_payment_visibility: Visibility;
    }>(
      'SELECT findable_by_phone, default_payment_visibility FROM privacy_settings WHERE user_id = $1',
      [userId],
    );
    const row = rows[0];
    if (!row) return { ...DEFAULT_PRIVACY };
    return {
      findableByPhone: row.findable_by_phone,
      defaultPaymentVisibility: row.default_payment_visibility,
    };
  }

  async update(userId: string, change: Partial<PrivacySettings>): Promise<PrivacySettings> {
    // From the database, not the cache: the fields not changed are written back.
    const next = { ...(await this.load(userId, this.db)), ...change };
    await this.db.query(
      `INSERT INTO privacy_settings (user_id, findable_by_phone, default_payment_visibility, updated_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET findable_by_phone = $2, default_payment_visibility = $3, updated_at = $4`,
      [userId, next.findableByPhone, next.defaultPaymentVisibility, this.clock.now()],
    );
    this.cacheBus?.evict('privacy', userId);
    return next;
  }

  /**
   * The user a phone number names, as `callerId` may see it: nobody when the number is not
   * registered, and nobody either when its owner is hidden from phone search and is not the
   * caller's friend. One query whichever the case, so the answer and its timing are the same
   * for a hidden user as for an unregistered number.
   */
  async findByPhone(callerId: string, rawPhone: string): Promise<string | undefined> {
    const phone = normalizePhone(rawPhone);
    if (!phone) return undefined;
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT u.id FROM users u
         LEFT JOIN privacy_settings p ON p.user_id = u.id
        WHERE u.phone = $1
          AND (u.id = $2 OR COALESCE(p.findable_by_phone, true)
               OR EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = $2 AND f.friend_id = u.id))`,
      [phone, callerId],
    );
    return rows[0]?.id;
  }

  /** For the wallet: what a transfer without an explicit visibility should get. */
  async defaultPaymentVisibility(userId: string): Promise<Visibility> {
    return (await this.settings(userId)).defaultPaymentVisibility;
  }
}
