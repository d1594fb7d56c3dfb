import { randomBytes } from 'node:crypto';
import type { CampaignsConfig } from '../../config.ts';
import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { derivedId, isUuid, newId } from '../../platform/ids.ts';
import { DEFAULT_CURRENCY } from '../../platform/money.ts';
import {
  AccountFlags,
  type AccountId,
  type Ledger,
  type TransferRequest,
  transferIdFor,
} from '../ledger/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { SocialGraph } from '../social/graph.ts';
import { type PaymentPipeline, periodKey, WalletService } from '../wallet/index.ts';
import type { AuditWriter } from './audit.ts';
import {
  type Card,
  DRAW_MESSAGE_PREFIX,
  drawCard,
  MAX_TOTAL_WEIGHT,
  seedHashOf,
  setsHeld,
  splitPool,
  totalWeight,
} from './fairness.ts';

export type CampaignAction = 'payment' | 'scan' | 'gift_received';

export interface ExtraDraws {
  payment: number;
  scan: number;
  giftReceived: number;
}

export interface CreateCampaign {
  name: string;
  cards: Card[];
  startsAt: string;
  drawAt: string;
  poolAmount: number;
  drawsPerDay: number;
  currency?: string;
  extraDraws?: Partial<ExtraDraws>;
  maxAccountsPerDevice?: number;
}

export interface CampaignResult {
  /** Collectors paid (holding at least one complete set). */
  winners: number;
  /** Complete sets the pool was split over. */
  sets: number;
  shareAmount: number;
  remainder: number;
  remainderRule: string;
}

export interface CampaignView {
  id: string;
  name: string;
  cards: { key: string; name: string; weight: number; odds: number }[];
  totalWeight: number;
  startsAt: string;
  drawAt: string;
  poolAmount: number;
  currency: string;
  drawsPerDay: number;
  extraDraws: ExtraDraws;
  maxAccountsPerDevice: number;
  status: 'open' | 'drawn';
  seedHash: string;
  derivation: string;
  seed?: string;
  result?: CampaignResult;
}

export interface MyCampaign {
  cards: Record<string, number>;
  drawsLeftToday: number;
  complete: boolean;
  sets: number;
  draws: { drawNumber: number; card: string }[];
}

export const REMAINDER_RULE =
  'each complete set is paid floor(pool / sets); the remainder (pool − share × sets, or the whole pool when nobody completed a set) returns to the platform campaign account';

export const DERIVATION = `card of draw n = the first card (published order) whose running weight total exceeds (first 8 bytes, big-endian, of HMAC-SHA256(key = seed, "${DRAW_MESSAGE_PREFIX}|" + campaignId + "|" + userId + "|" + n)) mod totalWeight; seedHash = SHA-256(seed)`;

interface CampaignRow {
  id: string;
  name: string;
  cards: Card[];
  starts_at: Date;
  draw_at: Date;
  pool_amount: string;
  currency: string;
  draws_per_day: number;
  extra_draws: ExtraDraws;
  max_accounts_per_device: number;
  seed: Buffer;
  seed_hash: string;
  escrow_account_id: string;
  status: 'open' | 'drawn';
  result: CampaignResult | null;
}

const COLUMNS = `id, name, cards, starts_at, draw_at, pool_amount::text, currency, draws_per_day,
  extra_draws, max_accounts_per_device, seed, seed_hash, escrow_account_id::text, status, result`;

export interface CampaignDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  graph: SocialGraph;
  pipeline: PaymentPipeline;
  notifications: NotificationService;
  config: CampaignsConfig;
  audit: AuditWriter;
}

export function platformCampaignCode(currency: string): string {
  return `platform:campaigns:${currency}`;
}

function escrowCode(campaignId: string, currency: string): string {
  return `campaign:${campaignId}:escrow:${currency}`;
}

function validateCards(cards: readonly Card[]): void {
  const keys = new Set(cards.map((c) => c.key));
  if (keys.size !== cards.length) invalidField('cards', 'card keys must be unique');
  if (totalWeight(cards) > MAX_TOTAL_WEIGHT) {
    invalidField('cards', `the weights must add up to at most ${MAX_TOTAL_WEIGHT}`);
  }
}

