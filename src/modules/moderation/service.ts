import path from 'node:path';
import type { Db, Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  pageOf,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import {
  createModerator,
  type Decision,
  type ModerationContext,
  type Moderator,
} from './moderate.ts';

export interface Verdict {
  action: Decision['action'];
  categories: string[];
}

/** One decision of the log, as `judge` returns it for the caller to write. */
export interface DecisionRow {
  id: string;
  context: ModerationContext;
  userId: string | null;
  action: Decision['action'];
  categories: string[];
  score: number;
  matches: unknown;
  text: string | null;
  createdAt: string;
}

/** The moderator plus its decision log; what other modules call before storing user text. */
export class ModerationService {
  private readonly moderator: Moderator;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    dataDir: string,
  ) {
    this.moderator = createModerator({ operatorDir: path.join(dataDir, 'moderation') });
  }

  /** Judges `text` and logs the decision. Never throws for content: see `checkOrRefuse`. */
  async check(text: string, context: ModerationContext, userId?: string): Promise<Verdict> {
    const { verdict, log } = this.judge(text, context, userId);
    if (log) await this.writeDecisions(this.db, [log]);
    return verdict;
  }

  /**
   * Judges `text` without writing: the decision's log row is for the caller to commit with
   * what the text belongs to (a payment's note is logged by the payment's group commit).
   */
  judge(
    text: string,
    context: ModerationContext,
    userId?: string,
  ): { verdict: Verdict; log: DecisionRow | undefined } {
    if (text.trim() === '') return { verdict: { action: 'allow', categories: [] }, log: undefined };
    const decision = this.moderator.moderateText(text, context);
    return {
      verdict: { action: decision.action, categories: decision.categories },
      log: {
        id: newId(),
        context,
        userId: userId ?? null,
        action: decision.action,
        categories: decision.categories,
        score: decision.score,
        matches: decision.matches,
        text: decision.action === 'allow' ? null : text,
        createdAt: this.clock.now().toISOString(),
      },
    };
  }

  /** Writes decision log rows: one statement however many (a whole group-commit batch). */
  async writeDecisions(q: Queryable, rows: readonly DecisionRow[]): Promise<void> {
    if (rows.length === 0) return;
    await q.query(
      `INSERT INTO moderation_decisions (id, context, user_id, action, categories, score, matches, text, created_at)
       SELECT d.id, d.context, d.user_id, d.action, ARRAY(SELECT jsonb_array_elements_text(d.categories)),
              d.score, d.matches, d.text, d.created_at
         FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, context text, user_id uuid, action text,
              categories jsonb, score numeric, matches jsonb, text text, created_at timestamptz)`,
      [
        JSON.stringify(
          rows.map((r) => ({
            id: r.id,
            context: r.context,
            user_id: r.userId,
            action: r.action,
            categories: r.categories,
            score: r.score,
            matches: r.matches,
            text: r.text,
            created_at: r.createdAt,
          })),
        ),
      ],
    );
  }

  /** As `check`, but a rejected text becomes 422 content_rejected naming only the categories. */
  async checkOrRefuse(text: string, context: ModerationContext, userId?: string): Promise<Verdict> {
    const { verdict, log } = await this.judgeOrRefuse(text, context, userId);
    if (log) await this.writeDecisions(this.db, [log]);
    return verdict;
  }

  /**
   * As `judge`, but a rejected text is logged at once and becomes 422 content_rejected; an
   * accepted one's log row is for the caller to commit with what the text belongs to.
   */
  async judgeOrRefuse(
    text: string,
    context: ModerationContext,
    userId?: string,
  ): Promise<{ verdict: Verdict; log: DecisionRow | undefined }> {
    const judged = this.judge(text, context, userId);
    if (judged.verdict.action === 'reject') {
      if (judged.log) await this.writeDecisions(this.db, [judged.log]);
      throw new AppError('content_rejected', `this ${context} was refused by moderation`, {
        categories: judged.verdict.categories,
      });
    }
    return judged;
  }

  /** Re-reads the bundled and operator term files; a bad file keeps the old rules and throws. */
  reload(): void {
    this.moderator.reload();
  }

  /** Held and refused texts, newest first, a page at a time (by time and id: none skipped). */
  async queue(page: { limit: number; after?: TimeCursor }) {
    const { rows } = await this.db.query<{
      id: string;
      context: string;
      user_id: string | null;
      action: string;
      categories: string[];
      score: number;
      text: string | null;
      created_at: Date;
      micros: string;
    }>(
      `SELECT id, context, user_id, action, categories, score, text, created_at,
              ${microsSql('created_at')} AS micros
         FROM moderation_decisions
        WHERE action <> 'allow'
          AND ($2::bigint IS NULL OR (created_at, id) < (${fromMicrosSql('$2')}, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $1`,
      [page.limit + 1, page.after?.micros ?? null, page.after?.id ?? null],
    );
    return pageOf(
      rows,
      page.limit,
      (r) => ({
        id: r.id,
        context: r.context,
        userId: r.user_id,
        action: r.action,
        categories: r.categories,
        score: r.score,
        text: r.text,
        createdAt: r.created_at.toISOString(),
      }),
      (r) => encodeTimeCursor(r.micros, r.id),
    );
  }
}
