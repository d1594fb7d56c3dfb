import { type Db, inTransaction, type Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { conflict, invalid, notFound } from '../../platform/errors.ts';
import { isUuid, newId } from '../../platform/ids.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import type { AuditLog } from '../audit/index.ts';
import type { BanService } from './bans.ts';
import type { ReportTargets } from './targets.ts';

export const REPORT_REASONS = ['spam', 'fraud', 'sexual', 'harassment', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];
export type ReviewAction = 'dismiss' | 'take_down' | 'ban_author';

export interface Target {
  type: string;
  id: string;
}

export interface ReviewItem {
  id: string;
  target: Target;
  reasons: Record<string, number>;
  reportCount: number;
  heldByFilter: boolean;
  content: Record<string, unknown> | null;
  authorId: string | null;
  status: 'open' | 'closed';
  decision?: { action: ReviewAction; note: string | null; decidedBy: string; decidedAt: string };
  createdAt: string;
}

interface ReviewRow {
  id: string;
  target_type: string;
  target_id: string;
  author_id: string | null;
  status: 'open' | 'closed';
  held_by_filter: boolean;
  report_count: number;
  reasons: Record<string, number>;
  decision: ReviewAction | null;
  decision_note: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Date;
}

/** Thrown inside the report's transaction when the reporter had already reported the target. */
class AlreadyReported extends Error {}

/** The offset inside an opaque cursor: the queue's order (most reported) moves as reports arrive. */
const offsetFrom = (cursor: string | undefined) => {
  const raw = decodeCursor(cursor);
  if (raw === undefined) return 0;
  if (!/^\d{1,7}$/.test(raw))
    throw invalid('cursor is not one this server gave out', { field: 'cursor' });
  return Number(raw);
};

/**
 * Reports and the review queue. Every report of one target joins one open queue item, with a
 * count per reason; content the text filter held joins the same item. Nothing here acts on
 * content by itself, however many reports arrive: only an operator's decision takes anything
 * down (mass reporting is a weapon too).
 */
export class ReviewService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: { targets: ReportTargets; bans: BanService; audit: AuditLog },
  ) {}

  /** `POST /reports`: 201 with a new report, 200 with the reporter's first one on a repeat. */
  async report(
    reporterId: string,
    input: { target: Target; reason: ReportReason; detail?: string },
  ): Promise<{ created: boolean; report: { id: string; status: 'open' | 'closed' } }> {
    const { type, id } = input.target;
    if (!isUuid(id)) throw notFound(type.replaceAll('_', ' '));
    if (type === 'user' && id === reporterId) {
      throw invalid('you cannot report yourself', { field: 'target.id' });
    }
    try {
      return await inTransaction(this.db, async (tx) => {
        const { info } = await this.deps.targets.resolve(tx, type, id, reporterId);
        const now = this.clock.now();
        const reviewId = await this.joinQueue(tx, input.target, info.authorId, now, {
          reason: input.reason,
        });
        const reportId = newId();
        const inserted = await tx.query(
          `INSERT INTO reports (id, reporter_id, target_type, target_id, reason, detail, review_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
          [reportId, reporterId, type, id, input.reason, input.detail ?? null, reviewId, now],
        );
        // Counted above; undone with the transaction when it turns out to be a repeat.
        if (!inserted.rowCount) throw new AlreadyReported();
        return { created: true, report: { id: reportId, status: 'open' as const } };
      });
    } catch (err) {
      if (!(err instanceof AlreadyReported)) throw err;
      const { rows } = await this.db.query<{ id: string; status: 'open' | 'closed' }>(
        `SELECT r.id, i.status FROM reports r JOIN review_items i ON i.id = r.review_id
          WHERE r.reporter_id = $1 AND r.target_type = $2 AND r.target_id = $3`,
        [reporterId, type, id],
      );
      return { created: false, report: rows[0]! };
    }
  }

  /**
   * Content the text filter held: into the queue (in the content's own transaction), to be
   * published by a dismissal or taken down.
   */
  async holdForReview(q: Queryable, target: Target, authorId: string): Promise<void> {
    await this.joinQueue(q, target, authorId, this.clock.now(), { held: true });
  }

  /** The target's open item, made or updated (one per target: the partial unique index). */
  private async joinQueue(
    q: Queryable,
    target: Target,
    authorId: string | null,
    now: Date,
    what: { reason?: ReportReason; held?: boolean },
  ): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO review_items (id, target_type, target_id, author_id, status, held_by_filter,
                                 report_count, reasons, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $8)
       ON CONFLICT (target_type, target_id) WHERE status = 'open' DO UPDATE SET
         held_by_filter = review_items.held_by_filter OR EXCLUDED.held_by_filter,
         report_count = review_items.report_count + EXCLUDED.report_count,
         reasons = CASE WHEN $9::text IS NULL THEN review_items.reasons
                   ELSE jsonb_set(review_items.reasons, ARRAY[$9::text],
                        to_jsonb(COALESCE((review_items.reasons ->> $9::text)::int, 0) + 1)) END,
         updated_at = EXCLUDED.updated_at
       RETURNING id`,
      [
        newId(),
        target.type,
        target.id,
        authorId,
        what.held ?? false,
        what.reason ? 1 : 0,
        JSON.stringify(what.reason ? { [what.reason]: 1 } : {}),
        now,
        what.reason ?? null,
      ],
    );
    return rows[0]!.id;
  }

  /** The queue: open items most reported first (then oldest), or closed ones latest first. */
  async queue(status: 'open' | 'closed', page: { limit: number; cursor?: string }) {
    const offset = offsetFrom(page.cursor);
    const { rows } = await this.db.query<ReviewRow>(
      `SELECT * FROM review_items WHERE status = $1
        ORDER BY ${status === 'open' ? 'report_count DESC, created_at ASC' : 'decided_at DESC'}, id
        LIMIT $2 OFFSET $3`,
      [status, page.limit + 1, offset],
    );
    const more = rows.length > page.limit;
    const items = await Promise.all(rows.slice(0, page.limit).map((r) => this.view(r)));
    return { items, nextCursor: more ? encodeCursor(offset + page.limit) : null };
  }

  async item(id: string): Promise<ReviewItem> {
    const row = await this.row(this.db, id);
    return this.view(row);
  }

  private async row(q: Queryable, id: string, lock = false): Promise<ReviewRow> {
    if (!isUuid(id)) throw notFound('review item');
    const { rows } = await q.query<ReviewRow>(
      `SELECT * FROM review_items WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (!rows[0]) throw notFound('review item');
    return rows[0];
  }

  private async view(r: ReviewRow): Promise<ReviewItem> {
    const content = await this.deps.targets
      .resolve(this.db, r.target_type, r.target_id, null)
      .then((x) => x.info.content)
      .catch(() => null);
    return {
      id: r.id,
      target: { type: r.target_type, id: r.target_id },
      reasons: r.reasons,
      reportCount: r.report_count,
      heldByFilter: r.held_by_filter,
      content,
      authorId: r.author_id,
      status: r.status,
      ...(r.decision
        ? {
            decision: {
              action: r.decision,
              note: r.decision_note,
              decidedBy: r.decided_by!,
              decidedAt: r.decided_at!.toISOString(),
            },
          }
        : {}),
      createdAt: r.created_at.toISOString(),
    };
  }

  /**
   * An operator's decision on an open item: dismiss (held content is published), take the
   * content down (gone everywhere), or ban its author (and take it down). Audited with the item.
   */
  async decide(
    actorId: string,
    reviewId: string,
    input: { action: ReviewAction; banDays?: number; note: string },
  ): Promise<ReviewItem> {
    if (input.banDays !== undefined && input.action !== 'ban_author') {
      throw invalid('banDays goes with ban_author only', { field: 'banDays' });
    }
    let bannedUser: string | undefined;
    await inTransaction(this.db, async (tx) => {
      const item = await this.row(tx, reviewId, true);
      if (item.status !== 'open') throw conflict('this review item was already decided');
      const { handler } = await this.deps.targets.resolve(
        tx,
        item.target_type,
        item.target_id,
        null,
      );
      if (input.action === 'dismiss') {
        if (item.held_by_filter) await handler.publish?.(tx, item.target_id);
      } else {
        // A user is banned, not taken down; anything else that can be hidden is.
        if (handler.takeDown) await handler.takeDown(tx, item.target_id);
        else if (input.action === 'take_down') {
          throw invalid(
            `a ${item.target_type.replaceAll('_', ' ')} cannot be taken down; ban its author`,
            {
              field: 'action',
            },
          );
        }
        if (input.action === 'ban_author') {
          if (!item.author_id) throw invalid('this item has no author to ban', { field: 'action' });
          bannedUser = item.author_id;
          await this.deps.bans.ban(
            actorId,
            item.author_id,
            { ...(input.banDays !== undefined ? { days: input.banDays } : {}), reason: input.note },
            tx,
          );
        }
      }
      await tx.query(
        `UPDATE review_items SET status = 'closed', decision = $2, decision_note = $3,
                decided_by = $4, decided_at = $5, updated_at = $5 WHERE id = $1`,
        [reviewId, input.action, input.note, actorId, this.clock.now()],
      );
      await this.deps.audit.record(tx, {
        actorId,
        action: `review.${input.action}`,
        target: { type: item.target_type, id: item.target_id },
        detail: {
          reviewId,
          note: input.note,
          reportCount: item.report_count,
          heldByFilter: item.held_by_filter,
          ...(bannedUser ? { bannedUserId: bannedUser } : {}),
          ...(input.banDays !== undefined ? { banDays: input.banDays } : {}),
        },
      });
    });
    return this.item(reviewId);
  }
}
