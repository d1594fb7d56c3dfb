import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';

const PER_TRANSFER = 50_000;
const DAILY = 80_000;
const MAX_EXPENSE = 1_000_000;
const t = await useTestApp({
  HEBAO_LIMIT_PER_TRANSFER: String(PER_TRANSFER),
  HEBAO_LIMIT_DAILY: String(DAILY),
  HEBAO_EXPENSE_MAX_AMOUNT: String(MAX_EXPENSE),
});
const { call, user, balance, befriend } = api(t);
const db = t.services.db;

type Json = Record<string, unknown>;
type Headers = Record<string, string>;
interface Participant {
  userId: string;
  value?: number;
  owed: number;
}

const addExpense = (
  u: TestUser | undefined,
  groupId: string,
  body: unknown,
  headers: Headers = {},
) => call('POST', `/api/v1/groups/${groupId}/expenses`, { user: u, body, headers });
const editExpense = (u: TestUser, id: string, body: unknown) =>
  call('PATCH', `/api/v1/expenses/${id}`, { user: u, body });
const deleteExpense = (u: TestUser, id: string) =>
  call('DELETE', `/api/v1/expenses/${id}`, { user: u });
const historyOf = (u: TestUser, id: string, query = '') =>
  call('GET', `/api/v1/expenses/${id}/history${query}`, { user: u });
const balancesOf = (u: TestUser, groupId: string, query = '') =>
  call('GET', `/api/v1/groups/${groupId}/balances${query}`, { user: u });
const settle = (u: TestUser, groupId: string, body: unknown, headers: Headers = {}) =>
  call('POST', `/api/v1/groups/${groupId}/settlements`, { user: u, body, headers });

/** Equal split among `people`, paid by `payer`. */
const equalExpense = (
  payer: TestUser,
  people: TestUser[],
  amount: number,
  description = '晚饭',
) => ({
  description,
  amount,
  paidBy: payer.id,
  split: { method: 'equal', participants: people.map((p) => ({ userId: p.id })) },
});

