import { afterEach, describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { socialApi } from '../social/testing.ts';

/**
 * Every outcome of the risk stage on the four movements that can be held: allow; challenge,
 * answered with the PIN; hold, then release or reject; deny with nothing moved. Each scenario's
 * rule matches only its own amount, and the books are verified after each (useTestApp).
 */
const t = await useTestApp();
const { call, user, balance } = api(t);
const { befriend } = socialApi(t);
const PIN = '246813';

type Json = Record<string, unknown>;

async function admin(): Promise<TestUser> {
  const a = await user();
  await t.services.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [a.id]);
  return a;
}
const operator = await admin();

const live: string[] = [];
afterEach(async () => {
  for (const id of live.splice(0)) {
    await call('POST', `/api/v1/admin/risk/rules/${id}/deactivate`, { user: operator, body: {} });
  }
});

/** A live rule that fires on exactly this amount for these kinds. */
async function rule(appliesTo: string[], amount: number, action: string): Promise<string> {
  const made = await call('POST', '/api/v1/admin/risk/rules', {
    user: operator,
    body: {
      name: `${action} ${amount}`,
      appliesTo,
      when: { all: [{ fact: 'amount', op: 'eq', value: amount }] },
      action,
    },
  });
  expect(made.statusCode, made.body).toBe(201);
  const id = made.json().id as string;
  const on = await call('POST', `/api/v1/admin/risk/rules/${id}/activate`, {
    user: operator,
    body: {},
  });
  expect(on.statusCode, on.body).toBe(200);
  live.push(id);
  return id;
}

interface Movement {
  appliesTo: string;
  /** Sets the movement up; `send` makes the request with extra body fields and a key. */
  setup(amount: number): Promise<{
    payer: TestUser;
    send: (extra: Json, key: string) => ReturnType<typeof call>;
    /** Payer's side and receiver's side of the money. */
    balances: () => Promise<[number, number]>;
    /** After the movement completed: what shows it (the receiver claims an envelope). */
    completed?: () => Promise<void>;
  }>;
}

