import path from 'node:path';
import type { Db } from '../../db/pool.ts';
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
    if (text.trim() === '') return { action: 'allow', categories: [] };
    const decision = this.moderator.moderateText(text, context);
    await this.db.query(
      `INSERT INTO moderation_decisions (id, context, user_id, action, categories, score, matches, text, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        newId(),
        context,
        userId ?? null,
        decision.action,
        decision.categories,
        decision.score,
        JSON.stringify(decision.matches),
        decision.action === 'allow' ? null : text,
        this.clock.now(),
      ],
    );
    return { action: decision.action, categories: decision.categories };
  }

  /** As `check`, but a rejected text becomes 422 content_rejected naming only the categories. */
  async checkOrRefuse(text: string, context: ModerationContext, userId?: string): Promise<Verdict> {
    const verdict = await this.check(text, context, userId);
    if (verdict.action === 'reject') {
      throw new AppError('content_rejected', `this ${context} was refused by moderation`, {
        categories: verdict.categories,
      });
    }
    return verdict;
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