function invalidField(field: string, detail: string): never {
  throw invalid(detail, { field });
}

/**
 * Card campaigns (集五福): operators set the cards and odds and fund the pool; verified users
 * draw (a few a day, more for the day's actions) and give cards to friends; at `drawAt` the
 * pool is split over every complete set. Every draw is derived from a seed committed at
 * creation (fairness.ts), so the whole campaign can be recomputed once the seed is revealed.
 */
export class CampaignService {
  private readonly audit: AuditWriter;

  constructor(private readonly d: CampaignDeps) {
    this.audit = d.audit;
  }

  private day(at: Date): string {
    return periodKey(at, this.d.config.timeZone, 'day');
  }

  async create(
    adminId: string,
    input: CreateCampaign,
    key: string | undefined,
  ): Promise<{ id: string; seedHash: string }> {
    const { db, clock, ledger, pipeline, config } = this.d;
    validateCards(input.cards);
    const startsAt = new Date(input.startsAt);
    const drawAt = new Date(input.drawAt);
    if (!(drawAt > startsAt)) invalidField('drawAt', 'drawAt must be after startsAt');
    if (drawAt <= clock.now()) invalidField('drawAt', 'drawAt must be in the future');
    const currency = input.currency ?? DEFAULT_CURRENCY;
    const extraDraws: ExtraDraws = { ...config.extraDraws, ...input.extraDraws };
    const id = key ? derivedId('campaign', adminId, key) : newId();
    const seed = randomBytes(32);
    const seedHash = seedHashOf(seed);
    const platform = await ledger.ensureAccount({
      code: platformCampaignCode(currency),
      currency,
      // An operator expense account: its (negative) balance is what campaigns have cost.
      flags: AccountFlags.none,
    });
    return inTransaction(db, async (tx) => {
      const escrow = await ledger.ensureAccount(
        {
          code: escrowCode(id, currency),
          currency,
          flags: AccountFlags.debitsMustNotExceedCredits,
        },
        tx,
      );
      // A retry of a request whose first attempt committed finds its campaign (and its seed).
      const { rows } = await tx.query<{ seed_hash: string }>(
        `INSERT INTO campaigns (id, name, cards, starts_at, draw_at, pool_amount, currency,
           draws_per_day, extra_draws, max_accounts_per_device, seed, seed_hash,
           escrow_account_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (id) DO NOTHING RETURNING seed_hash`,
        [
          id,
          input.name,
          JSON.stringify(input.cards),
          startsAt,
          drawAt,
          input.poolAmount,
          currency,
          input.drawsPerDay,
          JSON.stringify(extraDraws),
          input.maxAccountsPerDevice ?? config.maxAccountsPerDevice,
          seed,
          seedHash,
          escrow.id,
          adminId,
          clock.now(),
        ],
      );
      if (!rows[0]) {
        const existing = await tx.query<{ seed_hash: string }>(
          'SELECT seed_hash FROM campaigns WHERE id = $1',
          [id],
        );
        return { id, seedHash: existing.rows[0]!.seed_hash };
      }
      await pipeline.commitIn(tx, [
        {
          id: transferIdFor('campaign.fund', id),
          debitAccountId: platform.id,
          creditAccountId: escrow.id,
          amount: BigInt(input.poolAmount),
          kind: 'campaign.fund',
          metadata: { campaignId: id },
        },
      ]);
      await this.audit(tx, {
        actorId: adminId,
        action: 'campaign.create',
        target: { type: 'campaign', id },
        detail: { name: input.name, poolAmount: input.poolAmount, currency, seedHash },
        at: clock.now(),
      });
      return { id, seedHash };
    });
  }

  private async load(id: string, q: Queryable = this.d.db): Promise<CampaignRow> {
    if (!isUuid(id)) throw notFound('campaign');
    const { rows } = await q.query<CampaignRow>(`SELECT ${COLUMNS} FROM campaigns WHERE id = $1`, [
      id,
    ]);
    if (!rows[0]) throw notFound('campaign');
    return rows[0];
  }

  async view(id: string): Promise<CampaignView> {
    return toView(await this.load(id));
  }

  async list(): Promise<CampaignView[]> {
    const { rows } = await this.d.db.query<CampaignRow>(
      `SELECT ${COLUMNS} FROM campaigns ORDER BY draw_at DESC LIMIT 50`,
    );
    return rows.map(toView);
  }

