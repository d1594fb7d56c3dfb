/**
 * Kill -9 under load, through the real server: several clients stream transfers (each with an
 * Idempotency-Key) while the server — and, in embedded mode, its postmaster, or not (then the
 * restarted server adopts it) — is SIGKILLed and restarted a few times. Afterwards, in both database modes:
 *   - every transfer answered 2xx is in the ledger exactly once, and nothing else is;
 *   - every request whose answer was lost gets a definite answer when retried with its key;
 *   - `hebao ledger verify` passes and the balances add up.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/db/embedded.ts';
import { transferIdFor } from '../../src/modules/ledger/ledger.ts';
import { derivedKey } from '../support/app.ts';
import { REPO_ROOT } from '../support/ledger-process.ts';
import { type ScratchDatabase, scratchDatabase } from '../support/ledger-scratch-db.ts';
import { freePort } from '../support/ports.ts';
import {
  type Client,
  embeddedInfo,
  http,
  type ServerProcess,
  startServer,
  stopServer,
  waitHealthy,
} from '../support/server-process.ts';

const CLIENTS = 4;
const KILLS = 3;
const LOAD_MS = 1_500;
const TOPUP = 1_000_000;

/** The transfer id a request's key stands for: derived from the key and the request itself. */
function moneyId(s: Sent): string {
  return transferIdFor(
    'wallet.transfer',
    s.from.id,
    derivedKey(s.key, '/api/v1/transfers', s.body),
  );
}

interface Sent {
  from: Client;
  key: string;
  body: { to: { userId: string }; amount: number };
  /** 'ok' with the transfer id, 'refused' (a business 4xx), or 'lost' (no definite answer). */
  outcome: 'ok' | 'refused' | 'lost';
  id?: string;
  status?: number;
}

interface Scenario {
  users: Client[];
  sent: Sent[];
  retries: { sent: Sent; status: number; code?: string; id?: string }[];
  dbUrl: string;
  env: Record<string, string | undefined>;
  server: ServerProcess;
}

