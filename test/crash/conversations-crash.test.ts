/**
 * Money moments after kill -9: two clients stream money that belongs in a conversation — A's
 * transfers to a friend (group-committed) and C's red envelopes to a group (committed in the
 * envelope's own transaction) — each with an Idempotency-Key, while the server is SIGKILLed and
 * restarted; then every request whose answer was lost is retried with its key. Afterwards every
 * movement has exactly one message, and every message its movement.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directConversationId } from '../../src/modules/conversations/index.ts';
import { verifyLedger } from '../../src/modules/ledger/verify.ts';
import { type ScratchDatabase, scratchDatabase } from '../support/ledger-scratch-db.ts';
import {
  type Client,
  http,
  type ServerProcess,
  startServer,
  stopServer,
  waitHealthy,
} from '../support/server-process.ts';

const KILLS = 2;
const LOAD_MS = 1_500;

interface Sent {
  from: Client;
  url: string;
  key: string;
  body: Record<string, unknown>;
  outcome: 'ok' | 'refused' | 'lost';
  id?: string;
}

async function stream(
  base: string,
  next: (n: number) => Sent,
  sent: Sent[],
  stop: { now: boolean },
) {
  const api = http(base);
  for (let n = 0; !stop.now; n++) {
    const entry = next(n);
    sent.push(entry);
    try {
      const r = await api.call('POST', entry.url, {
        token: entry.from.token,
        body: entry.body,
        headers: { 'idempotency-key': entry.key },
      });
      if (r.status >= 200 && r.status < 300) {
        entry.outcome = 'ok';
        entry.id = r.body.id as string;
      } else if (r.status >= 400 && r.status < 500) {
        entry.outcome = 'refused';
      }
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('money moments when the server is killed under load', () => {
  let scratch: ScratchDatabase;
  let server: ServerProcess;
  let db: pg.Pool;
  const sent: Sent[] = [];
  const retried: { sent: Sent; status: number; id?: string }[] = [];
  let a: Client;
  let b: Client;
  let c: Client;
  let groupId: string;

  beforeAll(async () => {
    scratch = await scratchDatabase('convcrash');
    const env = { DATABASE_URL: scratch.url };
    const start = async () => {
      const s = await startServer(env);
      await waitHealthy(s, 60_000);
      return s;
    };
    server = await start();
    const setup = http(server.base);
    a = await setup.user(1_000_000);
    b = await setup.user();
    c = await setup.user(1_000_000);
    for (const [x, y] of [
      [a, b],
      [a, c],
    ] as const) {
      const req = await setup.call('POST', '/api/v1/friends/requests', {
        token: x.token,
        body: { userId: y.id },
      });
      await setup.call('POST', `/api/v1/friends/requests/${req.body.id}/accept`, {
        token: y.token,
      });
    }
    const group = await setup.call('POST', '/api/v1/groups', {
      token: a.token,
      body: { name: 'crash', memberIds: [b.id, c.id] },
    });
    groupId = group.body.id as string;
    const salt = Math.random().toString(36).slice(2, 8);
    const transfers = (n: number): Sent => ({
      from: a,
      url: '/api/v1/transfers',
      key: `t-${salt}-${n}`,
      body: { to: { userId: b.id }, amount: 1 + (n % 300) },
      outcome: 'lost',
    });
    const envelopes = (n: number): Sent => ({
      from: c,
      url: '/api/v1/red-packets',
      key: `e-${salt}-${n}`,
      body: { kind: 'fixed', count: 1, amountEach: 1 + (n % 300), to: { groupId } },
      outcome: 'lost',
    });
    for (let round = 0; round < KILLS; round++) {
      const stop = { now: false };
      const clients = [
        stream(server.base, transfers, sent, stop),
        stream(server.base, envelopes, sent, stop),
      ];
      const acked = () => sent.filter((s) => s.outcome === 'ok').length;
      const before = acked();
      const began = Date.now();
      while (
        Date.now() - began < 20_000 &&
        (Date.now() - began < LOAD_MS || acked() - before < 10)
      ) {
        await new Promise((r) => setTimeout(r, 25));
      }
      server.child.kill('SIGKILL');
      await server.exited;
      stop.now = true;
      await Promise.all(clients);
      server = await start();
    }
    const api = http(server.base);
    for (const s of sent.filter((x) => x.outcome === 'lost')) {
      const r = await api.call('POST', s.url, {
        token: s.from.token,
        body: s.body,
        headers: { 'idempotency-key': s.key },
      });
      retried.push({ sent: s, status: r.status, id: r.body.id as string | undefined });
    }
    db = new pg.Pool({ connectionString: scratch.url, max: 2 });
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    if (server) await stopServer(server);
    await scratch?.drop();
  }, 60_000);

  it('was killed mid-stream: answers were acknowledged and some lost, and retries are definite', () => {
    expect(sent.filter((s) => s.outcome === 'ok').length).toBeGreaterThan(10);
    expect(sent.some((s) => s.outcome === 'lost')).toBe(true);
    expect(retried.filter((r) => r.status >= 500 || r.status === 409)).toEqual([]);
  });

  it('gives every transfer between the friends exactly one message, and no message without one', async () => {
    const { rows: money } = await db.query<{ id: string }>(
      `SELECT id::text FROM ledger_transfers
        WHERE kind = 'transfer' AND metadata->>'from' = $1 AND metadata->>'to' = $2`,
      [a.id, b.id],
    );
    const { rows: messages } = await db.query<{ ref_id: string; n: number }>(
      `SELECT ref_id, count(*)::int AS n FROM conversation_messages
        WHERE conversation_id = $1 AND kind = 'transfer' GROUP BY ref_id`,
      [directConversationId(a.id, b.id)],
    );
    expect(money.length).toBeGreaterThan(5);
    expect(messages.map((m) => m.ref_id).sort()).toEqual(money.map((m) => m.id).sort());
    expect(messages.every((m) => m.n === 1)).toBe(true);
    // Every acknowledged or retried-into-success request is among them.
    const succeeded = [
      ...sent.filter((s) => s.outcome === 'ok' && s.url === '/api/v1/transfers'),
      ...retried
        .filter((r) => r.status === 201 && r.sent.url === '/api/v1/transfers')
        .map((r) => ({
          ...r.sent,
          id: r.id,
        })),
    ];
    const ids = new Set(messages.map((m) => m.ref_id));
    for (const s of succeeded) expect(ids.has(s.id!), s.key).toBe(true);
  });

  it('gives every red envelope to the group exactly one message, and no message without one', async () => {
    const { rows: moved } = await db.query<{ id: string }>(
      `SELECT p.id::text FROM red_packets p
        WHERE p.sender_id = $1 AND EXISTS (
          SELECT 1 FROM ledger_transfers t
           WHERE t.kind = 'redpacket.send' AND t.metadata->>'packetId' = p.id::text)`,
      [c.id],
    );
    const { rows: packets } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM red_packets WHERE sender_id = $1',
      [c.id],
    );
    // An envelope row exists only with its money (the same transaction).
    expect(packets[0]!.n).toBe(moved.length);
    const { rows: messages } = await db.query<{ ref_id: string; n: number }>(
      `SELECT ref_id, count(*)::int AS n FROM conversation_messages
        WHERE conversation_id = $1 AND kind = 'red_packet' GROUP BY ref_id`,
      [groupId],
    );
    expect(moved.length).toBeGreaterThan(5);
    expect(messages.map((m) => m.ref_id).sort()).toEqual(moved.map((m) => m.id).sort());
    expect(messages.every((m) => m.n === 1)).toBe(true);
  });

  it('keeps the books balanced', async () => {
    const res = await http(server.base).call('GET', '/api/v1/wallet', { token: b.token });
    const { rows } = await db.query<{ total: string }>(
      `SELECT coalesce(sum(amount), 0)::text AS total FROM ledger_transfers
        WHERE kind = 'transfer' AND metadata->>'to' = $1`,
      [b.id],
    );
    const balances = res.body.balances as { currency: string; available: number }[];
    expect(balances.find((x) => x.currency === 'CNY')?.available ?? 0).toBe(Number(rows[0]!.total));
    const report = await verifyLedger(db);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
