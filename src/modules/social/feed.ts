import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { type Page, pageOf } from '../../platform/cursor.ts';
import { invalid } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import { encodeCursor } from '../../platform/schemas.ts';
import type { MediaService } from './media.ts';
import {
  type PostRow,
  type PostView,
  postColumnsSql,
  toPostView,
  type UserRef,
} from './post-view.ts';
import type { Visibility } from './privacy.ts';
import { paymentVisibleSql, postVisibleSql } from './visibility.ts';

/*
 * Posts are fanned out on write (an inbox per reader); payments are pulled on read.
 *
 * Posts: a feed page read with fan-out is one index range on (owner_id, seq) whatever the
 * reader's friend count, and posts are rare next to reads. Friend lists are capped
 * (FriendOptions.maxFriends, 5,000 by default, as WeChat long did), so a post costs at most one
 * INSERT ... SELECT of a few thousand narrow rows.
 *
 * Payments are the wallet's hot path and outnumber posts by far: fanning each out to both
 * parties' friends wrote ~68 inbox rows per payment in bench:api and was more than half of
 * PostgreSQL's CPU per transfer (docs/benchmarks.md). So a payment is one `feed_payments` row,
 * and a page pulls the newest payments of the reader and of each friend through the
 * (from_user_id, seq) and (to_user_id, seq) indexes, a bounded probe per friend. Who may see
 * a payment is then decided only at read time, so unfriending or blocking needs no clean-up
 * and a new friend sees the other's shared payments at once.
 *
 * Inbox entries are a cache of "who may see this", never the authority: the read query checks
 * each post again against friendships, blocks, visibility and moderation (visibility.ts). A
 * stale entry (say a fan-out that raced an unfriend) is therefore invisible, never a leak.
 */

export interface PaymentRecord {
  transferId: string;
  fromUserId: string;
  toUserId: string;
  note: string | null;
  visibility: Visibility;
  createdAt: Date;
}

export interface PaymentFeedItem {
  kind: 'payment';
  id: string;
  from: UserRef;
  to: UserRef;
  note: string | null;
  visibility: Visibility;
  createdAt: string;
}

export type FeedItem = PaymentFeedItem | ({ kind: 'post' } & PostView);

export interface FeedOptions {
  /** When two users become friends, each gets the other's items of this many past days ... */
  backfillDays: number;
  /** ... up to this many. */
  backfillLimit: number;
}

export const DEFAULT_FEED_OPTIONS: FeedOptions = { backfillDays: 30, backfillLimit: 50 };

type FeedRow = PostRow & {
  entry_seq: string;
  kind: 'post' | 'payment';
  transfer_id: string | null;
  from_user_id: string | null;
  from_nickname: string | null;
  to_user_id: string | null;
  to_nickname: string | null;
  note: string | null;
  payment_visibility: Visibility | null;
  payment_created_at: Date | null;
};

/*
 * The posts of one feed page: the reader's inbox entries newest first, each joined to its
 * post only if the reader may see it. The lookup is LATERAL with LIMIT 1, which keeps it a
 * per-entry index probe. The first page and the following ones are separate prepared
 * statements, each with a plan whose index bound is known.
 */
const postPageSql = (afterCursor: boolean) => `
  SELECT e.seq AS entry_seq, 'post' AS kind, p.*
    FROM feed_entries e
    JOIN LATERAL (
      SELECT ${postColumnsSql('$1')} FROM posts p JOIN users pa ON pa.id = p.author_id
       WHERE p.id = e.item_id AND ${postVisibleSql('p', '$1', { feed: true })}
       LIMIT 1) p ON true
   WHERE e.owner_id = $1 AND e.kind = 'post' ${afterCursor ? 'AND e.seq < $3' : ''}
   ORDER BY e.seq DESC LIMIT $2`;

/*
 * The payments of one feed page, pulled: for the reader and each friend, the newest payments
 * they made and received (two index ranges each, at most a page apiece), of which the reader
 * may see: all of their own; of a friend's, those not private whose other party the reader has
 * not blocked nor been blocked by (a block ends a friendship, so friends are not blocked). The
 * rules are those of paymentVisibleSql, applied inside each probe so that a page is not cut
 * short by rows it would drop, and then paymentVisibleSql itself on the page, the authority.
 */
