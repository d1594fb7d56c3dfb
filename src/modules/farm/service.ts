import { createHash } from 'node:crypto';
import type { CampaignsConfig } from '../../config.ts';
import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { derivedId, isUuid, newId } from '../../platform/ids.ts';
import { DEFAULT_CURRENCY } from '../../platform/money.ts';
import type { AuditWriter } from '../campaigns/audit.ts';
import { AccountFlags, type AccountId, type Ledger, transferIdFor } from '../ledger/index.ts';
import { type PaymentPipeline, periodKey } from '../wallet/index.ts';

type FarmConfig = CampaignsConfig['farm'];

export interface FarmView {
  feed: number;
  eggs: number;
  eggsLaid: number;
  eggsDonated: number;
  /** `hungryAt`: when the current meal ends (null: the hen is hungry now). */
  hen: { hungryAt: string | null; eating: boolean };
  feedPerMeal: number;
}

export interface ProjectView {
  id: string;
  name: string;
  description: string;
  sponsor: string;
  pledgePerEgg: number;
  currency: string;
  eggsDonated: number;
  amountDonated: number;
  createdAt: string;
}

interface FarmRow {
  feed: number;
  eggs: number;
  eggs_laid: number;
  eggs_donated: number;
  meal_ends_at: Date | null;
}

interface ProjectRow {
  id: string;
  name: string;
  description: string;
  sponsor: string;
  pledge_per_egg: string;
  currency: string;
  sponsor_account_id: string;
  project_account_id: string;
  eggs_donated: string;
  amount_donated: string;
  created_at: Date;
}

const PROJECT_COLUMNS = `id, name, description, sponsor, pledge_per_egg::text, currency,
  sponsor_account_id::text, project_account_id::text, eggs_donated::text, amount_donated::text,
  created_at`;

/** What a farm looks like at `now`: a meal that has ended has laid its egg. */
export function settleFarm(row: FarmRow, now: Date): FarmRow {
  if (row.meal_ends_at === null || row.meal_ends_at > now) return row;
  return { ...row, eggs: row.eggs + 1, eggs_laid: row.eggs_laid + 1, meal_ends_at: null };
}

export function sponsorCode(sponsor: string, currency: string): string {
  const key = createHash('sha256').update(sponsor.trim().toLowerCase()).digest('hex').slice(0, 16);
  return `charity:sponsor:${key}:${currency}`;
}

export interface FarmDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  pipeline: PaymentPipeline;
  config: FarmConfig;
  timeZone: string;
  audit: AuditWriter;
}

/**
 * The charity farm (蚂蚁庄园): a payment earns the payer feed; a meal of feed keeps the hen
 * eating for `mealMinutes`, and she lays one egg when it ends (settled lazily, on the next
 * read or action); eggs are donated to charity projects, each egg moving its sponsor's pledge
 * from the sponsor's account to the project's through the ledger.
 */
export class FarmService {
  private readonly audit: AuditWriter;

  constructor(private readonly d: FarmDeps) {
    this.audit = d.audit;
  }

  /** The caller's farm row, locked and settled (created on first use). */
  private async lockFarm(tx: Tx, userId: string): Promise<FarmRow> {
    await tx.query('INSERT INTO farms (user_id) VALUES ($1) ON CONFLICT DO NOTHING', [userId]);
    const { rows } = await tx.query<FarmRow>(
      `SELECT feed, eggs, eggs_laid, eggs_donated, meal_ends_at FROM farms
        WHERE user_id = $1 FOR UPDATE`,
      [userId],
    );
    const settled = settleFarm(rows[0]!, this.d.clock.now());
    if (settled !== rows[0]) await this.save(tx, userId, settled);
    return settled;
  }

  private async save(tx: Tx, userId: string, f: FarmRow): Promise<void> {
    await tx.query(
      `UPDATE farms SET feed = $2, eggs = $3, eggs_laid = $4, eggs_donated = $5, meal_ends_at = $6
        WHERE user_id = $1`,
      [userId, f.feed, f.eggs, f.eggs_laid, f.eggs_donated, f.meal_ends_at],
    );
  }

  private view(f: FarmRow): FarmView {
    return {
      feed: f.feed,
      eggs: f.eggs,
      eggsLaid: f.eggs_laid,
      eggsDonated: f.eggs_donated,
      hen: { hungryAt: f.meal_ends_at?.toISOString() ?? null, eating: f.meal_ends_at !== null },
      feedPerMeal: this.d.config.feedPerMeal,
    };
  }

