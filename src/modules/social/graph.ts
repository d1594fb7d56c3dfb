import type { Queryable } from '../../db/pool.ts';
import type { BusCache, CacheBus } from '../../platform/cache-bus.ts';

// Beyond this many blocks a user's list is not cached: pairs are then asked one by one.
const MAX_CACHED_BLOCKS = 1000;

/** Who is whose friend and who blocked whom: the social facts that money rules depend on. */
export class SocialGraph {
  /** A user's block list both ways (whom they blocked, who blocked them), or null if too long. */
  private readonly blockCache: BusCache<ReadonlySet<string> | null> | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly cacheBus?: CacheBus,
  ) {
    if (cacheBus) {
      const cache = cacheBus.cache<ReadonlySet<string> | null>('blocks');
      cacheBus.on('blocks', (userId) => cache.evict(userId));
      this.blockCache = cache;
    }
  }

  async areFriends(a: string, b: string, q: Queryable = this.db): Promise<boolean> {
    const { rowCount } = await q.query(
      'SELECT 1 FROM friendships WHERE user_id = $1 AND friend_id = $2',
      [a, b],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * True if either user has blocked the other. Outside a transaction this is answered from
   * `a`'s cached block list (every payment asks it); inside one (`q`), from the database.
   */
  async blockedEitherWay(a: string, b: string, q: Queryable = this.db): Promise<boolean> {
    if (this.blockCache && q === this.db) {
      const blocks = await this.blockCache.get(
        a,
        () => this.loadBlocks(a),
        (list) => list !== null,
      );
      if (blocks) return blocks.has(b);
    }
    const { rowCount } = await q.query(
      `SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)`,
      [a, b],
    );
    return (rowCount ?? 0) > 0;
  }

  private async loadBlocks(userId: string): Promise<ReadonlySet<string> | null> {
    const { rows } = await this.db.query<{ other: string }>({
      name: 'social.block-list',
      text: `(SELECT blocked_id AS other FROM blocks WHERE blocker_id = $1 LIMIT $2)
       UNION ALL
       (SELECT blocker_id FROM blocks WHERE blocked_id = $1 LIMIT $2)`,
      values: [userId, MAX_CACHED_BLOCKS + 1],
    });
    return rows.length > MAX_CACHED_BLOCKS ? null : new Set(rows.map((r) => r.other));
  }

  /** After a block or unblock has committed: evicts both lists here at once. */
  blocksChanged(a: string, b: string): void {
    this.cacheBus?.evict('blocks', a);
    this.cacheBus?.evict('blocks', b);
  }

  async friendCount(userId: string, q: Queryable = this.db): Promise<number> {
    const { rows } = await q.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM friendships WHERE user_id = $1',
      [userId],
    );
    return rows[0]!.n;
  }

  /**
   * Serialises everything that changes the relation between two users (requests, accepting,
   * unfriending, blocking), so two people sending each other a request at the same moment
   * become friends once instead of leaving two crossed requests.
   */
  async lockPair(tx: Queryable, a: string, b: string): Promise<void> {
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 8008))', [key]);
  }

  /**
   * Fan-out reads a user's friend list while a friendship change rewrites it. Writers of feed
   * items hold these locks shared and friendship changes hold them exclusively, so a post can
   * never fall between the two: either its fan-out sees the new friend or the new friend's
   * backfill sees the post. Taken in key order, so two lockers cannot deadlock.
   */
  async lockFriendLists(tx: Queryable, userIds: string[], mode: 'change' | 'fan-out') {
    const fn = mode === 'change' ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared';
    await tx.query(
      `SELECT ${fn}(k) FROM (SELECT DISTINCT hashtextextended(u, 8009) AS k FROM unnest($1::text[]) u ORDER BY k) s`,
      [userIds],
    );
  }

  /** Records the friendship in both directions; false if they were friends already. */
  async addFriendship(tx: Queryable, a: string, b: string, since: Date): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO friendships (user_id, friend_id, created_at) VALUES ($1, $2, $3), ($2, $1, $3)
       ON CONFLICT DO NOTHING`,
      [a, b, since],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Removes the friendship in both directions; false if there was none. */
  async removeFriendship(tx: Queryable, a: string, b: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `DELETE FROM friendships WHERE (user_id = $1 AND friend_id = $2) OR (user_id = $2 AND friend_id = $1)`,
      [a, b],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Call `blocksChanged` once `tx` has committed. */
  async addBlock(tx: Queryable, blocker: string, blocked: string, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [blocker, blocked, at],
    );
  }

  /** Inside a transaction (`tx`), call `blocksChanged` once it has committed. */
  async removeBlock(blocker: string, blocked: string, q: Queryable = this.db): Promise<void> {
    await q.query('DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2', [
      blocker,
      blocked,
    ]);
    if (q === this.db) this.blocksChanged(blocker, blocked);
  }
}
