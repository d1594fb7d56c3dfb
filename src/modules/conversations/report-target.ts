/**
 * Text messages as report targets (type `message`) for the safety desk's registry: what the
 * queue shows, taking one down, publishing one the filter held. Money cards are reported as
 * what they are (a red envelope is `red_packet`), so only text is a `message` here.
 */
import type { Queryable } from '../../db/pool.ts';
import { isUuid } from '../../platform/ids.ts';
import type { ReportTargetHandler } from '../safety/index.ts';
import { changeStatus } from './store.ts';

export const MESSAGE_TARGET = 'message';

export const messageTarget: ReportTargetHandler = {
  async find(q, id, viewerId) {
    if (!isUuid(id)) return undefined;
    // A member sees what the thread shows them; an operator (null) sees everything.
    const { rows } = await q.query<{
      sender_id: string;
      nickname: string;
      text: string;
      conversation_id: string;
      status: string;
      created_at: Date;
    }>(
      `SELECT m.sender_id, u.nickname, m.text, m.conversation_id, m.status, m.created_at
         FROM conversation_messages m
         JOIN users u ON u.id = m.sender_id
         JOIN conversations c ON c.id = m.conversation_id
        WHERE m.id = $1 AND m.kind = 'text'
          AND ($2::uuid IS NULL OR (
                (m.status = 'visible' OR (m.status = 'held' AND m.sender_id = $2))
                AND ((c.kind = 'direct' AND $2 IN (c.user_a, c.user_b))
                     OR EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = c.group_id
                                   AND gm.user_id = $2 AND gm.left_at IS NULL))))`,
      [id, viewerId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      authorId: r.sender_id,
      content: {
        kind: 'message',
        text: r.text,
        author: { userId: r.sender_id, nickname: r.nickname },
        conversationId: r.conversation_id,
        status: r.status,
        createdAt: r.created_at.toISOString(),
      },
    };
  },
  async takeDown(q: Queryable, id: string) {
    await changeStatus(q, id, ['visible', 'held'], 'taken_down');
  },
  async publish(q: Queryable, id: string) {
    await changeStatus(q, id, ['held'], 'visible');
  },
};