  /** Draws allowed today: the daily ones plus those the day's actions earned. */
  private async allowedToday(q: Queryable, c: CampaignRow, userId: string, day: string) {
    const { rows } = await q.query<{ action: CampaignAction }>(
      'SELECT action FROM campaign_actions WHERE user_id = $1 AND day = $2',
      [userId, day],
    );
    const extra = c.extra_draws;
    const earned = rows.reduce(
      (sum, r) =>
        sum +
        (r.action === 'payment'
          ? extra.payment
          : r.action === 'scan'
            ? extra.scan
            : extra.giftReceived),
      0,
    );
    return c.draws_per_day + earned;
  }

  private async drawsOn(q: Queryable, campaignId: string, userId: string, day: string) {
    const { rows } = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM campaign_draws
        WHERE campaign_id = $1 AND user_id = $2 AND day = $3`,
      [campaignId, userId, day],
    );
    return rows[0]!.n;
  }

  async mine(userId: string, id: string): Promise<MyCampaign> {
    const c = await this.load(id);
    const day = this.day(this.d.clock.now());
    const [counts, drawsToday, allowed, draws] = await Promise.all([
      this.cardCounts(this.d.db, id, userId),
      this.drawsOn(this.d.db, id, userId, day),
      this.allowedToday(this.d.db, c, userId, day),
      this.d.db.query<{ draw_number: number; card_key: string }>(
        `SELECT draw_number, card_key FROM campaign_draws
          WHERE campaign_id = $1 AND user_id = $2 ORDER BY draw_number`,
        [id, userId],
      ),
    ]);
    const keys = c.cards.map((card) => card.key);
    const cards = Object.fromEntries(keys.map((k) => [k, counts[k] ?? 0]));
    const sets = setsHeld(keys, cards);
    const open = c.status === 'open' && this.d.clock.now() < c.draw_at;
    return {
      cards,
      drawsLeftToday: open ? Math.max(0, allowed - drawsToday) : 0,
      complete: sets > 0,
      sets,
      draws: draws.rows.map((r) => ({ drawNumber: r.draw_number, card: r.card_key })),
    };
  }

  private async cardCounts(q: Queryable, campaignId: string, userId: string) {
    const { rows } = await q.query<{ card_key: string; count: number }>(
      'SELECT card_key, count FROM campaign_cards WHERE campaign_id = $1 AND user_id = $2',
      [campaignId, userId],
    );
    return Object.fromEntries(rows.map((r) => [r.card_key, r.count])) as Record<string, number>;
  }

  /**
   * The campaign row, shared-locked while it is open and before its draw time: the draw job
   * takes it exclusively, so no draw or gift changes the cards while the pool is split. Rows
   * past their draw time are not locked (and so never hold the job up).
   */
  private async lockOpen(tx: Tx, id: string): Promise<CampaignRow> {
    const now = this.d.clock.now();
    const c = await this.load(id, tx);
    const { rows } = await tx.query(
      `SELECT 1 FROM campaigns WHERE id = $1 AND status = 'open' AND draw_at > $2 FOR SHARE`,
      [id, now],
    );
    if (!rows[0]) throw new AppError('expired', 'this campaign has closed');
    if (now < c.starts_at) throw conflict('this campaign has not started yet');
    return c;
  }

  /**
   * The caller as a collector: verified, their identity not collecting through another
   * account, their device not used by too many accounts. Locks the collector row.
   */
  private async joinAsCollector(
    tx: Tx,
    c: CampaignRow,
    userId: string,
    deviceId: string | undefined,
  ): Promise<{ draws_made: number }> {
    const { rows: users } = await tx.query<{ id_number_hash: Buffer | null; verified: boolean }>(
      'SELECT id_number_hash, verified_at IS NOT NULL AS verified FROM users WHERE id = $1',
      [userId],
    );
    const identity = users[0]?.id_number_hash;
    if (!users[0]?.verified || !identity) {
      throw new AppError('verification_required', 'verify your identity to collect cards');
    }
    if (deviceId !== undefined) await this.countDevice(tx, c, userId, deviceId);
    await tx.query(
      `INSERT INTO campaign_collectors (campaign_id, user_id, identity_hash, joined_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [c.id, userId, identity, this.d.clock.now()],
    );
    const { rows } = await tx.query<{ draws_made: number; identity_hash: Buffer }>(
      `SELECT draws_made, identity_hash FROM campaign_collectors
        WHERE campaign_id = $1 AND user_id = $2 FOR UPDATE`,
      [c.id, userId],
    );
    if (!rows[0]) {
      throw conflict('this identity already collects cards in this campaign with another account');
    }
    return rows[0];
  }

