/**
 * Feed benchmark (npm run bench:feed): posts fanned out on write, payments pulled on read,
 * measured on a social graph with a power-law friend distribution.
 *
 *   1. seeds users and friendships with SQL: most users have 10–100 friends, a few hundred have
 *      100–1,000, a few dozen "hubs" 1,000–5,000 (the friend cap);
 *   2. writes posts (each fanned out to the friends' inboxes) and payments (one row each,
 *      pulled by readers) through the services with concurrent writers, and reports items/s
 *      and per-item latency by the author's friend count;
 *   3. reads first and second feed pages for users in each friend-count band, the heaviest
 *      included, and reports p50/p99;
 *   4. unfriends and re-befriends the heaviest user's friends (inbox clean-up and backfill).
 *
 * A database hebao_bench_feed_<ts> is created on BENCH_PG_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres), migrated, and dropped at the end.
 * Environment (all optional): BENCH_USERS (10000), BENCH_POSTS (20000), BENCH_PAYMENTS (5000),
 * BENCH_WRITERS (8), BENCH_READERS (4), BENCH_READS (2000 per band), BENCH_SEED (42),
 * BENCH_KEEP_DB (set: keep the database for a look with psql).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { createPool, type Db } from '../src/db/pool.ts';
import { IdentityService, SandboxSmsChannel } from '../src/modules/identity/index.ts';
import { NotificationService } from '../src/modules/notifications/index.ts';
import {
  createSocialServices,
  SocialGraph,
  type SocialServices,
} from '../src/modules/social/index.ts';
import type { Visibility } from '../src/modules/social/privacy.ts';
import { systemClock } from '../src/platform/clock.ts';
import { seqFromCursor } from '../src/platform/cursor.ts';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

const SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const USERS = envInt('BENCH_USERS', 10_000);
const POSTS = envInt('BENCH_POSTS', 20_000);
const PAYMENTS = envInt('BENCH_PAYMENTS', 5_000);
const WRITERS = envInt('BENCH_WRITERS', 8);
const READERS = envInt('BENCH_READERS', 4);
const READS = envInt('BENCH_READS', 2000);
const SEED = envInt('BENCH_SEED', 42);
const MAX_FRIENDS = 5000;

/** mulberry32: a small seeded PRNG, so every run builds the same graph. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const randInt = (n: number) => Math.floor(random() * n);
const logUniform = (lo: number, hi: number) => Math.round(lo * (hi / lo) ** random());

class Latencies {
  readonly samples: number[] = [];
  add(ms: number) {
    this.samples.push(ms);
  }
  pct(p: number): number {
    const s = [...this.samples].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  }
}

const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

/** Runs `count` jobs with `concurrency` workers; returns the elapsed seconds. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

/**
 * Friend-count targets: hubs (0.2%) 1,000–5,000 friends, the first exactly at the cap, each
 * picking non-hub friends uniformly; a middle tier (2%) 100–1,000, and everyone else a Pareto tail
 * (α 1.5) from 8, both paired by the configuration model. Most users end with 10–100 friends.
 */
function buildGraph(n: number): [number, number][] {
  const hubs = Math.max(1, Math.round(n * 0.002));
  const middle = Math.round(n * 0.02);
  const edges = new Set<number>();
  const add = (a: number, b: number) => {
    if (a !== b) edges.add(a < b ? a * n + b : b * n + a);
  };
  for (let h = 0; h < hubs; h++) {
    const target = h === 0 ? MAX_FRIENDS : logUniform(1000, MAX_FRIENDS);
    const picked = new Set<number>();
    // Among non-hubs only, so no hub goes past its target (the first one sits at the cap).
    while (picked.size < Math.min(target, n - hubs)) picked.add(hubs + randInt(n - hubs));
    for (const other of picked) add(h, other);
  }
  const stubs: number[] = [];
  for (let u = hubs; u < n; u++) {
    const target =
      u < hubs + middle
        ? logUniform(100, 1000)
        : Math.min(95, Math.round(8 / (1 - random()) ** (1 / 1.5)));
    for (let k = 0; k < target; k++) stubs.push(u);
  }
  for (let i = stubs.length - 1; i > 0; i--) {
    const j = randInt(i + 1);
    [stubs[i], stubs[j]] = [stubs[j]!, stubs[i]!];
  }
  for (let i = 0; i + 1 < stubs.length; i += 2) add(stubs[i]!, stubs[i + 1]!);
  return [...edges].map((e) => [Math.floor(e / n), e % n]);
}

