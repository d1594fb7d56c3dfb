import type { Queryable } from '../../db/pool.ts';
import { invalid, notFound } from '../../platform/errors.ts';

/** What a report's target is, as the reporter and the review queue see it. */
export interface TargetInfo {
  /** Who wrote or owns it: the author `ban_author` bans (for a user, the user). */
  authorId: string | null;
  /** What an operator reads in the queue: the text and where it appeared. */
  content: Record<string, unknown>;
}

/**
 * A kind of thing users can report. Modules register their own (circles: posts, comments and
 * circles; social: 生活圈 posts and comments; later conversations' messages, merchant reviews),
 * so the safety desk never reads another module's tables.
 */
export interface ReportTargetHandler {
  /**
   * The target, or undefined when there is none that `viewerId` may see (`null`: an operator,
   * who sees everything, taken-down content included).
   */
  find(q: Queryable, id: string, viewerId: string | null): Promise<TargetInfo | undefined>;
  /** Hides it everywhere: readers get 410 `gone`. Absent: it cannot be taken down. */
  takeDown?(q: Queryable, id: string): Promise<void>;
  /** Publishes content the text filter held for review (a dismissed hold). */
  publish?(q: Queryable, id: string): Promise<void>;
}

/**
 * Target types, each with one or more handlers tried in order (two modules may both have
 * "post"s: the one that finds the id answers). Ids are UUIDs, unique across tables.
 */
export class ReportTargets {
  private readonly handlers = new Map<string, ReportTargetHandler[]>();

  register(type: string, handler: ReportTargetHandler): void {
    if (!/^[a-z][a-z_]{0,31}$/.test(type)) throw new Error(`bad report target type ${type}`);
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]);
  }

  types(): string[] {
    return [...this.handlers.keys()];
  }

  /** The handler that knows this target, and what it says; 404 when none does. */
  async resolve(q: Queryable, type: string, id: string, viewerId: string | null) {
    const list = this.handlers.get(type);
    if (!list) {
      throw invalid(`target.type must be one of: ${this.types().join(', ')}`, {
        field: 'target.type',
      });
    }
    for (const handler of list) {
      const info = await handler.find(q, id, viewerId);
      if (info) return { handler, info };
    }
    throw notFound(type.replaceAll('_', ' '));
  }
}
