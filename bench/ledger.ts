/**
 * Ledger throughput: does group commit carry batch-statement throughput to callers who send
 * one transfer at a time? Five scenarios in one run, durable settings only:
 *
 *   1. baseline: one SQL transaction per transfer (lock two rows, update them, insert the row)
 *   2. the Ledger, concurrent callers with one transfer per call
 *   3. as 2, every transfer crediting one hot account
 *   4. the Ledger's batch call, 1,000 transfers per call
 *   5. as 2, on the embedded PostgreSQL
 *   ref. no ledger: 1,000 transfers per SQL statement on the baseline's tables, one client;
 *        the batch throughput this machine can reach, which group commit should approach
 *
 * Run: npm run bench:ledger. Environment (all optional):
 *   BENCH_PG_URL          server for 1–4 (default postgres://postgres@127.0.0.1:5432/postgres);
 *                         a database hebao_bench_<ts> is created there and dropped at the end
 *   BENCH_SECONDS         measured seconds per scenario (10), after BENCH_WARMUP_SECONDS (2)
 *   BENCH_CLIENTS         concurrent clients/callers in 1, 2, 3 and 5 (64)
 *   BENCH_BATCH_CALLERS   concurrent callers in 4 (2)
 *   BENCH_ACCOUNTS        funded wallet accounts (1000)
 *   BENCH_MAX_BATCH, BENCH_IN_FLIGHT, BENCH_LEDGER_POOL   Ledger options and its pool size
 *                         (defaults: Hebao's, 4000 and 2; pool = in-flight + 2)
 *   BENCH_ONLY            comma-separated scenarios to run, from 1,2,3,4,5,ref (all)
 */
import { execSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool, type Db } from '../src/db/pool.ts';
import { Ledger } from '../src/modules/ledger/ledger.ts';
import {
  type Account,
  AccountFlags,
  type AccountId,
  type TransferId,
  type TransferRequest,
} from '../src/modules/ledger/types.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createMetrics, type Metrics } from '../src/platform/metrics.ts';
import { freePort } from '../test/support/ports.ts';
import { reportServer, serverFacts } from './support/durability.ts';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = envInt('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envInt('BENCH_WARMUP_SECONDS', 2);
const CLIENTS = envInt('BENCH_CLIENTS', 64);
const BATCH_CALLERS = envInt('BENCH_BATCH_CALLERS', 2);
const BATCH_SIZE = 1000;
const ACCOUNTS = envInt('BENCH_ACCOUNTS', 1000);
const MAX_BATCH = envInt('BENCH_MAX_BATCH', 4000);
const IN_FLIGHT = envInt('BENCH_IN_FLIGHT', 2);
const LEDGER_POOL = envInt('BENCH_LEDGER_POOL', IN_FLIGHT + 2);
const ONLY = new Set((process.env.BENCH_ONLY ?? '1,2,3,4,5,ref').split(',').map((s) => s.trim()));
// Enough that no wallet runs dry during a run: every transfer here should succeed.
const WALLET_FUNDS = 1_000_000_000_000n;

interface Measured {
  transfers: number;
  seconds: number;
  /** Latency of each call completed in the measured window, in ms. */
  latencies: number[];
  /** CPU used over the window, in cores (1 = one core busy all the time): this process, ... */
  nodeCores: number;
  /** ... every postgres process (both servers), ... */
  postgresCores: number;
  /** ... and the rest of the machine's busy time: load from outside, which disturbs the figures. */
  otherCores: number;
}

interface Outcome extends Measured {
  scenario: string;
  notes: string;
}

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** Databases this run created: backends serving any other database count as outside load. */
const OUR_DATABASES = new Set<string>();

/** The database a postgres backend serves, from its title: `postgres: [cluster: ]user db host ...`. */
function backendDatabase(pid: string): string | undefined {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    const words = title.replace(/^postgres:\s+/, '').split(/\s+/);
    if (words[0]?.endsWith(':')) words.shift();
    // Background processes (checkpointer, walwriter ...) have no user/database/host words.
    return words.length >= 3 && /\(\d+\)$|^\[local\]$/.test(words[2]!) ? words[1] : undefined;
  } catch {
    return undefined;
  }
}