  private async countDevice(tx: Tx, c: CampaignRow, userId: string, deviceId: string) {
    // One device at a time, so two accounts racing on it cannot both be the last one allowed.
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `campaign-device:${c.id}:${deviceId}`,
    ]);
    const { rows } = await tx.query<{ user_id: string }>(
      'SELECT user_id FROM campaign_devices WHERE campaign_id = $1 AND device_id = $2',
      [c.id, deviceId],
    );
    const users = rows.map((r) => r.user_id);
    if (users.includes(userId)) return;
    if (users.length >= c.max_accounts_per_device) {
      throw forbidden(
        `this device has already collected with ${users.length} account(s) in this campaign`,
      );
    }
    await tx.query(
      'INSERT INTO campaign_devices (campaign_id, device_id, user_id) VALUES ($1, $2, $3)',
      [c.id, deviceId, userId],
    );
  }

  async draw(
    userId: string,
    id: string,
    deviceId: string | undefined,
  ): Promise<{ card: string; cardName: string; drawNumber: number; drawsLeftToday: number }> {
    const { db, clock } = this.d;
    return inTransaction(db, async (tx) => {
      const c = await this.lockOpen(tx, id);
      const collector = await this.joinAsCollector(tx, c, userId, deviceId);
      const day = this.day(clock.now());
      const [done, allowed] = await Promise.all([
        this.drawsOn(tx, c.id, userId, day),
        this.allowedToday(tx, c, userId, day),
      ]);
      if (done >= allowed) {
        throw new AppError('rate_limited', 'no draws left today', { drawsLeftToday: 0 });
      }
      const drawNumber = collector.draws_made + 1;
      const card = drawCard(c.seed, c.id, userId, drawNumber, c.cards);
      await tx.query(
        `INSERT INTO campaign_draws (campaign_id, user_id, draw_number, card_key, day, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [c.id, userId, drawNumber, card.key, day, clock.now()],
      );
      await tx.query(
        'UPDATE campaign_collectors SET draws_made = $3 WHERE campaign_id = $1 AND user_id = $2',
        [c.id, userId, drawNumber],
      );
      await addCard(tx, c.id, userId, card.key, 1);
      return {
        card: card.key,
        cardName: card.name,
        drawNumber,
        drawsLeftToday: allowed - done - 1,
      };
    });
  }

  async gift(
    fromUserId: string,
    id: string,
    input: { toUserId: string; cardKey: string },
  ): Promise<{ id: string; toUserId: string; cardKey: string }> {
    const { db, clock, graph, notifications, config } = this.d;
    if (input.toUserId === fromUserId) invalidField('toUserId', 'give cards to a friend');
    if (!isUuid(input.toUserId) || !(await graph.areFriends(fromUserId, input.toUserId))) {
      throw forbidden('cards can be given to friends only');
    }
    return inTransaction(db, async (tx) => {
      const c = await this.lockOpen(tx, id);
      if (!c.cards.some((card) => card.key === input.cardKey)) {
        invalidField('cardKey', 'this campaign has no such card');
      }
      // Both collectors locked in id order: two friends giving to each other cannot deadlock.
      const [first, second] = [fromUserId, input.toUserId].sort();
      await this.lockCollectorOrJoin(tx, c, first!);
      await this.lockCollectorOrJoin(tx, c, second!);
      const { rows: given } = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM campaign_gifts
          WHERE campaign_id = $1 AND from_user_id = $2 AND created_at >= $3`,
        [c.id, fromUserId, new Date(clock.now().getTime() - 86_400_000)],
      );
      if (given[0]!.n >= config.giftsPerDay) {
        throw new AppError('rate_limited', `at most ${config.giftsPerDay} gifts in 24 hours`);
      }
      const taken = await tx.query(
        `UPDATE campaign_cards SET count = count - 1
          WHERE campaign_id = $1 AND user_id = $2 AND card_key = $3 AND count > 0`,
        [c.id, fromUserId, input.cardKey],
      );
      if (taken.rowCount === 0) throw conflict('you do not hold this card');
      await addCard(tx, c.id, input.toUserId, input.cardKey, 1);
      const giftId = newId();
      await tx.query(
        `INSERT INTO campaign_gifts (id, campaign_id, from_user_id, to_user_id, card_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [giftId, c.id, fromUserId, input.toUserId, input.cardKey, clock.now()],
      );
      await this.recordAction(tx, input.toUserId, 'gift_received', giftId, clock.now());
      await notifications.notify(tx, input.toUserId, 'campaign.gift', {
        campaignId: c.id,
        fromUserId,
        cardKey: input.cardKey,
      });
      return { id: giftId, toUserId: input.toUserId, cardKey: input.cardKey };
    });
  }

  /** A gift's receiver becomes a collector under the same rules as a drawer (no device). */
  private async lockCollectorOrJoin(tx: Tx, c: CampaignRow, userId: string) {
    try {
      await this.joinAsCollector(tx, c, userId, undefined);
    } catch (err) {
      if (err instanceof AppError && err.code === 'verification_required') {
        throw conflict('both friends must be verified collectors to give cards');
      }
      throw err;
    }
  }

  /**
   * Notes an action that earns extra draws today (the first of its kind each day counts), in
   * the caller's transaction: a payment's outbox delivery, a merchant scan, a gift received.
   */
  async recordAction(
    q: Queryable,
    userId: string,
    action: CampaignAction,
    sourceId: string,
    at: Date,
  ): Promise<void> {
    await q.query(
      `INSERT INTO campaign_actions (user_id, day, action, source_id, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [userId, this.day(at), action, sourceId, at],
    );
  }

  /** `recordAction` for many at once, one statement (how the outbox delivers payments). */
  async recordActions(
    q: Queryable,
    actions: readonly { userId: string; action: CampaignAction; sourceId: string; at: Date }[],
  ): Promise<void> {
    if (actions.length === 0) return;
    await q.query(
      `INSERT INTO campaign_actions (user_id, day, action, source_id, created_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
       ON CONFLICT DO NOTHING`,
      [
        actions.map((a) => a.userId),
        actions.map((a) => this.day(a.at)),
        actions.map((a) => a.action),
        actions.map((a) => a.sourceId),
        actions.map((a) => a.at),
      ],
    );
  }

  /**
   * The draw-date job, safe in any number of processes: each due campaign is claimed with
   * `FOR UPDATE SKIP LOCKED` in the transaction that pays it, so it is paid exactly once.
   */
  async runDueDraws(limit = 20): Promise<number> {
    let drawn = 0;
    while (drawn < limit) {
      const done = await inTransaction(this.d.db, (tx) => this.drawOneDue(tx));
      if (!done) break;
      drawn++;
    }
    return drawn;
  }

  private async drawOneDue(tx: Tx): Promise<boolean> {
    const { clock, ledger, notifications } = this.d;
    const now = clock.now();
    const { rows } = await tx.query<CampaignRow>(
      `SELECT ${COLUMNS} FROM campaigns WHERE status = 'open' AND draw_at <= $1
        ORDER BY draw_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [now],
    );
    const c = rows[0];
    if (!c) return false;
    const keys = c.cards.map((card) => card.key);
    const holders = await this.holdings(tx, c.id, keys);
    const split = splitPool(BigInt(c.pool_amount), holders);
    const escrow = Number(c.escrow_account_id) as AccountId;
    const legs: TransferRequest[] = [];
    const transferIds = new Map<string, string>();
    for (const p of split.payouts) {
      if (p.amount === 0n) continue;
      const wallet = await ledger.ensureAccount(
        {
          code: WalletService.walletCode(p.userId, c.currency),
          currency: c.currency,
          flags: AccountFlags.debitsMustNotExceedCredits,
        },
        tx,
      );
      const transferId = transferIdFor('campaign.prize', c.id, p.userId);
      transferIds.set(p.userId, transferId);
      legs.push({
        id: transferId,
        debitAccountId: escrow,
        creditAccountId: wallet.id,
        amount: p.amount,
        kind: 'campaign.prize',
        metadata: { to: p.userId, campaignId: c.id, note: c.name },
      });
    }
    if (split.remainder > 0n) {
      const platform = await ledger.ensureAccount(
        { code: platformCampaignCode(c.currency), currency: c.currency, flags: AccountFlags.none },
        tx,
      );
      legs.push({
        id: transferIdFor('campaign.remainder', c.id),
        debitAccountId: escrow,
        creditAccountId: platform.id,
        amount: split.remainder,
        kind: 'campaign.remainder',
        metadata: { campaignId: c.id },
      });
    }
    const results = await ledger.createTransfersIn(tx, legs);
    const refused = results.find((r) => !r.ok);
    if (refused && !refused.ok)
      throw new Error(`campaign ${c.id}: payout refused (${refused.code})`);
    const shareAmount = Number(split.shareAmount);
    for (const p of split.payouts) {
      await tx.query(
        `INSERT INTO campaign_payouts (campaign_id, user_id, sets, amount, transfer_id)
         VALUES ($1, $2, $3, $4, $5)`,
        [c.id, p.userId, p.sets, p.amount.toString(), transferIds.get(p.userId) ?? null],
      );
      await notifications.notify(tx, p.userId, 'campaign.won', {
        campaignId: c.id,
        sets: p.sets,
        amount: Number(p.amount),
        currency: c.currency,
      });
    }
    const result: CampaignResult = {
      winners: split.payouts.length,
      sets: split.sets,
      shareAmount,
      remainder: Number(split.remainder),
      remainderRule: REMAINDER_RULE,
    };
    await tx.query(
      `UPDATE campaigns SET status = 'drawn', result = $2, drawn_at = $3 WHERE id = $1`,
      [c.id, JSON.stringify(result), now],
    );
    return true;
  }

  private async holdings(q: Queryable, campaignId: string, keys: readonly string[]) {
    const { rows } = await q.query<{ user_id: string; card_key: string; count: number }>(
      `SELECT k.user_id, k.card_key, k.count FROM campaign_cards k
         JOIN campaign_collectors c ON c.campaign_id = k.campaign_id AND c.user_id = k.user_id
        WHERE k.campaign_id = $1 ORDER BY k.user_id`,
      [campaignId],
    );
    const byUser = new Map<string, Record<string, number>>();
    for (const r of rows) {
      const counts = byUser.get(r.user_id) ?? {};
      counts[r.card_key] = r.count;
      byUser.set(r.user_id, counts);
    }
    return [...byUser].map(([userId, counts]) => ({ userId, sets: setsHeld(keys, counts) }));
  }

  /**
   * Recomputes a drawn campaign from its revealed seed: the commitment, every draw, every
   * holding (draws + gifts), the split and the payouts. `hebao campaign verify` prints it.
   */
  async verify(id: string): Promise<VerifyReport> {
    const { db } = this.d;
    const c = await this.load(id);
    const problems: string[] = [];
    if (seedHashOf(c.seed) !== c.seed_hash) problems.push('seed does not match seedHash');
    const { rows: draws } = await db.query<{
      user_id: string;
      draw_number: number;
      card_key: string;
    }>(
      `SELECT user_id, draw_number, card_key FROM campaign_draws WHERE campaign_id = $1
        ORDER BY user_id, draw_number`,
      [id],
    );
    const held = new Map<string, Record<string, number>>();
    const bump = (userId: string, key: string, by: number) => {
      const counts = held.get(userId) ?? {};
      counts[key] = (counts[key] ?? 0) + by;
      held.set(userId, counts);
    };
    const expectedNumber = new Map<string, number>();
    for (const d of draws) {
      const n = (expectedNumber.get(d.user_id) ?? 0) + 1;
      expectedNumber.set(d.user_id, n);
      if (d.draw_number !== n) problems.push(`user ${d.user_id}: draw ${n} is missing`);
      const card = drawCard(c.seed, id, d.user_id, d.draw_number, c.cards).key;
      if (card !== d.card_key) {
        problems.push(
          `user ${d.user_id} draw ${d.draw_number}: recorded ${d.card_key}, derived ${card}`,
        );
      }
      bump(d.user_id, d.card_key, 1);
    }
    const { rows: gifts } = await db.query<{
      from_user_id: string;
      to_user_id: string;
      card_key: string;
    }>('SELECT from_user_id, to_user_id, card_key FROM campaign_gifts WHERE campaign_id = $1', [
      id,
    ]);
    for (const g of gifts) {
      bump(g.from_user_id, g.card_key, -1);
      bump(g.to_user_id, g.card_key, 1);
    }
    const keys = c.cards.map((card) => card.key);
    const { rows: stored } = await db.query<{ user_id: string; card_key: string; count: number }>(
      'SELECT user_id, card_key, count FROM campaign_cards WHERE campaign_id = $1',
      [id],
    );
    for (const s of stored) {
      const expected = held.get(s.user_id)?.[s.card_key] ?? 0;
      if (expected !== s.count) {
        problems.push(
          `user ${s.user_id} holds ${s.count} ${s.card_key}, draws and gifts give ${expected}`,
        );
      }
    }
    const report: VerifyReport = {
      campaignId: id,
      status: c.status,
      seedHash: c.seed_hash,
      draws: draws.length,
      gifts: gifts.length,
      problems,
      ok: false,
    };
    if (c.status === 'drawn') {
      const split = splitPool(
        BigInt(c.pool_amount),
        [...held].map(([userId, counts]) => ({ userId, sets: setsHeld(keys, counts) })),
      );
      const { rows: payouts } = await db.query<{ user_id: string; amount: string }>(
        'SELECT user_id, amount::text FROM campaign_payouts WHERE campaign_id = $1',
        [id],
      );
      const paid = new Map(payouts.map((p) => [p.user_id, BigInt(p.amount)]));
      for (const p of split.payouts) {
        if (paid.get(p.userId) !== p.amount) {
          problems.push(
            `user ${p.userId}: paid ${paid.get(p.userId) ?? 0n}, recomputed ${p.amount}`,
          );
        }
      }
      if (payouts.length !== split.payouts.length) problems.push('payouts to non-winners');
      const r = c.result!;
      if (BigInt(r.shareAmount) !== split.shareAmount || BigInt(r.remainder) !== split.remainder) {
        problems.push('published result differs from the recomputed split');
      }
      const total = payouts.reduce((sum, p) => sum + BigInt(p.amount), 0n) + BigInt(r.remainder);
      if (total !== BigInt(c.pool_amount)) problems.push('shares + remainder ≠ pool');
      report.result = {
        sets: split.sets,
        shareAmount: Number(split.shareAmount),
        remainder: Number(split.remainder),
      };
    }
    report.ok = problems.length === 0;
    return report;
  }
}

export interface VerifyReport {
  campaignId: string;
  status: 'open' | 'drawn';
  seedHash: string;
  draws: number;
  gifts: number;
  result?: { sets: number; shareAmount: number; remainder: number };
  problems: string[];
  ok: boolean;
}

async function addCard(tx: Tx, campaignId: string, userId: string, key: string, by: number) {
  await tx.query(
    `INSERT INTO campaign_cards (campaign_id, user_id, card_key, count) VALUES ($1, $2, $3, $4)
     ON CONFLICT (campaign_id, user_id, card_key) DO UPDATE
       SET count = campaign_cards.count + excluded.count`,
    [campaignId, userId, key, by],
  );
}

function toView(c: CampaignRow): CampaignView {
  const total = totalWeight(c.cards);
  const drawn = c.status === 'drawn';
  return {
    id: c.id,
    name: c.name,
    cards: c.cards.map((card) => ({ ...card, odds: card.weight / total })),
    totalWeight: total,
    startsAt: c.starts_at.toISOString(),
    drawAt: c.draw_at.toISOString(),
    poolAmount: Number(c.pool_amount),
    currency: c.currency,
    drawsPerDay: c.draws_per_day,
    extraDraws: c.extra_draws,
    maxAccountsPerDevice: c.max_accounts_per_device,
    status: c.status,
    seedHash: c.seed_hash,
    derivation: DERIVATION,
    ...(drawn ? { seed: c.seed.toString('hex'), result: c.result! } : {}),
  };
}
