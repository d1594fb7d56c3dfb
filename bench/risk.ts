/**
 * npm run bench:risk — what the risk stage costs per transfer through the payment pipeline.
 * One run, one in-process server (app.inject) on a fresh database, three configurations
 * interleaved round by round so that a loaded machine weighs on each alike:
 *   off      the pipeline's risk hook allows everything (no facts, no records)
 *   engine   the risk engine with no active rule (facts read and recorded for dry-runs)
 *   pack     the risk engine with the default pack active (migration 0046)
 * Closed loop: BENCH_CLIENTS clients (default 16), each paying one of three fixed payees 1 fen
 * with the PIN. Env: BENCH_PG_URL, BENCH_CLIENTS, BENCH_USERS (default 48), BENCH_SECONDS
 * per configuration and round (default 5), BENCH_ROUNDS (default 3).
 */
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool, inTransaction } from '../src/db/pool.ts';
import type { RiskHook } from '../src/modules/wallet/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createServices } from '../src/services.ts';
import { BENCH_PG_URL, idNumber, percentile } from './support/server.ts';

const clients = Number(process.env.BENCH_CLIENTS ?? 16);
const userCount = Math.max(clients, Number(process.env.BENCH_USERS ?? 48));
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const PIN = '739104';
const PACK = [
  '7a1e0001-0000-4000-8000-00000000d001',
  '7a1e0001-0000-4000-8000-00000000d002',
  '7a1e0001-0000-4000-8000-00000000d003',
];

