/**
 * Discovery ranking, pure: candidates of any kind (posts today; circles and merchants plug in
 * with the same shape) scored from five signals, each item with the reasons it is shown.
 * The friend graph is one signal among several (PRODUCT.md, lesson 4): a user with no friends
 * still gets interest, nearby, trusted-voice and popular items.
 *
 *   interest       Σ of the viewer's interest weights over the item's topics, the viewer's
 *                  strongest topic = 1, capped at 1
 *   nearby         1 − distance / radius when the viewer gave `near` and the item has a place
 *   trusted_voice  the author's trust (trustScore: record length, verified identity, well-rated
 *                  posts, few upheld reports), 0…1
 *   friend         1 when a friend made it, 0.5 when friends engaged with it
 *   popular        log(1 + engagement) / log(1 + the most engagement among the candidates)
 *   recency        2^(−age / half-life): a tie-breaker, never a reason
 *
 * score = Σ weight × signal. A signal is a reason when it passes its threshold; reasons are
 * listed by their contribution, and every item has at least one (its strongest signal).
 */

export type Reason = 'interest' | 'nearby' | 'trusted_voice' | 'friend' | 'popular';
export type CandidateKind = 'post' | 'circle' | 'merchant';

export interface Place {
  lat: number;
  lng: number;
}

export interface Candidate<T = unknown> {
  id: string;
  kind: CandidateKind;
  topics: readonly string[];
  location?: Place;
  /** The author's (owner's) trust, 0…1 (trustScore). */
  authorTrust: number;
  byFriend: boolean;
  /** Friends who liked, commented on, joined or paid there. */
  friendEngagement: number;
  /** Likes + comments, members, or rated payments: what others made of it. */
  engagement: number;
  ageHours: number;
  payload: T;
}

export interface Viewer {
  /** Topic → weight, from the viewer's own activity (posts, likes, circles, payments). */
  interests: ReadonlyMap<string, number>;
  near?: Place;
}

export interface Weights {
  interest: number;
  nearby: number;
  trusted_voice: number;
  friend: number;
  popular: number;
  recency: number;
}

export const DISCOVER_WEIGHTS: Weights = {
  interest: 3,
  nearby: 1.5,
  trusted_voice: 1.2,
  friend: 1,
  popular: 0.8,
  recency: 0.5,
};

/** 现场: what is near, new and well rated comes first. */
export const LIVE_WEIGHTS: Weights = {
  interest: 0.5,
  nearby: 1,
  trusted_voice: 0.5,
  friend: 0.3,
  popular: 1.5,
  recency: 2,
};

const THRESHOLDS: Record<Reason, number> = {
  interest: 0.2,
  nearby: 0.0001,
  trusted_voice: 0.6,
  friend: 0.0001,
  popular: 0.5,
};

export interface RankOptions {
  weights?: Weights;
  /** Beyond this distance an item is not nearby (metres). */
  radiusM?: number;
  halfLifeHours?: number;
  limit?: number;
}

export interface Ranked<T> {
  candidate: Candidate<T>;
  score: number;
  reasons: Reason[];
  distanceM?: number;
}

const EARTH_M = 6_371_000;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: Place, b: Place): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A place as shown: 3 decimals of a degree (≤ 111 m north–south, less east–west), so that no
 * one learns where a post was written more precisely than about 100 m.
 */
export function coarsePlace(p: Place): Place {
  return { lat: Math.round(p.lat * 1000) / 1000, lng: Math.round(p.lng * 1000) / 1000 };
}

/** A distance as shown: to the nearest 100 m. */
export function coarseDistance(m: number): number {
  return Math.round(m / 100) * 100;
}

export function rankCandidates<T>(
  candidates: readonly Candidate<T>[],
  viewer: Viewer,
  options: RankOptions = {},
): Ranked<T>[] {
  const w = options.weights ?? DISCOVER_WEIGHTS;
  const radius = options.radiusM ?? 5_000;
  const halfLife = options.halfLifeHours ?? 72;
  const strongest = Math.max(0, ...viewer.interests.values());
  const mostEngaged = Math.max(0, ...candidates.map((c) => c.engagement));
  const ranked = candidates.map((c) => {
    const interest =
      strongest > 0
        ? Math.min(1, c.topics.reduce((s, t) => s + (viewer.interests.get(t) ?? 0), 0) / strongest)
        : 0;
    const distance = viewer.near && c.location ? distanceM(viewer.near, c.location) : undefined;
    const signals: Record<Reason, number> = {
      interest,
      nearby: distance === undefined ? 0 : Math.max(0, 1 - distance / radius),
      trusted_voice: clamp01(c.authorTrust),
      friend: c.byFriend ? 1 : c.friendEngagement > 0 ? 0.5 : 0,
      popular: mostEngaged > 0 ? Math.log1p(c.engagement) / Math.log1p(mostEngaged) : 0,
    };
    const recency = 2 ** (-Math.max(0, c.ageHours) / halfLife);
    const contributions = (Object.keys(signals) as Reason[]).map((r) => ({
      reason: r,
      value: w[r] * signals[r],
      passes: signals[r] >= THRESHOLDS[r],
    }));
    contributions.sort((a, b) => b.value - a.value);
    const reasons = contributions.filter((x) => x.passes).map((x) => x.reason);
    if (reasons.length === 0) reasons.push(contributions[0]!.reason);
    const score = contributions.reduce((s, x) => s + x.value, 0) + w.recency * recency;
    return {
      candidate: c,
      score,
      reasons,
      ...(distance === undefined ? {} : { distanceM: distance }),
    };
  });
  // Ties by id so that the same data always ranks the same way.
  ranked.sort((a, b) => b.score - a.score || (a.candidate.id < b.candidate.id ? -1 : 1));
  return ranked.slice(0, options.limit ?? 20);
}

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}

export interface AuthorRecord {
  memberDays: number;
  verified: boolean;
  posts: number;
  /** Likes + comments their visible posts received. */
  engagement: number;
  /** Reports upheld against them (takedowns, held content confirmed). */
  upheldReports: number;
}

/**
 * A trusted voice: a long record, a verified identity, posts others rate well, few upheld
 * reports. 0…1; under 3 posts there is no record to trust yet.
 */
export function trustScore(a: AuthorRecord): number {
  if (a.posts < 3) return 0;
  const record = Math.min(1, a.memberDays / 180);
  const rated = Math.min(1, a.engagement / a.posts / 5);
  const score = 0.3 * record + 0.3 * (a.verified ? 1 : 0) + 0.4 * rated - 0.25 * a.upheldReports;
  return clamp01(score);
}

const STOPWORDS = new Set([
  '今天',
  '我们',
  '你们',
  '他们',
  '什么',
  '这个',
  '那个',
  '一个',
  '没有',
  '就是',
  '还是',
  'the',
  'and',
  'for',
  'with',
  'this',
  'that',
  'from',
  'have',
]);

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** Topics of a text: its #hashtags and its words (two or more CJK characters, or 3+ letters). */
export function topicsOf(text: string, max = 12): string[] {
  const topics = new Set<string>();
  for (const m of text.matchAll(/#([^\s#]{1,30})#?/g)) topics.add(m[1]!.toLowerCase());
  for (const s of segmenter.segment(text)) {
    if (!s.isWordLike) continue;
    const word = s.segment.toLowerCase();
    const cjk = /[\u4e00-\u9fff]/.test(word);
    if ((cjk ? word.length < 2 : word.length < 3) || STOPWORDS.has(word) || /^\d+$/.test(word)) {
      continue;
    }
    topics.add(word);
    if (topics.size >= max) break;
  }
  return [...topics];
}
