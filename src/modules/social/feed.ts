import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { type Page, pageOf } from '../../platform/cursor.ts';
import { invalid } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import { encodeCursor } from '../../platform/schemas.ts';
import type { SocialGraph } from './graph.ts';
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
 * Why fan-out on write (an inbox per reader) rather than reading friends' outboxes:
 * a feed page read with fan-out is one index range on (owner_id, seq) whatever the reader's
 * friend count, while fan-in would merge the outboxes of up to thousands of friends on every
 * scroll. Reads outnumber writes by far in a feed, and the write side is bounded: friend lists
 * are capped (FriendOptions.maxFriends, 5,000 by default, as WeChat long did), so a post costs at
 * most one INSERT ... SELECT of a few thousand narrow rows. There are no celebrities with
 * millions of followers in a friends-only graph, which is the case that forces a hybrid.
 *
 * Entries are a cache of "who may see this", never the authority: the read query checks each
 * entry again against friendships, blocks, visibility and moderation (visibility.ts). A stale
 * entry (say a fan-out that raced an unfriend) is therefore invisible, never a leak.
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
 * One feed page: the reader's entries newest first, each joined to its item only if the reader
 * may see it (entries they may not, or no longer, see are skipped). The item lookups are
 * LATERAL with LIMIT 1, which keeps them per-entry index probes: the planner cannot turn them
 * into hash joins over all posts, so a page costs the same however big the tables grow. The
 * first page and the following ones are separate prepared statements, each with a plan whose
 * index bound is known (planning took as long as running).
 */
const feedPageSql = (afterCursor: boolean) => `
  SELECT e.seq AS entry_seq, e.kind, p.*, fp.*
    FROM feed_entries e
    LEFT JOIN LATERAL (
      SELECT ${postColumnsSql('$1')} FROM posts p JOIN users pa ON pa.id = p.author_id
       WHERE e.kind = 'post' AND p.id = e.item_id AND ${postVisibleSql('p', '$1', { feed: true })}
       LIMIT 1) p ON true
    LEFT JOIN LATERAL (
      SELECT fp.transfer_id, fp.from_user_id, fu.nickname AS from_nickname,
             fp.to_user_id, tu.nickname AS to_nickname, fp.note,
             fp.visibility AS payment_visibility, fp.created_at AS payment_created_at
        FROM feed_payments fp
        JOIN users fu ON fu.id = fp.from_user_id
        JOIN users tu ON tu.id = fp.to_user_id
       WHERE e.kind = 'payment' AND fp.transfer_id = e.item_id AND ${paymentVisibleSql('fp', '$1')}
       LIMIT 1) fp ON true
   WHERE e.owner_id = $1 ${afterCursor ? 'AND e.seq < $3' : ''}
     AND (p.id IS NOT NULL OR fp.transfer_id IS NOT NULL)
   ORDER BY e.seq DESC LIMIT $2`;
const FIRST_PAGE = { name: 'social.feed.first-page', text: feedPageSql(false) };
const NEXT_PAGE = { name: 'social.feed.next-page', text: feedPageSql(true) };

/**
 * Items of user $2 in which user $1 has no part: $2's posts and $2's payments with others.
 * Found through the item tables' indexes, so removing them costs what $2 published, not the
 * size of $1's inbox. With `stillSeen`, payments that $1 still sees through a remaining friend
 * of either party are kept.
 */
const itemsOfOtherSql = (stillSeen: boolean) => `
  SELECT p.seq FROM posts p WHERE p.author_id = $2
  UNION ALL
  SELECT fp.seq FROM feed_payments fp
   WHERE (fp.from_user_id = $2 OR fp.to_user_id = $2) AND fp.from_user_id <> $1 AND fp.to_user_id <> $1
     ${stillSeen ? 'AND NOT EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = $1 AND f.friend_id IN (fp.from_user_id, fp.to_user_id))' : ''}`;

