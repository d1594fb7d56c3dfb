import type { CampaignsConfig } from '../../config.ts';
import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { isUuid, newId } from '../../platform/ids.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { SocialGraph } from '../social/graph.ts';

type EnergyConfig = CampaignsConfig['energy'];

/** Payment categories that earn energy, as merchants name them. */
export type EnergyCategory = keyof EnergyConfig['grams'];

const CATEGORY_ALIASES: Record<string, EnergyCategory> = {
  transit: 'transit',
  bike: 'bike',
  utilities: 'utilities',
  ebill: 'ebill',
  'e-bill': 'ebill',
  e_bill: 'ebill',
  ebills: 'ebill',
};

/** The energy category a payment category counts as, if any. */
export function energyCategory(category: string): EnergyCategory | undefined {
  return CATEGORY_ALIASES[category.trim().toLowerCase()];
}

/** The grams a payment of `category` earns (0: not a low-carbon payment). Pure. */
export function energyFor(grams: EnergyConfig['grams'], category: string): number {
  const key = energyCategory(category);
  return key ? grams[key] : 0;
}

/** A friend's share of a ripe ball: a percentage of the whole ball, at least 1 g, at most what is left. */
export function friendShare(amount: number, remaining: number, percent: number): number {
  return Math.min(remaining, Math.max(1, Math.floor((amount * percent) / 100)));
}

export interface BallView {
  id: string;
  amount: number;
  category: string;
  ripensAt: string;
  ripe: boolean;
  /** On a friend's balls: whether the caller already took a share. */
  collectedByMe?: boolean;
}

export interface TreeCertificate {
  id: string;
  number: number;
  certificate: string;
  species: string;
  speciesName: string;
  cost: number;
  plantedAt: string;
}

interface BallRow {
  id: string;
  user_id: string;
  amount: number;
  remaining: number;
  category: string;
  ripens_at: Date;
  collected_at: Date | null;
}

export interface EnergyDeps {
  db: Db;
  clock: Clock;
  graph: SocialGraph;
  notifications: NotificationService;
  config: EnergyConfig;
}

/**
 * Green energy (蚂蚁森林). Energy is points, not money: it never touches the ledger. Balls are
 * grown only by payments that another module vouches for (`onPayment`, in that payment's
 * transaction), which is what keeps fake-step farms out.
 */
export class EnergyService {
  constructor(private readonly d: EnergyDeps) {}

