import type { Queryable } from '../../db/pool.ts';
import type { MediaView } from './media.ts';
import type { Visibility } from './privacy.ts';
import { postInteractionSql } from './visibility.ts';

export interface UserRef {
  userId: string;
  nickname: string;
}

export interface PostView {
  id: string;
  author: UserRef;
  text: string;
  media: MediaView[];
  visibility: Visibility;
  /** 'held' posts wait for a moderator; only their author ever sees them. */
  moderationStatus: 'visible' | 'held';
  /** Likes and comments are shown to the author and the author's friends only. */
  likeCount?: number;
  commentCount?: number;
  likedByMe?: boolean;
  /** Where it was shared from, to about 100 m (stored coarsened). */
  location?: { lat: number; lng: number };
  createdAt: string;
}

export interface PostRow {
  id: string;
  seq: string;
  author_id: string;
  author_nickname: string;
  text: string;
  visibility: Visibility;
  moderation_status: 'visible' | 'held';
  like_count: number;
  comment_count: number;
  created_at: Date;
  liked_by_me: boolean;
  can_interact: boolean;
  lat?: number | null;
  lng?: number | null;
}

/** Columns of a post `p` (joined with its author as `pa`), as seen by the viewer in `viewer`. */
export function postColumnsSql(viewer: string): string {
  return `p.id, p.seq, p.author_id, pa.nickname AS author_nickname, p.text, p.visibility,
    p.moderation_status, p.like_count, p.comment_count, p.created_at, p.lat, p.lng,
    EXISTS (SELECT 1 FROM post_likes l WHERE l.post_id = p.id AND l.user_id = ${viewer}) AS liked_by_me,
    ${postInteractionSql('p', viewer)} AS can_interact`;
}

export function toPostView(r: PostRow, media: MediaView[]): PostView {
  return {
    id: r.id,
    author: { userId: r.author_id, nickname: r.author_nickname },
    text: r.text,
    media,
    visibility: r.visibility,
    moderationStatus: r.moderation_status,
    ...(r.can_interact
      ? { likeCount: r.like_count, commentCount: r.comment_count, likedByMe: r.liked_by_me }
      : {}),
    ...(r.lat != null && r.lng != null ? { location: { lat: r.lat, lng: r.lng } } : {}),
    createdAt: r.created_at.toISOString(),
  };
}

/** For notifications, which carry the actor's name as it was when they acted. */
export async function nicknameOf(q: Queryable, userId: string): Promise<string> {
  const { rows } = await q.query<{ nickname: string }>('SELECT nickname FROM users WHERE id = $1', [
    userId,
  ]);
  return rows[0]?.nickname ?? '';
}
