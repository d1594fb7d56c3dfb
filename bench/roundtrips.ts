/**
 * node --import tsx bench/roundtrips.ts — database round trips (statements sent, counting
 * BEGIN/COMMIT) per request, with the in-process caches off and on, for the cheapest
 * authenticated request (GET /api/v1/me) and a transfer that carries a PIN; plus the cost of
 * one PIN check stored as argon2id (before PIN MACs) and as a MAC. In-process (app.inject) on
 * a fresh database, so the figures are the server's own work, not the network's.
 * Env: BENCH_PG_URL (server to create the database on), BENCH_REQUESTS (default 300).
 */
import { hash as argonHash } from '@node-rs/argon2';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createServices } from '../src/services.ts';
import { BENCH_PG_URL, idNumber } from './support/server.ts';

const N = Number(process.env.BENCH_REQUESTS ?? 300);

let statements = 0;
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (original as (...a: unknown[]) => unknown).apply(this, args);
} as typeof original;

async function main() {
  const admin = new pg.Client({ connectionString: BENCH_PG_URL });
  await admin.connect();
  const name = `hebao_bench_roundtrips_${Date.now()}`;
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
      HEBAO_LIMIT_DAILY: String(Number.MAX_SAFE_INTEGER),
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
    for (let i = 0; i < 2; i++) {
      const reg = await call('POST', '/api/v1/auth/register', undefined, {
        phone: `1360000${String(i).padStart(4, '0')}`,
        password: 'bench password',
        nickname: `r${i}`,
      });
      const token = reg.token as string;
      await call('POST', '/api/v1/auth/phone-codes', undefined, {
        phone: `1360000${String(i).padStart(4, '0')}`,
        purpose: 'verify',
      });
      await call('POST', '/api/v1/me/phone-verification', token, { code: '246810' });
      await call('POST', '/api/v1/me/verification', token, {
        realName: '压测',
        idNumber: idNumber(900 + i),
      });
      await call('PUT', '/api/v1/me/pin', token, { pin: '739104' });
      await call('POST', '/api/v1/wallet/topups', token, { amount: 1_000_000 });
      users.push({ id: (reg.user as { id: string }).id, token });
    }
    const [payer, payee] = users as [{ id: string; token: string }, { id: string; token: string }];

    const measure = async (label: string, run: (i: number) => Promise<unknown>) => {
      await run(-1); // warm: the first request fills the caches
      statements = 0;
      const t0 = performance.now();
      for (let i = 0; i < N; i++) await run(i);
      const ms = (performance.now() - t0) / N;
      console.log(
        `${label.padEnd(34)} ${(statements / N).toFixed(2).padStart(6)} statements  ${ms.toFixed(2).padStart(7)} ms`,
      );
    };
    const me = () => call('GET', '/api/v1/me', payer.token);
    const transfer = () =>
      call('POST', '/api/v1/transfers', payer.token, {
        to: { userId: payee.id },
        amount: 1,
        pin: '739104',
      });

    console.log(`per request, sequential, ${N} each:`);
    await measure('GET /me, caches off', me);
    await measure('POST /transfers + PIN, caches off', transfer);
    await services.cacheBus.start();
    await measure('GET /me, caches on', me);
    await measure('POST /transfers + PIN, caches on', transfer);

    const mac = async () => services.identity.checkPin(payer.id, '739104');
    await measure('checkPin, MAC', mac);
    const legacy = await argonHash('739104', { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await measure('checkPin, argon2id (before)', async () => {
      // What every check cost before: the argon2id verification (the row is reset each time
      // so the upgrade to a MAC does not happen).
      await db.query('UPDATE users SET pin_hash = $2 WHERE id = $1', [payer.id, legacy]);
      await services.identity.checkPin(payer.id, '739104');
    });
    console.log(JSON.stringify(services.cacheBus.stats()));
    await app.close();
    await services.cacheBus.stop();
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
