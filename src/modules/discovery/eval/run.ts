/**
 * `npm run eval:discovery`: the lesson "friend graphs are too sparse to recommend from",
 * reproduced offline. A synthetic city where people have few friends and most of them share
 * none of their interests; each user's likes over time are split at a moment T, and the likes
 * after T are hidden. Two recommenders see only what happened before T:
 *
 *   friend-only  items that friends made or liked, most friends first
 *   hybrid       the production ranking (rank.ts): interest, nearby, trusted voice, friend,
 *                popular — the friend signal is one among several
 *
 * and are scored on the hidden likes: hit rate @10 (users with at least one hidden like in
 * their top 10) and coverage @10 (users who get a full list of 10; and the share of the
 * catalogue that appears in anyone's list). Deterministic: a seeded generator.
 */
import {
  type Candidate,
  DISCOVER_WEIGHTS,
  type Place,
  rankCandidates,
  trustScore,
} from '../rank.ts';

const USERS = Number(process.env.EVAL_USERS ?? 3000);
const EVALUATED = Number(process.env.EVAL_SAMPLE ?? 800);
const TOPICS = 40;
const HOODS = 20;
const SPLIT = 0.7;
const K = 10;

/** mulberry32: a small seeded generator, so every run sees the same world. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20261206);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
const zipfTopic = () => Math.min(TOPICS - 1, Math.floor(TOPICS * random() ** 2));

interface User {
  id: number;
  topics: number[];
  home: Place;
  voice: boolean;
  memberDays: number;
  verified: boolean;
  friends: Set<number>;
}
interface Item {
  id: number;
  author: number;
  topic: number;
  place: Place;
  quality: number;
  createdAt: number;
}

const center = { lat: 30.26, lng: 120.16 };
const hoods: Place[] = Array.from({ length: HOODS }, () => ({
  lat: center.lat + (random() - 0.5) * 0.3,
  lng: center.lng + (random() - 0.5) * 0.3,
}));
const jitter = (p: Place, m: number): Place => ({
  lat: p.lat + ((random() - 0.5) * m) / 111_000,
  lng: p.lng + ((random() - 0.5) * m) / 96_000,
});

const users: User[] = Array.from({ length: USERS }, (_, id) => {
  const first = zipfTopic();
  let second = zipfTopic();
  while (second === first) second = zipfTopic();
  return {
    id,
    topics: [first, second],
    home: jitter(pick(hoods), 1500),
    voice: random() < 0.03,
    memberDays: Math.floor(random() * 400),
    verified: random() < 0.8,
    friends: new Set<number>(),
  };
});

// Sparse friendships (about 4 each), most of them between people who share no interest.
for (const u of users) {
  const wanted = Math.floor(-Math.log(1 - random()) * 2);
  for (let i = 0; i < wanted; i++) {
    const sameInterest = random() < 0.2;
    const candidates = sameInterest
      ? users.filter((v) => v.id !== u.id && v.topics.some((t) => u.topics.includes(t)))
      : users;
    const v = pick(candidates);
    if (v.id === u.id) continue;
    u.friends.add(v.id);
    v.friends.add(u.id);
  }
}

const items: Item[] = [];
for (const u of users) {
  const n = u.voice ? 25 : Math.floor(random() * 3);
  for (let i = 0; i < n; i++) {
    items.push({
      id: items.length,
      author: u.id,
      topic: u.voice && random() < 0.8 ? u.topics[0]! : pick(u.topics),
      place: jitter(u.home, 1000),
      quality: u.voice ? 1.6 : 0.6 + random() * 0.6,
      createdAt: random(),
    });
  }
}
const itemsByTopic = Array.from({ length: TOPICS }, () => [] as Item[]);
for (const it of items) itemsByTopic[it.topic]!.push(it);

/** Likes: mostly on the liker's topics, more often nearby and on good items; a few at random. */
const likes: { user: number; item: number; at: number }[] = [];
for (const u of users) {
  const n = 8 + Math.floor(random() * 16);
  for (let i = 0; i < n; i++) {
    const at = random();
    const pool = random() < 0.85 ? itemsByTopic[pick(u.topics)]! : items;
    const open = pool.filter((it) => it.createdAt <= at && it.author !== u.id);
    if (open.length === 0) continue;
    let best: Item | undefined;
    let bestScore = -1;
    for (let k = 0; k < 8; k++) {
      const it = pick(open);
      const near = Math.hypot(it.place.lat - u.home.lat, it.place.lng - u.home.lng) < 0.03;
      const s = random() * it.quality * (near ? 2 : 1) * (u.friends.has(it.author) ? 1.5 : 1);
      if (s > bestScore) [best, bestScore] = [it, s];
    }
    likes.push({ user: u.id, item: best!.id, at });
  }
}