async function seedGraph(db: Db): Promise<{ ids: string[]; degree: number[] }> {
  const ids = Array.from({ length: USERS }, () => randomUUID());
  for (let i = 0; i < USERS; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    await db.query(
      `INSERT INTO users (id, phone, password_hash, nickname, created_at)
       SELECT id, '+8613' || lpad((n + $2)::text, 9, '0'), 'bench', 'user' || (n + $2), now() - interval '400 days'
         FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)`,
      [chunk, i],
    );
  }
  const edges = buildGraph(USERS);
  const degree = new Array<number>(USERS).fill(0);
  for (const [a, b] of edges) {
    degree[a]!++;
    degree[b]!++;
  }
  for (let i = 0; i < edges.length; i += 20_000) {
    const chunk = edges.slice(i, i + 20_000);
    const from = chunk.flatMap(([a, b]) => [ids[a], ids[b]]);
    const to = chunk.flatMap(([a, b]) => [ids[b], ids[a]]);
    await db.query(
      `INSERT INTO friendships (user_id, friend_id, created_at)
       SELECT f, t, now() - interval '200 days' FROM unnest($1::uuid[], $2::uuid[]) AS x(f, t)`,
      [from, to],
    );
  }
  await db.query('ANALYZE');
  return { ids, degree };
}

const BANDS: { name: string; test: (d: number) => boolean }[] = [
  { name: '< 30', test: (d) => d < 30 },
  { name: '30–99', test: (d) => d >= 30 && d < 100 },
  { name: '100–999', test: (d) => d >= 100 && d < 1000 },
  { name: '1,000–5,000', test: (d) => d >= 1000 },
];
const bandOf = (d: number) => BANDS.find((b) => b.test(d))!.name;

async function entryCount(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM feed_entries');
  return Number(rows[0]!.n);
}

