import type { Db } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { invalid } from '../../platform/errors.ts';
import { postVisibleSql } from '../social/visibility.ts';
import {
  type Candidate,
  type CandidateKind,
  coarseDistance,
  coarsePlace,
  DISCOVER_WEIGHTS,
  LIVE_WEIGHTS,
  type Place,
  type Reason,
  rankCandidates,
  topicsOf,
  trustScore,
} from './rank.ts';
import type { DiscoveredCircle, DiscoveredMerchant } from './sources.ts';

export interface DiscoveredPost {
  id: string;
  author: { userId: string; nickname: string };
  text: string;
  location?: Place;
  /** Counts are shown to the author's friends only, as everywhere else. */
  likeCount?: number;
  commentCount?: number;
  createdAt: string;
}

export interface DiscoveryItem {
  kind: CandidateKind;
  id: string;
  score: number;
  reasons: Reason[];
  /** To the nearest 100 m, when `near` was given and the item has a place. */
  distanceM?: number;
  post?: DiscoveredPost;
  circle?: DiscoveredCircle;
  merchant?: DiscoveredMerchant;
}

/**
 * Candidates of one kind for a viewer, in the ranking's shape. Posts are built here; circles
 * and merchants are registered by services.ts (`DiscoveryService.addSource`, sources.ts).
 */
export type CandidateSource = (viewerId: string, near: Place | undefined) => Promise<Candidate[]>;

/** More interests from other modules (circles joined, merchant categories paid): topic → weight. */
export type InterestSource = (viewerId: string) => Promise<Map<string, number>>;

interface PostCandidateRow {
  id: string;
  author_id: string;
  nickname: string;
  text: string;
  lat: number | null;
  lng: number | null;
  like_count: number;
  comment_count: number;
  created_at: Date;
  by_friend: boolean;
  friend_engagement: number;
}

const DAY_MS = 86_400_000;

export function parseNear(raw: string | undefined): Place | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(raw);
  const lat = m ? Number(m[1]) : Number.NaN;
  const lng = m ? Number(m[2]) : Number.NaN;
  if (!(Math.abs(lat) <= 90 && Math.abs(lng) <= 180)) {
    throw invalid('near must be "lat,lng" in degrees', { field: 'query.near' });
  }
  return { lat, lng };
}

/**
 * Discovery (`GET /discover`): candidates from each kind's source, the viewer's interests from
 * their own activity, and the pure ranking (rank.ts). Nothing here needs friends.
 */
export class DiscoveryService {
  private readonly sources = new Map<CandidateKind, CandidateSource>();
  private readonly interestSources: InterestSource[] = [];

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Circles and merchants plug their candidates in here after the merge. */
  addSource(kind: CandidateKind, source: CandidateSource): void {
    this.sources.set(kind, source);
  }

  addInterests(source: InterestSource): void {
    this.interestSources.push(source);
  }

  async discover(
    viewerId: string,
    q: { kind: CandidateKind; near?: Place; radiusM?: number; limit?: number },
  ): Promise<{ items: DiscoveryItem[]; nextCursor: null }> {
    const live = q.kind === 'post' && q.near !== undefined;
    const radiusM = q.radiusM ?? (live ? 3_000 : 10_000);
    const [interests, candidates] = await Promise.all([
      this.interests(viewerId),
      q.kind === 'post'
        ? this.postCandidates(viewerId, q.near, live ? radiusM : undefined)
        : (this.sources.get(q.kind)?.(viewerId, q.near) ?? Promise.resolve([])),
    ]);
    const ranked = rankCandidates(
      candidates,
      { interests, ...(q.near ? { near: q.near } : {}) },
      {
        weights: live ? LIVE_WEIGHTS : DISCOVER_WEIGHTS,
        radiusM,
        halfLifeHours: live ? 24 : 72,
        limit: q.limit ?? 20,
      },
    );
    return {
      items: ranked.map((r) => ({
        kind: r.candidate.kind,
        id: r.candidate.id,
        score: Math.round(r.score * 10_000) / 10_000,
        reasons: r.reasons,
        ...(r.distanceM === undefined ? {} : { distanceM: coarseDistance(r.distanceM) }),
        ...(r.candidate.kind === 'post' ? { post: r.candidate.payload as DiscoveredPost } : {}),
        ...(r.candidate.kind === 'circle'
          ? { circle: r.candidate.payload as DiscoveredCircle }
          : {}),
        ...(r.candidate.kind === 'merchant'
          ? { merchant: r.candidate.payload as DiscoveredMerchant }
          : {}),
      })),
      nextCursor: null,
    };
  }

