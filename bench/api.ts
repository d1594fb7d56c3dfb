/**
 * npm run bench:api — transfers through the HTTP API as real users make them, against a real
 * server process on a fresh database, and in the same run the one-SQL-transaction-per-transfer
 * baseline of bench:ledger (scenario 1) on the same PostgreSQL.
 *
 * Users carry what wallet users carry: a verified identity, a payment PIN on every transfer,
 * 5–50 friends each (every payment reaches both parties' friends' feeds), a note on every payment.
 * Closed loop: BENCH_CLIENTS clients (default 64), each sending to one of its friends.
 * Env: BENCH_PG_URL, BENCH_CLIENTS, BENCH_USERS (default 200), BENCH_SECONDS (default 15),
 * BENCH_WARMUP_SECONDS (default 3).
 * The last line is `ratio=` API transfers/s ÷ baseline transfers/s.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import { Pool } from 'undici';
import { BENCH_PG_URL, verifyUser, withBenchServer } from './support/server.ts';

const clients = Number(process.env.BENCH_CLIENTS ?? 64);
const userCount = Math.max(clients, Number(process.env.BENCH_USERS ?? 200));
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const PIN = '135790';
let base = '';

const log = (line: string) => process.stdout.write(`${line}\n`);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/*
 * The clients share the machine's two cores with the server and PostgreSQL, so they use
 * undici's connection pool (what autocannon uses) rather than fetch, which costs the client
 * several times more CPU per request; the server sees the same requests either way.
 */
let http: Pool | undefined;
const call = async (method: string, path: string, body?: unknown, token?: string, key?: string) => {
  http ??= new Pool(base, { connections: clients + 16 });
  const res = await http.request({
    method: method as 'GET',
    path,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(key ? { 'idempotency-key': key } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
};

async function must(
  what: string,
  status: number,
  run: () => Promise<{ status: number; body: unknown }>,
) {
  const res = await run();
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
}

/** Runs `work` over `items` with at most `width` at a time. */
async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T, i: number) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

/** Friend pairs: every user gets between 5 and 50 friends (a ring, then random extra edges). */
function friendPairs(n: number): [number, number][] {
  const pairs = new Set<string>();
  const degree = new Array<number>(n).fill(0);
  const add = (a: number, b: number) => {
    if (a === b) return;
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    if (pairs.has(key)) return;
    pairs.add(key);
    degree[a]!++;
    degree[b]!++;
  };
  for (let i = 0; i < n; i++) for (let k = 1; k <= 3; k++) add(i, (i + k) % n);
  let seed = 42;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < n; i++) {
    const target = 5 + Math.floor(rand() * 46);
    for (let tries = 0; degree[i]! < target && tries < 200; tries++) {
      const j = Math.floor(rand() * n);
      if (degree[j]! < 50) add(i, j);
    }
  }
  return [...pairs].map((k) => k.split(':').map(Number) as [number, number]);
}

async function durability(): Promise<string> {
  const c = new pg.Client({ connectionString: BENCH_PG_URL });
  await c.connect();
  try {
    const show = async (s: string) => (await c.query(`SHOW ${s}`)).rows[0][s] as string;
    const fsync = await show('fsync');
    const syncCommit = await show('synchronous_commit');
    if (fsync !== 'on' || syncCommit !== 'on') {
      throw new Error('durable settings required (fsync and synchronous_commit on)');
    }
    return `PostgreSQL ${await show('server_version')}; fsync=${fsync} synchronous_commit=${syncCommit}`;
  } finally {
    await c.end();
  }
}

/** Scenario 1 of bench:ledger (one SQL transaction per transfer), run as its own process. */
async function ledgerBaseline(): Promise<number> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ledger.ts'], {
      env: {
        ...process.env,
        BENCH_ONLY: '1',
        BENCH_CLIENTS: String(clients),
        BENCH_SECONDS: String(seconds),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`bench:ledger exited ${code}`)),
    );
  });
  const m = /^1 baseline.*: (\d+) transfers\/s$/m.exec(out);
  if (!m) throw new Error(`no baseline figure in bench:ledger output:\n${out}`);
  return Number(m[1]);
}

interface Member {
  id: string;
  token: string;
  friends: number[];
}

