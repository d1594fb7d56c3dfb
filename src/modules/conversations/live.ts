/**
 * Live delivery of messages: each message commits with one NOTIFY (its conversation and seq),
 * heard by every process on the notifications' LISTEN connection. A process reads the message
 * and its members once and pushes it to those of them with a stream open here — one NOTIFY and
 * one query per message per process, whether the group has 2 members or 500.
 */
import type { Db } from '../../db/pool.ts';
import type { NotificationService } from '../notifications/index.ts';
import { MESSAGE_CHANNEL, messagesWithMembers } from './store.ts';

/** The stream events a client gets: a new message, one gone, or "refetch, you may have missed some". */
export const MESSAGE_EVENT = 'message';
export const MESSAGE_REMOVED_EVENT = 'message_removed';
export const RESYNC_EVENT = 'conversations_resync';

export class ConversationLive {
  private pending: number[] = [];
  private draining: Promise<void> | undefined;

  private onError: (err: unknown) => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly notifications: NotificationService,
  ) {
    notifications.onChannel(MESSAGE_CHANNEL, (payload) => this.heard(payload));
  }

  /** Where a failed read of a signalled message is reported (the process log). */
  reportErrorsTo(onError: (err: unknown) => void): void {
    this.onError = onError;
  }

  private heard(payload: string | null): void {
    if (payload === null) {
      for (const userId of this.notifications.streamingUsers()) {
        this.notifications.push(userId, RESYNC_EVENT, {});
      }
      return;
    }
    try {
      const { s } = JSON.parse(payload) as { c: string; s: number };
      this.pending.push(s);
    } catch (err) {
      this.onError(err);
      return;
    }
    // Signals that arrive while one read is in flight go together in the next read.
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const local = this.notifications.streamingUsers();
      if (local.size === 0) continue;
      try {
        const found = await messagesWithMembers(this.db, batch);
        for (const { message, status, members } of found) {
          // What the message is now decides: taken down since the signal means gone.
          const gone = status !== 'visible';
          for (const userId of members) {
            if (!local.has(userId)) continue;
            if (gone) {
              this.notifications.push(userId, MESSAGE_REMOVED_EVENT, {
                conversationId: message.conversationId,
                id: message.id,
              });
            } else {
              this.notifications.push(userId, MESSAGE_EVENT, message);
            }
          }
        }
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