  /** Topics the viewer cares about: their own posts (1 each), posts they liked (2) or commented on (1). */
  async interests(viewerId: string): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ text: string; weight: number }>(
      `(SELECT text, 1 AS weight FROM posts WHERE author_id = $1 ORDER BY created_at DESC LIMIT 100)
       UNION ALL
       (SELECT p.text, 2 FROM post_likes l JOIN posts p ON p.id = l.post_id
         WHERE l.user_id = $1 ORDER BY l.created_at DESC LIMIT 200)
       UNION ALL
       (SELECT p.text, 1 FROM post_comments c JOIN posts p ON p.id = c.post_id
         WHERE c.author_id = $1 ORDER BY c.created_at DESC LIMIT 100)`,
      [viewerId],
    );
    const interests = new Map<string, number>();
    for (const r of rows) {
      for (const t of topicsOf(r.text)) interests.set(t, (interests.get(t) ?? 0) + r.weight);
    }
    for (const source of this.interestSources) {
      for (const [t, w] of await source(viewerId)) interests.set(t, (interests.get(t) ?? 0) + w);
    }
    return interests;
  }

  /**
   * Posts the viewer may see (public, or a friend's; never their own, blocked or held), from
   * the last 30 days, newest 500; with `radiusM`, only those shared within it (现场).
   */
  private async postCandidates(
    viewerId: string,
    near: Place | undefined,
    radiusM: number | undefined,
  ): Promise<Candidate<DiscoveredPost>[]> {
    const now = this.clock.now();
    const params: unknown[] = [viewerId, new Date(now.getTime() - 30 * DAY_MS)];
    let box = '';
    if (near && radiusM !== undefined) {
      // A bounding box the index can use; the exact distance is the ranking's.
      const dLat = radiusM / 111_320;
      const dLng = radiusM / (111_320 * Math.max(0.01, Math.cos((near.lat * Math.PI) / 180)));
      params.push(near.lat - dLat, near.lat + dLat, near.lng - dLng, near.lng + dLng);
      box = 'AND p.lat BETWEEN $3 AND $4 AND p.lng BETWEEN $5 AND $6';
    }
    const { rows } = await this.db.query<PostCandidateRow>(
      `SELECT p.id, p.author_id, pa.nickname, p.text, p.lat, p.lng, p.like_count, p.comment_count,
              p.created_at,
              EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = $1 AND f.friend_id = p.author_id)
                AS by_friend,
              (SELECT count(*)::int FROM post_likes l
                 JOIN friendships f ON f.user_id = $1 AND f.friend_id = l.user_id
                WHERE l.post_id = p.id) AS friend_engagement
         FROM posts p JOIN users pa ON pa.id = p.author_id
        WHERE p.author_id <> $1 AND p.created_at > $2 ${box}
          AND ${postVisibleSql('p', '$1')}
          AND NOT EXISTS (SELECT 1 FROM post_likes l WHERE l.post_id = p.id AND l.user_id = $1)
        ORDER BY p.created_at DESC LIMIT 500`,
      params,
    );
    const trust = await this.authorTrust([...new Set(rows.map((r) => r.author_id))]);
    return rows.map((r) => {
      const location =
        r.lat !== null && r.lng !== null ? coarsePlace({ lat: r.lat, lng: r.lng }) : undefined;
      return {
        id: r.id,
        kind: 'post' as const,
        topics: topicsOf(r.text),
        ...(location ? { location } : {}),
        authorTrust: trust.get(r.author_id) ?? 0,
        byFriend: r.by_friend,
        friendEngagement: r.friend_engagement,
        engagement: r.like_count + r.comment_count,
        ageHours: (now.getTime() - r.created_at.getTime()) / 3_600_000,
        payload: {
          id: r.id,
          author: { userId: r.author_id, nickname: r.nickname },
          text: r.text,
          ...(location ? { location } : {}),
          ...(r.by_friend ? { likeCount: r.like_count, commentCount: r.comment_count } : {}),
          createdAt: r.created_at.toISOString(),
        },
      };
    });
  }

  /**
   * Trusted voices: each author's record (trustScore): age, verification, visible posts and
   * what others made of them, and reports upheld against them (review items decided
   * take-down or ban).
   */
  private async authorTrust(authorIds: string[]): Promise<Map<string, number>> {
    if (authorIds.length === 0) return new Map();
    const { rows } = await this.db.query<{
      id: string;
      created_at: Date;
      verified: boolean;
      posts: number;
      engagement: number;
      upheld: number;
    }>(
      `SELECT u.id, u.created_at, u.verified_at IS NOT NULL AS verified,
              count(p.id) FILTER (WHERE p.moderation_status = 'visible')::int AS posts,
              coalesce(sum(p.like_count + p.comment_count)
                FILTER (WHERE p.moderation_status = 'visible'), 0)::int AS engagement,
              (SELECT count(*)::int FROM review_items r
                WHERE r.author_id = u.id AND r.decision IN ('take_down', 'ban_author')) AS upheld
         FROM users u LEFT JOIN posts p ON p.author_id = u.id
        WHERE u.id = ANY($1::uuid[]) GROUP BY u.id`,
      [authorIds],
    );
    const now = this.clock.now().getTime();
    return new Map(
      rows.map((r) => [
        r.id,
        trustScore({
          memberDays: (now - r.created_at.getTime()) / DAY_MS,
          verified: r.verified,
          posts: r.posts,
          engagement: r.engagement,
          upheldReports: r.upheld,
        }),
      ]),
    );
  }
}
