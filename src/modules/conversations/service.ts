/**
 * Conversations: a direct one for two friends, one for every group. Members only: to anyone
 * else a conversation does not exist (404). Text is moderated like posts; money moments are
 * written by the features that move the money (moments.ts), never here.
 */
import { type Db, inTransaction, type Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import type { BatchRow } from '../ledger/index.ts';
import { MESSAGE_TARGET } from './report-target.ts';
import {
  type Conversation,
  type ConversationListItem,
  changeStatus,
  conversationFor,
  directConversationId,
  heldMessages,
  insertDirect,
  insertText,
  listConversations,
  listMessages,
  type MessageView,
  markRead,
  messageForReview,
  type ReviewableMessage,
} from './store.ts';

/** What moderation says of a message's text; a refusal is thrown as 422 content_rejected. */
export type MessageScreen = (
  text: string,
  userId: string,
) => Promise<{ held: boolean; log?: BatchRow }>;

export interface ConversationDeps {
  db: Db;
  clock: Clock;
  areFriends(a: string, b: string): Promise<boolean>;
  blockedEitherWay(a: string, b: string): Promise<boolean>;
  userExists(id: string): Promise<boolean>;
  screen: MessageScreen;
  /** Writes rows of other writers (the moderation log) in the message's transaction. */
  writeRows(tx: import('../../db/pool.ts').Tx, rows: readonly BatchRow[]): Promise<void>;
  /** Puts a held message in the review queue, in the message's transaction (safety module). */
  holdForReview?(
    q: Queryable,
    target: { type: string; id: string },
    authorId: string,
  ): Promise<void>;
}

export class ConversationService {
  constructor(private readonly d: ConversationDeps) {}

  /** The direct conversation with a friend: the existing one, or a new one (`created`). */
  async openDirect(
    userId: string,
    peerId: string,
  ): Promise<{ created: boolean; conversation: ConversationListItem }> {
    if (peerId === userId) {
      throw invalid('a conversation needs someone else', { field: 'userId' });
    }
    if (!isUuid(peerId) || !(await this.d.userExists(peerId))) throw notFound('user');
    if (await this.d.blockedEitherWay(userId, peerId)) {
      throw new AppError('blocked', 'you cannot talk with this user');
    }
    if (!(await this.d.areFriends(userId, peerId))) {
      throw forbidden('only friends have a conversation');
    }
    const created = await insertDirect(this.d.db, userId, peerId, this.d.clock.now());
    const conversation = await this.item(userId, directConversationId(userId, peerId));
    return { created, conversation };
  }

  async list(
    userId: string,
    limit: number,
    beforeActivity?: number,
  ): Promise<{ items: ConversationListItem[]; nextActivity: number | null }> {
    return listConversations(this.d.db, userId, limit, beforeActivity);
  }

  async messages(
    userId: string,
    conversationId: string,
    limit: number,
    beforeSeq?: number,
  ): Promise<{ items: MessageView[]; nextSeq: number | null }> {
    const c = await this.member(userId, conversationId);
    return listMessages(this.d.db, c.id, userId, limit, beforeSeq);
  }

  /**
   * A text message. In a direct conversation the two must still be friends and neither may
   * have blocked the other; in a group, only a current member speaks.
   */
  async send(userId: string, conversationId: string, text: string): Promise<MessageView> {
    const c = await this.member(userId, conversationId);
    if (c.pair) {
      const peer = c.pair[0] === userId ? c.pair[1] : c.pair[0];
      if (await this.d.blockedEitherWay(userId, peer)) {
        throw new AppError('blocked', 'you cannot send messages to this user');
      }
      if (!(await this.d.areFriends(userId, peer))) {
        throw forbidden('you are no longer friends with this user');
      }
    }
    const body = text.trim();
    if (!body) throw invalid('a message needs some text', { field: 'text' });
    const { held, log } = await this.d.screen(body, userId);
    return inTransaction(this.d.db, async (tx) => {
      const message = await insertText(tx, {
        conversationId: c.id,
        senderId: userId,
        text: body,
        held,
        at: this.d.clock.now(),
      });
      await this.d.writeRows(tx, log ? [log] : []);
      if (held) await this.d.holdForReview?.(tx, { type: MESSAGE_TARGET, id: message.id }, userId);
      return message;
    });
  }

  async markRead(userId: string, conversationId: string): Promise<void> {
    const c = await this.member(userId, conversationId);
    await markRead(this.d.db, c.id, userId);
  }

  // What the trust-and-safety review queue needs (wired by the lead once the queue exists).

  /** A message's content and author by id, whatever its status; undefined if there is none. */
  async messageForReview(id: string): Promise<ReviewableMessage | undefined> {
    return isUuid(id) ? messageForReview(this.d.db, id) : undefined;
  }

  /** Takes a message down: gone from the thread for everyone, open sessions told at once. */
  async takeDown(id: string): Promise<boolean> {
    return isUuid(id) && changeStatus(this.d.db, id, ['visible', 'held'], 'taken_down');
  }

  /** A held message a reviewer let through: into the thread, delivered live like a new one. */
  async publishHeld(id: string): Promise<boolean> {
    return isUuid(id) && changeStatus(this.d.db, id, ['held'], 'visible');
  }

  /** Messages the filter held, oldest first. */
  async held(limit = 100): Promise<ReviewableMessage[]> {
    return heldMessages(this.d.db, limit);
  }

  private async member(userId: string, conversationId: string): Promise<Conversation> {
    const c = isUuid(conversationId)
      ? await conversationFor(this.d.db, userId, conversationId)
      : undefined;
    if (!c) throw notFound('conversation');
    return c;
  }

  private async item(userId: string, conversationId: string): Promise<ConversationListItem> {
    // The list query, narrowed to one: the same shape as an item of GET /conversations.
    const { items } = await listConversations(this.d.db, userId, 1, undefined, conversationId);
    const found = items[0];
    if (!found) throw new Error(`conversation ${conversationId} not listed for its member`);
    return found;
  }
}
