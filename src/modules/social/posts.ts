import { type Db, inTransaction, type Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { type Page, pageOf, requireUuid } from '../../platform/cursor.ts';
import { AppError, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { encodeCursor } from '../../platform/schemas.ts';
import { coarsePlace } from '../discovery/rank.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { FeedService } from './feed.ts';
import type { SocialGraph } from './graph.ts';
import type { MediaService } from './media.ts';
import { type Moderate, moderateOrRefuse } from './moderation-hook.ts';
import {
  nicknameOf,
  type PostRow,
  type PostView,
  postColumnsSql,
  toPostView,
  type UserRef,
} from './post-view.ts';
import type { Visibility } from './privacy.ts';
import { commentVisibleSql, postInteractionSql, postVisibleSql } from './visibility.ts';

export interface CommentView {
  id: string;
  postId: string;
  author: UserRef;
  text: string;
  moderationStatus: 'visible' | 'held';
  createdAt: string;
}

interface CommentRow {
  id: string;
  seq: string;
  post_id: string;
  author_id: string;
  author_nickname: string;
  text: string;
  moderation_status: 'visible' | 'held';
  created_at: Date;
}

const toCommentView = (r: CommentRow): CommentView => ({
  id: r.id,
  postId: r.post_id,
  author: { userId: r.author_id, nickname: r.author_nickname },
  text: r.text,
  moderationStatus: r.moderation_status,
  createdAt: r.created_at.toISOString(),
});

/** A short excerpt for notifications: enough to recognise the comment, not a second copy. */
const excerpt = (text: string) => (text.length > 60 ? `${text.slice(0, 59)}…` : text);

/**
 * 生活圈 posts, likes and comments. Who may see a post is decided in visibility.ts; here a post
 * the caller may not see is not_found (whether it exists or not), and a post they may see but
 * not act on (a stranger reading a public post) is forbidden.
 */
export class PostService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly graph: SocialGraph,
    private readonly feed: FeedService,
    private readonly media: MediaService,
    private readonly notifications: NotificationService,
    private readonly moderate: Moderate,
    /** Held text joins the operators' review queue, in the content's own transaction. */
    private readonly holdForReview?: (
      q: Queryable,
      target: { type: 'post' | 'comment'; id: string },
      authorId: string,
    ) => Promise<void>,
  ) {}

  async create(
    authorId: string,
    input: {
      text: string;
      mediaIds?: string[];
      visibility?: Visibility;
      location?: { lat: number; lng: number };
    },
  ): Promise<PostView> {
    const text = input.text.trim();
    const mediaIds = input.mediaIds ?? [];
    if (text === '' && mediaIds.length === 0) {
      throw invalid('a post needs text or at least one photo or video', { field: 'text' });
    }
    const verdict = await moderateOrRefuse(this.moderate, text, 'post', authorId);
    const held = verdict.action === 'review';
    const visibility = input.visibility ?? 'friends';
    const id = newId();
    // Kept only to about 100 m (discovery's 现场 view): the precise place is never stored.
    const place = input.location ? coarsePlace(input.location) : undefined;
    await inTransaction(this.db, async (tx) => {
      await this.graph.lockFriendLists(tx, [authorId], 'fan-out');
      const { rows } = await tx.query<{ seq: string }>(
        `INSERT INTO posts (id, author_id, text, visibility, moderation_status, moderation_categories, created_at, lat, lng)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`,
        [
          id,
          authorId,
          text,
          visibility,
          held ? 'held' : 'visible',
          verdict.categories,
          this.clock.now(),
          place?.lat ?? null,
          place?.lng ?? null,
        ],
      );
      await this.media.attachToPost(tx, authorId, id, mediaIds);
      if (held) await this.holdForReview?.(tx, { type: 'post', id }, authorId);
      // A held post waits for a moderator in its author's feed only.
      await this.feed.fanOutPost(tx, {
        id,
        seq: rows[0]!.seq,
        authorId,
        shared: !held && visibility !== 'private',
      });
    });
    return this.post(authorId, id);
  }

  private async visiblePost(viewerId: string, postId: string, q: Queryable = this.db) {
    requireUuid(postId, 'post');
    const { rows } = await q.query<PostRow>(
      `SELECT ${postColumnsSql('$1')} FROM posts p JOIN users pa ON pa.id = p.author_id
        WHERE p.id = $2 AND ${postVisibleSql('p', '$1')}`,
      [viewerId, postId],
    );
    if (!rows[0]) {
      const gone = await q.query(
        `SELECT 1 FROM posts WHERE id = $1 AND moderation_status = 'removed'`,
        [postId],
      );
      if (gone.rowCount) throw new AppError('gone', 'this post was taken down');
      throw notFound('post');
    }
    return rows[0];
  }

  /** A post the viewer may like and comment on: their own or a friend's. */
  private async interactablePost(viewerId: string, postId: string, q: Queryable = this.db) {
    const row = await this.visiblePost(viewerId, postId, q);
    if (!row.can_interact) {
      throw forbidden("only the poster's friends can see and add likes and comments");
    }
    return row;
  }

  async post(viewerId: string, postId: string): Promise<PostView> {
    const row = await this.visiblePost(viewerId, postId);
    const media = await this.media.forPosts([row.id]);
    return toPostView(row, media.get(row.id) ?? []);
  }

  async remove(viewerId: string, postId: string): Promise<void> {
    const files = await inTransaction(this.db, async (tx) => {
      const row = await this.visiblePost(viewerId, postId, tx);
      if (row.author_id !== viewerId) throw forbidden('only its author can delete a post');
      const detached = await this.media.detachFromPost(tx, row.id);
      await this.feed.removeItem(tx, row.seq, [row.author_id]);
      await tx.query('DELETE FROM posts WHERE id = $1', [row.id]);
      return detached;
    });
    // After the commit: a crash here leaves orphan files, never a row pointing at nothing.
    await this.media.removeFiles(files);
  }

  /** Likes are idempotent: liking twice is one like, and unliking an unliked post is fine. */
  async setLike(
    viewerId: string,
    postId: string,
    liked: boolean,
  ): Promise<{ liked: boolean; likeCount: number }> {
    return inTransaction(this.db, async (tx) => {
      const post = await this.interactablePost(viewerId, postId, tx);
      const changed = liked
        ? await tx.query(
            `INSERT INTO post_likes (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
            [post.id, viewerId, this.clock.now()],
          )
        : await tx.query('DELETE FROM post_likes WHERE post_id = $1 AND user_id = $2', [
            post.id,
            viewerId,
          ]);
      if (!changed.rowCount) return { liked, likeCount: post.like_count };
      const { rows } = await tx.query<{ like_count: number }>(
        'UPDATE posts SET like_count = like_count + $2 WHERE id = $1 RETURNING like_count',
        [post.id, liked ? 1 : -1],
      );
      if (liked && post.author_id !== viewerId) {
        await this.notifications.notify(tx, post.author_id, 'post.liked', {
          postId: post.id,
          byUserId: viewerId,
          byNickname: await nicknameOf(tx, viewerId),
        });
      }
      return { liked, likeCount: rows[0]!.like_count };
    });
  }

  async comment(viewerId: string, postId: string, rawText: string): Promise<CommentView> {
    const text = rawText.trim();
    if (text === '') throw invalid('text must not be blank', { field: 'text' });
    const verdict = await moderateOrRefuse(this.moderate, text, 'comment', viewerId);
    const held = verdict.action === 'review';
    return inTransaction(this.db, async (tx) => {
      const post = await this.interactablePost(viewerId, postId, tx);
      const id = newId();
      await tx.query(
        `INSERT INTO post_comments (id, post_id, author_id, text, moderation_status, moderation_categories, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          id,
          post.id,
          viewerId,
          text,
          held ? 'held' : 'visible',
          verdict.categories,
          this.clock.now(),
        ],
      );
      if (held) await this.holdForReview?.(tx, { type: 'comment', id }, viewerId);
      // A held comment is seen by its author only, so it is neither counted nor announced.
      if (!held) {
        await tx.query('UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1', [
          post.id,
        ]);
        if (post.author_id !== viewerId) {
          await this.notifications.notify(tx, post.author_id, 'post.commented', {
            postId: post.id,
            commentId: id,
            byUserId: viewerId,
            byNickname: await nicknameOf(tx, viewerId),
            excerpt: excerpt(text),
          });
        }
      }
      const { rows } = await tx.query<CommentRow>(
        `SELECT c.id, c.seq, c.post_id, c.author_id, u.nickname AS author_nickname, c.text,
                c.moderation_status, c.created_at
           FROM post_comments c JOIN users u ON u.id = c.author_id WHERE c.id = $1`,
        [id],
      );
      return toCommentView(rows[0]!);
    });
  }

  async comments(
    viewerId: string,
    postId: string,
    page: { limit: number; beforeSeq?: number },
  ): Promise<Page<CommentView>> {
    const post = await this.interactablePost(viewerId, postId);
    const { rows } = await this.db.query<CommentRow>(
      `SELECT c.id, c.seq, c.post_id, c.author_id, u.nickname AS author_nickname, c.text,
              c.moderation_status, c.created_at
         FROM post_comments c JOIN users u ON u.id = c.author_id
        WHERE c.post_id = $2 AND ($3::bigint IS NULL OR c.seq < $3) AND ${commentVisibleSql('c', '$1')}
        ORDER BY c.seq DESC LIMIT $4`,
      [viewerId, post.id, page.beforeSeq ?? null, page.limit + 1],
    );
    return pageOf(rows, page.limit, toCommentView, (r) => encodeCursor(r.seq));
  }

  /**
   * The comment's author may always delete it; the post's author may delete any comment on it.
   * A comment the caller cannot see is not_found.
   */
  async removeComment(viewerId: string, commentId: string): Promise<void> {
    requireUuid(commentId, 'comment');
    await inTransaction(this.db, async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        post_id: string;
        author_id: string;
        post_author_id: string;
        moderation_status: 'visible' | 'held';
      }>(
        `SELECT c.id, c.post_id, c.author_id, p.author_id AS post_author_id, c.moderation_status
           FROM post_comments c JOIN posts p ON p.id = c.post_id
          WHERE c.id = $2 AND (c.author_id = $1 OR (
                ${postVisibleSql('p', '$1')} AND ${postInteractionSql('p', '$1')}
                AND ${commentVisibleSql('c', '$1')}))
          FOR UPDATE OF c`,
        [viewerId, commentId],
      );
      const comment = rows[0];
      if (!comment) throw notFound('comment');
      if (comment.author_id !== viewerId && comment.post_author_id !== viewerId) {
        throw forbidden("only the comment's author or the post's author can delete it");
      }
      await tx.query('DELETE FROM post_comments WHERE id = $1', [comment.id]);
      if (comment.moderation_status === 'visible') {
        await tx.query('UPDATE posts SET comment_count = comment_count - 1 WHERE id = $1', [
          comment.post_id,
        ]);
      }
    });
  }
}