async function main() {
  const admin = new pg.Client({ connectionString: BENCH_PG_URL });
  await admin.connect();
  const name = `hebao_bench_risk_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  const db = createPool(url.toString(), 20);
  try {
    await migrate(db);
    const config = loadConfig({
      DATABASE_URL: url.toString(),
      HEBAO_SECRET: 'bench-secret-bench-secret-bench-secret-00',
      LOG_LEVEL: 'silent',
      HEBAO_RATE_PIN: '1000000',
      HEBAO_RATE_REGISTER: '1000000',
      HEBAO_RATE_VERIFICATION: '1000000',
      HEBAO_RATE_PHONE_CODES: '1000000',
      HEBAO_LIMIT_DAILY: String(Number.MAX_SAFE_INTEGER),
      HEBAO_SMS_SANDBOX_CODE: '246810',
    });
    const allowAll: RiskHook = async () => ({ action: 'allow' });
    let hook: RiskHook = allowAll;
    // The stage's own time per transfer, besides the end-to-end figures: on a shared machine
    // it is the steadier measure of what the stage adds.
    let stage: number[] = [];
    const services = createServices(config, db, systemClock, {
      // As deployed: the facts are read while the PIN is checked.
      riskPrefetch: (i) => (hook === allowAll ? undefined : services.risk.prefetch(i)),
      risk: async (i) => {
        const t0 = performance.now();
        try {
          return await hook(i);
        } finally {
          stage.push(performance.now() - t0);
        }
      },
    });
    const app = await buildApp(config, services);
    const call = async (method: 'POST' | 'PUT', path: string, token?: string, body?: object) => {
      const res = await app.inject({
        method,
        url: path,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(body ? { payload: body } : {}),
      });
      if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${res.body}`);
      return (res.body ? res.json() : {}) as Record<string, unknown>;
    };
    const users: { id: string; token: string }[] = [];
    for (let i = 0; i < userCount; i++) {
      const phone = `1370000${String(i).padStart(4, '0')}`;
      const reg = await call('POST', '/api/v1/auth/register', undefined, {
        phone,
        password: 'bench password',
        nickname: `k${i}`,
      });
      const token = reg.token as string;
      await call('POST', '/api/v1/auth/phone-codes', undefined, { phone, purpose: 'verify' });
      await call('POST', '/api/v1/me/phone-verification', token, { code: '246810' });
      await call('POST', '/api/v1/me/verification', token, {
        realName: '压测',
        idNumber: idNumber(1200 + i),
      });
      await call('PUT', '/api/v1/me/pin', token, { pin: PIN });
      await call('POST', '/api/v1/wallet/topups', token, { amount: 5_000_000 });
      users.push({ id: (reg.user as { id: string }).id, token });
    }

    const setPack = async (on: boolean) => {
      await inTransaction(db, async (tx) => {
        for (const id of PACK) {
          if (on) await services.risk.activate(tx, id);
          else await tx.query(`UPDATE risk_rules SET status = 'inactive' WHERE id = $1`, [id]);
        }
      });
      // The engine keeps the active rules 2 s: wait until it has read them again.
      await new Promise((r) => setTimeout(r, 2_100));
    };

    const run = async () => {
      const latencies: number[] = [];
      const until = performance.now() + seconds * 1000;
      let refused = 0;
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          let n = 0;
          while (performance.now() < until) {
            const payer = users[c]!;
            const payee = users[(c + 1 + (n++ % 3)) % users.length]!;
            const t0 = performance.now();
            const res = await app.inject({
              method: 'POST',
              url: '/api/v1/transfers',
              headers: { authorization: `Bearer ${payer.token}` },
              payload: { to: { userId: payee.id }, amount: 1, pin: PIN },
            });
            latencies.push(performance.now() - t0);
            if (res.statusCode !== 201) refused++;
          }
        }),
      );
      latencies.sort((a, b) => a - b);
      return { n: latencies.length, tps: latencies.length / seconds, latencies, refused };
    };

    type Tally = { n: number; latencies: number[]; refused: number; stage: number[] };
    const results: Record<string, Tally> = {
      off: { n: 0, latencies: [], refused: 0, stage: [] },
      engine: { n: 0, latencies: [], refused: 0, stage: [] },
      pack: { n: 0, latencies: [], refused: 0, stage: [] },
    };
    // Warm-up: caches, JIT, the first pairs.
    hook = services.risk.decide;
    await run();
    for (let r = 0; r < rounds; r++) {
      for (const mode of ['off', 'engine', 'pack'] as const) {
        hook = mode === 'off' ? allowAll : services.risk.decide;
        await setPack(mode === 'pack');
        stage = [];
        const out = await run();
        results[mode]!.stage.push(...stage);
        results[mode]!.n += out.n;
        results[mode]!.latencies.push(...out.latencies);
        results[mode]!.refused += out.refused;
        console.log(`round ${r + 1} ${mode.padEnd(6)} ${out.tps.toFixed(0)} transfers/s`);
      }
    }
    const line = (mode: string) => {
      const x = results[mode]!;
      x.latencies.sort((a, b) => a - b);
      return {
        tps: x.n / (seconds * rounds),
        p50: percentile(x.latencies, 50),
        p99: percentile(x.latencies, 99),
        refused: x.refused,
        stage: x.stage.sort((a, b) => a - b),
      };
    };
    const off = line('off');
    console.log(`clients=${clients} users=${userCount} ${seconds}s × ${rounds} rounds each`);
    for (const mode of ['off', 'engine', 'pack']) {
      const x = line(mode);
      console.log(
        `${mode.padEnd(6)} ${x.tps.toFixed(0).padStart(6)} transfers/s  p50 ${x.p50.toFixed(2)} ms  p99 ${x.p99.toFixed(2)} ms  refused ${x.refused}` +
          (mode === 'off'
            ? ''
            : `  p99 added ${(x.p99 - off.p99).toFixed(2)} ms  throughput lost ${((1 - x.tps / off.tps) * 100).toFixed(1)} %`) +
          `  stage p50 ${percentile(x.stage, 50).toFixed(3)} ms p99 ${percentile(x.stage, 99).toFixed(3)} ms`,
      );
    }
    await app.close();
    await services.outbox.stop();
    await services.ledger.stop();
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
