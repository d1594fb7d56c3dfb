import QRCode from 'qrcode';
import { type Db, inTransaction, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type Page,
  pageOf,
  requireUuid,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { IdentityService } from '../identity/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { FeedService } from './feed.ts';
import type { SocialGraph } from './graph.ts';
import { type Moderate, moderateOrRefuse } from './moderation-hook.ts';
import { nicknameOf, type UserRef } from './post-view.ts';
import type { PrivacyService } from './privacy.ts';
import { createFriendQrToken, readFriendQrToken } from './qr-token.ts';

export interface FriendOptions {
  /** Key for QR tokens (config.secret). */
  secret: string;
  qrTokenHours: number;
  /** Friends one user may have: bounds what one post costs to fan out. */
  maxFriends: number;
}

export const DEFAULT_FRIEND_OPTIONS: Omit<FriendOptions, 'secret'> = {
  qrTokenHours: 24,
  maxFriends: 5000,
};

/** Exactly one way of naming the person to befriend. */
export interface FriendTarget {
  userId?: string;
  phone?: string;
  qrToken?: string;
}

export type RequestStatus = 'pending' | 'accepted' | 'declined';

/** `created` tells the route 201 (a new request) from 200 (an existing one, or now friends). */
export interface RequestOutcome {
  id: string;
  status: RequestStatus;
  created: boolean;
}

export interface IncomingRequest {
  id: string;
  from: UserRef;
  message: string | null;
  createdAt: string;
}

export interface SentRequest {
  id: string;
  to: UserRef;
  message: string | null;
  createdAt: string;
}

export interface Friend {
  userId: string;
  nickname: string;
  since: string;
}

interface RequestRow {
  id: string;
  from_user_id: string;
  to_user_id: string;
  status: RequestStatus | 'cancelled';
}

interface ListRow {
  user_id: string;
  nickname: string;
  at: Date;
  micros: string;
  id: string;
  message: string | null;
}

const unknownPhone = () => notFound('user with this phone number');

/**
 * Friend requests (by id, phone or QR code), friendships and blocks. Everything that changes
 * the relation of two users runs under that pair's lock (SocialGraph.lockPair), and everything
 * that changes a friend list also holds the lists against concurrent fan-out.
 */
export type Relation = 'self' | 'friend' | 'request_sent' | 'request_received' | 'none';

export interface UserProfile {
  id: string;
  nickname: string;
  relation: Relation;
}

export class FriendService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly graph: SocialGraph,
    private readonly identity: IdentityService,
    private readonly privacy: PrivacyService,
    private readonly feed: FeedService,
    private readonly notifications: NotificationService,
    private readonly moderate: Moderate,
    private readonly options: FriendOptions,
  ) {}

  /** The caller's personal QR code: a signed token that expires, and its SVG rendering. */
  async qrCode(userId: string): Promise<{ token: string; expiresAt: string; qrSvg: string }> {
    const expiresAt = new Date(this.clock.now().getTime() + this.options.qrTokenHours * 3_600_000);
    const token = createFriendQrToken(this.options.secret, userId, expiresAt);
    const qrSvg = await QRCode.toString(token, {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    return { token, expiresAt: expiresAt.toISOString(), qrSvg };
  }

  /**
   * Whom a request is for. A phone number finds only users who allow it and who have not
   * blocked (or been blocked by) the caller; every miss looks like an unknown number, so the
   * endpoint cannot be used to test whether a number is registered.
   */
  private async resolveTarget(callerId: string, target: FriendTarget): Promise<string> {
    const given = [target.userId, target.phone, target.qrToken].filter((v) => v !== undefined);
    if (given.length !== 1) throw invalid('give exactly one of userId, phone or qrToken');
    if (target.qrToken !== undefined) {
      const check = readFriendQrToken(this.options.secret, target.qrToken, this.clock.now());
      if (!check.ok && check.reason === 'expired') {
        throw new AppError('expired', 'this QR code has expired; ask for a fresh one');
      }
      if (!check.ok) throw invalid('this is not a Hebao friend QR code', { field: 'qrToken' });
      if (!(await this.identity.user(check.userId))) throw notFound('user');
      return check.userId;
    }
    if (target.phone !== undefined) {
      // One query for an unregistered number and a hidden user alike (privacy.findByPhone).
      const id = await this.privacy.findByPhone(callerId, target.phone);
      if (!id) throw unknownPhone();
      if (id !== callerId && (await this.graph.blockedEitherWay(callerId, id))) {
        throw unknownPhone();
      }
      return id;
    }
    const user = await this.identity.user(requireUuid(target.userId!, 'user'));
    if (!user) throw notFound('user');
    return user.id;
  }

  async sendRequest(
    fromId: string,
    target: FriendTarget,
    rawMessage?: string,
  ): Promise<RequestOutcome> {
    const toId = await this.resolveTarget(fromId, target);
    if (toId === fromId) throw invalid('you cannot befriend yourself');
    let message = rawMessage?.trim() || null;
    if (message) {
      // A request is not worth holding for review: a doubtful greeting is simply not passed on.
      const verdict = await moderateOrRefuse(this.moderate, message, 'greeting', fromId);
      if (verdict.action === 'review') message = null;
    }
    return inTransaction(this.db, async (tx) => {
      await this.graph.lockPair(tx, fromId, toId);
      if (await this.graph.blockedEitherWay(fromId, toId, tx)) {
        throw new AppError('blocked', 'you cannot send a friend request to this user');
      }
      if (await this.graph.areFriends(fromId, toId, tx)) throw conflict('you are friends already');
      const open = await tx.query<RequestRow>(
        `SELECT id, from_user_id, to_user_id, status FROM friend_requests
          WHERE status = 'pending' AND ((from_user_id = $1 AND to_user_id = $2) OR (from_user_id = $2 AND to_user_id = $1))`,
        [fromId, toId],
      );
      const mine = open.rows.find((r) => r.from_user_id === fromId);
      if (mine) return { id: mine.id, status: 'pending', created: false };
      const theirs = open.rows.find((r) => r.from_user_id === toId);
      if (theirs) {
        // They asked first: asking back is saying yes.
        await this.befriend(tx, theirs);
        return { id: theirs.id, status: 'accepted', created: false };
      }
      const id = newId();
      await tx.query(
        `INSERT INTO friend_requests (id, from_user_id, to_user_id, message, status, created_at)
         VALUES ($1, $2, $3, $4, 'pending', $5)`,
        [id, fromId, toId, message, this.clock.now()],
      );
      await this.notifications.notify(tx, toId, 'friend.request', {
        requestId: id,
        fromUserId: fromId,
        fromNickname: await nicknameOf(tx, fromId),
        message,
      });
      return { id, status: 'pending', created: true };
    });
  }

  /** Makes the pair friends, closes the request, fills each one's feed, tells the requester. */
  private async befriend(tx: Tx, request: RequestRow): Promise<void> {
    const { from_user_id: from, to_user_id: to } = request;
    await this.graph.lockFriendLists(tx, [from, to], 'change');
    for (const userId of [from, to]) {
      if ((await this.graph.friendCount(userId, tx)) >= this.options.maxFriends) {
        throw new AppError(
          'limit_exceeded',
          `${userId === to ? 'you have' : 'they have'} reached the limit of ${this.options.maxFriends} friends`,
        );
      }
    }
    const now = this.clock.now();
    await this.graph.addFriendship(tx, from, to, now);
    await tx.query(
      `UPDATE friend_requests SET status = 'accepted', resolved_at = $2 WHERE id = $1`,
      [request.id, now],
    );
    await this.feed.backfillNewFriends(tx, from, to);
    await this.notifications.notify(tx, from, 'friend.accepted', {
      requestId: request.id,
      userId: to,
      nickname: await nicknameOf(tx, to),
    });
  }

  /**
   * Accepts or declines a request addressed to the caller. Anyone else's request is not_found.
   * Repeating the same answer is fine; changing a given answer is a conflict.
   */
  async answerRequest(
    userId: string,
    requestId: string,
    answer: 'accept' | 'decline',
  ): Promise<{ id: string; status: RequestStatus }> {
    requireUuid(requestId, 'friend request');
    const lookup = () =>
      this.db.query<RequestRow>(
        'SELECT id, from_user_id, to_user_id, status FROM friend_requests WHERE id = $1 AND to_user_id = $2',
        [requestId, userId],
      );
    const found = (await lookup()).rows[0];
    if (!found) throw notFound('friend request');
    return inTransaction(this.db, async (tx) => {
      // The pair lock comes before the row lock, in the same order as sendRequest takes them.
      await this.graph.lockPair(tx, found.from_user_id, userId);
      const { rows } = await tx.query<RequestRow>(
        'SELECT id, from_user_id, to_user_id, status FROM friend_requests WHERE id = $1 FOR UPDATE',
        [requestId],
      );
      const request = rows[0]!;
      const wanted = answer === 'accept' ? 'accepted' : 'declined';
      if (request.status === wanted) return { id: request.id, status: wanted };
      if (request.status !== 'pending') {
        throw conflict(`this request is already ${request.status}`);
      }
      if (answer === 'accept') {
        await this.befriend(tx, request);
      } else {
        // Declines are silent: the requester is not told.
        await tx.query(
          `UPDATE friend_requests SET status = 'declined', resolved_at = $2 WHERE id = $1`,
          [request.id, this.clock.now()],
        );
      }
      return { id: request.id, status: wanted };
    });
  }

  async incomingRequests(
    userId: string,
    page: { limit: number; after?: TimeCursor },
  ): Promise<Page<IncomingRequest>> {
    const rows = await this.requestRows('incoming', userId, page);
    return pageOf(
      rows,
      page.limit,
      (r) => ({
        id: r.id,
        from: { userId: r.user_id, nickname: r.nickname },
        message: r.message,
        createdAt: r.at.toISOString(),
      }),
      (r) => encodeTimeCursor(r.micros, r.id),
    );
  }

  async sentRequests(
    userId: string,
    page: { limit: number; after?: TimeCursor },
  ): Promise<Page<SentRequest>> {
    const rows = await this.requestRows('sent', userId, page);
    return pageOf(
      rows,
      page.limit,
      (r) => ({
        id: r.id,
        to: { userId: r.user_id, nickname: r.nickname },
        message: r.message,
        createdAt: r.at.toISOString(),
      }),
      (r) => encodeTimeCursor(r.micros, r.id),
    );
  }

  private async requestRows(
    direction: 'incoming' | 'sent',
    userId: string,
    page: { limit: number; after?: TimeCursor },
  ): Promise<ListRow[]> {
    const [mine, theirs] =
      direction === 'incoming' ? ['to_user_id', 'from_user_id'] : ['from_user_id', 'to_user_id'];
    const { rows } = await this.db.query<ListRow>(
      `SELECT r.id, r.${theirs} AS user_id, u.nickname, r.message, r.created_at AS at,
              ${microsSql('r.created_at')} AS micros
         FROM friend_requests r JOIN users u ON u.id = r.${theirs}
        WHERE r.${mine} = $1 AND r.status = 'pending'
          AND ($2::bigint IS NULL OR (r.created_at, r.id) < (${fromMicrosSql('$2')}, $3::uuid))
        ORDER BY r.created_at DESC, r.id DESC LIMIT $4`,
      [userId, page.after?.micros ?? null, page.after?.id ?? null, page.limit + 1],
    );
    return rows;
  }

  async friends(
    userId: string,
    page: { limit: number; after?: TimeCursor },
  ): Promise<Page<Friend>> {
    const { rows } = await this.db.query<ListRow>(
      `SELECT f.friend_id AS id, f.friend_id AS user_id, u.nickname, f.created_at AS at,
              ${microsSql('f.created_at')} AS micros
         FROM friendships f JOIN users u ON u.id = f.friend_id
        WHERE f.user_id = $1
          AND ($2::bigint IS NULL OR (f.created_at, f.friend_id) < (${fromMicrosSql('$2')}, $3::uuid))
        ORDER BY f.created_at DESC, f.friend_id DESC LIMIT $4`,
      [userId, page.after?.micros ?? null, page.after?.id ?? null, page.limit + 1],
    );
    return pageOf(
      rows,
      page.limit,
      (r) => ({ userId: r.user_id, nickname: r.nickname, since: r.at.toISOString() }),
      (r) => encodeTimeCursor(r.micros, r.id),
    );
  }

  /**
   * Another user as the caller may see them: nickname and where the two stand. Unknown users
   * and users blocked either way are both "not found", so a block cannot be detected.
   */
  async profile(viewerId: string, userId: string): Promise<UserProfile> {
    requireUuid(userId, 'user');
    const { rows } = await this.db.query<{ nickname: string; relation: Relation }>(
      `SELECT u.nickname,
              CASE WHEN u.id = $1 THEN 'self'
                   WHEN EXISTS (SELECT 1 FROM friendships WHERE user_id = $1 AND friend_id = u.id)
                     THEN 'friend'
                   WHEN EXISTS (SELECT 1 FROM friend_requests WHERE status = 'pending'
                                   AND from_user_id = $1 AND to_user_id = u.id)
                     THEN 'request_sent'
                   WHEN EXISTS (SELECT 1 FROM friend_requests WHERE status = 'pending'
                                   AND from_user_id = u.id AND to_user_id = $1)
                     THEN 'request_received'
                   ELSE 'none' END AS relation
         FROM users u
        WHERE u.id = $2
          AND NOT EXISTS (SELECT 1 FROM blocks
                           WHERE (blocker_id = $1 AND blocked_id = u.id)
                              OR (blocker_id = u.id AND blocked_id = $1))`,
      [viewerId, userId],
    );
    const row = rows[0];
    if (!row) throw notFound('user');
    return { id: userId, nickname: row.nickname, relation: row.relation };
  }

  /** Ends a friendship (silently); each loses the other's items from their feed. */
  async unfriend(userId: string, friendId: string): Promise<void> {
    requireUuid(friendId, 'friend');
    await inTransaction(this.db, async (tx) => {
      await this.graph.lockPair(tx, userId, friendId);
      await this.graph.lockFriendLists(tx, [userId, friendId], 'change');
      if (!(await this.graph.removeFriendship(tx, userId, friendId))) throw notFound('friend');
      await this.feed.removeExFriendItems(tx, userId, friendId);
    });
  }

  /**
   * Blocks a user: ends the friendship and any open request between them, removes each one's
   * items from the other's feed; from then on neither can find, befriend or pay the other.
   */
  async block(userId: string, targetId: string): Promise<Friend> {
    requireUuid(targetId, 'user');
    if (targetId === userId) throw invalid('you cannot block yourself', { field: 'userId' });
    const target = await this.identity.user(targetId);
    if (!target) throw notFound('user');
    const at = await inTransaction(this.db, async (tx) => {
      await this.graph.lockPair(tx, userId, targetId);
      await this.graph.lockFriendLists(tx, [userId, targetId], 'change');
      await this.graph.addBlock(tx, userId, targetId, this.clock.now());
      await this.graph.removeFriendship(tx, userId, targetId);
      await tx.query(
        `UPDATE friend_requests SET status = 'cancelled', resolved_at = $3
          WHERE status = 'pending' AND ((from_user_id = $1 AND to_user_id = $2) OR (from_user_id = $2 AND to_user_id = $1))`,
        [userId, targetId, this.clock.now()],
      );
      await this.feed.removeBlockedItems(tx, userId, targetId);
      const { rows } = await tx.query<{ created_at: Date }>(
        'SELECT created_at FROM blocks WHERE blocker_id = $1 AND blocked_id = $2',
        [userId, targetId],
      );
      return rows[0]!.created_at;
    });
    this.graph.blocksChanged(userId, targetId);
    return { userId: target.id, nickname: target.nickname, since: at.toISOString() };
  }

  /** Lifts a block (a friendship that the block ended does not come back). Idempotent. */
  async unblock(userId: string, targetId: string): Promise<void> {
    requireUuid(targetId, 'user');
    await this.graph.removeBlock(userId, targetId);
  }

  async blocks(userId: string, page: { limit: number; after?: TimeCursor }): Promise<Page<Friend>> {
    const { rows } = await this.db.query<ListRow>(
      `SELECT b.blocked_id AS id, b.blocked_id AS user_id, u.nickname, b.created_at AS at,
              ${microsSql('b.created_at')} AS micros
         FROM blocks b JOIN users u ON u.id = b.blocked_id
        WHERE b.blocker_id = $1
          AND ($2::bigint IS NULL OR (b.created_at, b.blocked_id) < (${fromMicrosSql('$2')}, $3::uuid))
        ORDER BY b.created_at DESC, b.blocked_id DESC LIMIT $4`,
      [userId, page.after?.micros ?? null, page.after?.id ?? null, page.limit + 1],
    );
    return pageOf(
      rows,
      page.limit,
      (r) => ({ userId: r.user_id, nickname: r.nickname, since: r.at.toISOString() }),
      (r) => encodeTimeCursor(r.micros, r.id),
    );
  }
}