async function groupOf(owner: TestUser, members: TestUser[]): Promise<string> {
  for (const m of members) await befriend(owner, m);
  const res = await call('POST', '/api/v1/groups', {
    user: owner,
    body: { name: '风控', memberIds: members.map((m) => m.id) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

const movements: Movement[] = [
  {
    appliesTo: 'transfer',
    setup: async (amount) => {
      const [a, b] = await Promise.all([user({ balance: 100_000, pin: PIN }), user()]);
      return {
        payer: a,
        send: (extra, key) =>
          call('POST', '/api/v1/transfers', {
            user: a,
            headers: { 'idempotency-key': key },
            body: { to: { userId: b.id }, amount, pin: PIN, ...extra },
          }),
        balances: async () => [await balance(a), await balance(b)],
      };
    },
  },
  {
    appliesTo: 'withdrawal',
    setup: async (amount) => {
      const a = await user({ balance: 100_000, pin: PIN });
      const bank = async () =>
        Number(
          (
            await t.services.db.query(
              `SELECT credits_posted FROM ledger_accounts WHERE code = 'bank:sandbox:CNY'`,
            )
          ).rows[0]?.credits_posted ?? 0,
        );
      const start = await bank();
      return {
        payer: a,
        send: (extra, key) =>
          call('POST', '/api/v1/wallet/withdrawals', {
            user: a,
            headers: { 'idempotency-key': key },
            body: { amount, pin: PIN, ...extra },
          }),
        balances: async () => [await balance(a), (await bank()) - start],
      };
    },
  },
  {
    appliesTo: 'red_packet',
    setup: async (amount) => {
      const [a, b] = await Promise.all([user({ balance: 100_000, pin: PIN }), user()]);
      // Unknown until sent: an escrow that does not exist yet holds nothing.
      await befriend(a, b);
      let packetId: string | undefined;
      return {
        payer: a,
        send: async (extra, key) => {
          const res = await call('POST', '/api/v1/red-packets', {
            user: a,
            headers: { 'idempotency-key': key },
            body: {
              kind: 'fixed',
              count: 1,
              amountEach: amount,
              to: { userId: b.id },
              pin: PIN,
              ...extra,
            },
          });
          if (res.statusCode < 300) packetId = res.json().id as string;
          return res;
        },
        // The sender's wallet, and the envelope's escrow (claimable once it is there).
        balances: async () => {
          const { rows } = await t.services.db.query(
            `SELECT credits_posted - debits_posted AS b FROM ledger_accounts WHERE code = $1`,
            [`redpacket:${packetId}:escrow`],
          );
          return [await balance(a), Number(rows[0]?.b ?? 0)];
        },
        completed: async () => {
          const claim = await call('POST', `/api/v1/red-packets/${packetId}/claims`, {
            user: b,
            body: {},
          });
          expect(claim.statusCode, claim.body).toBe(201);
          expect(claim.json().amount).toBe(amount);
        },
      };
    },
  },
  {
    appliesTo: 'group_spend',
    setup: async (amount) => {
      const [owner, member] = await Promise.all([user({ balance: 100_000, pin: PIN }), user()]);
      const groupId = await groupOf(owner, [member]);
      const put = await call('POST', `/api/v1/groups/${groupId}/fund/contributions`, {
        user: owner,
        body: { amount: 50_000, pin: PIN },
      });
      expect(put.statusCode, put.body).toBe(201);
      const fund = async () =>
        (await call('GET', `/api/v1/groups/${groupId}/fund`, { user: owner })).json()
          .balance as number;
      return {
        payer: owner,
        send: (extra, key) =>
          call('POST', `/api/v1/groups/${groupId}/fund/spends`, {
            user: owner,
            headers: { 'idempotency-key': key },
            body: { amount, to: { userId: member.id }, note: '团建', pin: PIN, ...extra },
          }),
        balances: async () => [await fund(), await balance(member)],
      };
    },
  },
];

let nextAmount = 1_001;
const key = () => `risk-${nextAmount}-${Math.random()}`;

describe.each(movements)('risk on $appliesTo', (m) => {
  it('allows a movement no rule matches', async () => {
    const amount = nextAmount++;
    const s = await m.setup(amount);
    const [before, other] = await s.balances();
    const res = await s.send({}, key());
    expect(res.statusCode, res.body).toBe(201);
    expect(await s.balances()).toEqual([before - amount, other + amount]);
    await s.completed?.();
  });

  it('challenges, and the same request with the challenge and the PIN goes through', async () => {
    const amount = nextAmount++;
    await rule([m.appliesTo], amount, 'challenge');
    const s = await m.setup(amount);
    const [before, other] = await s.balances();
    const k = key();
    const first = await s.send({}, k);
    expect(first.statusCode, first.body).toBe(428);
    expect(first.json().code).toBe('risk_challenge');
    const challenge = first.json().challenge as { id: string; reason: string };
    expect(challenge.reason).toBeTruthy();
    // The same key answers the same 428, with the same challenge.
    const again = await s.send({}, k);
    expect(again.statusCode).toBe(428);
    expect((again.json().challenge as { id: string }).id).toBe(challenge.id);
    expect(await s.balances()).toEqual([before, other]);

    // An answer without the PIN is refused; with it, the money moves.
    const bare = await s.send({ riskChallengeId: challenge.id, pin: undefined }, key());
    expect(bare.statusCode, bare.body).toBe(403);
    const k2 = key();
    const answered = await s.send({ riskChallengeId: challenge.id }, k2);
    expect(answered.statusCode, answered.body).toBe(201);
    expect(await s.balances()).toEqual([before - amount, other + amount]);
    // Its retry is answered the same; another request cannot use the challenge again.
    expect((await s.send({ riskChallengeId: challenge.id }, k2)).statusCode).toBe(201);
    const reused = await s.send({ riskChallengeId: challenge.id }, key());
    expect(reused.statusCode).toBe(428);
    expect((reused.json().challenge as { id: string }).id).not.toBe(challenge.id);
    expect(await s.balances()).toEqual([before - amount, other + amount]);
    await s.completed?.();
  });

  it('holds the money until an admin releases it, then it completes', async () => {
    const amount = nextAmount++;
    await rule([m.appliesTo], amount, 'hold');
    const s = await m.setup(amount);
    const [before, other] = await s.balances();
    const k = key();
    const res = await s.send({}, k);
    expect(res.statusCode, res.body).toBe(202);
    const held = res.json() as { id: string; status: string };
    expect(held.status).toBe('held');
    const retry = await s.send({}, k);
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual(held);
    // Reserved: gone from the payer's available money, not yet with the receiver.
    expect(await s.balances()).toEqual([before - amount, other]);

    const list = await call('GET', '/api/v1/admin/risk/holds', { user: operator });
    expect((list.json().items as { id: string }[]).map((h) => h.id)).toContain(held.id);
    const released = await call('POST', `/api/v1/admin/risk/holds/${held.id}/release`, {
      user: operator,
      body: { note: '已核实' },
    });
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json().status).toBe('released');
    expect(await s.balances()).toEqual([before - amount, other + amount]);
    const twice = await call('POST', `/api/v1/admin/risk/holds/${held.id}/reject`, {
      user: operator,
      body: {},
    });
    expect(twice.statusCode).toBe(409);
    expect(await s.balances()).toEqual([before - amount, other + amount]);

    const audit = await call('GET', '/api/v1/admin/audit', { user: operator });
    expect(audit.json().items).toContainEqual(
      expect.objectContaining({
        action: 'risk.hold.release',
        actorId: operator.id,
        target: { type: 'risk_hold', id: held.id },
      }),
    );
    await s.completed?.();
  });

  it('holds the money until an admin rejects it, then it is the payer’s again', async () => {
    const amount = nextAmount++;
    await rule([m.appliesTo], amount, 'hold');
    const s = await m.setup(amount);
    const [before, other] = await s.balances();
    const res = await s.send({}, key());
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id as string;
    expect(await s.balances()).toEqual([before - amount, other]);
    const rejected = await call('POST', `/api/v1/admin/risk/holds/${id}/reject`, {
      user: operator,
      body: { note: '疑似诈骗' },
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json().status).toBe('rejected');
    expect(await s.balances()).toEqual([before, other]);
  });

  it('denies with nothing moved', async () => {
    const amount = nextAmount++;
    await rule([m.appliesTo], amount, 'deny');
    const s = await m.setup(amount);
    const [before, other] = await s.balances();
    const k = key();
    const res = await s.send({}, k);
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().code).toBe('risk_denied');
    expect((await s.send({}, k)).statusCode).toBe(403);
    expect(await s.balances()).toEqual([before, other]);
  });
});

describe('a held transfer', () => {
  it('is not shown to its receiver, who cannot accept it, until it is released', async () => {
    const amount = 77_777;
    await rule(['transfer'], amount, 'hold');
    const [a, b] = await Promise.all([user({ balance: 100_000, pin: PIN }), user()]);
    const res = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount, pin: PIN },
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id as string;
    const ids = async (u: TestUser) =>
      (
        (await call('GET', '/api/v1/transactions', { user: u })).json().items as { id: string }[]
      ).map((x) => x.id);
    expect(await ids(a)).toContain(id);
    expect(await ids(b)).not.toContain(id);
    const accept = await call('POST', `/api/v1/transfers/${id}/accept`, { user: b });
    expect(accept.statusCode).toBe(404);
    expect(await balance(b)).toBe(0);
    await call('POST', `/api/v1/admin/risk/holds/${id}/release`, { user: operator, body: {} });
    expect(await ids(b)).toContain(id);
    expect(await balance(b)).toBe(amount);
    const notified = await call('GET', '/api/v1/notifications', { user: b });
    expect((notified.json().items as { kind: string }[]).map((n) => n.kind)).toContain(
      'transfer.received',
    );
  });
});

describe('risk rules', () => {
  it('are refused when a condition does not fit its fact', async () => {
    const bad = await call('POST', '/api/v1/admin/risk/rules', {
      user: operator,
      body: {
        name: 'bad',
        appliesTo: ['transfer'],
        when: { all: [{ fact: 'payeeIsNew', op: 'gt', value: 3 }] },
        action: 'hold',
      },
    });
    expect(bad.statusCode).toBe(422);
    const unknown = await call('POST', '/api/v1/admin/risk/rules', {
      user: operator,
      body: {
        name: 'bad',
        appliesTo: ['transfer'],
        when: { all: [{ fact: 'zodiac', op: 'eq', value: 3 }] },
        action: 'hold',
      },
    });
    expect(unknown.statusCode).toBe(422);
  });

  it('are for admins only', async () => {
    const someone = await user();
    const res = await call('GET', '/api/v1/admin/risk/rules', { user: someone });
    expect(res.statusCode).toBe(403);
    const hold = await call(
      'POST',
      '/api/v1/admin/risk/holds/00000000-0000-4000-8000-000000000000/release',
      {
        user: someone,
        body: {},
      },
    );
    expect(hold.statusCode).toBe(403);
  });

  it('keep every version; editing makes a draft and activating it retires the one before', async () => {
    const id = await rule(['transfer'], 99_001, 'challenge');
    const edited = await call('PUT', `/api/v1/admin/risk/rules/${id}`, {
      user: operator,
      body: {
        name: 'challenge 99001 v2',
        appliesTo: ['transfer'],
        when: { any: [{ fact: 'amount', op: 'gte', value: 99_001 }] },
        action: 'hold',
      },
    });
    expect(edited.statusCode, edited.body).toBe(201);
    expect(edited.json()).toMatchObject({ id, version: 2, status: 'draft' });
    await call('POST', `/api/v1/admin/risk/rules/${id}/activate`, { user: operator, body: {} });
    const read = await call('GET', `/api/v1/admin/risk/rules/${id}`, { user: operator });
    const versions = read.json().versions as { version: number; status: string }[];
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [2, 'active'],
      [1, 'inactive'],
    ]);
  });
});

