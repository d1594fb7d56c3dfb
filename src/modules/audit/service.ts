import type { Db, Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { type Page, pageOf } from '../../platform/cursor.ts';
import { newId } from '../../platform/ids.ts';
import { encodeCursor } from '../../platform/schemas.ts';

export interface AuditTarget {
  type: string;
  id: string;
}

export interface AuditEntry {
  id: string;
  actorId: string;
  action: string;
  target: AuditTarget;
  detail: Record<string, unknown>;
  createdAt: string;
}

/**
 * The audit log of operator actions: append-only, written in the transaction of the action it
 * records (an action that rolls back leaves no entry, and none happens without one).
 */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async record(
    q: Queryable,
    entry: {
      actorId: string;
      action: string;
      target: AuditTarget;
      detail?: Record<string, unknown>;
    },
  ): Promise<void> {
    await q.query(
      `INSERT INTO audit_log (id, actor_id, action, target_type, target_id, detail, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        newId(),
        entry.actorId,
        entry.action,
        entry.target.type,
        entry.target.id,
        JSON.stringify(entry.detail ?? {}),
        this.clock.now(),
      ],
    );
  }

  /** Newest first, by order of writing; `before` is a position from the previous page. */
  async list(page: { limit: number; before?: number; action?: string }): Promise<Page<AuditEntry>> {
    const { rows } = await this.db.query<{
      id: string;
      seq: string;
      actor_id: string;
      action: string;
      target_type: string;
      target_id: string;
      detail: Record<string, unknown>;
      created_at: Date;
    }>(
      `SELECT id, seq, actor_id, action, target_type, target_id, detail, created_at FROM audit_log
        WHERE ($2::bigint IS NULL OR seq < $2) AND ($3::text IS NULL OR action = $3)
        ORDER BY seq DESC LIMIT $1`,
      [page.limit + 1, page.before ?? null, page.action ?? null],
    );
    return pageOf(
      rows,
      page.limit,
      (r) => ({
        id: r.id,
        actorId: r.actor_id,
        action: r.action,
        target: { type: r.target_type, id: r.target_id },
        detail: r.detail,
        createdAt: r.created_at.toISOString(),
      }),
      (r) => encodeCursor(r.seq),
    );
  }
}