export class FeedService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly graph: SocialGraph,
    private readonly media: MediaService,
    private readonly options: FeedOptions = DEFAULT_FEED_OPTIONS,
  ) {}

  /**
   * Puts a committed transfer into the feeds of its two parties and, unless it is private, of
   * their friends. The wallet calls this after the transfer commits; calling it again for the
   * same transfer does nothing. Amounts are not taken: the feed never shows them.
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
   * the transaction that deletes their messages, so each is fanned out exactly once). Two
   * statements however many: the friend lists held shared, then the payments and their inbox
   * rows (none for a payment recorded before). Returns how many were new.
   */
  async recordPaymentsIn(tx: Tx, payments: readonly PaymentRecord[]): Promise<number> {
    if (payments.length === 0) return 0;
    for (const { transferId, fromUserId, toUserId } of payments) {
      if (![transferId, fromUserId, toUserId].every(isUuid) || fromUserId === toUserId) {
        throw invalid('a feed payment needs a transfer id and two different users');
      }
    }
    await this.graph.lockFriendLists(
      tx,
      payments.flatMap((p) => [p.fromUserId, p.toUserId]),
      'fan-out',
    );
    // Friends of the payer cannot have blocked the payer (a block ends the friendship), but
    // they may have blocked the payee, and the reverse: those readers are left out.
    const { rows } = await tx.query<{ n: number }>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[])
           WITH ORDINALITY AS i(transfer_id, from_id, to_id, note, visibility, created_at, ord)
       ), p AS (
         INSERT INTO feed_payments (transfer_id, from_user_id, to_user_id, note, visibility, created_at)
         SELECT transfer_id, from_id, to_id, note, visibility, created_at FROM input ORDER BY ord
         ON CONFLICT (transfer_id) DO NOTHING
         RETURNING seq, transfer_id, from_user_id, to_user_id, visibility
       ), fanned AS (
         INSERT INTO feed_entries (owner_id, seq, kind, item_id)
         SELECT o.owner_id, p.seq, 'payment', p.transfer_id FROM p CROSS JOIN LATERAL (
           SELECT p.from_user_id AS owner_id UNION SELECT p.to_user_id
           UNION SELECT f.friend_id FROM friendships f
                  WHERE f.user_id IN (p.from_user_id, p.to_user_id) AND p.visibility <> 'private'
         ) o
         WHERE o.owner_id IN (p.from_user_id, p.to_user_id) OR NOT EXISTS (
           SELECT 1 FROM blocks b
            WHERE (b.blocker_id = o.owner_id AND b.blocked_id IN (p.from_user_id, p.to_user_id))
               OR (b.blocked_id = o.owner_id AND b.blocker_id IN (p.from_user_id, p.to_user_id)))
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

  /** New friends see each other's recent shared items (and the new friend's payments). */
  async backfillNewFriends(tx: Queryable, a: string, b: string): Promise<void> {
    const since = new Date(this.clock.now().getTime() - this.options.backfillDays * 86_400_000);
    for (const [owner, friend] of [
      [a, b],
      [b, a],
    ] as const) {
      await tx.query(
        `INSERT INTO feed_entries (owner_id, seq, kind, item_id)
         SELECT $1, i.seq, i.kind, i.item_id FROM (
           (SELECT p.seq, 'post' AS kind, p.id AS item_id, p.author_id AS actor_id, NULL::uuid AS counterparty_id
              FROM posts p
             WHERE p.author_id = $2 AND p.visibility <> 'private' AND p.moderation_status = 'visible'
               AND p.created_at >= $3
             ORDER BY p.seq DESC LIMIT $4)
           UNION ALL
           (SELECT fp.seq, 'payment', fp.transfer_id, fp.from_user_id, fp.to_user_id FROM feed_payments fp
             WHERE fp.from_user_id = $2 AND fp.visibility <> 'private' AND fp.created_at >= $3
             ORDER BY fp.seq DESC LIMIT $4)
           UNION ALL
           (SELECT fp.seq, 'payment', fp.transfer_id, fp.from_user_id, fp.to_user_id FROM feed_payments fp
             WHERE fp.to_user_id = $2 AND fp.visibility <> 'private' AND fp.created_at >= $3
             ORDER BY fp.seq DESC LIMIT $4)
         ) i
         WHERE NOT EXISTS (
           SELECT 1 FROM blocks b
            WHERE (b.blocker_id = $1 AND b.blocked_id IN (i.actor_id, i.counterparty_id))
               OR (b.blocked_id = $1 AND b.blocker_id IN (i.actor_id, i.counterparty_id)))
         ORDER BY i.seq DESC LIMIT $4
         ON CONFLICT DO NOTHING`,
        [owner, friend, since, this.options.backfillLimit],
      );
    }
  }

  /**
   * After an unfriending (the friendship rows already deleted): each loses the other's items,
   * except their own and payments they still see through a remaining friend of either party.
   */
  async removeExFriendItems(tx: Queryable, a: string, b: string): Promise<void> {
    for (const [owner, other] of [
      [a, b],
      [b, a],
    ] as const) {
      await tx.query(
        `DELETE FROM feed_entries e USING (${itemsOfOtherSql(true)}) i
          WHERE e.owner_id = $1 AND e.seq = i.seq`,
        [owner, other],
      );
    }
  }

  /** After a block: each loses every item of the other, whoever else it involves. */
  async removeBlockedItems(tx: Queryable, a: string, b: string): Promise<void> {
    for (const [owner, other] of [
      [a, b],
      [b, a],
    ] as const) {
      await tx.query(
        `DELETE FROM feed_entries e USING (${itemsOfOtherSql(false)}) i
          WHERE e.owner_id = $1 AND e.seq = i.seq`,
        [owner, other],
      );
    }
  }

  /** The viewer's feed, newest first: friends' shared posts and payments, and their own. */
  async feed(
    viewerId: string,
    page: { limit: number; beforeSeq?: number },
  ): Promise<Page<FeedItem>> {
    const { rows } = await this.db.query<FeedRow>(
      page.beforeSeq === undefined
        ? { ...FIRST_PAGE, values: [viewerId, page.limit + 1] }
        : { ...NEXT_PAGE, values: [viewerId, page.limit + 1, page.beforeSeq] },
    );
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