describe('risk on a merchant payment', () => {
  async function shopAndPayer(amount: number) {
    const owner = await user();
    const shop = await call('POST', '/api/v1/merchants', {
      user: owner,
      body: { name: '风控小店', category: 'food', address: '路', location: { lat: 30, lng: 120 } },
    });
    expect(shop.statusCode, shop.body).toBe(201);
    const merchantId = shop.json().id as string;
    const payer = await user({ balance: amount * 3, pin: PIN });
    const pay = (extra: Json, k: string) =>
      call('POST', '/api/v1/payments', {
        user: payer,
        headers: { 'idempotency-key': k },
        body: { merchantId, amount, pin: PIN, ...extra },
      });
    return { payer, pay };
  }

  it('is challenged and, answered with the PIN, goes through once', async () => {
    const amount = nextAmount++;
    await rule(['payment'], amount, 'challenge');
    const { payer, pay } = await shopAndPayer(amount);
    const before = await balance(payer);
    const first = await pay({}, key());
    expect(first.statusCode, first.body).toBe(428);
    const challenge = first.json().challenge as { id: string };
    expect(await balance(payer)).toBe(before);
    const answered = await pay({ riskChallengeId: challenge.id }, key());
    expect(answered.statusCode, answered.body).toBe(201);
    expect(answered.json()).toMatchObject({ status: 'completed', paid: amount });
    expect(await balance(payer)).toBe(before - amount);
  });

  it('cannot wait for an operator at the counter: a hold rule denies it, nothing moved', async () => {
    const amount = nextAmount++;
    await rule(['payment'], amount, 'hold');
    const { payer, pay } = await shopAndPayer(amount);
    const before = await balance(payer);
    const res = await pay({}, key());
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().code).toBe('risk_denied');
    expect(await balance(payer)).toBe(before);
  });
});

describe('a challenge on the other money requests', () => {
  it('is answered on a group fund contribution with the PIN, and the money moves once', async () => {
    const amount = nextAmount++;
    await rule(['group_contribution'], amount, 'challenge');
    const [owner, member] = await Promise.all([user({ balance: amount * 2, pin: PIN }), user()]);
    const groupId = await groupOf(owner, [member]);
    const contribute = (extra: Json) =>
      call('POST', `/api/v1/groups/${groupId}/fund/contributions`, {
        user: owner,
        headers: { 'idempotency-key': key() },
        body: { amount, pin: PIN, ...extra },
      });
    const first = await contribute({});
    expect(first.statusCode, first.body).toBe(428);
    expect(await balance(owner)).toBe(amount * 2);
    const challenge = first.json().challenge as { id: string };
    const answered = await contribute({ riskChallengeId: challenge.id });
    expect(answered.statusCode, answered.body).toBe(201);
    expect(await balance(owner)).toBe(amount);
    const fund = await call('GET', `/api/v1/groups/${groupId}/fund`, { user: owner });
    expect(fund.json().balance).toBe(amount);
  });
});
