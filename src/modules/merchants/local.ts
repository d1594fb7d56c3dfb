/**
 * Local life (口碑) around the merchants: reviews only from payers, coupons that are never
 * over-issued, and the nearby directory.
 */
import { type Db, inTransaction, type Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { isUuid, newId } from '../../platform/ids.ts';
import { boundingBox, EARTH_RADIUS_M } from './geo.ts';
import { paymentRow, ratingOf, requireMerchant } from './store.ts';

export type ReviewStatus = 'published' | 'held' | 'taken_down';

export interface ReviewView {
  id: string;
  merchantId: string;
  paymentId: string;
  author: { userId: string; nickname: string };
  rating: number;
  text: string;
  status: ReviewStatus;
  createdAt: string;
}

export interface CouponView {
  id: string;
  merchantId: string;
  merchantName: string;
  title: string;
  discount: number;
  minSpend: number;
  quantity: number;
  claimed: number;
  remaining: number;
  currency: string;
  validUntil: string;
  createdAt: string;
  /** The caller's claim, if any. */
  myClaim?: { claimedAt: string; usedPaymentId: string | null } | null;
}

export interface NearbyMerchant {
  id: string;
  name: string;
  category: string;
  address: string;
  location: { lat: number; lng: number };
  distanceM: number;
  rating: { average: number | null; count: number };
}

export interface LocalDeps {
  db: Db;
  clock: Clock;
  /** The text filter: refused → 422 content_rejected; `review` → held for a human look. */
  moderate: (text: string, userId: string) => Promise<'allow' | 'review'>;
  /** Titles are screened like names (refused → 422). */
  screenText: (text: string, userId: string) => Promise<void>;
  /**
   * The review queue's intake for text the filter held (safety's `holdForReview`), called in
   * the review's transaction; wired by services.ts where the queue exists.
   */
  holdForReview?: (
    q: Queryable,
    target: { type: 'review'; id: string },
    authorId: string,
  ) => Promise<void>;
}

interface ReviewRow {
  id: string;
  merchant_id: string;
  payment_id: string;
  author_id: string;
  nickname: string;
  rating: number;
  text: string;
  status: ReviewStatus;
  created_at: Date;
  micros: string;
}

const toReview = (r: ReviewRow): ReviewView => ({
  id: r.id,
  merchantId: r.merchant_id,
  paymentId: r.payment_id,
  author: { userId: r.author_id, nickname: r.nickname },
  rating: r.rating,
  text: r.text,
  status: r.status,
  createdAt: r.created_at.toISOString(),
});

const REVIEW_SELECT = `SELECT r.id, r.merchant_id, r.payment_id, r.author_id, u.nickname, r.rating, r.text,
       r.status, r.created_at, ${microsSql('r.created_at')} AS micros
  FROM merchant_reviews r JOIN users u ON u.id = r.author_id`;

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export class LocalLifeService {
  constructor(private readonly d: LocalDeps) {}

  /**
   * A review by the payer of a completed payment at this merchant (else 403), one per payment
   * (409). Held text is kept for its author and for review, and not counted in the rating.
   */
  async review(
    author: { id: string },
    merchantId: string,
    input: { paymentId: string; rating: number; text: string },
  ): Promise<ReviewView> {
    const { db, clock } = this.d;
    await requireMerchant(db, merchantId);
    const p = await paymentRow(db, input.paymentId);
    if (!p || p.payer_id !== author.id || p.merchant_id !== merchantId) {
      throw forbidden('only a customer who paid here may review it, once per payment');
    }
    if (p.status !== 'completed' && p.status !== 'resolved') {
      throw forbidden('review a payment once it has completed');
    }
    if (p.reviewed) throw conflict('you already reviewed this payment');
    const verdict = await this.d.moderate(input.text, author.id);
    const status: ReviewStatus = verdict === 'review' ? 'held' : 'published';
    const id = newId();
    try {
      await inTransaction(db, async (tx) => {
        await tx.query(
          `INSERT INTO merchant_reviews (id, merchant_id, payment_id, author_id, rating, text, status, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [id, merchantId, p.id, author.id, input.rating, input.text, status, clock.now()],
        );
        if (status === 'held') await this.d.holdForReview?.(tx, { type: 'review', id }, author.id);
        if (status === 'published') {
          await tx.query(
            `UPDATE merchants SET rating_sum = rating_sum + $2, rating_count = rating_count + 1 WHERE id = $1`,
            [merchantId, input.rating],
          );
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('you already reviewed this payment');
      throw err;
    }
    return this.reviewById(id);
  }

  /** Published reviews, newest first; the caller's own held ones too. */
  async reviews(
    viewerId: string,
    merchantId: string,
    page: { limit: number; after?: TimeCursor },
  ): Promise<{
    items: ReviewView[];
    nextCursor: string | null;
    rating: { average: number | null; count: number };
  }> {
    const m = await requireMerchant(this.d.db, merchantId);
    const params: unknown[] = [merchantId, page.limit + 1, viewerId];
    let after = '';
    if (page.after) {
      params.push(page.after.micros, page.after.id);
      after = `AND (r.created_at, r.id) < (${fromMicrosSql('$4')}, $5::uuid)`;
    }
    const { rows } = await this.d.db.query<ReviewRow>(
      `${REVIEW_SELECT}
        WHERE r.merchant_id = $1 AND (r.status = 'published' OR (r.status = 'held' AND r.author_id = $3))
          ${after}
        ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      params,
    );
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map(toReview),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
      rating: ratingOf(Number(m.rating_sum), m.rating_count),
    };
  }

  /** One review by id, whatever its state: for the review queue (operators). */
  async reviewById(id: string): Promise<ReviewView> {
    if (!isUuid(id)) throw notFound('review');
    const { rows } = await this.d.db.query<ReviewRow>(`${REVIEW_SELECT} WHERE r.id = $1`, [id]);
    if (!rows[0]) throw notFound('review');
    return toReview(rows[0]);
  }

  /**
   * Takes a review down (the review queue's `take_down`) or publishes a held one (`dismiss`):
   * the merchant's rating follows in the same transaction. Returns false if nothing changed.
   */
  async setReviewStatus(id: string, status: 'published' | 'taken_down'): Promise<boolean> {
    if (!isUuid(id)) throw notFound('review');
    return inTransaction(this.d.db, (tx) => changeReviewStatus(tx, id, status));
  }

  /** The owner issues coupons that the merchant funds: the payer pays less, the merchant gets less. */
  async createCoupon(
    ownerId: string,
    merchantId: string,
    input: {
      title: string;
      discount: number;
      minSpend: number;
      quantity: number;
      validUntil: string;
    },
  ): Promise<CouponView> {
    const { db, clock } = this.d;
    const m = await requireMerchant(db, merchantId);
    if (m.owner_id !== ownerId) throw forbidden("only the merchant's owner issues coupons");
    if (input.minSpend <= input.discount) {
      // A payment always leaves at least one fen to move: the ledger moves no zero amounts.
      throw invalid('minSpend must be more than the discount', { field: 'minSpend' });
    }
    const validUntil = new Date(input.validUntil);
    if (Number.isNaN(validUntil.getTime()) || validUntil <= clock.now()) {
      throw invalid('validUntil must be in the future', { field: 'validUntil' });
    }
    await this.d.screenText(input.title, ownerId);
    const id = newId();
    await db.query(
      `INSERT INTO merchant_coupons (id, merchant_id, title, discount, min_spend, quantity, currency, valid_until, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        id,
        m.id,
        input.title,
        input.discount,
        input.minSpend,
        input.quantity,
        m.currency,
        validUntil,
        clock.now(),
      ],
    );
    return this.coupon(ownerId, id);
  }

  async coupon(viewerId: string, id: string): Promise<CouponView> {
    if (!isUuid(id)) throw notFound('coupon');
    const [c] = await this.couponRows('c.id = $2', [viewerId, id]);
    if (!c) throw notFound('coupon');
    return c;
  }

  /** A merchant's coupons still valid, newest first, with the caller's claim of each. */
  async merchantCoupons(viewerId: string, merchantId: string): Promise<CouponView[]> {
    await requireMerchant(this.d.db, merchantId);
    return this.couponRows('c.merchant_id = $2 AND c.valid_until > $3', [
      viewerId,
      merchantId,
      this.d.clock.now(),
    ]);
  }

  /** The caller's claimed coupons, newest first. */
  async myCoupons(userId: string): Promise<CouponView[]> {
    return this.couponRows('k.user_id IS NOT NULL', [userId]);
  }

  private async couponRows(where: string, params: unknown[]): Promise<CouponView[]> {
    const { rows } = await this.d.db.query<{
      id: string;
      merchant_id: string;
      merchant_name: string;
      title: string;
      discount: string;
      min_spend: string;
      quantity: number;
      claimed: number;
      currency: string;
      valid_until: Date;
      created_at: Date;
      claimed_at: Date | null;
      used_payment_id: string | null;
    }>(
      `SELECT c.id, c.merchant_id, m.name AS merchant_name, c.title, c.discount, c.min_spend, c.quantity,
              c.claimed, c.currency, c.valid_until, c.created_at, k.claimed_at, k.used_payment_id
         FROM merchant_coupons c JOIN merchants m ON m.id = c.merchant_id
         LEFT JOIN merchant_coupon_claims k ON k.coupon_id = c.id AND k.user_id = $1
        WHERE ${where} ORDER BY c.created_at DESC, c.id DESC LIMIT 100`,
      params,
    );
    return rows.map((c) => ({
      id: c.id,
      merchantId: c.merchant_id,
      merchantName: c.merchant_name,
      title: c.title,
      discount: Number(c.discount),
      minSpend: Number(c.min_spend),
      quantity: c.quantity,
      claimed: c.claimed,
      remaining: c.quantity - c.claimed,
      currency: c.currency,
      validUntil: c.valid_until.toISOString(),
      createdAt: c.created_at.toISOString(),
      myClaim: c.claimed_at
        ? { claimedAt: c.claimed_at.toISOString(), usedPaymentId: c.used_payment_id }
        : null,
    }));
  }

  /**
   * One claim per user, never more than `quantity`: the claim row (unique per coupon and user)
   * and the counter's conditional increment commit together, so a rush of claimers queues on the
   * coupon's row for one short statement each and the last one finds it sold out.
   */
  async claimCoupon(
    user: { id: string; verified: boolean },
    couponId: string,
  ): Promise<CouponView> {
    const { db, clock } = this.d;
    if (!isUuid(couponId)) throw notFound('coupon');
    if (!user.verified) {
      throw new AppError('verification_required', 'verify your identity before claiming coupons');
    }
    const seen = await this.coupon(user.id, couponId);
    if (seen.myClaim) throw new AppError('already_claimed', 'you already claimed this coupon');
    if (new Date(seen.validUntil) <= clock.now())
      throw new AppError('expired', 'this coupon has expired');
    if (seen.remaining <= 0) throw new AppError('sold_out', 'every coupon has been claimed');
    try {
      await inTransaction(db, async (tx) => {
        // The claim first: a second claim by the same user waits on the unique key, not the counter.
        await tx.query(
          `INSERT INTO merchant_coupon_claims (id, coupon_id, user_id, claimed_at) VALUES ($1, $2, $3, $4)`,
          [newId(), couponId, user.id, clock.now()],
        );
        const { rowCount } = await tx.query(
          `UPDATE merchant_coupons SET claimed = claimed + 1
            WHERE id = $1 AND claimed < quantity AND valid_until > $2`,
          [couponId, clock.now()],
        );
        if (!rowCount) throw new AppError('sold_out', 'every coupon has been claimed');
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_claimed', 'you already claimed this coupon');
      throw err;
    }
    return this.coupon(user.id, couponId);
  }

  /**
   * Active merchants within `radiusM` of a point, nearest first, with their distance and rating.
   * Two index-only steps on the GiST index of `geo` (docs/architecture.md, Merchants):
   *  1. the `limit` nearest by the index's planar order (KNN): the farthest of them, by true
   *     distance, bounds where the true nearest `limit` can be: there are `limit` merchants
   *     that close already. In a dense city this shrinks a 3 km box of ~1,400 candidates to
   *     a few dozen;
   *  2. the box around the smaller of that bound and the radius, the exact haversine distance,
   *     the radius filter, the order; then the page's rows from the table.
   */
  async nearby(query: {
    lat: number;
    lng: number;
    radiusM: number;
    category?: string;
    limit: number;
  }): Promise<NearbyMerchant[]> {
    const { db } = this.d;
    const distance = (lat: string, lng: string) =>
      `2 * $3::float8 * asin(least(1, sqrt(sin(radians(${lat} - $1) / 2) ^ 2
         + cos(radians($1)) * cos(radians(${lat})) * sin(radians(${lng} - $2) / 2) ^ 2)))`;
    const { rows: seed } = await db.query<{ reach: number | null; n: number }>(
      `SELECT max(${distance('geo[1]', 'geo[0]')}) AS reach, count(*)::int AS n FROM (
         SELECT geo FROM merchants
          WHERE status = 'active' AND ($4::text IS NULL OR category = $4)
          ORDER BY geo <-> point($2, $1) LIMIT $5) nearest`,
      [query.lat, query.lng, EARTH_RADIUS_M, query.category ?? null, query.limit],
    );
    const { reach, n } = seed[0]!;
    if (n === 0) return [];
    // A hair more than the farthest, so float rounding in the box never drops a tie.
    const within =
      n < query.limit ? query.radiusM : Math.min(query.radiusM, reach! * (1 + 1e-9) + 0.01);
    const box = boundingBox(query, within);
    const { rows } = await db.query<{
      id: string;
      name: string;
      category: string;
      address: string;
      lat: number;
      lng: number;
      rating_sum: string;
      rating_count: number;
      distance: number;
    }>(
      `WITH near AS (
         -- Only columns of the GiST index (geo, id, category): an index-only scan of the box.
         SELECT id, ${distance('geo[1]', 'geo[0]')} AS distance
           FROM merchants
          WHERE status = 'active' AND geo <@ box(point($5, $4), point($7, $6))
            AND ($8::text IS NULL OR category = $8)
       ), page AS (
         SELECT id, distance FROM near WHERE distance <= $9 ORDER BY distance, id LIMIT $10
       )
       SELECT m.id, m.name, m.category, m.address, m.lat, m.lng, m.rating_sum, m.rating_count, page.distance
         FROM page JOIN merchants m USING (id)
        ORDER BY page.distance, m.id`,
      [
        query.lat,
        query.lng,
        EARTH_RADIUS_M,
        box.minLat,
        box.minLng,
        box.maxLat,
        box.maxLng,
        query.category ?? null,
        query.radiusM,
        query.limit,
      ],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      category: r.category,
      address: r.address,
      location: { lat: r.lat, lng: r.lng },
      distanceM: Math.round(r.distance),
      rating: ratingOf(Number(r.rating_sum), r.rating_count),
    }));
  }
}

/** A review's status change with the merchant's rating, in the caller's transaction. */
async function changeReviewStatus(
  q: Queryable,
  id: string,
  status: 'published' | 'taken_down',
): Promise<boolean> {
  const { rows } = await q.query<{ merchant_id: string; rating: number; status: ReviewStatus }>(
    'SELECT merchant_id, rating, status FROM merchant_reviews WHERE id = $1 FOR UPDATE',
    [id],
  );
  const r = rows[0];
  if (!r) throw notFound('review');
  if (r.status === status) return false;
  await q.query('UPDATE merchant_reviews SET status = $2 WHERE id = $1', [id, status]);
  const delta = (status === 'published' ? 1 : 0) - (r.status === 'published' ? 1 : 0);
  if (delta !== 0) {
    await q.query(
      'UPDATE merchants SET rating_sum = rating_sum + $2, rating_count = rating_count + $3 WHERE id = $1',
      [r.merchant_id, delta * r.rating, delta],
    );
  }
  return true;
}

/**
 * Reviews as a report target of the safety desk's review queue (its `ReportTargetHandler`
 * shape): services.ts registers it as `reportTargets.register('review', reviewReportTarget)`.
 * Readers see published reviews and their own held ones; operators (`viewerId` null) all.
 */
export const reviewReportTarget = {
  async find(q: Queryable, id: string, viewerId: string | null) {
    if (!isUuid(id)) return undefined;
    const { rows } = await q.query<{
      author_id: string;
      status: ReviewStatus;
      rating: number;
      text: string;
      merchant_id: string;
      merchant_name: string;
    }>(
      `SELECT r.author_id, r.status, r.rating, r.text, r.merchant_id, m.name AS merchant_name
         FROM merchant_reviews r JOIN merchants m ON m.id = r.merchant_id WHERE r.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    const visible =
      viewerId === null ||
      r.status === 'published' ||
      (r.status === 'held' && r.author_id === viewerId);
    if (!visible) return undefined;
    return {
      authorId: r.author_id,
      content: {
        text: r.text,
        rating: r.rating,
        status: r.status,
        merchant: { id: r.merchant_id, name: r.merchant_name },
      },
    };
  },
  async takeDown(q: Queryable, id: string): Promise<void> {
    await changeReviewStatus(q, id, 'taken_down');
  },
  async publish(q: Queryable, id: string): Promise<void> {
    await changeReviewStatus(q, id, 'published');
  },
};
