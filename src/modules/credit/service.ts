import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { type Page, seqFromCursor } from '../../platform/cursor.ts';
import { notFound } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import { encodeCursor } from '../../platform/schemas.ts';
import { walletCode } from '../wallet/pipeline.ts';
import { type DisputesLost, gatherInputs, WALLET_MARK_SQL } from './inputs.ts';
import {
  type Band,
  CREDIT_MODEL_VERSION,
  type CreditInputs,
  type Factor,
  IOU_LIMIT_BY_BAND,
  type IouCreditLimits,
  type Reason,
  scoreCredit,
} from './model.ts';

/** The outbox topic the database's triggers write when a score's input changes (0040_credit.sql). */
export const CREDIT_INPUTS_CHANGED = 'credit.inputs_changed';

/** `GET /me/credit`, as API.md states it. */
export interface CreditView {
  score: number;
  band: Band;
  updatedAt: string;
  factors: Factor[];
  reasons: Reason[];
  tips: string[];
}

export interface CreditHistoryPoint {
  score: number;
  band: Band;
  computedAt: string;
}

/** What an operator sees: the view, the inputs it came from, and how it moved. */
export interface CreditAdminView {
  userId: string;
  current: CreditView & { inputs: CreditInputs; modelVersion: number };
  history: (CreditHistoryPoint & { reasonCodes: string[]; modelVersion: number })[];
}

/** An admin action recorded in the audit log, in the action's transaction. */
export type AuditRecord = (
  q: Queryable,
  entry: {
    actorId: string;
    action: string;
    target: { type: string; id: string };
    detail?: Record<string, unknown>;
  },
) => Promise<void>;

export interface CreditDeps {
  db: Db;
  clock: Clock;
  /** The IOU calendar: days overdue are counted in it. */
  timeZone: string;
  audit: AuditRecord;
  disputesLost?: DisputesLost;
  /**
   * A stored score older than this is recomputed when its owner reads it (time alone moves
   * some inputs: account age, days overdue, the 90-day windows).
   */
  readRefreshMs?: number;
  /** The sweep recomputes scores older than this (time alone moves some inputs). */
  sweepAgeMs?: number;
}

interface ScoreRow {
  score: number;
  band: Band;
  factors: Factor[];
  reasons: Reason[];
  tips: string[];
  inputs: CreditInputs;
  model_version: number;
  computed_at: Date;
  wallet_mark: string;
}

const HOUR_MS = 3_600_000;

/**
 * Keeps each user's credit score current and its history: recomputed when an input changes
 * (the outbox, fed by triggers on verification, IOU events and bans), when a read finds it
 * older than `readRefreshMs` or made by an older model, and by a sweep for scores older than
 * `sweepAgeMs`. Readers that must be cheap (`scoreOf`, the risk stage) read the stored row.
 */
export class CreditService {
  private readonly readRefreshMs: number;
  private readonly sweepAgeMs: number;

  constructor(private readonly d: CreditDeps) {
    this.readRefreshMs = d.readRefreshMs ?? HOUR_MS;
    this.sweepAgeMs = d.sweepAgeMs ?? 24 * HOUR_MS;
  }

  /**
   * The user's stored score: one indexed read. A user never scored is scored now, once. For
   * the risk stage, circles' rules and IOU limits.
   */
  async scoreOf(userId: string): Promise<number> {
    const { rows } = await this.d.db.query<{ score: number }>(
      'SELECT score FROM credit_scores WHERE user_id = $1',
      [userId],
    );
    if (rows[0]) return rows[0].score;
    return (await this.recompute(userId)).score;
  }

  /**
   * The most one may borrow on one IOU now: by the band of the current score, and nothing
   * while an IOU the user borrowed is overdue (repay it first).
   */
  async iouLimit(
    userId: string,
    limits: IouCreditLimits = IOU_LIMIT_BY_BAND,
  ): Promise<{ maxAmount: number; band: Band; score: number; overdue: boolean }> {
    const score = await this.current(userId);
    const row = (await this.loadRow(this.d.db, userId))!;
    const overdue = row.inputs.history.overdueOpen > 0;
    return {
      maxAmount: overdue ? 0 : limits[score.band],
      band: score.band,
      score: score.score,
      overdue,
    };
  }

