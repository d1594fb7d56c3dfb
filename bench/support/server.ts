/**
 * What the HTTP benchmarks share: a real Hebao server process (`src/main.ts`) on a fresh
 * database that is dropped afterwards, synthetic valid ID numbers, and percentiles.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { checkCharacter } from '../../src/modules/identity/id-number.ts';
import { reportServer, serverFacts } from './durability.ts';

export const BENCH_PG_URL =
  process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Limits that would otherwise throttle a benchmark's synthetic users. */
const UNTHROTTLED = {
  HEBAO_RATE_REGISTER: '1000000',
  HEBAO_RATE_LOGIN: '1000000',
  HEBAO_RATE_VERIFICATION: '1000000',
  HEBAO_RATE_PIN: '1000000',
  HEBAO_LIMIT_DAILY: String(Number.MAX_SAFE_INTEGER),
  HEBAO_RATE_PHONE_CODES: '1000000',
  // The sandbox SMS channel sends this code, so that synthetic users can verify their phones.
  HEBAO_SMS_SANDBOX_CODE: '246810',
};

/**
 * Proves a synthetic user's phone with the sandbox code, then their identity: what every
 * user does before money moves.
 */
export async function verifyUser(
  base: string,
  user: { phone: string; token: string },
  i: number,
): Promise<void> {
  const post = async (path: string, body: unknown, auth: boolean) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: `Bearer ${user.token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  await post('/api/v1/auth/phone-codes', { phone: user.phone, purpose: 'verify' }, false);
  await post('/api/v1/me/phone-verification', { code: UNTHROTTLED.HEBAO_SMS_SANDBOX_CODE }, true);
  await post('/api/v1/me/verification', { realName: '压测', idNumber: idNumber(i) }, true);
}

export interface BenchServer {
  base: string;
  /** The server's own database, for what a bench checks behind the API (the outbox). */
  databaseUrl: string;
}

/**
 * Runs `work` against a server started on database `hebao_bench_<label>_<time>`, then stops
 * the server and drops the database whatever happened.
 */
export async function withBenchServer<T>(
  label: string,
  env: Record<string, string>,
  work: (server: BenchServer) => Promise<T>,
): Promise<T> {
  // Printed, and checked, like bench:ledger: only durable settings are measured.
  reportServer(`bench:${label} server`, await serverFacts(BENCH_PG_URL));
  const admin = new pg.Client({ connectionString: BENCH_PG_URL });
  await admin.connect();
  const name = `hebao_bench_${label}_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const base = `http://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  try {
    // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the server.
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    server = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: url.toString(),
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        HEBAO_SECRET: 'bench-secret-bench-secret-bench-secret-00',
        ...UNTHROTTLED,
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {}
      if (i > 120) throw new Error('server did not start');
      await new Promise((r) => setTimeout(r, 250));
    }
    return await work({ base, databaseUrl: url.toString() });
  } finally {
    server?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** A valid (checksummed) mainland ID number derived from `i`; distinct for `i` below 1,000. */
export function idNumber(i: number): string {
  const first17 = `110101${1960 + (i % 40)}${String((i % 12) + 1).padStart(2, '0')}${String((Math.floor(i / 12) % 28) + 1).padStart(2, '0')}${String(i % 1000).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

/** The p-th percentile of ascending samples (nearest rank); NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
