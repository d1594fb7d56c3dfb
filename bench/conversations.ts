/**
 * npm run bench:conversations — live fan-out of a group's messages, against a real server
 * process on a fresh database: a group of BENCH_MEMBERS (500) members, every member with the
 * notification stream open, and for each round the time from sending to arrival on every
 * stream (p50/p99 over all deliveries):
 *
 *   baseline  one plain notification to every member: the statement NotificationService.notifyMany
 *             runs (a row and a NOTIFY per member), issued straight to PostgreSQL;
 *   text      POST /conversations/{group}/messages: one row, one NOTIFY, pushed by each process
 *             to its members' streams;
 *   envelope  POST /red-packets to the group (a lucky envelope of 100 shares): the money, the
 *             envelope's card (one NOTIFY) and, as before, a notification per member.
 *
 * The message timings include the HTTP request (moderation, the commit, for the envelope the
 * ledger); the baseline's start is its statement. The last lines are the p99 ratios.
 *
 * Env (all optional): BENCH_PG_URL, BENCH_MEMBERS (500), BENCH_ROUNDS (5).
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { NotificationService } from '../src/modules/notifications/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { percentile, verifyUser, withBenchServer } from './support/server.ts';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const log = (line = '') => process.stdout.write(`${line}\n`);

interface User {
  id: string;
  token: string;
  phone: string;
}

interface Arrival {
  event: string;
  data: Record<string, unknown>;
  at: number;
}

async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  token?: string,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function pool<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!, i);
      }
    }),
  );
  return out;
}

/** One member's open stream: every event, with the moment it was parsed. */
async function openStream(base: string, token: string, sink: (a: Arrival) => void) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/v1/notifications/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status}`);
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const at = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) sink({ event, data: JSON.parse(data), at });
        }
      }
    } catch {}
  })();
  return () => controller.abort();
}

/** Waits until `match` has arrived on every stream; the latencies from `started`, sorted. */
function deliveries(
  arrivals: Arrival[][],
  match: (a: Arrival) => boolean,
  started: number,
  timeoutMs = 60_000,
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const until = Date.now() + timeoutMs;
    const check = () => {
      const firsts = arrivals.map((list) => list.find(match));
      if (firsts.every(Boolean)) {
        resolve(firsts.map((a) => a!.at - started).sort((x, y) => x - y));
        return;
      }
      if (Date.now() > until) {
        const missing = firsts.filter((a) => !a).length;
        reject(
          new Error(`${missing} of ${arrivals.length} streams got nothing in ${timeoutMs} ms`),
        );
        return;
      }
      setTimeout(check, 5);
    };
    check();
  });
}

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '?';
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${execSync('nproc').toString().trim()} cores (${cpu}), ${memGiB} GiB RAM, Node ${process.version}`;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  log(`bench:conversations — ${new Date().toISOString()}`);
  log(
    `machine: ${machine()}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  log(`settings: a group of ${MEMBERS} members, all streams open; ${ROUNDS} rounds per scenario`);
  await withBenchServer(
    'conv',
    { HEBAO_RATE_MESSAGES: '1000000' },
    async ({ base, databaseUrl }) => {
      const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
      try {
        const prefix = `135${String(Date.now() % 100).padStart(2, '0')}`;
        const users = await pool(
          Array.from({ length: MEMBERS }, (_, i) => i),
          8,
          async (i): Promise<User> => {
            const phone = `${prefix}${String(i).padStart(6, '0')}`;
            const json = await call(base, 'POST', '/api/v1/auth/register', {
              phone,
              password: 'bench password 2026',
              nickname: `m${i}`,
            });
            return { id: (json.user as { id: string }).id, token: json.token as string, phone };
          },
        );
        const owner = users[0]!;
        await verifyUser(base, owner, 0);
        await call(base, 'POST', '/api/v1/wallet/topups', { amount: 5_000_000 }, owner.token);
        // Set-up, not under test: the owner befriends everyone straight in the graph's table.
        await db.query(
          `INSERT INTO friendships (user_id, friend_id, created_at)
         SELECT v.x, v.y, now() FROM unnest($2::uuid[]) AS o(id),
                LATERAL (VALUES ($1::uuid, o.id), (o.id, $1::uuid)) v(x, y)
         ON CONFLICT DO NOTHING`,
          [owner.id, users.slice(1).map((u) => u.id)],
        );
        const group = await call(
          base,
          'POST',
          '/api/v1/groups',
          { name: 'bench 500', memberIds: users.slice(1).map((u) => u.id) },
          owner.token,
        );
        const groupId = group.id as string;
        log(
          `set-up: ${MEMBERS} users, group ${groupId} with ${(group.members as unknown[]).length} members`,
        );

        const arrivals: Arrival[][] = users.map(() => []);
        const closers = await pool(users, 50, (u, i) =>
          openStream(base, u.token, (a) => arrivals[i]!.push(a)),
        );
        await new Promise((r) => setTimeout(r, 1000));

        const notifications = new NotificationService(db, systemClock, databaseUrl);
        const results: Record<string, { latencies: number[]; requestMs: number[] }> = {
          baseline: { latencies: [], requestMs: [] },
          text: { latencies: [], requestMs: [] },
          envelope: { latencies: [], requestMs: [] },
        };
        for (let round = 0; round < ROUNDS; round++) {
          const mark = `r${round}-${Math.random().toString(36).slice(2, 8)}`;

          let started = performance.now();
          await notifications.notifyMany(
            db,
            users.map((u) => u.id),
            'bench.ping',
            { mark },
          );
          results.baseline!.requestMs.push(performance.now() - started);
          results.baseline!.latencies.push(
            ...(await deliveries(
              arrivals,
              (a) =>
                a.event === 'notification' && (a.data.data as { mark?: string })?.mark === mark,
              started,
            )),
          );

          started = performance.now();
          await call(
            base,
            'POST',
            `/api/v1/conversations/${groupId}/messages`,
            { text: mark },
            owner.token,
          );
          results.text!.requestMs.push(performance.now() - started);
          results.text!.latencies.push(
            ...(await deliveries(
              arrivals,
              (a) => a.event === 'message' && a.data.text === mark,
              started,
            )),
          );

          started = performance.now();
          await call(
            base,
            'POST',
            '/api/v1/red-packets',
            { kind: 'lucky', count: 100, totalAmount: 10_000, greeting: mark, to: { groupId } },
            owner.token,
          );
          results.envelope!.requestMs.push(performance.now() - started);
          results.envelope!.latencies.push(
            ...(await deliveries(
              arrivals,
              (a) =>
                a.event === 'message' &&
                a.data.kind === 'red_packet' &&
                (a.data.data as { greeting?: string })?.greeting === mark,
              started,
            )),
          );
          for (const list of arrivals) list.length = 0;
        }
        for (const close of closers) close();

        log();
        log('scenario   deliveries   p50        p99        max        request p50');
        const p99 = (k: string) =>
          percentile(
            results[k]!.latencies.sort((a, b) => a - b),
            99,
          );
        for (const [name, r] of Object.entries(results)) {
          const sorted = r.latencies.sort((a, b) => a - b);
          const req = r.requestMs.sort((a, b) => a - b);
          log(
            `${name.padEnd(10)} ${String(sorted.length).padEnd(12)} ${ms(percentile(sorted, 50)).padEnd(10)} ${ms(percentile(sorted, 99)).padEnd(10)} ${ms(sorted[sorted.length - 1] ?? Number.NaN).padEnd(10)} ${ms(percentile(req, 50))}`,
          );
        }
        log();
        log(`p99 ratio text / baseline:     ${(p99('text') / p99('baseline')).toFixed(2)}`);
        log(`p99 ratio envelope / baseline: ${(p99('envelope') / p99('baseline')).toFixed(2)}`);
      } finally {
        await db.end();
      }
    },
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