async function setUp(): Promise<Member[]> {
  const users: Member[] = [];
  const started = performance.now();
  await inParallel(
    Array.from({ length: userCount }, (_, i) => i),
    16,
    async (i) => {
      const reg = await must('register', 201, () =>
        call('POST', '/api/v1/auth/register', {
          phone: `137${String(i).padStart(8, '0')}`,
          password: 'bench password 2026',
          nickname: `b${i}`,
        }),
      );
      const token = reg.token as string;
      await verifyUser(base, { phone: `137${String(i).padStart(8, '0')}`, token }, i);
      await must('pin', 204, () => call('PUT', '/api/v1/me/pin', { pin: PIN }, token));
      await must('top-up', 201, () =>
        call('POST', '/api/v1/wallet/topups', { amount: 5_000_000 }, token, `top-${i}`),
      );
      users[i] = { id: (reg.user as { id: string }).id, token, friends: [] };
    },
  );
  // Friend requests are limited per sender and minute (30): each pair is asked by whichever
  // of the two has asked fewer, so nobody asks more than 25.
  const asked = new Array<number>(userCount).fill(0);
  const pairs = friendPairs(userCount).map(([x, y]) => {
    const [a, b] = asked[x]! <= asked[y]! ? [x, y] : [y, x];
    asked[a]!++;
    return [a, b] as [number, number];
  });
  await inParallel(pairs, 16, async ([a, b]) => {
    const req = await must('friend request', 201, () =>
      call('POST', '/api/v1/friends/requests', { userId: users[b]!.id }, users[a]!.token),
    );
    await must('accept', 200, () =>
      call('POST', `/api/v1/friends/requests/${req.id}/accept`, {}, users[b]!.token),
    );
    users[a]!.friends.push(b);
    users[b]!.friends.push(a);
  });
  const degrees = users.map((u) => u.friends.length).sort((x, y) => x - y);
  log(
    `set-up: ${userCount} verified users with a PIN and ${degrees[0]}–${degrees[degrees.length - 1]} friends (median ${percentile(degrees, 50)}), ${pairs.length} friendships, in ${((performance.now() - started) / 1000).toFixed(0)} s (not measured)`,
  );
  return users;
}

async function transfers(users: Member[]) {
  let measuring = false;
  let stopping = false;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let n = 0; !stopping; n++) {
      // Spread payers over all users; each pays a friend of theirs.
      const payer = users[(c + n * clients) % users.length]!;
      const to = users[payer.friends[n % payer.friends.length]!]!;
      const t0 = performance.now();
      const res = await call(
        'POST',
        '/api/v1/transfers',
        { to: { userId: to.id }, amount: 1 + (n % 100), note: '午饭', pin: PIN },
        payer.token,
        `t-${c}-${n}`,
      );
      if (measuring) {
        latencies.push(performance.now() - t0);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }
  });
  await new Promise((r) => setTimeout(r, warmup * 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  stopping = true;
  await Promise.all(loops);
  latencies.sort((a, b) => a - b);
  const ok = statuses.get(201) ?? 0;
  return { rate: ok / elapsed, latencies, statuses, ok };
}

async function main() {
  log(
    `machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  );
  log(`database: ${await durability()}`);
  log(`settings: ${clients} closed-loop clients, ${seconds} s measured after ${warmup} s warm-up`);
  const api = await withBenchServer('api', {}, async (server) => {
    base = server.base;
    const users = await setUp();
    const run = await transfers(users);
    // The feed record is written from the outbox after each commit: say how far behind it was
    // when the measured window closed, and how long it took to catch up (it is part of the work).
    const db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    const backlog = async () =>
      Number((await db.query('SELECT count(*) AS n FROM outbox')).rows[0].n as string);
    const behind = await backlog();
    const drainStart = performance.now();
    while ((await backlog()) > 0) await new Promise((r) => setTimeout(r, 100));
    const drained = (performance.now() - drainStart) / 1000;
    const { rows } = await db.query('SELECT (SELECT count(*) FROM feed_payments) AS payments');
    await db.end();
    const health = await call('GET', '/healthz');
    await http?.close();
    http = undefined;
    if (health.status !== 200) throw new Error('server unhealthy after the run');
    return { ...run, behind, drained, feed: rows[0] as { payments: string } };
  });
  const other = [...api.statuses].filter(([s]) => s !== 201);
  log(
    `(a) HTTP transfers (PIN, note, feed): ${api.rate.toFixed(0)} transfers/s, p50 ${percentile(api.latencies, 50).toFixed(1)} ms, p99 ${percentile(api.latencies, 99).toFixed(1)} ms, ${api.ok} ok${other.length ? `, other answers ${JSON.stringify(Object.fromEntries(other))}` : ''}`,
  );
  log(
    `    feed records from the outbox: ${api.behind} payments behind at the end, caught up ${api.drained.toFixed(1)} s later; ${api.feed.payments} payments in feeds`,
  );
  const baseline = await ledgerBaseline();
  log(
    `(b) baseline, bench:ledger scenario 1 (1 SQL transaction per transfer, ${clients} clients): ${baseline} transfers/s`,
  );
  log(`ratio=${(api.rate / baseline).toFixed(2)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
