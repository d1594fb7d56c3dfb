/**
 * npm run bench:redpackets — red envelope claims through the HTTP API, against a real server
 * process on a fresh database, compared in the same run with plain transfers:
 *
 *   A. rush: one lucky envelope of 100 shares to a group of BENCH_CLAIMERS members, every
 *      member claiming at the same moment (BENCH_RUSH_ROUNDS envelopes, one after another);
 *   B. spread: BENCH_CLAIMERS envelopes of one share each, all claimed at the same moment;
 *   C. transfers: BENCH_CLAIMERS plain transfers at the same moment, to as many receivers;
 *   and, as the yardstick of A, BENCH_CLAIMERS simultaneous `GET /api/v1/me` (the cheapest
 *   authenticated request), BENCH_RUSH_ROUNDS times; the last line is their p99 ratio.
 *
 * Env (all optional): BENCH_PG_URL (server to create the database on; default
 * postgres://postgres@127.0.0.1:5432/postgres), BENCH_CLAIMERS (1000), BENCH_SENDERS (20),
 * BENCH_RUSH_ROUNDS (5), HEBAO_DB_POOL (the server's pool; Hebao's default 20).
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { percentile, verifyUser, withBenchServer } from './support/server.ts';

const CLAIMERS = Number(process.env.BENCH_CLAIMERS ?? 1000);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 20);
const RUSH_ROUNDS = Number(process.env.BENCH_RUSH_ROUNDS ?? 5);
const RUSH_SHARES = 100;
let base = '';

interface User {
  id: string;
  token: string;
}

interface Sample {
  ms: number;
  status: number;
  code?: string;
}

interface Outcome {
  scenario: string;
  requests: number;
  succeeded: number;
  seconds: number;
  samples: Sample[];
  notes: string;
}

const log = (line = '') => process.stdout.write(`${line}\n`);

async function request(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  return { status: res.status, json: text ? JSON.parse(text) : {}, ms };
}

async function expectStatus(
  status: number,
  call: Promise<{ status: number; json: Record<string, unknown> }>,
): Promise<Record<string, unknown>> {
  const res = await call;
  if (res.status !== status) {
    throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.json)}`);
  }
  return res.json;
}

/** Runs `work` over `items` with at most `limit` in flight (set-up only; the scenarios fire all at once). */
async function inBatches<T, R>(
  items: T[],
  limit: number,
  work: (item: T, i: number) => Promise<R>,
) {
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

async function register(i: number, prefix: string): Promise<User> {
  const json = await expectStatus(
    201,
    request('POST', '/api/v1/auth/register', {
      phone: `${prefix}${String(i).padStart(8, '0')}`,
      password: 'bench password 2026',
      nickname: `b${i}`,
    }),
  );
  return { id: (json.user as { id: string }).id, token: json.token as string };
}

/** Fires every call at the same moment and times each one. */
async function rush(
  calls: (() => Promise<{ status: number; json: Record<string, unknown>; ms: number }>)[],
): Promise<{ samples: Sample[]; seconds: number }> {
  const started = performance.now();
  const results = await Promise.all(calls.map((c) => c()));
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    samples: results.map((r) => ({
      ms: r.ms,
      status: r.status,
      ...(typeof r.json.code === 'string' ? { code: r.json.code } : {}),
    })),
  };
}

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '?';
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(1);
  const cores = execSync('nproc').toString().trim();
  return `${cores} cores (${cpu}), ${memGiB} GiB RAM, Node ${process.version}`;
}

function summarise(o: Outcome): string[] {
  const all = o.samples.map((s) => s.ms).sort((a, b) => a - b);
  const won = o.samples
    .filter((s) => s.status === 201)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  return [
    o.scenario,
    String(o.requests),
    String(o.succeeded),
    (o.succeeded / o.seconds).toFixed(0),
    (o.requests / o.seconds).toFixed(0),
    percentile(all, 50).toFixed(0),
    percentile(all, 99).toFixed(0),
    percentile(won, 99).toFixed(0),
    o.notes,
  ];
}

const HEADER = [
  'scenario',
  'requests',
  'succeeded',
  'succeeded/s',
  'requests/s',
  'p50 ms',
  'p99 ms',
  'p99 ms (201s)',
  'notes',
];