async function main() {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  const name = `hebao_bench_feed_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const db = createPool(url.toString(), WRITERS + READERS + 2);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hebao-bench-feed-'));
  const out = (line = '') => console.log(line);
  const loadAtStart = os.loadavg()[0]!;
  try {
    await migrate(db);
    const seedStart = performance.now();
    const { ids, degree } = await seedGraph(db);
    const sorted = [...degree].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    const friendships = degree.reduce((s, d) => s + d, 0) / 2;
    console.log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const identity = new IdentityService(db, systemClock, {
      secret: 'bench-secret-bench-secret-bench-secret-00',
      adminPhones: [],
      sessionDays: 30,
      pinMaxTries: 5,
      pinLockMinutes: 180,
      sms: new SandboxSmsChannel(systemClock),
      loginThrottle: { freeTries: 5, baseDelaySeconds: 30, maxDelaySeconds: 3600 },
    });
    const social: SocialServices = createSocialServices(db, systemClock, {
      graph: new SocialGraph(db),
      identity,
      notifications: new NotificationService(db, systemClock, undefined),
      moderate: async () => ({ action: 'allow', categories: [] }),
      secret: 'bench-secret-bench-secret-bench-secret-00',
      dataDir,
    });

    // Writes: posts by uniformly chosen authors (hubs included), then payments between friends.
    const postLatency = new Map(BANDS.map((b) => [b.name, new Latencies()]));
    const postSeconds = await pool(POSTS, WRITERS, async (i) => {
      const author = randInt(USERS);
      const t0 = performance.now();
      await social.posts.create(ids[author]!, {
        text: `post ${i} 今天的生活`,
        visibility: random() < 0.15 ? 'public' : 'friends',
      });
      postLatency.get(bandOf(degree[author]!))!.add(performance.now() - t0);
    });
    const entriesAfterPosts = await entryCount(db);
    /** The k-th friend of user u, in id order: a uniformly chosen friend for a random k. */
    const friendOf = async (u: number, k: number) =>
      (
        await db.query<{ friend_id: string }>(
          'SELECT friend_id FROM friendships WHERE user_id = $1 ORDER BY friend_id OFFSET $2 LIMIT 1',
          [ids[u], k],
        )
      ).rows[0]?.friend_id;
    // Payments go to a random friend, so payees are often well-connected (the friendship
    // paradox): readers pull them from both parties' payment indexes.
    const paymentLatency = new Latencies();
    const paymentSeconds = await pool(PAYMENTS, WRITERS, async () => {
      const payer = randInt(USERS);
      const payee = (await friendOf(payer, randInt(degree[payer]!))) ?? ids[(payer + 1) % USERS]!;
      const roll = random();
      const visibility: Visibility = roll < 0.1 ? 'private' : roll < 0.3 ? 'public' : 'friends';
      const t0 = performance.now();
      await social.feed.recordPayment({
        transferId: randomUUID(),
        fromUserId: ids[payer]!,
        toUserId: payee,
        note: '晚饭',
        visibility,
        createdAt: new Date(),
      });
      paymentLatency.add(performance.now() - t0);
    });
    const entriesAfterPayments = await entryCount(db);
    const { rows: sizes } = await db.query<{ bytes: string }>(
      `SELECT pg_total_relation_size('feed_entries')::text AS bytes`,
    );
    await db.query('ANALYZE');

    // Reads: first and second page for users in each band; the heaviest ten separately.
    const byDegree = ids.map((id, i) => ({ id, d: degree[i]! })).sort((a, b) => b.d - a.d);
    const heaviest = byDegree.slice(0, 10);
    const heaviestName = `heaviest 10 (${heaviest.at(-1)!.d}–${heaviest[0]!.d})`;
    const readBands = [
      ...BANDS.map((b) => ({
        name: b.name,
        users: byDegree.filter((u) => b.test(u.d)),
        readers: READERS,
      })),
      { name: heaviestName, users: heaviest, readers: READERS },
      // One reader at a time: the cost of a read itself, without queueing for the two cores.
      { name: `${heaviestName}, 1 reader`, users: heaviest, readers: 1 },
    ];
    const readResults: { name: string; users: number; first: Latencies; second: Latencies }[] = [];
    for (const band of readBands) {
      const first = new Latencies();
      const second = new Latencies();
      await pool(READS, band.readers, async () => {
        const viewer = band.users[randInt(band.users.length)]!.id;
        let t0 = performance.now();
        const page = await social.feed.feed(viewer, { limit: 20 });
        first.add(performance.now() - t0);
        if (page.nextCursor) {
          t0 = performance.now();
          await social.feed.feed(viewer, {
            limit: 20,
            beforeSeq: seqFromCursor(page.nextCursor)!,
          });
          second.add(performance.now() - t0);
        }
      });
      readResults.push({ name: band.name, users: band.users.length, first, second });
    }
    // Baseline in the same run: the first page's ids, once from the inbox (what the read path
    // starts with) and once computed at read time from the friends' own posts and payments
    // (fan-out on read, with the same indexes). Ids only, one reader: the raw SQL cost of each.
    const inboxSql = `SELECT seq, item_id FROM feed_entries WHERE owner_id = $1
                       ORDER BY seq DESC LIMIT 20`;
    const fanInSql = `SELECT seq, id FROM (
        SELECT p.seq, p.id FROM friendships f CROSS JOIN LATERAL (
          SELECT seq, id FROM posts WHERE author_id = f.friend_id AND visibility <> 'private'
             AND moderation_status = 'visible' ORDER BY seq DESC LIMIT 20) p
         WHERE f.user_id = $1
        UNION ALL
        SELECT x.seq, x.transfer_id FROM friendships f CROSS JOIN LATERAL (
          SELECT seq, transfer_id FROM feed_payments WHERE from_user_id = f.friend_id
             AND visibility <> 'private' ORDER BY seq DESC LIMIT 20) x
         WHERE f.user_id = $1
        UNION ALL
        SELECT y.seq, y.transfer_id FROM friendships f CROSS JOIN LATERAL (
          SELECT seq, transfer_id FROM feed_payments WHERE to_user_id = f.friend_id
             AND visibility <> 'private' ORDER BY seq DESC LIMIT 20) y
         WHERE f.user_id = $1
      ) page ORDER BY seq DESC LIMIT 20`;
    const lightest = byDegree.filter((u) => u.d < 30);
    const baselines: { name: string; inbox: Latencies; fanIn: Latencies }[] = [];
    for (const [name, users] of [
      ['< 30', lightest],
      [heaviestName, heaviest],
    ] as const) {
      const inbox = new Latencies();
      const fanIn = new Latencies();
      for (let k = 0; k < 500; k++) {
        const viewer = users[randInt(users.length)]!.id;
        let t0 = performance.now();
        await db.query(inboxSql, [viewer]);
        inbox.add(performance.now() - t0);
        t0 = performance.now();
        await db.query(fanInSql, [viewer]);
        fanIn.add(performance.now() - t0);
      }
      baselines.push({ name, inbox, fanIn });
    }

    const { rows: heavyInbox } = await db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM feed_entries WHERE owner_id = $1',
      [heaviest[0]!.id],
    );

    // Friendship changes on the heaviest user: unfriend (inbox clean-up), then befriend again
    // (request + accept with the 30-day backfill both ways).
    const heavy = heaviest[0]!.id;
    const heavyIndex = ids.indexOf(heavy);
    const partners: string[] = [];
    for (let k = 0; k < 30; k++)
      partners.push((await friendOf(heavyIndex, Math.floor((k * degree[heavyIndex]!) / 30)))!);
    const unfriend = new Latencies();
    const befriend = new Latencies();
    for (const partner of partners) {
      let t0 = performance.now();
      await social.friends.unfriend(heavy, partner);
      unfriend.add(performance.now() - t0);
      t0 = performance.now();
      const { id } = await social.friends.sendRequest(partner, { userId: heavy });
      await social.friends.answerRequest(heavy, id, 'accept');
      befriend.add(performance.now() - t0);
    }

    const { rows: settings } = await db.query<{ version: string; fsync: string; sync: string }>(
      `SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
              current_setting('synchronous_commit') AS sync`,
    );
    const server = settings[0]!;
    out(`## Feed — ${new Date().toISOString().slice(0, 10)}`);
    out();
    out('### Machine');
    out();
    out(
      `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM; PostgreSQL ${server.version} on the same machine (fsync ${server.fsync}, synchronous_commit ${server.sync}); Node ${process.version}. Load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end: above ${os.cpus().length}, other work shared the machine and the figures are pessimistic.`,
    );
    out();
    out('### Figures');
    out();
    out(
      `\`npm run bench:feed\` (\`bench/feed.ts\`), seed ${SEED}. Graph: ${USERS.toLocaleString('en')} users, ${friendships.toLocaleString('en')} friendships; friends per user p10 ${at(0.1)}, p50 ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)}, max ${sorted.at(-1)}. Posts fanned out on write into \`feed_entries\`, payments pulled on read; friend cap ${MAX_FRIENDS.toLocaleString('en')}.`,
    );
    out();
    out(`Writes (${WRITERS} concurrent writers):`);
    out();
    out('| what | count | per second | inbox rows written/s | p50 ms | p99 ms |');
    out('|---|---:|---:|---:|---:|---:|');
    const all = new Latencies();
    for (const l of postLatency.values()) for (const s of l.samples) all.add(s);
    out(
      `| posts, all authors | ${POSTS} | ${Math.round(POSTS / postSeconds)} | ${Math.round(entriesAfterPosts / postSeconds).toLocaleString('en')} | ${ms(all.pct(50))} | ${ms(all.pct(99))} |`,
    );
    for (const [band, l] of postLatency) {
      if (l.samples.length === 0) continue;
      out(
        `| posts by authors with ${band} friends | ${l.samples.length} | | | ${ms(l.pct(50))} | ${ms(l.pct(99))} |`,
      );
    }
    out(
      `| payments (recordPayment) | ${PAYMENTS} | ${Math.round(PAYMENTS / paymentSeconds)} | ${Math.round((entriesAfterPayments - entriesAfterPosts) / paymentSeconds).toLocaleString('en')} | ${ms(paymentLatency.pct(50))} | ${ms(paymentLatency.pct(99))} |`,
    );
    out();
    out(
      `Inboxes after the writes: ${entriesAfterPayments.toLocaleString('en')} entries, ${(Number(sizes[0]!.bytes) / 2 ** 20).toFixed(0)} MB with indexes; the heaviest user's inbox holds ${Number(heavyInbox[0]!.n).toLocaleString('en')}.`,
    );
    out();
    out(
      `Feed reads (FeedService.feed, 20 items a page, ${READERS} concurrent readers unless said otherwise, ${READS} per row):`,
    );
    out();
    out(
      '| readers with … friends | users | first page p50 ms | p99 ms | second page p50 ms | p99 ms |',
    );
    out('|---|---:|---:|---:|---:|---:|');
    for (const r of readResults) {
      out(
        `| ${r.name} | ${r.users} | ${ms(r.first.pct(50))} | ${ms(r.first.pct(99))} | ${ms(r.second.pct(50))} | ${ms(r.second.pct(99))} |`,
      );
    }
    out();
    out(
      'Baseline, same run: the first page as ids only, raw SQL, one reader, 500 reads per row — from the inbox (fan-out on write) and computed at read time from the friends’ posts and payments (fan-out on read, same indexes):',
    );
    out();
    out(
      '| readers with … friends | inbox p50 ms | p99 ms | fan-out on read p50 ms | p99 ms | ratio of p50s |',
    );
    out('|---|---:|---:|---:|---:|---:|');
    for (const b of baselines) {
      out(
        `| ${b.name} | ${ms(b.inbox.pct(50))} | ${ms(b.inbox.pct(99))} | ${ms(b.fanIn.pct(50))} | ${ms(b.fanIn.pct(99))} | ${(b.fanIn.pct(50) / b.inbox.pct(50)).toFixed(1)}× |`,
      );
    }
    out();
    out(
      `Friendship changes for the heaviest user (${partners.length} each): unfriend (inbox clean-up both ways) p50 ${ms(unfriend.pct(50))} ms, p99 ${ms(unfriend.pct(99))} ms; request + accept with backfill p50 ${ms(befriend.pct(50))} ms, p99 ${ms(befriend.pct(99))} ms.`,
    );
    console.log('\n(markdown above; append it to docs/benchmarks.md)');
  } finally {
    await db.end();
    rmSync(dataDir, { recursive: true, force: true });
    if (process.env.BENCH_KEEP_DB) console.log(`kept database ${name}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