async function killPostmaster(dataDir: string | undefined): Promise<void> {
  if (!dataDir) return;
  try {
    process.kill(embeddedInfo(dataDir).pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** One client: transfers to the others, one at a time, until `stop` says so. */
async function stream(
  base: string,
  from: Client,
  users: Client[],
  sent: Sent[],
  stop: { now: boolean },
) {
  const api = http(base);
  for (let n = 0; !stop.now; n++) {
    const to = users[(users.indexOf(from) + 1 + (n % (users.length - 1))) % users.length]!;
    const entry: Sent = {
      from,
      key: `crash-${from.id.slice(0, 8)}-${n}-${Math.random().toString(36).slice(2, 8)}`,
      body: { to: { userId: to.id }, amount: 1 + Math.floor(Math.random() * 500) },
      outcome: 'lost',
    };
    sent.push(entry);
    try {
      const r = await api.call('POST', '/api/v1/transfers', {
        token: from.token,
        body: entry.body,
        headers: { 'idempotency-key': entry.key },
      });
      entry.status = r.status;
      if (r.status >= 200 && r.status < 300) {
        entry.outcome = 'ok';
        entry.id = r.body.id as string;
      } else if (r.status >= 400 && r.status < 500 && r.status !== 409) {
        entry.outcome = 'refused';
      } else if (r.status === 409 && r.body.code !== 'conflict') {
        entry.outcome = 'refused'; // insufficient_funds, limit_exceeded: definite answers
      }
    } catch {
      // The connection died with the server: the answer is lost.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function runScenario(env: Record<string, string | undefined>, dataDir?: string) {
  const start = async () => {
    const s = await startServer(env);
    await waitHealthy(s, 60_000);
    return s;
  };
  let server = await start();
  const setup = http(server.base);
  const users: Client[] = [];
  for (let i = 0; i < CLIENTS; i++) users.push(await setup.user(TOPUP));
  const sent: Sent[] = [];
  for (let round = 0; round < KILLS; round++) {
    const stop = { now: false };
    const clients = users.map((u) => stream(server.base, u, users, sent, stop));
    // Kill mid-stream: after some acknowledgements in this round (however slow the machine).
    const acked = () => sent.filter((x) => x.outcome === 'ok').length;
    const before = acked();
    const began = Date.now();
    while (Date.now() - began < 20_000 && (Date.now() - began < LOAD_MS || acked() - before < 10)) {
      await new Promise((r) => setTimeout(r, 25));
    }
    server.child.kill('SIGKILL');
    // Embedded: the postmaster dies too in rounds 1 and 3; in round 2 it is left running and
    // the restarted server must adopt it.
    if (round !== 1) await killPostmaster(dataDir);
    await server.exited;
    stop.now = true;
    await Promise.all(clients);
    server = await start();
  }
  const api = http(server.base);
  const retries: Scenario['retries'] = [];
  for (const s of sent.filter((x) => x.outcome === 'lost')) {
    const r = await api.call('POST', '/api/v1/transfers', {
      token: s.from.token,
      body: s.body,
      headers: { 'idempotency-key': s.key },
    });
    retries.push({
      sent: s,
      status: r.status,
      code: r.body.code as string | undefined,
      id: r.body.id as string | undefined,
    });
  }
  const dbUrl = dataDir ? embeddedInfo(dataDir).url : (env.DATABASE_URL as string);
  return { users, sent, retries, dbUrl, env, server } satisfies Scenario;
}

function crashSuite(mode: 'external' | 'embedded') {
  describe(`a server killed under load (${mode} PostgreSQL)`, () => {
    let scenario: Scenario;
    let scratch: ScratchDatabase | undefined;
    let dataDir: string | undefined;
    let db: pg.Pool;

    beforeAll(async () => {
      let env: Record<string, string | undefined>;
      if (mode === 'external') {
        scratch = await scratchDatabase('srvcrash');
        env = { DATABASE_URL: scratch.url };
      } else {
        dataDir = mkdtempSync(path.join(tmpdir(), 'hebao-srvcrash-'));
        env = {
          DATABASE_URL: undefined,
          HEBAO_DATA_DIR: dataDir,
          HEBAO_EMBEDDED_PG_PORT: String(await freePort()),
        };
      }
      scenario = await runScenario(env, dataDir);
      db = new pg.Pool({ connectionString: scenario.dbUrl, max: 2 });
    }, 240_000);

    afterAll(async () => {
      await db?.end();
      if (scenario) {
        const postmaster = dataDir ? embeddedInfo(dataDir).pid : 0;
        expect((await stopServer(scenario.server)).code).toBe(0);
        // The last server stopped the postmaster it started or adopted: none is left over.
        if (postmaster) expect(processAlive(postmaster)).toBe(false);
      }
      await scratch?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('was killed mid-stream: some answers were acknowledged, some lost', () => {
      const ok = scenario.sent.filter((s) => s.outcome === 'ok').length;
      expect(ok).toBeGreaterThan(20);
      expect(scenario.sent.some((s) => s.outcome === 'lost')).toBe(true);
    });

    it('keeps every acknowledged transfer exactly once, and no transfer nobody asked for', async () => {
      const acked = scenario.sent.filter((s) => s.outcome === 'ok');
      const { rows } = await db.query<{ id: string; from: string }>(
        `SELECT id::text, metadata->>'from' AS from FROM ledger_transfers
          WHERE kind = 'transfer' AND metadata->>'from' = ANY($1)`,
        [scenario.users.map((u) => u.id)],
      );
      const inLedger = new Map<string, number>();
      for (const r of rows) inLedger.set(r.id, (inLedger.get(r.id) ?? 0) + 1);
      for (const s of acked) {
        expect(s.id).toBe(moneyId(s));
        expect(inLedger.get(s.id!), `acknowledged ${s.key}`).toBe(1);
      }
      // Each transfer in the ledger is one request that was sent (ids derive from the keys).
      const asked = new Set(scenario.sent.map((s) => moneyId(s) as string));
      expect(rows.filter((r) => !asked.has(r.id))).toEqual([]);
    });

    // Before the payment pipeline, a request cut off by the crash left its key "in progress"
    // forever (409 conflict on every retry); now the record commits with the money.
    it('gives every request whose answer was lost a definite answer on retry with its key', () => {
      const indefinite = scenario.retries.filter(
        (r) => r.status >= 500 || (r.status === 409 && r.code === 'conflict'),
      );
      expect(indefinite.map((r) => `${r.sent.key}: ${r.status} ${r.code}`)).toEqual([]);
      for (const r of scenario.retries.filter((x) => x.status === 201)) {
        expect(r.id).toBe(moneyId(r.sent));
      }
    });

    it('passes `hebao ledger verify`, and every balance is what its transfers say', async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [path.join(REPO_ROOT, 'bin/hebao.js'), 'ledger', 'verify'],
        {
          cwd: REPO_ROOT,
          env: Object.fromEntries(
            Object.entries({ ...process.env, ...scenario.env }).filter(([, v]) => v !== undefined),
          ) as NodeJS.ProcessEnv,
        },
      );
      expect(JSON.parse(stdout).ok).toBe(true);

      const { rows } = await db.query<{ from: string; to: string; amount: string }>(
        `SELECT metadata->>'from' AS from, metadata->>'to' AS to, amount::text FROM ledger_transfers
          WHERE kind = 'transfer' AND metadata->>'from' = ANY($1)`,
        [scenario.users.map((u) => u.id)],
      );
      const api = http(scenario.server.base);
      for (const u of scenario.users) {
        const expected =
          TOPUP -
          rows.filter((r) => r.from === u.id).reduce((n, r) => n + Number(r.amount), 0) +
          rows.filter((r) => r.to === u.id).reduce((n, r) => n + Number(r.amount), 0);
        const wallet = await api.call('GET', '/api/v1/wallet', { token: u.token });
        const balances = wallet.body.balances as { currency: string; available: number }[];
        expect(balances.find((b) => b.currency === 'CNY')?.available).toBe(expected);
      }
    });
  });
}

crashSuite('external');
crashSuite('embedded');