const before = likes.filter((l) => l.at < SPLIT);
const visible = items.filter((it) => it.createdAt < SPLIT);
const likedBefore = new Map<number, Set<number>>();
const likesOf = new Map<number, number>();
for (const l of before) {
  (likedBefore.get(l.user) ?? likedBefore.set(l.user, new Set()).get(l.user)!).add(l.item);
  likesOf.set(l.item, (likesOf.get(l.item) ?? 0) + 1);
}
const hidden = new Map<number, Set<number>>();
for (const l of likes) {
  if (l.at < SPLIT || items[l.item]!.createdAt >= SPLIT) continue;
  if (likedBefore.get(l.user)?.has(l.item)) continue;
  (hidden.get(l.user) ?? hidden.set(l.user, new Set()).get(l.user)!).add(l.item);
}

// Authors' records as of T, for trust.
const authored = new Map<number, { posts: number; engagement: number }>();
for (const it of visible) {
  const a = authored.get(it.author) ?? { posts: 0, engagement: 0 };
  a.posts++;
  a.engagement += likesOf.get(it.id) ?? 0;
  authored.set(it.author, a);
}
const trust = new Map(
  users.map((u) => {
    const a = authored.get(u.id) ?? { posts: 0, engagement: 0 };
    return [
      u.id,
      trustScore({ memberDays: u.memberDays, verified: u.verified, upheldReports: 0, ...a }),
    ];
  }),
);

function friendOnly(u: User): number[] {
  const score = new Map<number, number>();
  const seen = likedBefore.get(u.id) ?? new Set();
  for (const it of visible) {
    if (u.friends.has(it.author)) score.set(it.id, (score.get(it.id) ?? 0) + 1);
  }
  for (const l of before) {
    if (u.friends.has(l.user)) score.set(l.item, (score.get(l.item) ?? 0) + 1);
  }
  return [...score]
    .filter(([id]) => !seen.has(id) && items[id]!.author !== u.id)
    .sort((a, b) => b[1] - a[1] || (likesOf.get(b[0]) ?? 0) - (likesOf.get(a[0]) ?? 0))
    .slice(0, K)
    .map(([id]) => id);
}

function hybrid(u: User): number[] {
  const seen = likedBefore.get(u.id) ?? new Set();
  const interests = new Map<string, number>();
  for (const id of seen) {
    const t = `t${items[id]!.topic}`;
    interests.set(t, (interests.get(t) ?? 0) + 2);
  }
  for (const it of visible) {
    if (it.author === u.id) interests.set(`t${it.topic}`, (interests.get(`t${it.topic}`) ?? 0) + 1);
  }
  const friendLikes = new Map<number, number>();
  for (const l of before) {
    if (u.friends.has(l.user)) friendLikes.set(l.item, (friendLikes.get(l.item) ?? 0) + 1);
  }
  const candidates: Candidate<null>[] = visible
    .filter((it) => it.author !== u.id && !seen.has(it.id))
    .map((it) => ({
      id: String(it.id),
      kind: 'post',
      topics: [`t${it.topic}`],
      location: it.place,
      authorTrust: trust.get(it.author) ?? 0,
      byFriend: u.friends.has(it.author),
      friendEngagement: friendLikes.get(it.id) ?? 0,
      engagement: likesOf.get(it.id) ?? 0,
      ageHours: (SPLIT - it.createdAt) * 24 * 30,
      payload: null,
    }));
  return rankCandidates(
    candidates,
    { interests, near: u.home },
    { weights: DISCOVER_WEIGHTS, radiusM: 10_000, limit: K },
  ).map((r) => Number(r.candidate.id));
}

function evaluate(name: string, recommend: (u: User) => number[]) {
  const sample = users.filter((u) => hidden.has(u.id)).slice(0, EVALUATED);
  let hits = 0;
  let full = 0;
  const catalogue = new Set<number>();
  for (const u of sample) {
    const list = recommend(u);
    if (list.length >= K) full++;
    for (const id of list) catalogue.add(id);
    if (list.some((id) => hidden.get(u.id)!.has(id))) hits++;
  }
  return {
    recommender: name,
    users: sample.length,
    hitRateAt10: hits / sample.length,
    userCoverageAt10: full / sample.length,
    catalogueCoverageAt10: catalogue.size / visible.length,
  };
}

const started = performance.now();
const friendCounts = users.map((u) => u.friends.size).sort((a, b) => a - b);
const sharing = users.map(
  (u) => [...u.friends].filter((f) => users[f]!.topics.some((t) => u.topics.includes(t))).length,
);
console.log('synthetic world:', {
  users: USERS,
  items: items.length,
  likes: likes.length,
  medianFriends: friendCounts[Math.floor(USERS / 2)],
  usersWithoutFriends: friendCounts.filter((c) => c === 0).length,
  usersWithNoFriendSharingAnInterest: sharing.filter((c) => c === 0).length,
  trustedVoices: users.filter((u) => u.voice).length,
});
const results = [evaluate('friend-only', friendOnly), evaluate('hybrid', hybrid)];
console.table(
  results.map((r) => ({
    ...r,
    hitRateAt10: r.hitRateAt10.toFixed(3),
    userCoverageAt10: r.userCoverageAt10.toFixed(3),
    catalogueCoverageAt10: r.catalogueCoverageAt10.toFixed(3),
  })),
);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (results[1]!.hitRateAt10 <= results[0]!.hitRateAt10) {
  console.error('hybrid did not beat friend-only');
  process.exitCode = 1;
}
