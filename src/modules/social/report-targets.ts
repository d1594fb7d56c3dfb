import type { Queryable } from '../../db/pool.ts';
import { commentVisibleSql, postVisibleSql } from './visibility.ts';

/**
 * 生活圈 posts and comments as report targets (registered with the safety desk by the
 * composition root). Shaped like safety's ReportTargetHandler without importing it.
 */
interface Handler {
  find(
    q: Queryable,
    id: string,
    viewerId: string | null,
  ): Promise<{ authorId: string | null; content: Record<string, unknown> } | undefined>;
  takeDown(q: Queryable, id: string): Promise<void>;
  publish(q: Queryable, id: string): Promise<void>;
}

export const socialPostTarget: Handler = {
  async find(q, id, viewerId) {
    const { rows } = await q.query<{
      author_id: string;
      nickname: string;
      text: string;
      moderation_status: string;
      created_at: Date;
    }>(
      `SELECT p.author_id, u.nickname, p.text, p.moderation_status, p.created_at
         FROM posts p JOIN users u ON u.id = p.author_id
        WHERE p.id = $1 AND ($2::uuid IS NULL OR (p.moderation_status <> 'removed'
              AND ${postVisibleSql('p', '$2')}))`,
      [id, viewerId],
    );
    const p = rows[0];
    if (!p) return undefined;
    return {
      authorId: p.author_id,
      content: {
        kind: 'post',
        where: 'moments',
        text: p.text,
        status: p.moderation_status,
        author: { userId: p.author_id, nickname: p.nickname },
        createdAt: p.created_at.toISOString(),
      },
    };
  },
  async takeDown(q, id) {
    await q.query(`UPDATE posts SET moderation_status = 'removed' WHERE id = $1`, [id]);
  },
  async publish(q, id) {
    await q.query(
      `UPDATE posts SET moderation_status = 'visible' WHERE id = $1 AND moderation_status = 'held'`,
      [id],
    );
  },
};

export const socialCommentTarget: Handler = {
  async find(q, id, viewerId) {
    const { rows } = await q.query<{
      author_id: string;
      nickname: string;
      text: string;
      post_id: string;
      post_text: string;
      moderation_status: string;
      created_at: Date;
    }>(
      `SELECT c.author_id, u.nickname, c.text, c.post_id, p.text AS post_text, c.moderation_status,
              c.created_at
         FROM post_comments c JOIN posts p ON p.id = c.post_id JOIN users u ON u.id = c.author_id
        WHERE c.id = $1 AND ($2::uuid IS NULL OR (c.moderation_status <> 'removed'
              AND ${postVisibleSql('p', '$2')} AND ${commentVisibleSql('c', '$2')}))`,
      [id, viewerId],
    );
    const c = rows[0];
    if (!c) return undefined;
    return {
      authorId: c.author_id,
      content: {
        kind: 'comment',
        where: 'moments',
        text: c.text,
        status: c.moderation_status,
        author: { userId: c.author_id, nickname: c.nickname },
        inReplyTo: { postId: c.post_id, text: c.post_text },
        createdAt: c.created_at.toISOString(),
      },
    };
  },
  async takeDown(q, id) {
    const { rows } = await q.query<{ post_id: string; was: string }>(
      `UPDATE post_comments c SET moderation_status = 'removed'
         FROM post_comments old WHERE c.id = $1 AND old.id = c.id
       RETURNING c.post_id, old.moderation_status AS was`,
      [id],
    );
    if (rows[0]?.was === 'visible') {
      await q.query('UPDATE posts SET comment_count = comment_count - 1 WHERE id = $1', [
        rows[0].post_id,
      ]);
    }
  },
  async publish(q, id) {
    const { rows } = await q.query<{ post_id: string }>(
      `UPDATE post_comments SET moderation_status = 'visible'
        WHERE id = $1 AND moderation_status = 'held' RETURNING post_id`,
      [id],
    );
    if (rows[0]) {
      await q.query('UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1', [
        rows[0].post_id,
      ]);
    }
  },
};