async function groupOf(owner: TestUser, members: TestUser[]): Promise<string> {
  await befriend(owner, ...members);
  const res = await call('POST', '/api/v1/groups', {
    user: owner,
    body: { name: '合租', memberIds: members.map((m) => m.id) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

/** Nets by user id, with the invariant every answer keeps: they add up to zero. */
async function netsOf(viewer: TestUser, groupId: string): Promise<Record<string, number>> {
  const res = await balancesOf(viewer, groupId);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { balances: { userId: string; net: number }[] };
  expect(body.balances.reduce((s, b) => s + b.net, 0)).toBe(0);
  return Object.fromEntries(body.balances.map((b) => [b.userId, b.net]));
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0].n;
}

async function notificationsOf(u: TestUser, kind: string): Promise<Json[]> {
  const { rows } = await db.query(
    'SELECT data FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY seq',
    [u.id, kind],
  );
  return rows.map((r) => r.data);
}

const makeTreasurer = (groupId: string, u: TestUser) =>
  db.query(`UPDATE group_members SET role = 'treasurer' WHERE group_id = $1 AND user_id = $2`, [
    groupId,
    u.id,
  ]);

const owedBy = (participants: Participant[]) =>
  Object.fromEntries(participants.map((p) => [p.userId, p.owed]));

describe('recording expenses', () => {
  it('records an equal split with the extra fen on the lowest user ids, moving no money', async () => {
    const [a, b, c] = await Promise.all([
      user({ balance: 1_000, nickname: 'Ann' }),
      user({ verified: false }),
      user({ verified: false }),
    ]);
    const groupId = await groupOf(a!, [b!, c!]);
    const res = await addExpense(a, groupId, {
      ...equalExpense(a!, [a!, b!, c!], 100, '  火锅  '),
      occurredAt: '2026-01-02T12:00:00.000Z',
    });
    expect(res.statusCode, res.body).toBe(201);
    const expense = res.json();
    const sorted = [a!.id, b!.id, c!.id].sort();
    expect(expense).toMatchObject({
      groupId,
      description: '火锅',
      descriptionHeld: false,
      amount: 100,
      currency: 'CNY',
      paidBy: a!.id,
      createdBy: a!.id,
      occurredAt: '2026-01-02T12:00:00.000Z',
      version: 1,
      deletedAt: null,
      split: {
        method: 'equal',
        participants: [
          { userId: sorted[0], owed: 34 },
          { userId: sorted[1], owed: 33 },
          { userId: sorted[2], owed: 33 },
        ],
      },
    });
    expect((expense.split as { participants: Participant[] }).participants[0]).not.toHaveProperty(
      'value',
    );
    // A record, not a payment: nobody's wallet moved.
    expect(await balance(a!)).toBe(1_000);
    expect(await balance(b!)).toBe(0);
    expect(await notificationsOf(b!, 'group.expense_added')).toEqual([
      { groupId, expenseId: expense.id, byUserId: a!.id, amount: 100, currency: 'CNY' },
    ]);
    expect(await notificationsOf(a!, 'group.expense_added')).toEqual([]);
    const nets = await netsOf(b!, groupId);
    const owedA = sorted[0] === a!.id ? 34 : 33;
    expect(nets[a!.id]).toBe(100 - owedA);
    expect((await call('GET', `/api/v1/expenses/${expense.id}`, { user: c })).json()).toEqual(
      expense,
    );
  });

  it('splits by exact amounts, shares and basis points', async () => {
    const [a, b, c] = await Promise.all(Array.from({ length: 3 }, () => user({ verified: false })));
    const groupId = await groupOf(a!, [b!, c!]);
    const split = async (method: string, amount: number, values: [TestUser, number][]) => {
      const res = await addExpense(b, groupId, {
        description: method,
        amount,
        paidBy: a!.id,
        split: { method, participants: values.map(([u, value]) => ({ userId: u.id, value })) },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().split as { method: string; participants: Participant[] };
    };
    const exact = await split('exact', 1_000, [
      [a!, 100],
      [b!, 250],
      [c!, 650],
    ]);
    expect(owedBy(exact.participants)).toEqual({ [a!.id]: 100, [b!.id]: 250, [c!.id]: 650 });
    expect(exact.participants.find((p) => p.userId === c!.id)).toEqual({
      userId: c!.id,
      value: 650,
      owed: 650,
    });
    const shares = await split('shares', 1_000, [
      [a!, 1],
      [b!, 1],
      [c!, 2],
    ]);
    expect(owedBy(shares.participants)).toEqual({ [a!.id]: 250, [b!.id]: 250, [c!.id]: 500 });
    // 25.5% / 24.5% / 50% of 999 = 254.745, 244.755, 499.5: floors 254 + 244 + 499 = 997, and
    // the two fen left go to the largest remainders, .755 and .745.
    const percent = await split('percent', 999, [
      [a!, 2550],
      [b!, 2450],
      [c!, 5000],
    ]);
    expect(owedBy(percent.participants)).toEqual({ [a!.id]: 255, [b!.id]: 245, [c!.id]: 499 });
    // The payer need not take part; a participant may owe nothing.
    const forOthers = await split('exact', 300, [
      [b!, 300],
      [c!, 0],
    ]);
    expect(owedBy(forOthers.participants)).toEqual({ [b!.id]: 300, [c!.id]: 0 });
  });

  it('refuses splits that do not add up, naming why', async () => {
    const [a, b] = await Promise.all([user({ verified: false }), user({ verified: false })]);
    const groupId = await groupOf(a!, [b!]);
    const cases: [string, Json, RegExp][] = [
      [
        'exact short',
        {
          method: 'exact',
          participants: [
            { userId: a!.id, value: 40 },
            { userId: b!.id, value: 50 },
          ],
        },
        /add up to 90/,
      ],
      [
        'percent over',
        {
          method: 'percent',
          participants: [
            { userId: a!.id, value: 6000 },
            { userId: b!.id, value: 5000 },
          ],
        },
        /11000 basis points/,
      ],
      [
        'shares zero',
        {
          method: 'shares',
          participants: [
            { userId: a!.id, value: 0 },
            { userId: b!.id, value: 1 },
          ],
        },
        /whole numbers/,
      ],
      [
        'equal with values',
        { method: 'equal', participants: [{ userId: a!.id, value: 1 }] },
        /no values/,
      ],
      [
        'missing value',
        { method: 'shares', participants: [{ userId: a!.id }, { userId: b!.id, value: 1 }] },
        /needs a value/,
      ],
      [
        'duplicate',
        { method: 'equal', participants: [{ userId: a!.id }, { userId: a!.id }] },
        /listed twice/,
      ],
    ];
    for (const [why, split, detail] of cases) {
      const res = await addExpense(a, groupId, {
        description: 'x',
        amount: 100,
        paidBy: a!.id,
        split,
      });
      expect(res.statusCode, why).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
      expect(res.json().detail, why).toMatch(detail);
    }
    expect(await count('group_expenses WHERE group_id = $1', [groupId])).toBe(0);
  });

  it('refuses bad input for every field, writing nothing', async () => {
    const [a, b] = await Promise.all([user({ verified: false }), user({ verified: false })]);
    const groupId = await groupOf(a!, [b!]);
    const good = equalExpense(a!, [a!, b!], 100);
    const bodies: [string, unknown][] = [
      ['no body', undefined],
      ['not an object', [good]],
      ['missing description', { ...good, description: undefined }],
      ['blank description', { ...good, description: '   ' }],
      ['empty description', { ...good, description: '' }],
      ['long description', { ...good, description: 'x'.repeat(101) }],
      ['description not a string', { ...good, description: 7 }],
      ['missing amount', { ...good, amount: undefined }],
      ['zero amount', { ...good, amount: 0 }],
      ['negative amount', { ...good, amount: -5 }],
      ['float amount', { ...good, amount: 10.5 }],
      ['string amount', { ...good, amount: '100' }],
      ['unsafe amount', { ...good, amount: Number.MAX_SAFE_INTEGER + 1 }],
      ['amount over the limit', { ...good, amount: MAX_EXPENSE + 1 }],
      ['unknown currency', { ...good, currency: 'XXX' }],
      ['lower-case currency', { ...good, currency: 'cny' }],
      ['missing paidBy', { ...good, paidBy: undefined }],
      ['paidBy not a string', { ...good, paidBy: 42 }],
      ['paidBy empty', { ...good, paidBy: '' }],
      ['paidBy not a member', { ...good, paidBy: randomUUID() }],
      ['paidBy not an id', { ...good, paidBy: 'someone' }],
      ['missing split', { ...good, split: undefined }],
      ['split not an object', { ...good, split: 'equal' }],
      ['unknown method', { ...good, split: { ...good.split, method: 'random' } }],
      ['missing participants', { ...good, split: { method: 'equal' } }],
      ['no participants', { ...good, split: { method: 'equal', participants: [] } }],
      ['participant not an object', { ...good, split: { method: 'equal', participants: [a!.id] } }],
      ['participant without id', { ...good, split: { method: 'equal', participants: [{}] } }],
      [
        'participant unknown field',
        { ...good, split: { method: 'equal', participants: [{ userId: a!.id, share: 1 }] } },
      ],
      [
        'participant not a member',
        {
          ...good,
          split: { method: 'equal', participants: [{ userId: a!.id }, { userId: randomUUID() }] },
        },
      ],
      [
        'negative value',
        { ...good, split: { method: 'exact', participants: [{ userId: a!.id, value: -1 }] } },
      ],
      [
        'float value',
        { ...good, split: { method: 'shares', participants: [{ userId: a!.id, value: 1.5 }] } },
      ],
      [
        'string value',
        { ...good, split: { method: 'shares', participants: [{ userId: a!.id, value: '1' }] } },
      ],
      ['split unknown field', { ...good, split: { ...good.split, rounding: 'up' } }],
      ['bad occurredAt', { ...good, occurredAt: 'yesterday' }],
      ['occurredAt not a string', { ...good, occurredAt: 1_700_000_000 }],
      ['unknown field', { ...good, note: 'hi' }],
    ];
    for (const [why, body] of bodies) {
      const res = await addExpense(a, groupId, body);
      expect(res.statusCode, `${why}: ${res.body}`).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
    }
    const nonMember = await addExpense(a, groupId, {
      ...good,
      split: { method: 'equal', participants: [{ userId: a!.id }, { userId: b!.id }] },
      paidBy: randomUUID(),
    });
    expect(nonMember.json().userIds).toHaveLength(1);
    const bigIn = await addExpense(a, groupId, { ...good, amount: MAX_EXPENSE });
    expect(bigIn.statusCode, bigIn.body).toBe(201);
    expect(await count('group_expenses WHERE group_id = $1', [groupId])).toBe(1);
    const badKey = await addExpense(a, groupId, good, { 'idempotency-key': 'k'.repeat(256) });
    expect(badKey.statusCode).toBe(422);
  });

  it('screens descriptions: a refused one is not recorded, a held one shows to its author alone', async () => {
    const [a, b] = await Promise.all([user({ verified: false }), user({ verified: false })]);
    const groupId = await groupOf(a!, [b!]);
    const refused = await addExpense(a, groupId, equalExpense(a!, [a!, b!], 100, '网赌充值返利'));
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'content_rejected', categories: ['gambling'] });
    expect(await count('group_expenses WHERE group_id = $1', [groupId])).toBe(0);
    const held = await addExpense(a, groupId, equalExpense(a!, [a!, b!], 100, '娱乐城'));
    expect(held.statusCode, held.body).toBe(201);
    expect(held.json()).toMatchObject({ description: '娱乐城', descriptionHeld: true });
    const id = held.json().id as string;
    const seenByB = (await call('GET', `/api/v1/expenses/${id}`, { user: b })).json();
    expect(seenByB).toMatchObject({ description: null, descriptionHeld: true, amount: 100 });
    expect((await historyOf(b!, id)).json().items[0].after.description).toBeNull();
    expect((await historyOf(a!, id)).json().items[0].after.description).toBe('娱乐城');
    // The expense still counts for everyone.
    expect(Object.values(await netsOf(b!, groupId))).toContain(-50);
    // An edit with a clean text clears the hold.
    const edited = await editExpense(a!, id, { description: '电影票' });
    expect(edited.json()).toMatchObject({ description: '电影票', descriptionHeld: false });
    const refusedEdit = await editExpense(a!, id, { description: '网赌充值返利' });
    expect(refusedEdit.json().code).toBe('content_rejected');
  });

  it('is idempotent with an Idempotency-Key', async () => {
    const [a, b] = await Promise.all([user({ verified: false }), user({ verified: false })]);
    const groupId = await groupOf(a!, [b!]);
    const body = equalExpense(a!, [a!, b!], 500);
    const key = { 'idempotency-key': randomUUID() };
    const first = await addExpense(a, groupId, body, key);
    const again = await addExpense(a, groupId, body, key);
    expect(first.statusCode, first.body).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await addExpense(a, groupId, { ...body, amount: 600 }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('idempotency_conflict');
    expect(await count('group_expenses WHERE group_id = $1', [groupId])).toBe(1);
  });

  it('lists a group’s expenses newest first, with a cursor, deleted ones on request', async () => {
    const [a, b] = await Promise.all([user({ verified: false }), user({ verified: false })]);
    const groupId = await groupOf(a!, [b!]);
    const ids: string[] = [];
    for (const amount of [100, 200, 300]) {
      ids.push(
        (await addExpense(a, groupId, equalExpense(a!, [a!, b!], amount))).json().id as string,
      );
      t.clock.advance(1_000);
    }
    expect((await deleteExpense(a!, ids[1]!)).statusCode).toBe(204);
    const first = await call('GET', `/api/v1/groups/${groupId}/expenses?limit=1`, { user: b });
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json() as { items: { id: string }[]; nextCursor: string };
    expect(page1.items.map((e) => e.id)).toEqual([ids[2]]);
    const page2 = (
      await call('GET', `/api/v1/groups/${groupId}/expenses?limit=5&cursor=${page1.nextCursor}`, {
        user: b,
      })
    ).json();
    expect(page2).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
    const all = (
      await call('GET', `/api/v1/groups/${groupId}/expenses?includeDeleted=true`, { user: b })
    ).json().items as { id: string; deletedAt: string | null }[];
    expect(all.map((e) => e.id)).toEqual([...ids].reverse());
    expect(all[1]!.deletedAt).not.toBeNull();
    for (const query of [
      '?cursor=bm9wZQ',
      '?limit=0',
      '?limit=101',
      '?includeDeleted=maybe',
      '?sort=asc',
    ]) {
      const bad = await call('GET', `/api/v1/groups/${groupId}/expenses${query}`, { user: b });
      expect(bad.statusCode, query).toBe(422);
    }
  });
});

describe('balances and simplifying debts', () => {
  it('computes nets from several expenses and the fewest transfers to settle them', async () => {
    const [a, b, c, d] = await Promise.all(
      ['Ann', 'Ben', 'Cai', 'Dan'].map((nickname) => user({ verified: false, nickname })),
    );
    const groupId = await groupOf(a!, [b!, c!, d!]);
    // a pays 400 for all four; b pays 300 for b, c, d; c pays 120 for a and d (exact).
    for (const body of [
      equalExpense(a!, [a!, b!, c!, d!], 400),
      equalExpense(b!, [b!, c!, d!], 300),
      {
        description: '咖啡',
        amount: 120,
        paidBy: c!.id,
        split: {
          method: 'exact',
          participants: [
            { userId: a!.id, value: 60 },
            { userId: d!.id, value: 60 },
          ],
        },
      },
    ]) {
      expect((await addExpense(a, groupId, body)).statusCode).toBe(201);
    }
    // A second currency keeps its own books.
    expect(
      (await addExpense(a, groupId, { ...equalExpense(d!, [a!, d!], 1_000), currency: 'USD' }))
        .statusCode,
    ).toBe(201);
    const res = await balancesOf(c!, groupId);
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      currency: string;
      balances: { userId: string; nickname: string; net: number }[];
      simplified: { from: string; to: string; amount: number }[];
    };
    expect(body.currency).toBe('CNY');
    // a: +400 −100 −60 = 240; b: +300 −100 −100 = 100; c: +120 −100 −100 = −80; d: −100 −100 −60 = −260.
    expect(body.balances).toEqual([
      { userId: a!.id, nickname: 'Ann', net: 240 },
      { userId: b!.id, nickname: 'Ben', net: 100 },
      { userId: c!.id, nickname: 'Cai', net: -80 },
      { userId: d!.id, nickname: 'Dan', net: -260 },
    ]);
    // Four people with no zero-sum subgroup: three transfers.
    expect(body.simplified).toHaveLength(3);
    const after = Object.fromEntries(body.balances.map((b) => [b.userId, b.net]));
    for (const s of body.simplified) {
      after[s.from]! += s.amount;
      after[s.to]! -= s.amount;
    }
    expect(Object.values(after).every((n) => n === 0)).toBe(true);
    const usd = (await balancesOf(c!, groupId, '?currency=USD')).json();
    expect(usd.simplified).toEqual([{ from: a!.id, to: d!.id, amount: 500 }]);
    expect((await balancesOf(c!, groupId, '?currency=XXX')).statusCode).toBe(422);
    expect((await balancesOf(c!, groupId, '?other=1')).statusCode).toBe(422);
  });

  it('shows a group with no expenses as everyone square', async () => {
    const [a, b] = await Promise.all([user({ verified: false }), user({ verified: false })]);
    const groupId = await groupOf(a!, [b!]);
    const body = (await balancesOf(b!, groupId)).json();
    expect(body.simplified).toEqual([]);
    expect(body.balances.map((x: { net: number }) => x.net)).toEqual([0, 0]);
  });
});

describe('settling up', () => {
  /** b owes a 3,000 (a paid 6,000 for both); both verified, b with money. */
  async function debt(opts: { pin?: string; balance?: number } = {}) {
    const [a, b, c] = await Promise.all([
      user({ nickname: 'Ann' }),
      user({
        nickname: 'Ben',
        balance: opts.balance ?? 10_000,
        ...(opts.pin ? { pin: opts.pin } : {}),
      }),
      user({ verified: false }),
    ]);
    const groupId = await groupOf(a!, [b!, c!]);
    const res = await addExpense(a, groupId, equalExpense(a!, [a!, b!], 6_000, '房租'));
    expect(res.statusCode, res.body).toBe(201);
    return { a: a!, b: b!, c: c!, groupId };
  }

  it('moves the money through the ledger, records the settlement and zeroes the balance', async () => {
    const { a, b, groupId } = await debt();
    expect((await balancesOf(b, groupId)).json().simplified).toEqual([
      { from: b.id, to: a.id, amount: 3_000 },
    ]);
    const res = await settle(b, groupId, { to: a.id, amount: 3_000 });
    expect(res.statusCode, res.body).toBe(201);
    const settlement = res.json();
    expect(settlement).toMatchObject({
      groupId,
      from: { userId: b.id },
      to: { userId: a.id },
      amount: 3_000,
      currency: 'CNY',
    });
    expect(await balance(b)).toBe(7_000);
    expect(await balance(a)).toBe(3_000);
    const nets = await netsOf(a, groupId);
    expect(Object.values(nets).every((n) => n === 0)).toBe(true);
    expect((await balancesOf(a, groupId)).json().simplified).toEqual([]);
    // Both histories show the payment with the other as counterparty.
    const out = (await call('GET', '/api/v1/transactions', { user: b })).json().items as Json[];
    expect(out[0]).toMatchObject({
      id: settlement.transferId,
      type: 'group.settlement',
      direction: 'out',
      amount: 3_000,
      counterparty: { userId: a.id, nickname: 'Ann' },
    });
    const inn = (await call('GET', '/api/v1/transactions', { user: a })).json().items as Json[];
    expect(inn[0]).toMatchObject({ type: 'group.settlement', direction: 'in', amount: 3_000 });
    expect(await notificationsOf(a, 'group.settlement_received')).toEqual([
      {
        groupId,
        settlementId: settlement.id,
        transferId: settlement.transferId,
        fromUserId: b.id,
        fromNickname: 'Ben',
        amount: 3_000,
        currency: 'CNY',
      },
    ]);
    const list = (await call('GET', `/api/v1/groups/${groupId}/settlements`, { user: a })).json();
    expect(list).toEqual({ items: [settlement], nextCursor: null });
    // Nothing is owed any more: a second settle-up is refused.
    const again = await settle(b, groupId, { to: a.id, amount: 1 });
    expect(again.statusCode).toBe(422);
    expect(again.json().detail).toMatch(/owe nothing/);
    const report = await t.services.ledger.verify();
    expect(report.ok).toBe(true);
  });

  it('settles in part, and never more than is owed', async () => {
    const { a, b, c, groupId } = await debt();
    const over = await settle(b, groupId, { to: a.id, amount: 3_001 });
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({
      code: 'validation_error',
      field: 'amount',
      maxAmount: 3_000,
    });
    const part = await settle(b, groupId, { to: a.id, amount: 1_000 });
    expect(part.statusCode, part.body).toBe(201);
    expect((await netsOf(a, groupId))[b.id]).toBe(-2_000);
    // c is square: owed nothing; a is owed, so a owes nothing to settle.
    const toSquare = await settle(b, groupId, { to: c.id, amount: 100 });
    expect(toSquare.statusCode).toBe(422);
    expect(toSquare.json().field).toBe('to');
    const creditorPays = await settle(a, groupId, { to: b.id, amount: 100 });
    expect(creditorPays.statusCode).toBe(422);
    const toSelf = await settle(b, groupId, { to: b.id, amount: 100 });
    expect(toSelf.statusCode).toBe(422);
    const toStranger = await settle(b, groupId, { to: randomUUID(), amount: 100 });
    expect(toStranger.statusCode).toBe(422);
    expect(await balance(b)).toBe(9_000);
    expect(await count('group_settlements WHERE group_id = $1', [groupId])).toBe(1);
  });

  it('applies the wallet’s rules: verification, PIN, funds, limits and blocks', async () => {
    const { a, b, groupId } = await debt({ pin: '258036', balance: 1_000 });
    const unverified = await user({ verified: false });
    await befriend(a, unverified);
    await call('POST', `/api/v1/groups/${groupId}/members`, {
      user: a,
      body: { userId: unverified.id },
    });
    expect((await addExpense(a, groupId, equalExpense(a, [a, unverified], 200))).statusCode).toBe(
      201,
    );
    const noVerification = await settle(unverified, groupId, { to: a.id, amount: 100 });
    expect(noVerification.statusCode).toBe(403);
    expect(noVerification.json().code).toBe('verification_required');

    const noPin = await settle(b, groupId, { to: a.id, amount: 500 });
    expect(noPin.json().code).toBe('pin_invalid');
    const wrongPin = await settle(b, groupId, { to: a.id, amount: 500, pin: '111112' });
    expect(wrongPin.statusCode).toBe(403);
    expect(wrongPin.json().code).toBe('pin_invalid');
    const poor = await settle(b, groupId, { to: a.id, amount: 2_000, pin: '258036' });
    expect(poor.statusCode).toBe(409);
    expect(poor.json().code).toBe('insufficient_funds');
    expect(await count('group_settlements WHERE group_id = $1', [groupId])).toBe(0);
    expect(await balance(b)).toBe(1_000);

    await db.query('INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)', [a.id, b.id]);
    const blocked = await settle(b, groupId, { to: a.id, amount: 500, pin: '258036' });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('blocked');
    await db.query('DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2', [a.id, b.id]);
    const ok = await settle(b, groupId, { to: a.id, amount: 500, pin: '258036' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(await balance(b)).toBe(500);
  });

  it('counts against the daily transfer allowance and the per-transfer limit', async () => {
    const [a, b] = await Promise.all([user(), user({ balance: 200_000 })]);
    const groupId = await groupOf(a!, [b!]);
    expect((await addExpense(a, groupId, equalExpense(a!, [a!, b!], 400_000))).statusCode).toBe(
      201,
    );
    const tooBig = await settle(b!, groupId, { to: a!.id, amount: PER_TRANSFER + 1 });
    expect(tooBig.statusCode).toBe(422);
    expect((await settle(b!, groupId, { to: a!.id, amount: PER_TRANSFER })).statusCode).toBe(201);
    const overDaily = await settle(b!, groupId, { to: a!.id, amount: DAILY - PER_TRANSFER + 1 });
    expect(overDaily.statusCode).toBe(409);
    expect(overDaily.json().code).toBe('limit_exceeded');
    expect(await balance(b!)).toBe(200_000 - PER_TRANSFER);
    expect(await count('group_settlements WHERE group_id = $1', [groupId])).toBe(1);
  });

  it('is idempotent: the same key moves money once, another body with it is a conflict', async () => {
    const { a, b, groupId } = await debt();
    const key = { 'idempotency-key': randomUUID() };
    const first = await settle(b, groupId, { to: a.id, amount: 1_000 }, key);
    const again = await settle(b, groupId, { to: a.id, amount: 1_000 }, key);
    expect(first.statusCode, first.body).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    const other = await settle(b, groupId, { to: a.id, amount: 2_000 }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('idempotency_conflict');
    expect(await balance(b)).toBe(9_000);
    expect(await count('group_settlements WHERE group_id = $1', [groupId])).toBe(1);
  });

  it('pays one debt once when two settle-ups for all of it race', async () => {
    const { a, b, groupId } = await debt();
    const results = await Promise.all(
      [randomUUID(), randomUUID()].map((k) =>
        settle(b, groupId, { to: a.id, amount: 3_000 }, { 'idempotency-key': k }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 422]);
    expect(await balance(b)).toBe(7_000);
    expect(await balance(a)).toBe(3_000);
    expect(await count('group_settlements WHERE group_id = $1', [groupId])).toBe(1);
    expect(Object.values(await netsOf(a, groupId)).every((n) => n === 0)).toBe(true);
  });

  it('moves money once when the same request races with one key', async () => {
    const { a, b, groupId } = await debt();
    const key = { 'idempotency-key': randomUUID() };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => settle(b, groupId, { to: a.id, amount: 1_500 }, key)),
    );
    // The first runs; the others either replay it or are told it is still in progress.
    const ok = results.filter((r) => r.statusCode === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.json().id)).size).toBe(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(r.json().code).toBe('conflict');
    }
    expect(await balance(b)).toBe(8_500);
    expect(await count('group_settlements WHERE group_id = $1', [groupId])).toBe(1);
  });

  it('refuses bad settle-up input', async () => {
    const { a, b, groupId } = await debt();
    const bodies: [string, unknown][] = [
      ['no body', undefined],
      ['missing to', { amount: 100 }],
      ['to not a string', { to: 5, amount: 100 }],
      ['to as an object', { to: { userId: a.id }, amount: 100 }],
      ['missing amount', { to: a.id }],
      ['zero amount', { to: a.id, amount: 0 }],
      ['negative amount', { to: a.id, amount: -1 }],
      ['float amount', { to: a.id, amount: 1.5 }],
      ['string amount', { to: a.id, amount: '100' }],
      ['unknown currency', { to: a.id, amount: 100, currency: 'ABC' }],
      ['short pin', { to: a.id, amount: 100, pin: '123' }],
      ['numeric pin', { to: a.id, amount: 100, pin: 123456 }],
      ['unknown field', { to: a.id, amount: 100, note: 'thanks' }],
    ];
    for (const [why, body] of bodies) {
      const res = await settle(b, groupId, body);
      expect(res.statusCode, `${why}: ${res.body}`).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
    }
    // Another currency has its own books, where nothing is owed.
    const usd = await settle(b, groupId, { to: a.id, amount: 100, currency: 'USD' });
    expect(usd.statusCode).toBe(422);
    expect(await balance(b)).toBe(10_000);
  });
});

describe('editing and deleting', () => {
  it('keeps an audit trail of every change, with actor, time, before and after', async () => {
    const [a, b, c] = await Promise.all(Array.from({ length: 3 }, () => user({ verified: false })));
    const groupId = await groupOf(a!, [b!, c!]);
    const created = (await addExpense(a, groupId, equalExpense(a!, [a!, b!], 1_000))).json();
    const id = created.id as string;
    t.clock.advance(60_000);
    // A new amount re-applies the split as it was.
    const edited = await editExpense(a!, id, { amount: 1_200, description: '烧烤' });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ amount: 1_200, description: '烧烤', version: 2 });
    expect(owedBy(edited.json().split.participants)).toEqual({ [a!.id]: 600, [b!.id]: 600 });
    t.clock.advance(60_000);
    // The recorder hands the payment to b and changes the split; from now on b, as the payer, may edit too.
    const moved = await editExpense(a!, id, {
      paidBy: b!.id,
      split: {
        method: 'shares',
        participants: [
          { userId: a!.id, value: 1 },
          { userId: c!.id, value: 2 },
        ],
      },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(owedBy(moved.json().split.participants)).toEqual({ [a!.id]: 400, [c!.id]: 800 });
    expect(await netsOf(c!, groupId)).toMatchObject({
      [a!.id]: -400,
      [b!.id]: 1_200,
      [c!.id]: -800,
    });
    // An edit that changes nothing records nothing.
    const same = await editExpense(b!, id, { amount: 1_200 });
    expect(same.json().version).toBe(3);
    // An exact split must be resent with a new amount.
    const exact = await editExpense(b!, id, {
      split: { method: 'exact', participants: [{ userId: a!.id, value: 1_200 }] },
    });
    expect(exact.statusCode).toBe(200);
    const stale = await editExpense(b!, id, { amount: 1_300 });
    expect(stale.statusCode).toBe(422);
    expect(stale.json().detail).toMatch(/add up to 1200/);
    t.clock.advance(60_000);
    expect((await deleteExpense(b!, id)).statusCode).toBe(204);
    expect(Object.values(await netsOf(c!, groupId)).every((n) => n === 0)).toBe(true);
    // Deleting again changes nothing; editing a deleted expense is a conflict.
    expect((await deleteExpense(a!, id)).statusCode).toBe(204);
    const afterDelete = await editExpense(a!, id, { amount: 5 });
    expect(afterDelete.statusCode).toBe(409);
    expect(afterDelete.json().code).toBe('conflict');
    const gone = (await call('GET', `/api/v1/expenses/${id}`, { user: c })).json();
    expect(gone).toMatchObject({ version: 5, deletedAt: t.clock.now().toISOString() });

    const history = await historyOf(c!, id);
    expect(history.statusCode, history.body).toBe(200);
    const items = history.json().items as {
      version: number;
      action: string;
      actorId: string;
      at: string;
      before: Json | null;
      after: Json | null;
    }[];
    expect(items.map((e) => [e.version, e.action, e.actorId])).toEqual([
      [5, 'deleted', b!.id],
      [4, 'edited', b!.id],
      [3, 'edited', a!.id],
      [2, 'edited', a!.id],
      [1, 'created', a!.id],
    ]);
    const [deleted, , third, second, first] = items;
    expect(first!.before).toBeNull();
    expect(first!.after).toMatchObject({ amount: 1_000, description: '晚饭', paidBy: a!.id });
    expect(first!.at).toBe(created.createdAt);
    expect(second!.before).toEqual(first!.after);
    expect(second!.after).toMatchObject({ amount: 1_200, description: '烧烤' });
    expect(third!.before).toEqual(second!.after);
    expect(third!.after).toMatchObject({ paidBy: b!.id, split: { method: 'shares' } });
    expect(deleted!.after).toBeNull();
    expect(deleted!.before).toMatchObject({ split: { method: 'exact' } });
    expect(deleted!.at).toBe(t.clock.now().toISOString());
    // Paged, newest first.
    const page1 = (await historyOf(c!, id, '?limit=2')).json();
    expect(page1.items.map((e: { version: number }) => e.version)).toEqual([5, 4]);
    const page2 = (await historyOf(c!, id, `?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.items.map((e: { version: number }) => e.version)).toEqual([3, 2]);
    expect((await historyOf(c!, id, '?cursor=eA')).statusCode).toBe(422);
  });

  it('refuses bad edits', async () => {
    const [a, b] = await Promise.all([user({ verified: false }), user({ verified: false })]);
    const groupId = await groupOf(a!, [b!]);
    const id = (await addExpense(a, groupId, equalExpense(a!, [a!, b!], 1_000))).json()
      .id as string;
    const bodies: [string, unknown][] = [
      ['empty', {}],
      ['unknown field', { memo: 'x' }],
      ['zero amount', { amount: 0 }],
      ['string amount', { amount: '5' }],
      ['amount over the limit', { amount: MAX_EXPENSE + 1 }],
      ['blank description', { description: '  ' }],
      ['bad currency', { currency: 'XYZ' }],
      ['payer not a member', { paidBy: randomUUID() }],
      ['bad split', { split: { method: 'equal', participants: [] } }],
      [
        'new participant not a member',
        { split: { method: 'equal', participants: [{ userId: randomUUID() }] } },
      ],
      ['bad occurredAt', { occurredAt: 'soon' }],
    ];
    for (const [why, body] of bodies) {
      const res = await editExpense(a!, id, body);
      expect(res.statusCode, `${why}: ${res.body}`).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
    }
    expect((await call('GET', `/api/v1/expenses/${id}`, { user: a })).json().version).toBe(1);
    expect(await count('group_expense_events WHERE expense_id = $1', [id])).toBe(1);
  });
});

describe('authorization', () => {
  it('hides every expense resource from non-members, who get 404 and change nothing', async () => {
    const [a, b, stranger] = await Promise.all([
      user(),
      user({ balance: 5_000 }),
      user({ balance: 5_000 }),
    ]);
    const groupId = await groupOf(a!, [b!]);
    const id = (await addExpense(a, groupId, equalExpense(a!, [a!, b!], 1_000))).json()
      .id as string;
    const requests: [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown?][] = [
      [
        'record',
        'POST',
        `/api/v1/groups/${groupId}/expenses`,
        equalExpense(stranger!, [stranger!], 100),
      ],
      ['list', 'GET', `/api/v1/groups/${groupId}/expenses`],
      ['view', 'GET', `/api/v1/expenses/${id}`],
      ['edit', 'PATCH', `/api/v1/expenses/${id}`, { amount: 1 }],
      ['delete', 'DELETE', `/api/v1/expenses/${id}`],
      ['history', 'GET', `/api/v1/expenses/${id}/history`],
      ['balances', 'GET', `/api/v1/groups/${groupId}/balances`],
      ['settle', 'POST', `/api/v1/groups/${groupId}/settlements`, { to: a!.id, amount: 100 }],
      ['settlements', 'GET', `/api/v1/groups/${groupId}/settlements`],
      ['unknown group', 'GET', `/api/v1/groups/${randomUUID()}/balances`],
      ['not an id', 'GET', '/api/v1/groups/nope/expenses'],
      ['unknown expense', 'GET', `/api/v1/expenses/${randomUUID()}`],
      ['expense not an id', 'PATCH', '/api/v1/expenses/nope', { amount: 1 }],
    ];
    for (const [why, method, url, body] of requests) {
      const res = await call(method, url, { user: stranger, ...(body ? { body } : {}) });
      expect(res.statusCode, `${why}: ${res.body}`).toBe(404);
      expect(res.json().code, why).toBe('not_found');
      const anon = await call(method, url, body ? { body } : {});
      expect(anon.statusCode, why).toBe(401);
    }
    expect(await balance(stranger!)).toBe(5_000);
    expect((await call('GET', `/api/v1/expenses/${id}`, { user: a })).json().version).toBe(1);
    expect(await count('group_expenses WHERE group_id = $1', [groupId])).toBe(1);
  });

  it('lets the recorder, the payer, the owner and treasurers change an expense, not other members', async () => {
    const [owner, recorder, payer, treasurer, member] = await Promise.all(
      Array.from({ length: 5 }, () => user({ verified: false })),
    );
    const groupId = await groupOf(owner!, [recorder!, payer!, treasurer!, member!]);
    await makeTreasurer(groupId, treasurer!);
    const id = (
      await addExpense(recorder, groupId, equalExpense(payer!, [payer!, member!], 1_000))
    ).json().id as string;
    const byMember = await editExpense(member!, id, { amount: 2_000 });
    expect(byMember.statusCode).toBe(403);
    expect(byMember.json().code).toBe('forbidden');
    const memberDelete = await deleteExpense(member!, id);
    expect(memberDelete.statusCode).toBe(403);
    let amount = 1_000;
    for (const actor of [recorder!, payer!, owner!, treasurer!]) {
      amount += 100;
      const res = await editExpense(actor, id, { amount });
      expect(res.statusCode, res.body).toBe(200);
    }
    const history = (await historyOf(member!, id)).json().items as { actorId: string }[];
    expect(history.map((e) => e.actorId)).toEqual([
      treasurer!.id,
      owner!.id,
      payer!.id,
      recorder!.id,
      recorder!.id,
    ]);
    expect((await deleteExpense(treasurer!, id)).statusCode).toBe(204);
  });

  it('shuts out former members, while their balance stays in the books', async () => {
    const [a, b, c] = await Promise.all([
      user(),
      user({ balance: 1_000 }),
      user({ verified: false }),
    ]);
    const groupId = await groupOf(a!, [b!, c!]);
    const id = (await addExpense(a, groupId, equalExpense(a!, [a!, c!], 800))).json().id as string;
    await db.query(
      'UPDATE group_members SET left_at = now() WHERE group_id = $1 AND user_id = $2',
      [groupId, c!.id],
    );
    expect((await call('GET', `/api/v1/expenses/${id}`, { user: c })).statusCode).toBe(404);
    expect((await balancesOf(c!, groupId)).statusCode).toBe(404);
    const nets = await netsOf(a!, groupId);
    expect(nets[c!.id]).toBe(-400);
    // A former member cannot be named in a new expense, but an old one can still be edited.
    const withFormer = await addExpense(a, groupId, equalExpense(a!, [a!, c!], 100));
    expect(withFormer.statusCode).toBe(422);
    expect(withFormer.json().userIds).toEqual([c!.id]);
    expect((await editExpense(a!, id, { amount: 1_000 })).statusCode).toBe(200);
  });
});