const paymentPageSql = (afterCursor: boolean) => {
  const probe = (party: string, other: string) => `
    (SELECT fp.seq, fp.transfer_id FROM feed_payments fp
      WHERE fp.${party} = s.uid ${afterCursor ? 'AND fp.seq < $3' : ''}
        AND (s.uid = $1 OR (fp.visibility <> 'private' AND fp.${other} <> ALL (bl.ids)))
      ORDER BY fp.seq DESC LIMIT $2)`;
  return `
  WITH sources AS (
    SELECT $1::uuid AS uid UNION ALL SELECT f.friend_id FROM friendships f WHERE f.user_id = $1
  ), bl AS (
    SELECT coalesce(array_agg(CASE WHEN b.blocker_id = $1 THEN b.blocked_id ELSE b.blocker_id END),
                    '{}') AS ids
      FROM blocks b WHERE b.blocker_id = $1 OR b.blocked_id = $1
  ), page AS (
    SELECT DISTINCT c.seq, c.transfer_id
      FROM sources s CROSS JOIN bl CROSS JOIN LATERAL (
        ${probe('from_user_id', 'to_user_id')} UNION ALL ${probe('to_user_id', 'from_user_id')}) c
     ORDER BY c.seq DESC LIMIT $2
  )
  SELECT page.seq AS entry_seq, 'payment' AS kind, fp.transfer_id, fp.from_user_id,
         fu.nickname AS from_nickname, fp.to_user_id, tu.nickname AS to_nickname, fp.note,
         fp.visibility AS payment_visibility, fp.created_at AS payment_created_at
    FROM page
    JOIN feed_payments fp ON fp.transfer_id = page.transfer_id
    JOIN users fu ON fu.id = fp.from_user_id
    JOIN users tu ON tu.id = fp.to_user_id
   WHERE ${paymentVisibleSql('fp', '$1')}
   ORDER BY page.seq DESC`;
};
const POSTS_FIRST = { name: 'social.feed.posts-first', text: postPageSql(false) };
const POSTS_NEXT = { name: 'social.feed.posts-next', text: postPageSql(true) };
const PAYMENTS_FIRST = { name: 'social.feed.payments-first', text: paymentPageSql(false) };
const PAYMENTS_NEXT = { name: 'social.feed.payments-next', text: paymentPageSql(true) };

/** Posts of user $2, found through the posts index, so removing them costs what $2 published. */
const postsOfOtherSql = 'SELECT p.seq FROM posts p WHERE p.author_id = $2';