  /**
   * `GET /me/credit`: the stored score, recomputed first if a payment moved the wallet since
   * (its mark differs), if it is older than `readRefreshMs`, or if an older model made it.
   */
  async current(userId: string): Promise<CreditView> {
    const { rows } = await this.d.db.query<ScoreRow & { wallet_now: string }>(
      `SELECT cs.score, cs.band, cs.factors, cs.reasons, cs.tips, cs.inputs, cs.model_version,
              cs.computed_at, cs.wallet_mark, ${WALLET_MARK_SQL} AS wallet_now
         FROM credit_scores cs LEFT JOIN ledger_accounts a ON a.code = $2
        WHERE cs.user_id = $1`,
      [userId, walletCode(userId, 'CNY')],
    );
    const row = rows[0];
    if (row && row.wallet_now === row.wallet_mark && !this.needsRefresh(row)) return view(row);
    return view(await this.recompute(userId));
  }

  /** The score's changes, newest first, for the chart. */
  async history(
    userId: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<CreditHistoryPoint>> {
    await this.current(userId);
    const before = seqFromCursor(page.cursor);
    const { rows } = await this.d.db.query<{
      id: string;
      score: number;
      band: Band;
      computed_at: Date;
    }>(
      `SELECT id, score, band, computed_at FROM credit_score_history
        WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [userId, before ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit);
    return {
      items: items.map((r) => ({
        score: r.score,
        band: r.band,
        computedAt: r.computed_at.toISOString(),
      })),
      nextCursor: rows.length > page.limit ? encodeCursor(items.at(-1)!.id) : null,
    };
  }

  /** An operator's look at a user's score, its inputs and its last 100 changes; audited. */
  async adminView(adminId: string, userId: string): Promise<CreditAdminView> {
    if (!isUuid(userId)) throw notFound('user');
    const exists = await this.d.db.query('SELECT 1 FROM users WHERE id = $1', [userId]);
    if (exists.rowCount === 0) throw notFound('user');
    const current = await this.current(userId);
    return inTransaction(this.d.db, async (tx) => {
      const row = (await this.loadRow(tx, userId))!;
      const { rows } = await tx.query<{
        score: number;
        band: Band;
        reason_codes: string[];
        model_version: number;
        computed_at: Date;
      }>(
        `SELECT score, band, reason_codes, model_version, computed_at FROM credit_score_history
          WHERE user_id = $1 ORDER BY id DESC LIMIT 100`,
        [userId],
      );
      await this.d.audit(tx, {
        actorId: adminId,
        action: 'credit.view',
        target: { type: 'user', id: userId },
        detail: { score: current.score, band: current.band },
      });
      return {
        userId,
        current: { ...view(row), inputs: row.inputs, modelVersion: row.model_version },
        history: rows.map((r) => ({
          score: r.score,
          band: r.band,
          reasonCodes: r.reason_codes,
          modelVersion: r.model_version,
          computedAt: r.computed_at.toISOString(),
        })),
      };
    });
  }

  /** The outbox's handler: each user named once, in the claiming transaction. */
  async recomputeIn(tx: Tx, userIds: readonly string[]): Promise<void> {
    for (const userId of [...new Set(userIds)].sort()) await this.recomputeWith(tx, userId);
  }

  /**
   * Recomputes up to `limit` scores older than the sweep age (or of an older model); returns
   * how many it recomputed.
   */
  async refreshStale(limit = 200): Promise<number> {
    const cutoff = new Date(this.d.clock.now().getTime() - this.sweepAgeMs);
    const { rows } = await this.d.db.query<{ user_id: string }>(
      `SELECT user_id FROM credit_scores
        WHERE computed_at < $1 OR model_version <> $2
        ORDER BY computed_at LIMIT $3`,
      [cutoff, CREDIT_MODEL_VERSION, limit],
    );
    let done = 0;
    for (const r of rows) {
      // Every process sweeps: one that got there first leaves nothing to do.
      const fresh = await inTransaction(this.d.db, async (tx) => {
        await this.lockUser(tx, r.user_id);
        const row = await this.loadRow(tx, r.user_id);
        if (row && row.computed_at >= cutoff && row.model_version === CREDIT_MODEL_VERSION) {
          return true;
        }
        await this.recomputeWith(tx, r.user_id);
        return false;
      });
      if (!fresh) done += 1;
    }
    return done;
  }

  private needsRefresh(row: ScoreRow): boolean {
    return (
      row.model_version !== CREDIT_MODEL_VERSION ||
      this.d.clock.now().getTime() - row.computed_at.getTime() >= this.readRefreshMs
    );
  }

  private recompute(userId: string): Promise<ScoreRow> {
    return inTransaction(this.d.db, (tx) => this.recomputeWith(tx, userId));
  }

  /**
   * Scores the user from their inputs as of now and stores it, under a per-user advisory lock
   * so that two recomputations write their history in order. A history row is added for the
   * first score and whenever the score or band changes.
   */
  private async recomputeWith(tx: Tx, userId: string): Promise<ScoreRow> {
    await this.lockUser(tx, userId);
    const now = this.d.clock.now();
    const gathered = await gatherInputs(tx, userId, now, {
      timeZone: this.d.timeZone,
      ...(this.d.disputesLost ? { disputesLost: this.d.disputesLost } : {}),
    });
    if (!gathered) throw notFound('user');
    const { inputs, walletMark } = gathered;
    const result = scoreCredit(inputs);
    const before = await this.loadRow(tx, userId);
    const row: ScoreRow = {
      ...result,
      inputs,
      model_version: CREDIT_MODEL_VERSION,
      computed_at: now,
      wallet_mark: walletMark,
    };
    await tx.query(
      `INSERT INTO credit_scores (user_id, score, band, factors, reasons, tips, inputs,
                                  model_version, computed_at, wallet_mark)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (user_id) DO UPDATE SET score = EXCLUDED.score, band = EXCLUDED.band,
         factors = EXCLUDED.factors, reasons = EXCLUDED.reasons, tips = EXCLUDED.tips,
         inputs = EXCLUDED.inputs, model_version = EXCLUDED.model_version,
         computed_at = EXCLUDED.computed_at, wallet_mark = EXCLUDED.wallet_mark`,
      [
        userId,
        row.score,
        row.band,
        JSON.stringify(row.factors),
        JSON.stringify(row.reasons),
        JSON.stringify(row.tips),
        JSON.stringify(inputs),
        CREDIT_MODEL_VERSION,
        now,
        walletMark,
      ],
    );
    if (!before || before.score !== row.score || before.band !== row.band) {
      await tx.query(
        `INSERT INTO credit_score_history (user_id, score, band, reason_codes, model_version,
                                           computed_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [userId, row.score, row.band, row.reasons.map((r) => r.code), CREDIT_MODEL_VERSION, now],
      );
    }
    return row;
  }

  /** One user's scores are computed one at a time (re-entrant within a transaction). */
  private async lockUser(tx: Tx, userId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('credit:' || $1, 0))`, [userId]);
  }

  private async loadRow(q: Queryable, userId: string): Promise<ScoreRow | undefined> {
    const { rows } = await q.query<ScoreRow>(
      `SELECT score, band, factors, reasons, tips, inputs, model_version, computed_at, wallet_mark
         FROM credit_scores WHERE user_id = $1`,
      [userId],
    );
    return rows[0];
  }
}

function view(row: ScoreRow): CreditView {
  return {
    score: row.score,
    band: row.band,
    updatedAt: row.computed_at.toISOString(),
    factors: row.factors,
    reasons: row.reasons,
    tips: row.tips,
  };
}