/** CPU ticks used so far by the postgres processes that serve this run, from /proc. */
function postgresTicks(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    const database = backendDatabase(entry);
    if (database !== undefined && !OUR_DATABASES.has(database)) continue;
    // utime and stime: fields 14 and 15 of stat(5), counted from after the command name.
    const fields = stat.slice(close + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** The machine's busy and total CPU ticks so far, all cores together, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // Idle and iowait are the 4th and 5th fields: a core waiting for a disk is not busy.
  return { busy: total - fields[3]! - fields[4]!, total };
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * Runs `concurrency` loops of `op` (which returns how many transfers it made) for the warm-up,
 * then counts the calls that complete within the measured window.
 */
async function closedLoop(
  concurrency: number,
  op: (loop: number) => Promise<number>,
  onMeasureStart: () => void = () => {},
): Promise<Measured> {
  let measuring = false;
  let stopping = false;
  let transfers = 0;
  const latencies: number[] = [];
  const loops = Array.from({ length: concurrency }, async (_, loop) => {
    while (!stopping) {
      const started = performance.now();
      const n = await op(loop);
      if (measuring) {
        transfers += n;
        latencies.push(performance.now() - started);
      }
    }
  });
  let failure: unknown;
  const failed = Promise.all(loops).catch((err: unknown) => {
    failure = err;
    stopping = true;
  });
  const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
  await Promise.race([sleep(WARMUP_SECONDS), failed]);
  onMeasureStart();
  measuring = true;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const postgresStart = postgresTicks();
  const machineStart = machineTicks();
  await Promise.race([sleep(SECONDS), failed]);
  measuring = false;
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const postgresEnd = postgresTicks();
  const machineEnd = machineTicks();
  stopping = true;
  await failed;
  await Promise.all(loops).catch(() => {});
  if (failure) throw failure;
  const nodeCores = (cpu.user + cpu.system) / 1e6 / seconds;
  const postgresCores = (postgresEnd - postgresStart) / CLOCK_TICKS / seconds;
  const machineTotal = machineEnd.total - machineStart.total;
  const busyCores =
    machineTotal > 0
      ? ((machineEnd.busy - machineStart.busy) / machineTotal) * os.cpus().length
      : Number.NaN;
  return {
    transfers,
    seconds,
    latencies,
    nodeCores,
    postgresCores,
    // What neither this process nor its servers used, exited processes included.
    otherCores: Math.max(0, busyCores - nodeCores - postgresCores),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The accounts the ledger scenarios use, created through the Ledger and funded from a bank. */
interface LedgerAccounts {
  wallets: AccountId[];
  hot: AccountId;
}

async function setUpLedgerAccounts(db: Db): Promise<LedgerAccounts> {
  const ledger = new Ledger(db, systemClock, {
    maxBatchTransfers: 4000,
    maxInFlightBatches: 2,
    expirySweepMs: 60_000,
  });
  const open = (code: string, flags: number): Promise<Account> =>
    ledger.ensureAccount({ code, currency: 'CNY', flags });
  const bank = await open('bench:bank', AccountFlags.none);
  const hot = await open('bench:hot', AccountFlags.debitsMustNotExceedCredits);
  const wallets: AccountId[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    wallets.push((await open(`bench:wallet${i}`, AccountFlags.debitsMustNotExceedCredits)).id);
  }
  const results = await ledger.createTransfers(
    wallets.map((w) => ({
      id: randomUUID() as TransferId,
      debitAccountId: bank.id,
      creditAccountId: w,
      amount: WALLET_FUNDS,
      kind: 'bench.funding',
    })),
  );
  if (!results.every((r) => r.ok)) throw new Error('funding the bench wallets failed');
  return { wallets, hot: hot.id };
}

/** Tables equivalent to the ledger's: balance columns, and transfers with the same indexes. */
async function setUpBaseline(db: Db): Promise<void> {
  await db.query(`
    CREATE TABLE bench_accounts (
      id              bigint PRIMARY KEY,
      flags           integer NOT NULL,
      debits_pending  bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
      debits_posted   bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
      credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
      credits_posted  bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0)
    );
    CREATE TABLE bench_transfers (
      seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      id                uuid PRIMARY KEY,
      debit_account_id  bigint NOT NULL REFERENCES bench_accounts (id),
      credit_account_id bigint NOT NULL REFERENCES bench_accounts (id),
      amount            bigint NOT NULL CHECK (amount > 0),
      currency          text NOT NULL,
      kind              text NOT NULL,
      flags             integer NOT NULL DEFAULT 0,
      pending_id        uuid REFERENCES bench_transfers (id),
      expires_at        timestamptz,
      metadata          jsonb,
      fingerprint       bytea NOT NULL,
      created_at        timestamptz NOT NULL,
      CHECK (debit_account_id <> credit_account_id),
      CHECK ((flags & 12 = 0) = (pending_id IS NULL))
    );
  `);
  // The same indexes as ledger_transfers, copied from the migrated schema so that they cannot
  // drift apart (the primary key and the seq key come with the table above).
  const { rows: indexes } = await db.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = 'ledger_transfers'
        AND indexname NOT IN ('ledger_transfers_pkey', 'ledger_transfers_seq_key')
      ORDER BY indexname`,
  );
  for (const { indexdef } of indexes) {
    await db.query(indexdef.replaceAll('ledger_transfers', 'bench_transfers'));
  }
  log(
    `baseline: indexes of ledger_transfers copied: ${indexes.map((i) => i.indexname).join(', ')}`,
  );
  // Account 0 is the bank; 1..ACCOUNTS are funded wallets that must not go negative.
  await db.query(
    `INSERT INTO bench_accounts (id, flags, debits_posted, credits_posted)
     SELECT 0, 0, $1::bigint * $2, 0
     UNION ALL
     SELECT i, 1, 0, $1::bigint FROM generate_series(1, $2) AS i`,
    [WALLET_FUNDS.toString(), ACCOUNTS],
  );
}

function randomPair(wallets: readonly AccountId[]): [AccountId, AccountId] {
  const a = wallets[Math.floor(Math.random() * wallets.length)]!;
  let b = a;
  while (b === a) b = wallets[Math.floor(Math.random() * wallets.length)]!;
  return [a, b];
}

const transferTo = (debit: AccountId, credit: AccountId): TransferRequest => ({
  id: randomUUID() as TransferId,
  debitAccountId: debit,
  creditAccountId: credit,
  amount: 1n,
  kind: 'bench',
});

/** Scenario 1: what an application without group commit does, one transaction per transfer. */
async function baseline(url: string): Promise<Outcome> {
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: 'hebao-bench' });
      await c.connect();
      return c;
    }),
  );
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => (i + 1) as AccountId);
  let refused = 0;
  try {
    const run = await closedLoop(CLIENTS, async (loop) => {
      const c = clients[loop]!;
      const [debit, credit] = randomPair(ids);
      const id = randomUUID();
      const fingerprint = createHash('sha256')
        .update(JSON.stringify({ debit, credit, amount: '1', kind: 'bench' }))
        .digest();
      await c.query('BEGIN');
      try {
        // Both rows locked in id order, as the ledger does, so concurrent transfers never deadlock.
        const { rows } = await c.query<{ id: string; flags: number; available: string }>(
          `SELECT id, flags, (credits_posted - debits_posted - debits_pending)::text AS available
             FROM bench_accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
          [[debit, credit]],
        );
        const debitRow = rows.find((r) => Number(r.id) === debit)!;
        if (
          debitRow.flags & AccountFlags.debitsMustNotExceedCredits &&
          BigInt(debitRow.available) < 1n
        ) {
          refused++;
          await c.query('ROLLBACK');
          return 0;
        }
        await c.query(
          `UPDATE bench_accounts
              SET debits_posted = debits_posted + CASE WHEN id = $1 THEN $3::bigint ELSE 0 END,
                  credits_posted = credits_posted + CASE WHEN id = $2 THEN $3::bigint ELSE 0 END
            WHERE id IN ($1, $2)`,
          [debit, credit, 1],
        );
        await c.query(
          `INSERT INTO bench_transfers (id, debit_account_id, credit_account_id, amount, currency,
                                        kind, flags, fingerprint, created_at)
           VALUES ($1, $2, $3, $4, 'CNY', 'bench', 0, $5, now())`,
          [id, debit, credit, 1, fingerprint],
        );
        await c.query('COMMIT');
        return 1;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
    return {
      scenario: `1 baseline: 1 tx/transfer, ${CLIENTS} clients`,
      ...run,
      notes: refused > 0 ? `${refused} refused` : '',
    };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/**
 * Reference, no ledger: 1,000 transfers per SQL statement on the baseline's tables (one insert
 * of the rows and one update of the balances in one statement), one transaction per statement.
 * One client: two would deadlock on the unordered updates, and would only queue on the rows.
 */
async function statementBatches(url: string): Promise<Outcome> {
  const c = new pg.Client({ connectionString: url, application_name: 'hebao-bench' });
  await c.connect();
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => (i + 1) as AccountId);
  try {
    const run = await closedLoop(1, async () => {
      const transferIds: string[] = [];
      const debits: number[] = [];
      const credits: number[] = [];
      const fingerprints: string[] = [];
      for (let i = 0; i < BATCH_SIZE; i++) {
        const [debit, credit] = randomPair(ids);
        transferIds.push(randomUUID());
        debits.push(debit);
        credits.push(credit);
        fingerprints.push(
          createHash('sha256')
            .update(JSON.stringify({ debit, credit, amount: '1', kind: 'bench' }))
            .digest('hex'),
        );
      }
      await c.query('BEGIN');
      try {
        await c.query(
          `WITH ins AS (
             INSERT INTO bench_transfers (id, debit_account_id, credit_account_id, amount, currency,
                                          kind, flags, fingerprint, created_at)
             SELECT id, debit, credit, 1, 'CNY', 'bench', 0, decode(fingerprint, 'hex'), now()
               FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[])
                 AS v(id, debit, credit, fingerprint)
           ), deltas AS (
             SELECT id, sum(debit) AS debit, sum(credit) AS credit FROM (
               SELECT unnest($2::bigint[]) AS id, 1 AS debit, 0 AS credit
               UNION ALL
               SELECT unnest($3::bigint[]), 0, 1
             ) AS legs GROUP BY id
           )
           UPDATE bench_accounts a
              SET debits_posted = a.debits_posted + d.debit,
                  credits_posted = a.credits_posted + d.credit
             FROM deltas d WHERE a.id = d.id`,
          [transferIds, debits, credits, fingerprints],
        );
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
      return BATCH_SIZE;
    });
    return {
      scenario: `ref: no ledger, ${BATCH_SIZE} transfers/statement, 1 client`,
      ...run,
      notes: 'latency is per statement',
    };
  } finally {
    await c.end();
  }
}

/** Mean transfers per group-commit batch and mean batch time, from the Ledger's own metrics. */
async function batchNotes(metrics: Metrics): Promise<string> {
  const mean = async (h: Metrics['ledgerBatchSize']): Promise<number> => {
    const { values } = await h.get();
    const sum = values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
    const count = values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    return count === 0 ? Number.NaN : sum / count;
  };
  const size = await mean(metrics.ledgerBatchSize);
  const ms = (await mean(metrics.ledgerBatchSeconds)) * 1000;
  return `batch ≈ ${size.toFixed(1)} transfers, ${ms.toFixed(2)} ms`;
}

/** Scenarios 2, 3 and 5: callers sending one transfer per call, all at once. */
async function ledgerSingles(
  scenario: string,
  url: string,
  accounts: LedgerAccounts,
  hot: boolean,
): Promise<Outcome> {
  const db = createPool(url, LEDGER_POOL);
  const metrics = createMetrics();
  const ledger = new Ledger(
    db,
    systemClock,
    { maxBatchTransfers: MAX_BATCH, maxInFlightBatches: IN_FLIGHT, expirySweepMs: 60_000 },
    metrics,
  );
  let refused = 0;
  try {
    const run = await closedLoop(
      CLIENTS,
      async () => {
        const [debit, credit] = randomPair(accounts.wallets);
        const [result] = await ledger.createTransfers([
          transferTo(debit, hot ? accounts.hot : credit),
        ]);
        if (!result!.ok) {
          refused++;
          return 0;
        }
        return 1;
      },
      () => {
        metrics.ledgerBatchSize.reset();
        metrics.ledgerBatchSeconds.reset();
      },
    );
    const notes = await batchNotes(metrics);
    return { scenario, ...run, notes: refused > 0 ? `${notes}; ${refused} refused` : notes };
  } finally {
    await db.end();
  }
}

/** Scenario 4: callers who already have many transfers send them in one call. */
async function ledgerBatches(url: string, accounts: LedgerAccounts): Promise<Outcome> {
  const db = createPool(url, LEDGER_POOL);
  const metrics = createMetrics();
  const ledger = new Ledger(
    db,
    systemClock,
    { maxBatchTransfers: MAX_BATCH, maxInFlightBatches: IN_FLIGHT, expirySweepMs: 60_000 },
    metrics,
  );
  try {
    const run = await closedLoop(
      BATCH_CALLERS,
      async () => {
        const requests = Array.from({ length: BATCH_SIZE }, () => {
          const [debit, credit] = randomPair(accounts.wallets);
          return transferTo(debit, credit);
        });
        const results = await ledger.createTransfers(requests);
        return results.filter((r) => r.ok).length;
      },
      () => {
        metrics.ledgerBatchSize.reset();
        metrics.ledgerBatchSeconds.reset();
      },
    );
    return {
      scenario: `4 ledger: ${BATCH_SIZE} transfers/call, ${BATCH_CALLERS} callers`,
      ...run,
      notes: `${await batchNotes(metrics)}; latency is per call`,
    };
  } finally {
    await db.end();
  }
}

/**
 * The share of account-row updates that were HOT (no index entry written), over the whole run
 * (set-up included), from PostgreSQL's statistics.
 */
async function reportHotUpdates(url: string): Promise<void> {
  // Backends report their statistics within a second of going idle.
  await new Promise((r) => setTimeout(r, 1500));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ relname: string; upd: string; hot: string }>(
      `SELECT relname, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables
        WHERE relname IN ('ledger_accounts', 'bench_accounts') ORDER BY relname`,
    );
    for (const r of rows) {
      const share = Number(r.upd) > 0 ? (100 * Number(r.hot)) / Number(r.upd) : 0;
      log(`HOT updates of ${r.relname}: ${r.hot} of ${r.upd} (${share.toFixed(1)} %)`);
    }
  } finally {
    await c.end();
  }
}

/** Flushes dirty pages before a scenario, so that no scenario pays for another's checkpoint. */
async function settle(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('VACUUM ANALYZE');
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '?';
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(1);
  const cores = execSync('nproc').toString().trim();
  return `${cores} cores (${cpu}), ${memGiB} GiB RAM, Node ${process.version}`;
}

function printTable(outcomes: readonly Outcome[]): void {
  const rows = outcomes.map((o) => {
    const sorted = [...o.latencies].sort((a, b) => a - b);
    return [
      o.scenario,
      Math.round(o.transfers / o.seconds).toLocaleString('en-US'),
      percentile(sorted, 50).toFixed(2),
      percentile(sorted, 99).toFixed(2),
      `${o.nodeCores.toFixed(2)} / ${o.postgresCores.toFixed(2)} / ${o.otherCores.toFixed(2)}`,
      o.notes,
    ];
  });
  const header = ['scenario', 'transfers/s', 'p50 ms', 'p99 ms', 'cpu node/pg/other', 'notes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) =>
        i === 1 || i === 2 || i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  log('');
  log(line(header));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) log(line(r));
}

const rate = (o: Outcome | undefined): number => (o ? o.transfers / o.seconds : Number.NaN);

async function main(): Promise<void> {
  log(`machine: ${machine()}`);
  log(
    `settings: ${SECONDS} s measured after ${WARMUP_SECONDS} s warm-up; ${CLIENTS} clients; ${ACCOUNTS} wallets; ledger maxBatchTransfers=${MAX_BATCH} maxInFlightBatches=${IN_FLIGHT} pool=${LEDGER_POOL}`,
  );
  const outcomes: Outcome[] = [];
  let single: Outcome | undefined;
  let base: Outcome | undefined;
  let hot: Outcome | undefined;

  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  const dbName = `hebao_bench_${Date.now()}`;
  OUR_DATABASES.add(dbName);
  const url = new URL(SERVER_URL);
  url.pathname = `/${dbName}`;
  const benchUrl = url.toString();
  try {
    if (['1', '2', '3', '4', 'ref'].some((s) => ONLY.has(s))) {
      await admin.query(`CREATE DATABASE ${dbName}`);
      reportServer('external', await serverFacts(benchUrl), log);
      const setup = createPool(benchUrl, 4);
      let accounts: LedgerAccounts;
      try {
        await migrate(setup);
        await setUpBaseline(setup);
        accounts = await setUpLedgerAccounts(setup);
      } finally {
        await setup.end();
      }
      const step = async (n: string, run: () => Promise<Outcome>): Promise<Outcome | undefined> => {
        if (!ONLY.has(n)) return undefined;
        await settle(benchUrl);
        const outcome = await run();
        log(`${outcome.scenario}: ${Math.round(rate(outcome))} transfers/s`);
        outcomes.push(outcome);
        return outcome;
      };
      base = await step('1', () => baseline(benchUrl));
      single = await step('2', () =>
        ledgerSingles(`2 ledger: 1 transfer/call, ${CLIENTS} callers`, benchUrl, accounts, false),
      );
      hot = await step('3', () =>
        ledgerSingles(`3 ledger: as 2, all credit one hot account`, benchUrl, accounts, true),
      );
      await step('4', () => ledgerBatches(benchUrl, accounts));
      await step('ref', () => statementBatches(benchUrl));
      await reportHotUpdates(benchUrl);
    }

    if (ONLY.has('5')) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hebao-bench-'));
      const serverLog: string[] = [];
      try {
        const embedded = await startEmbeddedPostgres(dataDir, await freePort(), (l) =>
          serverLog.push(l),
        );
        OUR_DATABASES.add(new URL(embedded.url).pathname.slice(1));
        try {
          reportServer('embedded', await serverFacts(embedded.url), log);
          const setup = createPool(embedded.url, 4);
          let accounts: LedgerAccounts;
          try {
            await migrate(setup);
            accounts = await setUpLedgerAccounts(setup);
          } finally {
            await setup.end();
          }
          await settle(embedded.url);
          const outcome = await ledgerSingles(
            `5 ledger: as 2, embedded PostgreSQL`,
            embedded.url,
            accounts,
            false,
          );
          log(`${outcome.scenario}: ${Math.round(rate(outcome))} transfers/s`);
          outcomes.push(outcome);
        } finally {
          await embedded.stop();
        }
      } catch (err) {
        process.stderr.write(`${serverLog.slice(-30).join('\n')}\n`);
        throw err;
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }

  printTable(outcomes);
  log('');
  const disturbed = outcomes.filter((o) => o.otherCores > 0.2).map((o) => o.scenario.split(':')[0]);
  if (disturbed.length > 0) {
    log(`warning: other processes used CPU during ${disturbed.join(', ')}; those figures are low`);
  }
  if (single && hot) {
    log(`hot/single=${(rate(hot) / rate(single)).toFixed(2)} (target ≥ 0.5)`);
  }
  log(`ratio=${single && base ? (rate(single) / rate(base)).toFixed(2) : 'n/a'}`);
}

await main();
