import type { Queryable } from '../../db/pool.ts';

/** Who is whose friend and who blocked whom: the social facts that money rules depend on. */
export class SocialGraph {
  constructor(private readonly db: Queryable) {}

  async areFriends(a: string, b: string, q: Queryable = this.db): Promise<boolean> {
    const { rowCount } = await q.query(
      'SELECT 1 FROM friendships WHERE user_id = $1 AND friend_id = $2',
      [a, b],
    );
    return (rowCount ?? 0) > 0;
  }

  /** True if either user has blocked the other. */
  async blockedEitherWay(a: string, b: string, q: Queryable = this.db): Promise<boolean> {
    const { rowCount } = await q.query(
      `SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)`,
      [a, b],
    );
    return (rowCount ?? 0) > 0;
  }
}
