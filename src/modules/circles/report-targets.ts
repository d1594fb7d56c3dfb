import type { Queryable } from '../../db/pool.ts';

/**
 * Circles, circle posts and circle comments as report targets (registered with the safety
 * desk by the composition root). Shaped like safety's ReportTargetHandler.
 */
interface Handler {
  find(
    q: Queryable,
    id: string,
    viewerId: string | null,
  ): Promise<{ authorId: string | null; content: Record<string, unknown> } | undefined>;
  takeDown(q: Queryable, id: string): Promise<void>;
  publish?(q: Queryable, id: string): Promise<void>;
}

// A reporter saw it: a member of its circle, or its author. Operators (null) see all.
const memberOf = (circle: string, viewer: string) =>
  `EXISTS (SELECT 1 FROM circle_members m WHERE m.circle_id = ${circle} AND m.user_id = ${viewer})`;

export const circleTarget: Handler = {
  async find(q, id, viewerId) {
    const { rows } = await q.query<{
      name: string;
      description: string;
      tags: string[];
      rules: unknown;
      owner_id: string;
      nickname: string;
      member_count: number;
      status: string;
      created_at: Date;
    }>(
      `SELECT c.name, c.description, c.tags, c.rules, c.owner_id, u.nickname, c.member_count, c.status,
              c.created_at
         FROM circles c JOIN users u ON u.id = c.owner_id
        WHERE c.id = $1 AND ($2::uuid IS NULL OR c.status = 'active')`,
      [id, viewerId],
    );
    const c = rows[0];
    if (!c) return undefined;
    return {
      authorId: c.owner_id,
      content: {
        kind: 'circle',
        text: `${c.name}\n${c.description}`,
        name: c.name,
        description: c.description,
        tags: c.tags,
        rules: c.rules,
        memberCount: c.member_count,
        status: c.status,
        author: { userId: c.owner_id, nickname: c.nickname },
        createdAt: c.created_at.toISOString(),
      },
    };
  },
  async takeDown(q, id) {
    await q.query(
      `UPDATE circles SET status = 'dissolved', dissolved_at = now(),
              dissolved_reason = COALESCE(dissolved_reason, 'taken down after review')
        WHERE id = $1 AND status = 'active'`,
      [id],
    );
  },
};

export const circlePostTarget: Handler = {
  async find(q, id, viewerId) {
    const { rows } = await q.query<{
      circle_id: string;
      circle_name: string;
      author_id: string;
      nickname: string;
      text: string;
      status: string;
      media: number;
      created_at: Date;
    }>(
      `SELECT p.circle_id, c.name AS circle_name, p.author_id, u.nickname, p.text, p.status,
              (SELECT count(*)::int FROM media m WHERE m.circle_post_id = p.id) AS media, p.created_at
         FROM circle_posts p JOIN circles c ON c.id = p.circle_id JOIN users u ON u.id = p.author_id
        WHERE p.id = $1 AND ($2::uuid IS NULL OR (c.status = 'active' AND (p.author_id = $2
              OR (p.status = 'visible' AND ${memberOf('p.circle_id', '$2')}))))`,
      [id, viewerId],
    );
    const p = rows[0];
    if (!p) return undefined;
    return {
      authorId: p.author_id,
      content: {
        kind: 'post',
        where: 'circle',
        text: p.text,
        status: p.status,
        mediaCount: p.media,
        circle: { id: p.circle_id, name: p.circle_name },
        author: { userId: p.author_id, nickname: p.nickname },
        createdAt: p.created_at.toISOString(),
      },
    };
  },
  async takeDown(q, id) {
    await q.query(`UPDATE circle_posts SET status = 'removed' WHERE id = $1`, [id]);
  },
  async publish(q, id) {
    await q.query(`UPDATE circle_posts SET status = 'visible' WHERE id = $1 AND status = 'held'`, [
      id,
    ]);
  },
};

export const circleCommentTarget: Handler = {
  async find(q, id, viewerId) {
    const { rows } = await q.query<{
      post_id: string;
      post_text: string;
      circle_id: string;
      circle_name: string;
      author_id: string;
      nickname: string;
      text: string;
      status: string;
      created_at: Date;
    }>(
      `SELECT k.post_id, p.text AS post_text, p.circle_id, c.name AS circle_name, k.author_id,
              u.nickname, k.text, k.status, k.created_at
         FROM circle_comments k JOIN circle_posts p ON p.id = k.post_id
         JOIN circles c ON c.id = p.circle_id JOIN users u ON u.id = k.author_id
        WHERE k.id = $1 AND ($2::uuid IS NULL OR (c.status = 'active' AND p.status <> 'removed'
              AND (k.author_id = $2 OR (k.status = 'visible' AND ${memberOf('p.circle_id', '$2')}))))`,
      [id, viewerId],
    );
    const k = rows[0];
    if (!k) return undefined;
    return {
      authorId: k.author_id,
      content: {
        kind: 'comment',
        where: 'circle',
        text: k.text,
        status: k.status,
        inReplyTo: { postId: k.post_id, text: k.post_text },
        circle: { id: k.circle_id, name: k.circle_name },
        author: { userId: k.author_id, nickname: k.nickname },
        createdAt: k.created_at.toISOString(),
      },
    };
  },
  async takeDown(q, id) {
    const { rows } = await q.query<{ post_id: string; was: string }>(
      `UPDATE circle_comments k SET status = 'removed' FROM circle_comments old
        WHERE k.id = $1 AND old.id = k.id RETURNING k.post_id, old.status AS was`,
      [id],
    );
    if (rows[0]?.was === 'visible') {
      await q.query('UPDATE circle_posts SET comment_count = comment_count - 1 WHERE id = $1', [
        rows[0].post_id,
      ]);
    }
  },
  async publish(q, id) {
    const { rows } = await q.query<{ post_id: string }>(
      `UPDATE circle_comments SET status = 'visible' WHERE id = $1 AND status = 'held' RETURNING post_id`,
      [id],
    );
    if (rows[0]) {
      await q.query('UPDATE circle_posts SET comment_count = comment_count + 1 WHERE id = $1', [
        rows[0].post_id,
      ]);
    }
  },
};