export class FeedService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly media: MediaService,
    private readonly options: FeedOptions = DEFAULT_FEED_OPTIONS,
  ) {}

  /**
   * Puts a committed transfer into the feed (its parties and their friends see it, by the
   * rules of paymentVisibleSql, when they read). The wallet calls this after the transfer
   * commits; calling it again for the same transfer does nothing. Amounts are not taken: the
   * feed never shows them.
   */
  recordPayment(payment: PaymentRecord): Promise<{ recorded: boolean }> {
    return inTransaction(this.db, (tx) => this.recordPaymentIn(tx, payment));
  }

  /** As `recordPayment`, inside the caller's transaction. */
  async recordPaymentIn(tx: Tx, payment: PaymentRecord): Promise<{ recorded: boolean }> {
    return { recorded: (await this.recordPaymentsIn(tx, [payment])) > 0 };
  }

  /**
   * Many payments at once, inside the caller's transaction: how the outbox delivers them (in
   * the transaction that deletes their messages, so each is recorded exactly once). One row
   * per payment, one statement however many. Returns how many were new.
   */
  async recordPaymentsIn(tx: Queryable, payments: readonly PaymentRecord[]): Promise<number> {
    if (payments.length === 0) return 0;
    for (const { transferId, fromUserId, toUserId } of payments) {
      if (![transferId, fromUserId, toUserId].every(isUuid) || fromUserId === toUserId) {
        throw invalid('a feed payment needs a transfer id and two different users');
      }
    }
    const { rows } = await tx.query<{ n: number }>(
      `WITH p AS (
         INSERT INTO feed_payments (transfer_id, from_user_id, to_user_id, note, visibility, created_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[])
         ON CONFLICT (transfer_id) DO NOTHING
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM p`,
      [
        payments.map((p) => p.transferId),
        payments.map((p) => p.fromUserId),
        payments.map((p) => p.toUserId),
        payments.map((p) => p.note?.trim() || null),
        payments.map((p) => p.visibility),
        payments.map((p) => p.createdAt),
      ],
    );
    return rows[0]!.n;
  }

  /**
   * Puts a new post into its author's feed and, if it is shared and passed moderation, into
   * every friend's: one INSERT ... SELECT over the author's friend list. The caller holds the
   * author's friend list (graph.lockFriendLists, 'fan-out') in the same transaction.
   */
  async fanOutPost(
    tx: Queryable,
    post: { id: string; seq: string; authorId: string; shared: boolean },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO feed_entries (owner_id, seq, kind, item_id)
       SELECT $3::uuid, $1::bigint, 'post', $2::uuid
       UNION ALL
       SELECT f.friend_id, $1::bigint, 'post', $2::uuid FROM friendships f
        WHERE f.user_id = $3::uuid AND $4::boolean`,
      [post.seq, post.id, post.authorId, post.shared],
    );
  }

  /** Removes an item from the feeds of its actors and their friends (who are all who had it). */
  async removeItem(tx: Queryable, seq: string, actorIds: string[]): Promise<void> {
    await tx.query(
      `DELETE FROM feed_entries e WHERE e.seq = $1 AND e.owner_id IN (
         SELECT unnest($2::uuid[]) UNION SELECT f.friend_id FROM friendships f WHERE f.user_id = ANY($2::uuid[]))`,
      [seq, actorIds],
    );
  }

  /**
   * New friends see each other's recent shared posts in their inboxes. (Payments need nothing:
   * they are pulled at read time, so each sees the other's shared payments at once.)
   */
  async backfillNewFriends(tx: Queryable, a: string, b: string): Promise<void> {
    const since = new Date(this.clock.now().getTime() - this.options.backfillDays * 86_400_000);
    for (const [owner, friend] of [
      [a, b],
      [b, a],
    ] as const) {
      await tx.query(
        `INSERT INTO feed_entries (owner_id, seq, kind, item_id)
         SELECT $1, p.seq, 'post', p.id FROM posts p
          WHERE p.author_id = $2 AND p.visibility <> 'private' AND p.moderation_status = 'visible'
            AND p.created_at >= $3
          ORDER BY p.seq DESC LIMIT $4
         ON CONFLICT DO NOTHING`,
        [owner, friend, since, this.options.backfillLimit],
      );
    }
  }

  /**
   * After an unfriending or a block (the friendship rows already deleted): each loses the
   * other's posts from their inbox. Payments need nothing: who sees them is decided at read.
   */
  async removeExFriendItems(tx: Queryable, a: string, b: string): Promise<void> {
    for (const [owner, other] of [
      [a, b],
      [b, a],
    ] as const) {
      await tx.query(
        `DELETE FROM feed_entries e USING (${postsOfOtherSql}) i
          WHERE e.owner_id = $1 AND e.seq = i.seq`,
        [owner, other],
      );
    }
  }

  /** After a block: as after an unfriending (read-time rules hide shared payments). */
  removeBlockedItems(tx: Queryable, a: string, b: string): Promise<void> {
    return this.removeExFriendItems(tx, a, b);
  }

  /**
   * The viewer's feed, newest first: friends' shared posts and payments, and their own. The
   * posts and the payments of a page are read apart (an inbox range and a pull) and merged by
   * their common sequence number, which is also the cursor.
   */
  async feed(
    viewerId: string,
    page: { limit: number; beforeSeq?: number },
  ): Promise<Page<FeedItem>> {
    const values =
      page.beforeSeq === undefined
        ? [viewerId, page.limit + 1]
        : [viewerId, page.limit + 1, page.beforeSeq];
    const first = page.beforeSeq === undefined;
    const [posts, payments] = await Promise.all([
      this.db.query<FeedRow>({ ...(first ? POSTS_FIRST : POSTS_NEXT), values }),
      this.db.query<FeedRow>({ ...(first ? PAYMENTS_FIRST : PAYMENTS_NEXT), values }),
    ]);
    const rows = [...posts.rows, ...payments.rows]
      .sort((x, y) => (BigInt(y.entry_seq) > BigInt(x.entry_seq) ? 1 : -1))
      .slice(0, page.limit + 1);
    const postIds = rows.slice(0, page.limit).flatMap((r) => (r.kind === 'post' ? [r.id] : []));
    const media = await this.media.forPosts(postIds);
    return pageOf(
      rows,
      page.limit,
      (r): FeedItem =>
        r.kind === 'post'
          ? { kind: 'post', ...toPostView(r, media.get(r.id) ?? []) }
          : {
              kind: 'payment',
              id: r.transfer_id!,
              from: { userId: r.from_user_id!, nickname: r.from_nickname! },
              to: { userId: r.to_user_id!, nickname: r.to_nickname! },
              note: r.note,
              visibility: r.payment_visibility!,
              createdAt: r.payment_created_at!.toISOString(),
            },
      (r) => encodeCursor(r.entry_seq),
    );
  }
}