  /**
   * Called by a payment in its own money transaction: an eligible category grows one ball for
   * the payer, ripening after `ripenHours`; any other category does nothing. Idempotent by
   * payment id. The grams depend on the category only, never on the amount (spending more
   * must not earn more).
   */
  async onPayment(
    tx: Queryable,
    p: { userId: string; category: string; amount: number; paymentId: string },
  ): Promise<{ ballId: string; amount: number } | null> {
    const grams = energyFor(this.d.config.grams, p.category);
    if (grams <= 0 || p.amount <= 0) return null;
    const now = this.d.clock.now();
    const ripensAt = new Date(now.getTime() + this.d.config.ripenHours * 3_600_000);
    const id = newId();
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO energy_balls (id, user_id, amount, remaining, category, source_id, created_at, ripens_at)
       VALUES ($1, $2, $3, $3, $4, $5, $6, $7)
       ON CONFLICT (user_id, source_id) DO NOTHING RETURNING id`,
      [id, p.userId, grams, energyCategory(p.category), p.paymentId, now, ripensAt],
    );
    return rows[0] ? { ballId: rows[0].id, amount: grams } : null;
  }

  private ballView(b: BallRow, collectedByMe?: boolean): BallView {
    return {
      id: b.id,
      amount: b.remaining,
      category: b.category,
      ripensAt: b.ripens_at.toISOString(),
      ripe: b.ripens_at <= this.d.clock.now(),
      ...(collectedByMe === undefined ? {} : { collectedByMe }),
    };
  }

  private async openBalls(userId: string, viewerId?: string) {
    const { rows } = await this.d.db.query<BallRow & { mine: boolean }>(
      `SELECT b.id, b.user_id, b.amount, b.remaining, b.category, b.ripens_at, b.collected_at,
              EXISTS (SELECT 1 FROM energy_ball_shares s
                       WHERE s.ball_id = b.id AND s.collector_id = $2) AS mine
         FROM energy_balls b
        WHERE b.user_id = $1 AND b.collected_at IS NULL AND b.remaining > 0
        ORDER BY b.ripens_at LIMIT 100`,
      [userId, viewerId ?? userId],
    );
    return rows.map((r) => this.ballView(r, viewerId ? r.mine : undefined));
  }

  async energy(userId: string) {
    const [totals, balls, trees] = await Promise.all([
      this.totals(this.d.db, userId),
      this.openBalls(userId),
      this.trees(userId),
    ]);
    return {
      total: totals.total,
      lifetime: totals.lifetime,
      balls,
      trees,
      species: this.d.config.species,
    };
  }

  /** A friend's ripening and ripe balls (friends only). */
  async friendEnergy(viewerId: string, ownerId: string) {
    if (!isUuid(ownerId) || !(await this.d.graph.areFriends(viewerId, ownerId))) {
      throw forbidden("only friends can see each other's energy");
    }
    return { balls: await this.openBalls(ownerId, viewerId) };
  }

  private async totals(q: Queryable, userId: string) {
    const { rows } = await q.query<{ total: string; lifetime: string }>(
      'SELECT total::text, lifetime::text FROM energy_totals WHERE user_id = $1',
      [userId],
    );
    return { total: Number(rows[0]?.total ?? 0), lifetime: Number(rows[0]?.lifetime ?? 0) };
  }

  private async credit(tx: Tx, userId: string, grams: number): Promise<number> {
    const { rows } = await tx.query<{ total: string }>(
      `INSERT INTO energy_totals (user_id, total, lifetime) VALUES ($1, $2, $2)
       ON CONFLICT (user_id) DO UPDATE SET total = energy_totals.total + $2,
         lifetime = energy_totals.lifetime + $2
       RETURNING total::text`,
      [userId, grams],
    );
    return Number(rows[0]!.total);
  }

  private async lockBall(tx: Tx, ownerId: string, ballId: string): Promise<BallRow> {
    if (!isUuid(ballId)) throw notFound('energy ball');
    const { rows } = await tx.query<BallRow>(
      `SELECT id, user_id, amount, remaining, category, ripens_at, collected_at
         FROM energy_balls WHERE id = $1 AND user_id = $2 FOR UPDATE`,
      [ballId, ownerId],
    );
    if (!rows[0]) throw notFound('energy ball');
    const b = rows[0];
    if (b.collected_at !== null || b.remaining === 0) {
      throw new AppError('already_claimed', 'this energy ball has been collected');
    }
    if (b.ripens_at > this.d.clock.now()) {
      throw conflict(`this energy ball ripens at ${b.ripens_at.toISOString()}`);
    }
    return b;
  }

  /** The owner collects what is left of a ripe ball. */
  async collect(userId: string, ballId: string): Promise<{ collected: number; total: number }> {
    return inTransaction(this.d.db, async (tx) => {
      const b = await this.lockBall(tx, userId, ballId);
      await tx.query('UPDATE energy_balls SET remaining = 0, collected_at = $2 WHERE id = $1', [
        b.id,
        this.d.clock.now(),
      ]);
      const total = await this.credit(tx, userId, b.remaining);
      return { collected: b.remaining, total };
    });
  }

  /** A friend takes their share of a ripe ball, once. */
  async collectFromFriend(
    collectorId: string,
    ownerId: string,
    ballId: string,
  ): Promise<{ collected: number; total: number }> {
    const { db, clock, graph, notifications, config } = this.d;
    if (collectorId === ownerId) return this.collect(collectorId, ballId);
    if (!isUuid(ownerId) || !(await graph.areFriends(collectorId, ownerId))) {
      throw forbidden("only friends can collect each other's energy");
    }
    return inTransaction(db, async (tx) => {
      const b = await this.lockBall(tx, ownerId, ballId);
      const share = friendShare(b.amount, b.remaining, config.friendSharePercent);
      const { rowCount } = await tx.query(
        `INSERT INTO energy_ball_shares (ball_id, collector_id, amount, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [b.id, collectorId, share, clock.now()],
      );
      if (!rowCount) throw new AppError('already_claimed', 'you already took a share of this ball');
      await tx.query('UPDATE energy_balls SET remaining = remaining - $2 WHERE id = $1', [
        b.id,
        share,
      ]);
      const total = await this.credit(tx, collectorId, share);
      await notifications.notify(tx, ownerId, 'energy.collected_by_friend', {
        friendId: collectorId,
        amount: share,
      });
      return { collected: share, total };
    });
  }

  async plant(userId: string, speciesKey: string): Promise<TreeCertificate> {
    const species = this.d.config.species.find((s) => s.key === speciesKey);
    if (!species) throw invalid('no such species', { field: 'species' });
    return inTransaction(this.d.db, async (tx) => {
      const { rowCount } = await tx.query(
        'UPDATE energy_totals SET total = total - $2 WHERE user_id = $1 AND total >= $2',
        [userId, species.cost],
      );
      if (!rowCount) {
        const { total } = await this.totals(tx, userId);
        throw conflict(`${species.name} needs ${species.cost} g of energy; you have ${total} g`);
      }
      const { rows } = await tx.query<{ id: string; number: string; planted_at: Date }>(
        `INSERT INTO energy_trees (id, user_id, species, cost, planted_at) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, number::text, planted_at`,
        [newId(), userId, species.key, species.cost, this.d.clock.now()],
      );
      return this.certificate({ ...rows[0]!, species: species.key, cost: species.cost });
    });
  }

  private certificate(r: {
    id: string;
    number: string;
    species: string;
    cost: number;
    planted_at: Date;
  }): TreeCertificate {
    const species = this.d.config.species.find((s) => s.key === r.species);
    return {
      id: r.id,
      number: Number(r.number),
      certificate: `HEBAO-TREE-${r.number.padStart(8, '0')}`,
      species: r.species,
      speciesName: species?.name ?? r.species,
      cost: r.cost,
      plantedAt: r.planted_at.toISOString(),
    };
  }

  async trees(userId: string): Promise<TreeCertificate[]> {
    const { rows } = await this.d.db.query<{
      id: string;
      number: string;
      species: string;
      cost: number;
      planted_at: Date;
    }>(
      `SELECT id, number::text, species, cost, planted_at FROM energy_trees
        WHERE user_id = $1 ORDER BY planted_at DESC LIMIT 100`,
      [userId],
    );
    return rows.map((r) => this.certificate(r));
  }

  /** The caller and their friends, by energy ever collected (ties: more trees, then id). */
  async leaderboard(userId: string) {
    const { rows } = await this.d.db.query<{
      user_id: string;
      nickname: string;
      lifetime: string;
      trees: number;
    }>(
      `SELECT u.id AS user_id, u.nickname, coalesce(e.lifetime, 0)::text AS lifetime,
              (SELECT count(*)::int FROM energy_trees t WHERE t.user_id = u.id) AS trees
         FROM users u LEFT JOIN energy_totals e ON e.user_id = u.id
        WHERE u.id = $1 OR u.id IN (SELECT friend_id FROM friendships WHERE user_id = $1)
        ORDER BY coalesce(e.lifetime, 0) DESC, trees DESC, u.id
        LIMIT 100`,
      [userId],
    );
    return {
      items: rows.map((r, i) => ({
        rank: i + 1,
        userId: r.user_id,
        nickname: r.nickname,
        energy: Number(r.lifetime),
        trees: r.trees,
        me: r.user_id === userId,
      })),
    };
  }
}