  async farm(userId: string): Promise<FarmView> {
    const { rows } = await this.d.db.query<FarmRow>(
      'SELECT feed, eggs, eggs_laid, eggs_donated, meal_ends_at FROM farms WHERE user_id = $1',
      [userId],
    );
    const row = rows[0] ?? { feed: 0, eggs: 0, eggs_laid: 0, eggs_donated: 0, meal_ends_at: null };
    return this.view(settleFarm(row, this.d.clock.now()));
  }

  async feed(userId: string): Promise<FarmView> {
    const { db, clock, config } = this.d;
    return inTransaction(db, async (tx) => {
      const f = await this.lockFarm(tx, userId);
      if (f.meal_ends_at !== null) throw conflict('the hen is still eating');
      if (f.feed < config.feedPerMeal) {
        throw conflict(`no feed: a meal takes ${config.feedPerMeal} g, you have ${f.feed} g`);
      }
      const fed: FarmRow = {
        ...f,
        feed: f.feed - config.feedPerMeal,
        meal_ends_at: new Date(clock.now().getTime() + config.mealMinutes * 60_000),
      };
      await this.save(tx, userId, fed);
      return this.view(fed);
    });
  }

  /**
   * Feed for a payment, in the payment's (or its outbox delivery's) transaction: once per
   * payment, at most `paymentsPerDay` a day, never above `maxFeed`.
   */
  async earnFeedIn(q: Queryable, userId: string, sourceId: string, at: Date): Promise<void> {
    const { config, timeZone } = this.d;
    if (config.paymentsPerDay === 0) return;
    const day = periodKey(at, timeZone, 'day');
    // One user's payments at a time: two dispatchers must not both count the day's last one.
    await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`farm-feed:${userId}`]);
    const { rowCount } = await q.query(
      `INSERT INTO farm_feed_earnings (user_id, source_id, day, amount, created_at)
       SELECT $1, $2, $3, $4, $5
        WHERE (SELECT count(*) FROM farm_feed_earnings WHERE user_id = $1 AND day = $3) < $6
       ON CONFLICT DO NOTHING`,
      [userId, sourceId, day, config.feedPerPayment, at, config.paymentsPerDay],
    );
    if (!rowCount) return;
    await q.query(
      `INSERT INTO farms (user_id, feed) VALUES ($1, LEAST($2::int, $3::int))
       ON CONFLICT (user_id) DO UPDATE SET feed = LEAST(farms.feed + $2::int, $3::int)`,
      [userId, config.feedPerPayment, config.maxFeed],
    );
  }

  /**
   * `earnFeedIn` for a batch of payments (the outbox's delivery): one read finds the payers who
   * already earned the day's most, whose payments earn nothing more (a day's count only grows),
   * and only the others take the per-payment path.
   */
  async earnFeedForPayments(
    q: Queryable,
    payments: readonly { userId: string; sourceId: string; at: Date }[],
  ): Promise<void> {
    const { config, timeZone } = this.d;
    if (config.paymentsPerDay === 0 || payments.length === 0) return;
    const days = payments.map((p) => periodKey(p.at, timeZone, 'day'));
    const { rows } = await q.query<{ user_id: string; day: string }>(
      `SELECT e.user_id, e.day FROM farm_feed_earnings e
        JOIN unnest($1::uuid[], $2::text[]) AS i(user_id, day) ON e.user_id = i.user_id AND e.day = i.day
       GROUP BY e.user_id, e.day HAVING count(DISTINCT e.source_id) >= $3`,
      [payments.map((p) => p.userId), days, config.paymentsPerDay],
    );
    const full = new Set(rows.map((r) => `${r.user_id}|${r.day}`));
    for (const [i, p] of payments.entries()) {
      if (full.has(`${p.userId}|${days[i]}`)) continue;
      await this.earnFeedIn(q, p.userId, p.sourceId, p.at);
    }
  }

  async createProject(
    adminId: string,
    input: {
      name: string;
      description: string;
      sponsor: string;
      pledgePerEgg: number;
      currency?: string;
    },
    key: string | undefined,
  ): Promise<ProjectView> {
    const { db, clock, ledger } = this.d;
    const currency = input.currency ?? DEFAULT_CURRENCY;
    const id = key ? derivedId('charity.project', adminId, key) : newId();
    const sponsor = await ledger.ensureAccount({
      code: sponsorCode(input.sponsor, currency),
      currency,
      flags: AccountFlags.none,
    });
    const project = await ledger.ensureAccount({
      code: `charity:project:${id}:${currency}`,
      currency,
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    return inTransaction(db, async (tx) => {
      const { rowCount } = await tx.query(
        `INSERT INTO charity_projects (id, name, description, sponsor, pledge_per_egg, currency,
           sponsor_account_id, project_account_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
        [
          id,
          input.name,
          input.description,
          input.sponsor,
          input.pledgePerEgg,
          currency,
          sponsor.id,
          project.id,
          adminId,
          clock.now(),
        ],
      );
      if (rowCount) {
        await this.audit(tx, {
          actorId: adminId,
          action: 'charity.project.create',
          target: { type: 'charity_project', id },
          detail: { name: input.name, sponsor: input.sponsor, pledgePerEgg: input.pledgePerEgg },
          at: clock.now(),
        });
      }
      return toProjectView(await this.project(id, tx));
    });
  }

  private async project(id: string, q: Queryable, lock = false): Promise<ProjectRow> {
    if (!isUuid(id)) throw notFound('charity project');
    const { rows } = await q.query<ProjectRow>(
      `SELECT ${PROJECT_COLUMNS} FROM charity_projects WHERE id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`,
      [id],
    );
    if (!rows[0]) throw notFound('charity project');
    return rows[0];
  }

  async projects(): Promise<ProjectView[]> {
    const { rows } = await this.d.db.query<ProjectRow>(
      `SELECT ${PROJECT_COLUMNS} FROM charity_projects ORDER BY created_at DESC LIMIT 100`,
    );
    return rows.map(toProjectView);
  }

  /**
   * Donates eggs: the eggs leave the farm and eggs × pledge moves from the sponsor's account to
   * the project's, in one transaction. The donation id derives from the Idempotency-Key, so a
   * retry of a committed donation finds it instead of spending eggs again.
   */
  async donate(
    userId: string,
    projectId: string,
    eggs: number,
    key: string | undefined,
  ): Promise<{ id: string; projectId: string; eggs: number; amount: number; currency: string }> {
    const { db, clock, pipeline } = this.d;
    const id = key ? derivedId('charity.donation', userId, key) : newId();
    return inTransaction(db, async (tx) => {
      const existing = await tx.query<{ eggs: number; amount: string; project_id: string }>(
        'SELECT eggs, amount::text, project_id FROM charity_donations WHERE id = $1',
        [id],
      );
      const p = await this.project(projectId, tx, true);
      if (existing.rows[0]) {
        const e = existing.rows[0];
        return { id, projectId, eggs: e.eggs, amount: Number(e.amount), currency: p.currency };
      }
      const f = await this.lockFarm(tx, userId);
      if (f.eggs < eggs) throw conflict(`you have ${f.eggs} egg(s) to donate`);
      const amount = BigInt(p.pledge_per_egg) * BigInt(eggs);
      const transferId = transferIdFor('charity.donation', id);
      await pipeline.commitIn(tx, [
        {
          id: transferId,
          debitAccountId: Number(p.sponsor_account_id) as AccountId,
          creditAccountId: Number(p.project_account_id) as AccountId,
          amount,
          kind: 'charity.donation',
          metadata: { projectId, userId, eggs },
        },
      ]);
      await this.save(tx, userId, {
        ...f,
        eggs: f.eggs - eggs,
        eggs_donated: f.eggs_donated + eggs,
      });
      await tx.query(
        `INSERT INTO charity_donations (id, project_id, user_id, eggs, amount, transfer_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, projectId, userId, eggs, amount.toString(), transferId, clock.now()],
      );
      await tx.query(
        `UPDATE charity_projects SET eggs_donated = eggs_donated + $2,
                amount_donated = amount_donated + $3 WHERE id = $1`,
        [projectId, eggs, amount.toString()],
      );
      return { id, projectId, eggs, amount: Number(amount), currency: p.currency };
    });
  }
}

function toProjectView(r: ProjectRow): ProjectView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    sponsor: r.sponsor,
    pledgePerEgg: Number(r.pledge_per_egg),
    currency: r.currency,
    eggsDonated: Number(r.eggs_donated),
    amountDonated: Number(r.amount_donated),
    createdAt: r.created_at.toISOString(),
  };
}
