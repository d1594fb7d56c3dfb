import type { Queryable } from '../../db/pool.ts';
import { type Candidate, topicsOf } from './rank.ts';
import type { CandidateSource, InterestSource } from './service.ts';

/** What a discovered circle shows: enough to decide to open it (its rules are on its page). */
export interface DiscoveredCircle {
  id: string;
  name: string;
  description: string;
  tags: string[];
  memberCount: number;
}

/** What a discovered merchant shows; its exact place is public (it is a shop's address). */
export interface DiscoveredMerchant {
  id: string;
  name: string;
  category: string;
  address: string;
  rating: { average: number | null; count: number };
}

const hoursSince = (at: Date, now: Date) => Math.max(0, (now.getTime() - at.getTime()) / 3_600_000);

/**
 * Active circles, the most joined first (at most 200 candidates): topics from their tags, name
 * and description; a friend's circle or one friends joined counts as the friend signal. The
 * owner's trust is not known here (0.5, neutral): circles are judged by what they are about.
 */
export function circleCandidates(db: Queryable, now: () => Date): CandidateSource {
  return async (viewerId) => {
    const { rows } = await db.query<{
      id: string;
      name: string;
      description: string;
      tags: string[];
      member_count: number;
      created_at: Date;
      by_friend: boolean;
      friends_in: number;
    }>(
      `SELECT c.id, c.name, c.description, c.tags, c.member_count, c.created_at,
              EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = $1 AND f.friend_id = c.owner_id) AS by_friend,
              (SELECT count(*)::int FROM circle_members m JOIN friendships f
                  ON f.user_id = $1 AND f.friend_id = m.user_id WHERE m.circle_id = c.id) AS friends_in
         FROM circles c
        WHERE c.status = 'active'
          AND NOT EXISTS (SELECT 1 FROM circle_members m WHERE m.circle_id = c.id AND m.user_id = $1)
        ORDER BY c.member_count DESC, c.created_at DESC LIMIT 200`,
      [viewerId],
    );
    const at = now();
    return rows.map(
      (r): Candidate<DiscoveredCircle> => ({
        id: r.id,
        kind: 'circle',
        topics: [...new Set([...r.tags, ...topicsOf(`${r.name} ${r.description}`)])],
        authorTrust: 0.5,
        byFriend: r.by_friend,
        friendEngagement: r.friends_in,
        engagement: r.member_count,
        ageHours: hoursSince(r.created_at, at),
        payload: {
          id: r.id,
          name: r.name,
          description: r.description,
          tags: r.tags,
          memberCount: r.member_count,
        },
      }),
    );
  };
}

/**
 * Active merchants: the nearest 200 to `near` (the GiST index's nearest-first order), or the
 * most reviewed without a place. Topics are the category and the name's words; trust is the
 * rating (a shop rated by real payers is a trusted voice); friends who paid there engage.
 */
export function merchantCandidates(db: Queryable, now: () => Date): CandidateSource {
  return async (viewerId, near) => {
    const { rows } = await db.query<{
      id: string;
      name: string;
      category: string;
      address: string;
      lat: number;
      lng: number;
      rating_sum: string;
      rating_count: number;
      created_at: Date;
      by_friend: boolean;
      friends_paid: number;
    }>(
      `SELECT m.id, m.name, m.category, m.address, m.lat, m.lng, m.rating_sum, m.rating_count,
              m.created_at,
              EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = $1 AND f.friend_id = m.owner_id) AS by_friend,
              (SELECT count(DISTINCT p.payer_id)::int FROM merchant_payments p JOIN friendships f
                  ON f.user_id = $1 AND f.friend_id = p.payer_id WHERE p.merchant_id = m.id) AS friends_paid
         FROM merchants m
        WHERE m.status = 'active'
        ORDER BY CASE WHEN $2::float8 IS NULL THEN NULL ELSE m.geo <-> point($3, $2) END,
                 m.rating_count DESC, m.created_at DESC
        LIMIT 200`,
      [viewerId, near?.lat ?? null, near?.lng ?? null],
    );
    const at = now();
    return rows.map((r): Candidate<DiscoveredMerchant> => {
      const average = r.rating_count > 0 ? Number(r.rating_sum) / r.rating_count : null;
      return {
        id: r.id,
        kind: 'merchant',
        topics: [...new Set([r.category, ...topicsOf(r.name)])],
        location: { lat: r.lat, lng: r.lng },
        // 3★ is neutral; fewer than three reviews say little either way.
        authorTrust:
          average === null || r.rating_count < 3
            ? 0.5
            : Math.min(1, Math.max(0, (average - 1) / 4)),
        byFriend: r.by_friend,
        friendEngagement: r.friends_paid,
        engagement: r.rating_count,
        ageHours: hoursSince(r.created_at, at),
        payload: {
          id: r.id,
          name: r.name,
          category: r.category,
          address: r.address,
          rating: {
            average: average === null ? null : Math.round(average * 10) / 10,
            count: r.rating_count,
          },
        },
      };
    });
  };
}

/**
 * The viewer's own interests beyond posts: the tags of circles they joined (2 each) and the
 * categories of merchants they paid (1 per payment, the last 200).
 */
export function circleAndMerchantInterests(db: Queryable): InterestSource {
  return async (viewerId) => {
    const { rows } = await db.query<{ topic: string; weight: number }>(
      `SELECT t AS topic, 2 AS weight FROM circle_members m JOIN circles c ON c.id = m.circle_id,
              unnest(c.tags) t
        WHERE m.user_id = $1 AND c.status = 'active'
       UNION ALL
       SELECT category, 1 FROM (
         SELECT mc.category FROM merchant_payments p JOIN merchants mc ON mc.id = p.merchant_id
          WHERE p.payer_id = $1 ORDER BY p.created_at DESC LIMIT 200) paid`,
      [viewerId],
    );
    const interests = new Map<string, number>();
    for (const r of rows) interests.set(r.topic, (interests.get(r.topic) ?? 0) + r.weight);
    return interests;
  };
}
