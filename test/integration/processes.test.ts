/**
 * Three Hebao processes on one PostgreSQL, as an operator runs them behind a load balancer:
 * transfers, idempotent replays sent to another process, and a red-envelope rush spread over
 * all three must come out exact, with the books verified.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/modules/ledger/verify.ts';
import { freshIdNumber, freshPhone } from '../support/app.ts';
import { testDatabaseUrl, testPool } from '../support/db.ts';

const PROCESSES = 3;
const SMS_CODE = '246810';
const firstPort = 21_000 + Math.floor(Math.random() * 20_000);
const bases = Array.from({ length: PROCESSES }, (_, i) => `http://127.0.0.1:${firstPort + i}`);
const children: ChildProcess[] = [];
const db = testPool(2);

async function waitHealthy(base: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${base} did not become healthy`);
}

beforeAll(async () => {
  for (let i = 0; i < PROCESSES; i++) {
    children.push(
      spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: testDatabaseUrl(),
          PORT: String(firstPort + i),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          HEBAO_SECRET: 'test-secret-test-secret-test-secret-0123',
          HEBAO_RATE_REGISTER: '100000',
          HEBAO_RATE_LOGIN: '100000',
          HEBAO_RATE_VERIFICATION: '100000',
          HEBAO_RATE_PIN: '100000',
          HEBAO_DB_POOL: '6',
          HEBAO_RATE_PHONE_CODES: '100000',
          HEBAO_SMS_SANDBOX_CODE: SMS_CODE,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
  }
  await Promise.all(bases.map(waitHealthy));
}, 120_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
  const report = await verifyLedger(db);
  await db.end();
  expect(report.problems).toEqual([]);
});

interface Client {
  id: string;
  token: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; key?: string } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.key ? { 'idempotency-key': opts.key } : {}),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: answers are read as the contract describes them
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

/** A verified user with money, registered on one process and used on all of them. */
async function client(i: number, balance: number): Promise<Client> {
  const base = bases[i % PROCESSES]!;
  const phone = freshPhone();
  const reg = await call(base, 'POST', '/api/v1/auth/register', {
    body: { phone, password: 'correct horse battery', nickname: `p${i}` },
  });
  expect(reg.status).toBe(201);
  const token = reg.json.token as string;
  const code = await call(base, 'POST', '/api/v1/auth/phone-codes', {
    body: { phone, purpose: 'verify' },
  });
  expect(code.status).toBe(202);
  const pv = await call(base, 'POST', '/api/v1/me/phone-verification', {
    token,
    body: { code: SMS_CODE },
  });
  expect(pv.status).toBe(200);
  const v = await call(base, 'POST', '/api/v1/me/verification', {
    token,
    body: { realName: '测试用户', idNumber: freshIdNumber() },
  });
  expect(v.status).toBe(200);
  if (balance > 0) {
    const top = await call(base, 'POST', '/api/v1/wallet/topups', {
      token,
      body: { amount: balance },
      key: `top-${i}`,
    });
    expect(top.status).toBe(201);
  }
  return { id: reg.json.user.id, token };
}

async function balanceOf(c: Client): Promise<number> {
  const res = await call(bases[0]!, 'GET', '/api/v1/wallet', { token: c.token });
  return res.json.balances.find((b: { currency: string }) => b.currency === 'CNY').available;
}

describe('three processes on one database', () => {
  it('move transfers exactly, replaying each key on another process', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => client(i, 10_000)));
    const expected = new Map(users.map((u) => [u.id, 10_000]));
    const rounds = 12;
    await Promise.all(
      users.map(async (u, i) => {
        for (let n = 0; n < rounds; n++) {
          const to = users[(i + 1 + (n % (users.length - 1))) % users.length]!;
          const amount = 1 + ((i * 31 + n * 7) % 200);
          const key = `x-${i}-${n}`;
          const body = { to: { userId: to.id }, amount };
          // The same request to two processes at once, then once more to the third.
          const [a, b] = await Promise.all([
            call(bases[n % PROCESSES]!, 'POST', '/api/v1/transfers', { token: u.token, body, key }),
            call(bases[(n + 1) % PROCESSES]!, 'POST', '/api/v1/transfers', {
              token: u.token,
              body,
              key,
            }),
          ]);
          const c = await call(bases[(n + 2) % PROCESSES]!, 'POST', '/api/v1/transfers', {
            token: u.token,
            body,
            key,
          });
          expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
          expect(new Set([a.json.id, b.json.id, c.json.id]).size).toBe(1);
          expect(c.json).toEqual(a.json);
          expected.set(u.id, expected.get(u.id)! - amount);
          expected.set(to.id, expected.get(to.id)! + amount);
        }
      }),
    );
    for (const u of users) expect(await balanceOf(u)).toBe(expected.get(u.id));
  });

  it('hand out a group red envelope once per share when its members claim through all three', async () => {
    const sender = await client(100, 100_000);
    const members = await Promise.all(Array.from({ length: 24 }, (_, i) => client(200 + i, 0)));
    // Everyone becomes the sender's friend, so that the sender may put them into a group.
    for (const m of members) {
      const req = await call(bases[0]!, 'POST', '/api/v1/friends/requests', {
        token: sender.token,
        body: { userId: m.id },
      });
      expect(req.status).toBe(201);
      const ok = await call(bases[1]!, 'POST', `/api/v1/friends/requests/${req.json.id}/accept`, {
        token: m.token,
        body: {},
      });
      expect(ok.status).toBe(200);
    }
    const group = await call(bases[2]!, 'POST', '/api/v1/groups', {
      token: sender.token,
      body: { name: '抢红包', memberIds: members.map((m) => m.id) },
    });
    expect(group.status).toBe(201);
    const packet = await call(bases[0]!, 'POST', '/api/v1/red-packets', {
      token: sender.token,
      body: { kind: 'lucky', count: 10, totalAmount: 1_000, to: { groupId: group.json.id } },
      key: 'rush',
    });
    expect(packet.status).toBe(201);
    const claims = await Promise.all(
      members.map((m, i) =>
        call(bases[i % PROCESSES]!, 'POST', `/api/v1/red-packets/${packet.json.id}/claims`, {
          token: m.token,
        }),
      ),
    );
    const won = claims.filter((c) => c.status === 201);
    expect(won).toHaveLength(10);
    expect(claims.filter((c) => c.status === 410).map((c) => c.json.code)).toEqual(
      Array(14).fill('sold_out'),
    );
    expect(won.reduce((s, c) => s + c.json.amount, 0)).toBe(1_000);
    const received = await Promise.all(members.map(balanceOf));
    expect(received.reduce((a, b) => a + b, 0)).toBe(1_000);
  });
});
