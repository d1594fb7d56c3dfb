/**
 * npm run bench:api — register + verify + top-up + transfer traffic through the HTTP API with
 * many concurrent clients, against a real server process on a fresh database.
 * Env: BENCH_PG_URL (server to create the database on), BENCH_CLIENTS (default 64),
 * BENCH_SECONDS (transfer phase, default 15).
 */
import os from 'node:os';
import { idNumber, withBenchServer } from './support/server.ts';

const clients = Number(process.env.BENCH_CLIENTS ?? 64);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
let base = '';

class Latencies {
  private samples: number[] = [];
  add(ms: number) {
    this.samples.push(ms);
  }
  get count() {
    return this.samples.length;
  }
  pct(p: number): number {
    const s = [...this.samples].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  }
}

async function timed(l: Latencies, run: () => Promise<Response>): Promise<Response> {
  const t0 = performance.now();
  const res = await run();
  l.add(performance.now() - t0);
  return res;
}

const json = (method: string, path: string, body: unknown, token?: string, key?: string) =>
  fetch(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });

async function main() {
  await withBenchServer('api', {}, async (server) => {
    base = server.base;
    const register = new Latencies();
    const verify = new Latencies();
    const topup = new Latencies();
    const transfer = new Latencies();
    const users: { id: string; token: string }[] = [];
    const phase1 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        const reg = await timed(register, () =>
          json('POST', '/api/v1/auth/register', {
            phone: `137${String(i).padStart(8, '0')}`,
            password: 'bench password',
            nickname: `b${i}`,
          }),
        );
        const { token, user } = (await reg.json()) as { token: string; user: { id: string } };
        await timed(verify, () =>
          json(
            'POST',
            '/api/v1/me/verification',
            { realName: '压测', idNumber: idNumber(i) },
            token,
          ),
        );
        await timed(topup, () =>
          json('POST', '/api/v1/wallet/topups', { amount: 1_000_000 }, token, `top-${i}`),
        );
        users.push({ id: user.id, token });
      }),
    );
    const onboardingSeconds = (performance.now() - phase1) / 1000;

    let ok = 0;
    let failed = 0;
    const deadline = performance.now() + seconds * 1000;
    const phase2 = performance.now();
    await Promise.all(
      users.map(async (u, i) => {
        for (let n = 0; performance.now() < deadline; n++) {
          const to = users[(i + 1 + (n % (users.length - 1))) % users.length]!;
          const res = await timed(transfer, () =>
            json(
              'POST',
              '/api/v1/transfers',
              { to: { userId: to.id }, amount: 1 + (n % 100), note: 'bench' },
              u.token,
              `t-${i}-${n}`,
            ),
          );
          if (res.status === 201) ok++;
          else failed++;
          await res.arrayBuffer();
        }
      }),
    );
    const transferSeconds = (performance.now() - phase2) / 1000;

    const row = (label: string, l: Latencies, rps: number) =>
      console.log(
        `${label.padEnd(22)} ${String(l.count).padStart(7)} ${rps.toFixed(0).padStart(9)} ${l.pct(50).toFixed(1).padStart(8)} ${l.pct(99).toFixed(1).padStart(8)}`,
      );
    console.log(
      `machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model}; clients=${clients}; transfer phase ${seconds}s`,
    );
    console.log(
      `${'phase'.padEnd(22)} ${'requests'.padStart(7)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`,
    );
    row('register (argon2)', register, register.count / onboardingSeconds);
    row('verify', verify, verify.count / onboardingSeconds);
    row('top-up', topup, topup.count / onboardingSeconds);
    row('transfer', transfer, transfer.count / transferSeconds);
    console.log(`transfers ok=${ok} failed=${failed}`);
    const verifyRes = await fetch(`${base}/healthz`);
    if (!verifyRes.ok) throw new Error('server unhealthy after the run');
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
