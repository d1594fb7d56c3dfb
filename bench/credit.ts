/**
 * node --import tsx bench/credit.ts — what the credit score costs: the pure model alone
 * (scores per second), `credit.scoreOf` (the stored row: what the risk stage and circles read
 * per request), and a full recomputation (gathering the inputs and storing the score) for a
 * user whose wallet has BENCH_MOVES transfers (default 1,000) with BENCH_PEERS people (default
 * 20). In-process on a fresh database. Env: BENCH_PG_URL, BENCH_REQUESTS (default 300).
 */
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool, inTransaction } from '../src/db/pool.ts';
import { type CreditInputs, scoreCredit } from '../src/modules/credit/model.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createServices } from '../src/services.ts';
import { BENCH_PG_URL, idNumber, percentile } from './support/server.ts';

const N = Number(process.env.BENCH_REQUESTS ?? 300);
const MOVES = Number(process.env.BENCH_MOVES ?? 1_000);
const PEERS = Number(process.env.BENCH_PEERS ?? 20);

function modelThroughput(): void {
  const inputs: CreditInputs[] = Array.from({ length: 1_000 }, (_, i) => ({
    identity: {
      realNameVerified: i % 3 > 0,
      phoneVerified: true,
      pinSet: i % 2 === 0,
      accountAgeDays: i,
    },
    behaviour: { paymentsOut90d: i % 40, activeWeeks90d: i % 14 },
    connections: { counterparties: i % 9, reciprocal: i % 5, lasting: i % 4 },
    history: {
      repaidOnTime: i % 6,
      repaidLate: i % 3,
      overdueOpen: i % 7 === 0 ? 1 : 0,
      maxDaysOverdue: i % 30,
      writtenOffOverdue: 0,
      disputesLost: 0,
      bans: 0,
    },
    capacity: {
      balance: i * 1_000,
      debtOutstanding: i * 100,
      monthlyInflows: [i * 50, i * 40, i * 60],
    },
  }));
  for (const x of inputs) scoreCredit(x);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 1_000) {
    for (const x of inputs) scoreCredit(x);
    n += inputs.length;
  }
  console.log(
    `model alone: ${Math.round(n / ((performance.now() - t0) / 1_000)).toLocaleString()} scores/s`,
  );
}

async function main() {
  modelThroughput();
  const admin = new pg.Client({ connectionString: BENCH_PG_URL });
  await admin.connect();
  const name = `hebao_bench_credit_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  const db = createPool(url.toString(), 10);
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
      HEBAO_LIMIT_PER_TRANSFER: String(Number.MAX_SAFE_INTEGER),
      HEBAO_SMS_SANDBOX_CODE: '246810',
    });
    const services = createServices(config, db, systemClock);
    const app = await buildApp(config, services);
    const call = async (
      method: 'GET' | 'POST' | 'PUT',
      path: string,
      token?: string,
      body?: object,
    ) => {
      const res = await app.inject({
        method,
        url: path,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(body ? { payload: body } : {}),
      });
      if (res.statusCode >= 300)
        throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
      return (res.body ? res.json() : {}) as Record<string, unknown>;
    };
    const users: { id: string; token: string }[] = [];
    for (let i = 0; i <= PEERS; i++) {
      const phone = `1370000${String(i).padStart(4, '0')}`;
      const reg = await call('POST', '/api/v1/auth/register', undefined, {
        phone,
        password: 'bench password',
        nickname: `c${i}`,
      });
      const token = reg.token as string;
      await call('POST', '/api/v1/auth/phone-codes', undefined, { phone, purpose: 'verify' });
      await call('POST', '/api/v1/me/phone-verification', token, { code: '246810' });
      await call('POST', '/api/v1/me/verification', token, {
        realName: '压测',
        idNumber: idNumber(700 + i),
      });
      await call('PUT', '/api/v1/me/pin', token, { pin: '739104' });
      await call('POST', '/api/v1/wallet/topups', token, { amount: 5_000_000 });
      users.push({ id: (reg.user as { id: string }).id, token });
    }
    const [subject, ...peers] = users as [
      { id: string; token: string },
      ...{ id: string; token: string }[],
    ];
    for (let i = 0; i < MOVES; i++) {
      const peer = peers[i % peers.length]!;
      const [from, to] = i % 2 === 0 ? [subject, peer] : [peer, subject];
      await call('POST', '/api/v1/transfers', from.token, {
        to: { userId: to.id },
        amount: 100 + i,
        pin: '739104',
      });
    }
    await services.outbox.drain();

    const time = async (label: string, run: () => Promise<unknown>) => {
      await run();
      const ms: number[] = [];
      for (let i = 0; i < N; i++) {
        const t0 = performance.now();
        await run();
        ms.push(performance.now() - t0);
      }
      ms.sort((a, b) => a - b);
      console.log(
        `${label.padEnd(44)} p50 ${percentile(ms, 50).toFixed(2)} ms  p99 ${percentile(ms, 99).toFixed(2)} ms`,
      );
    };
    console.log(`one user with ${MOVES} transfers with ${PEERS} people; ${N} runs each:`);
    await time('credit.scoreOf (stored row)', () => services.credit.scoreOf(subject.id));
    await time('GET /me/credit, nothing changed', () =>
      call('GET', '/api/v1/me/credit', subject.token),
    );
    await time('recompute (gather inputs, score, store)', () =>
      inTransaction(db, (tx) => services.credit.recomputeIn(tx, [subject.id])),
    );
    await services.outbox.stop();
    await app.close();
    await services.ledger.stop();
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