async function main() {
  const env = {
    HEBAO_REDPACKET_DAILY: String(Number.MAX_SAFE_INTEGER),
    HEBAO_GROUP_MAX_MEMBERS: String(CLAIMERS + 1),
    HEBAO_ADMIN_PHONES: '13600000000',
  };
  await withBenchServer('rp', env, async (server) => {
    base = server.base;
    log(`machine: ${machine()}`);
    log(
      `load average at start: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    log(
      `settings: ${CLAIMERS} claimers, ${SENDERS} senders, ${RUSH_ROUNDS} rush rounds of ${RUSH_SHARES} shares; server pool HEBAO_DB_POOL=${process.env.HEBAO_DB_POOL ?? '20 (default)'}; client, server and PostgreSQL share the machine`,
    );

    // Set-up (not measured): verified, funded senders; claimers who have never had a wallet.
    const setupStarted = performance.now();
    const senders = await inBatches(
      Array.from({ length: SENDERS }, (_, i) => i),
      8,
      async (i) => {
        const u = await register(i, '136');
        await verifyUser(base, { phone: `136${String(i).padStart(8, '0')}`, token: u.token }, i);
        await expectStatus(
          201,
          request('POST', '/api/v1/wallet/topups', { amount: 4_000_000 }, u.token),
        );
        return u;
      },
    );
    const claimers = await inBatches(
      Array.from({ length: CLAIMERS }, (_, i) => i),
      8,
      (i) => register(i, '137'),
    );
    const owner = senders[0]!;
    // A member adds only their own friends: each claimer asks the owner, who accepts.
    await inBatches(claimers, 8, async (c) => {
      const asked = await expectStatus(
        201,
        request('POST', '/api/v1/friends/requests', { userId: owner.id }, c.token),
      );
      await expectStatus(
        200,
        request('POST', `/api/v1/friends/requests/${asked.id}/accept`, undefined, owner.token),
      );
    });
    const group = await expectStatus(
      201,
      request(
        'POST',
        '/api/v1/groups',
        { name: '压测群', memberIds: claimers.map((c) => c.id) },
        owner.token,
      ),
    );
    log(`set-up: ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

    const outcomes: Outcome[] = [];

    let rushComparison: string[] = [];

    // A. The rush: everyone at one envelope.
    const rushSamples: Sample[] = [];
    let rushSeconds = 0;
    let rushWon = 0;
    const emptiedAfter: number[] = [];
    for (let round = 0; round < RUSH_ROUNDS; round++) {
      const packet = await expectStatus(
        201,
        request(
          'POST',
          '/api/v1/red-packets',
          { kind: 'lucky', count: RUSH_SHARES, totalAmount: 100_000, to: { groupId: group.id } },
          owner.token,
        ),
      );
      const { samples, seconds } = await rush(
        claimers.map(
          (c) => () =>
            request('POST', `/api/v1/red-packets/${packet.id}/claims`, undefined, c.token),
        ),
      );
      const won = samples.filter((s) => s.status === 201);
      const unexpected = samples.filter((s) => s.status !== 201 && s.code !== 'sold_out');
      if (won.length !== RUSH_SHARES || unexpected.length > 0) {
        throw new Error(`rush round ${round}: ${won.length} won, ${unexpected.length} unexpected`);
      }
      const view = await expectStatus(
        200,
        request('GET', `/api/v1/red-packets/${packet.id}`, undefined, owner.token),
      );
      if (view.status !== 'emptied' || view.claimedAmount !== 100_000) {
        throw new Error(`rush round ${round}: envelope ${JSON.stringify(view)}`);
      }
      emptiedAfter.push(Math.max(...won.map((s) => s.ms)));
      rushSamples.push(...samples);
      rushSeconds += seconds;
      rushWon += won.length;
    }
    outcomes.push({
      scenario: `A rush: 1 envelope x ${RUSH_SHARES} shares, ${CLAIMERS} claimers at once`,
      requests: rushSamples.length,
      succeeded: rushWon,
      seconds: rushSeconds,
      samples: rushSamples,
      // The losers' own latency: the p50 column is over every request, winners included.
      notes: `${RUSH_ROUNDS} rounds; envelope empty after ${Math.min(...emptiedAfter).toFixed(0)}-${Math.max(...emptiedAfter).toFixed(0)} ms; the rest 410 sold_out, p50 ${percentile(
        rushSamples
          .filter((x) => x.status !== 201)
          .map((x) => x.ms)
          .sort((a, b) => a - b),
        50,
      ).toFixed(0)} ms`,
    });

    // The cheapest authenticated request, the same claimers at the same moment: what the rush
    // is held to (its p99 at most 1.5 times this one's).
    const meSamples: Sample[] = [];
    for (let round = 0; round < RUSH_ROUNDS; round++) {
      const me = await rush(
        claimers.map((c) => () => request('GET', '/api/v1/me', undefined, c.token)),
      );
      if (me.samples.some((x) => x.status !== 200)) throw new Error('GET /me failed in the rush');
      meSamples.push(...me.samples);
    }
    const p99 = (samples: Sample[]) =>
      percentile(
        samples.map((x) => x.ms).sort((a, b) => a - b),
        99,
      );
    const p50 = (samples: Sample[]) =>
      percentile(
        samples.map((x) => x.ms).sort((a, b) => a - b),
        50,
      );
    const lost = rushSamples.filter((x) => x.status !== 201);
    rushComparison = [
      `rush, all ${rushSamples.length} answers: p50 ${p50(rushSamples).toFixed(0)} ms, p99 ${p99(rushSamples).toFixed(0)} ms; the ${lost.length} sold_out answers alone: p50 ${p50(lost).toFixed(0)} ms, p99 ${p99(lost).toFixed(0)} ms`,
      `GET /api/v1/me, ${CLAIMERS} at once x ${RUSH_ROUNDS}: p50 ${p50(meSamples).toFixed(0)} ms, p99 ${p99(meSamples).toFixed(0)} ms`,
      `rush p99 / GET /me p99 = ${(p99(rushSamples) / p99(meSamples)).toFixed(2)} (target ≤ 1.5)`,
    ];

    // B. Many envelopes: one per claimer, all claimed at once.
    const sendStarted = performance.now();
    const packets = await inBatches(claimers, 64, async (c, i) => {
      const json = await expectStatus(
        201,
        request(
          'POST',
          '/api/v1/red-packets',
          { kind: 'lucky', count: 1, totalAmount: 100 + (i % 100), to: { userId: c.id } },
          senders[i % senders.length]!.token,
        ),
      );
      return json.id as string;
    });
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    const spread = await rush(
      claimers.map(
        (c, i) => () =>
          request('POST', `/api/v1/red-packets/${packets[i]}/claims`, undefined, c.token),
      ),
    );
    outcomes.push({
      scenario: `B spread: ${CLAIMERS} envelopes x 1 share, claimed at once`,
      requests: spread.samples.length,
      succeeded: spread.samples.filter((s) => s.status === 201).length,
      seconds: spread.seconds,
      samples: spread.samples,
      notes: `sending them (64 at a time): ${(CLAIMERS / sendSeconds).toFixed(0)} envelopes/s`,
    });

    // C. The same shape as B with plain transfers: same API, senders, receivers and moment.
    const transfers = await rush(
      claimers.map(
        (c, i) => () =>
          request(
            'POST',
            '/api/v1/transfers',
            { to: { userId: c.id }, amount: 100 + (i % 100), note: 'bench' },
            senders[i % senders.length]!.token,
          ),
      ),
    );
    outcomes.push({
      scenario: `C transfers: ${CLAIMERS} plain transfers at once`,
      requests: transfers.samples.length,
      succeeded: transfers.samples.filter((s) => s.status === 201).length,
      seconds: transfers.seconds,
      samples: transfers.samples,
      notes: `from ${SENDERS} senders (group-committed by the ledger)`,
    });

    const failedB = outcomes[1]!.requests - outcomes[1]!.succeeded;
    const failedC = outcomes[2]!.requests - outcomes[2]!.succeeded;
    if (failedB || failedC) throw new Error(`failures: spread ${failedB}, transfers ${failedC}`);

    // The books still balance after it all (the first sender is an admin for this).
    const audit = await expectStatus(
      200,
      request('GET', '/api/v1/admin/ledger/verify', undefined, owner.token),
    );
    if (audit.ok !== true) throw new Error(`ledger verify failed: ${JSON.stringify(audit)}`);
    log(`ledger verified: ${audit.accountsChecked} accounts, no problems`);

    log(
      `load average at end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    const rows = outcomes.map(summarise);
    const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: readonly string[]) =>
      cells
        .map((c, i) => (i > 0 && i < 8 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    log();
    log(line(HEADER));
    log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) log(line(r));
    log();
    log('markdown:');
    log(`| ${HEADER.join(' | ')} |`);
    log(`|${HEADER.map((_, i) => (i > 0 && i < 8 ? '---:' : '---')).join('|')}|`);
    for (const r of rows) log(`| ${r.join(' | ')} |`);
    log();
    for (const l of rushComparison) log(l);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
