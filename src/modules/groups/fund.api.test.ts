import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';

const PER_TRANSFER = 20_000;
const DAILY = 50_000;
const t = await useTestApp({
  HEBAO_LIMIT_PER_TRANSFER: String(PER_TRANSFER),
  HEBAO_LIMIT_DAILY: String(DAILY),
});
const { call, user, balance, befriend } = api(t);
const db = t.services.db;

type Json = Record<string, unknown>;
type Headers = Record<string, string>;

const contribute = (u: TestUser | undefined, groupId: string, body: Json, headers: Headers = {}) =>
  call('POST', `/api/v1/groups/${groupId}/fund/contributions`, { user: u, body, headers });
const spend = (u: TestUser | undefined, groupId: string, body: Json, headers: Headers = {}) =>
  call('POST', `/api/v1/groups/${groupId}/fund/spends`, { user: u, body, headers });
const fundOf = (u: TestUser | undefined, groupId: string, query = '') =>
  call('GET', `/api/v1/groups/${groupId}/fund${query}`, { user: u });
const fundBalance = async (viewer: TestUser, groupId: string) =>
  (await fundOf(viewer, groupId)).json().balance as number;

async function entryCount(groupId: string): Promise<number> {
  const { rows } = await db.query(
    'SELECT count(*)::int AS n FROM group_fund_entries WHERE group_id = $1',
    [groupId],
  );
  return rows[0].n;
}

async function notificationsOf(u: TestUser, kind: string): Promise<Json[]> {
  const { rows } = await db.query(
    'SELECT data FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY seq',
    [u.id, kind],
  );
  return rows.map((r) => r.data);
}

/** An owner, two treasurers and two members, each verified with money in their wallet. */
async function fundGroup(opts: { balance?: number; pin?: string } = {}) {
  const people = await Promise.all(
    ['Owner', 'Tre', 'Tre2', 'Mei', 'Max'].map((nickname) =>
      user({ balance: opts.balance ?? 30_000, nickname, ...(opts.pin ? { pin: opts.pin } : {}) }),
    ),
  );
  const [owner, treasurer, treasurer2, member, member2] = people as [
    TestUser,
    TestUser,
    TestUser,
    TestUser,
    TestUser,
  ];
  await befriend(owner, ...people.slice(1));
  const res = await call('POST', '/api/v1/groups', {
    user: owner,
    body: { name: '班费', memberIds: people.slice(1).map((p) => p.id) },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  for (const tr of [treasurer, treasurer2]) {
    const role = await call('PATCH', `/api/v1/groups/${id}/members/${tr.id}`, {
      user: owner,
      body: { role: 'treasurer' },
    });
    expect(role.statusCode, role.body).toBe(200);
  }
  return { id, owner, treasurer, treasurer2, member, member2 };
}

describe('contributions', () => {
  it('moves money from members into the fund; every member sees who, what, when and totals', async () => {
    const g = await fundGroup();
    const first = await contribute(g.member, g.id, { amount: 5_000, note: ' 上学期班费 ' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      type: 'contribution',
      amount: 5_000,
      currency: 'CNY',
      userId: g.member.id,
      nickname: 'Mei',
      note: '上学期班费',
      createdAt: t.clock.now().toISOString(),
    });
    expect(first.json()).not.toHaveProperty('to');
    t.clock.advance(1000);
    expect((await contribute(g.member2, g.id, { amount: 3_000 })).statusCode).toBe(201);
    t.clock.advance(1000);
    expect((await contribute(g.member, g.id, { amount: 1_000 })).statusCode).toBe(201);

    expect(await balance(g.member)).toBe(30_000 - 6_000);
    expect(await balance(g.member2)).toBe(30_000 - 3_000);
    for (const viewer of [g.owner, g.member2]) {
      const fund = (await fundOf(viewer, g.id)).json();
      expect(fund).toMatchObject({ groupId: g.id, balance: 9_000, currency: 'CNY' });
      expect((fund.entries as Json[]).map((e) => [e.userId, e.amount, e.note])).toEqual([
        [g.member.id, 1_000, null],
        [g.member2.id, 3_000, null],
        [g.member.id, 5_000, '上学期班费'],
      ]);
      expect(fund.contributions).toEqual([
        { userId: g.member.id, nickname: 'Mei', total: 6_000 },
        { userId: g.member2.id, nickname: 'Max', total: 3_000 },
      ]);
    }
    // The contributor's history shows the contribution as money out, with its note.
    const history = (await call('GET', '/api/v1/transactions', { user: g.member })).json()
      .items as Json[];
    expect(history.find((h) => h.id === first.json().id)).toMatchObject({
      type: 'group.fund.contribution',
      direction: 'out',
      amount: 5_000,
      note: '上学期班费',
    });
  });

  it('pages the entries, newest first', async () => {
    const g = await fundGroup();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      ids.push((await contribute(g.member, g.id, { amount: i * 100 })).json().id as string);
      t.clock.advance(1);
    }
    const page1 = (await fundOf(g.owner, g.id, '?limit=2')).json();
    expect((page1.entries as Json[]).map((e) => e.id)).toEqual([ids[4], ids[3]]);
    const page2 = (await fundOf(g.owner, g.id, `?limit=2&cursor=${page1.nextCursor}`)).json();
    expect((page2.entries as Json[]).map((e) => e.id)).toEqual([ids[2], ids[1]]);
    const page3 = (await fundOf(g.owner, g.id, `?limit=2&cursor=${page2.nextCursor}`)).json();
    expect(page3).toMatchObject({ entries: [{ id: ids[0] }], nextCursor: null, balance: 1_500 });
    expect((await fundOf(g.owner, g.id, '?cursor=bm9wZQ')).statusCode).toBe(422);
  });

  it('needs verification and the PIN, and keeps to the per-transfer and daily limits', async () => {
    const g = await fundGroup({ balance: 100_000, pin: '739104' });
    const unverified = await user({ verified: false, balance: 1_000 });
    await befriend(g.owner, unverified);
    await call('POST', `/api/v1/groups/${g.id}/members`, {
      user: g.owner,
      body: { userId: unverified.id },
    });
    const notVerified = await contribute(unverified, g.id, { amount: 100 });
    expect(notVerified.statusCode).toBe(403);
    expect(notVerified.json().code).toBe('verification_required');
    expect((await contribute(g.member, g.id, { amount: 100 })).json().code).toBe('pin_invalid');
    const wrong = await contribute(g.member, g.id, { amount: 100, pin: '280517' });
    expect(wrong.json()).toMatchObject({ code: 'pin_invalid', triesLeft: 4 });
    const tooBig = await contribute(g.member, g.id, { amount: PER_TRANSFER + 1, pin: '739104' });
    expect(tooBig.statusCode).toBe(422);
    expect(tooBig.json()).toMatchObject({ code: 'validation_error', field: 'amount' });
    // The daily limit is the wallet's: a transfer earlier today counts against it.
    const transfer = await call('POST', '/api/v1/transfers', {
      user: g.member,
      body: { to: { userId: g.member2.id }, amount: 15_000, pin: '739104' },
    });
    expect(transfer.statusCode, transfer.body).toBe(201);
    for (const amount of [PER_TRANSFER, 15_000]) {
      const ok = await contribute(g.member, g.id, { amount, pin: '739104' });
      expect(ok.statusCode, ok.body).toBe(201);
    }
    const over = await contribute(g.member, g.id, { amount: 1, pin: '739104' });
    expect(over.statusCode).toBe(409);
    expect(over.json().code).toBe('limit_exceeded');
    expect(await fundBalance(g.owner, g.id)).toBe(35_000);
    expect(await balance(g.member)).toBe(100_000 - 50_000);
    expect(await entryCount(g.id)).toBe(2);
  });

  it('refuses to overdraw the wallet, and records nothing', async () => {
    const g = await fundGroup({ balance: 1_000 });
    const res = await contribute(g.member, g.id, { amount: 1_001 });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('insufficient_funds');
    expect(await balance(g.member)).toBe(1_000);
    expect(await entryCount(g.id)).toBe(0);
  });
});

describe('spends', () => {
  it('lets the owner or a treasurer pay a member from the fund; all members are told once', async () => {
    const g = await fundGroup();
    await contribute(g.member, g.id, { amount: 10_000 });
    const res = await spend(g.treasurer, g.id, {
      amount: 2_500,
      to: { userId: g.member2.id },
      note: '买羽毛球',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      type: 'spend',
      amount: 2_500,
      userId: g.treasurer.id,
      nickname: 'Tre',
      to: { userId: g.member2.id, nickname: 'Max' },
      note: '买羽毛球',
    });
    // Reimbursing oneself is allowed: the spender may be the recipient.
    const own = await spend(g.owner, g.id, { amount: 500, to: { userId: g.owner.id }, note: '水' });
    expect(own.statusCode, own.body).toBe(201);
    expect(await balance(g.member2)).toBe(32_500);
    expect(await balance(g.owner)).toBe(30_500);
    expect(await fundBalance(g.member, g.id)).toBe(7_000);

    const told = {
      groupId: g.id,
      entryId: res.json().id,
      amount: 2_500,
      currency: 'CNY',
      byUserId: g.treasurer.id,
      byNickname: await t.services.identity.nickname(g.treasurer.id),
      toUserId: g.member2.id,
      toNickname: await t.services.identity.nickname(g.member2.id),
      note: '买羽毛球',
    };
    for (const m of [g.owner, g.treasurer2, g.member, g.member2]) {
      expect((await notificationsOf(m, 'group.fund.spent'))[0]).toEqual(told);
    }
    expect(await notificationsOf(g.treasurer, 'group.fund.spent')).toHaveLength(1);
    const received = (await call('GET', '/api/v1/transactions', { user: g.member2 })).json()
      .items as Json[];
    expect(received[0]).toMatchObject({
      type: 'group.fund.spend',
      direction: 'in',
      amount: 2_500,
      note: '买羽毛球',
    });
  });

  it('never takes the fund below zero', async () => {
    const g = await fundGroup();
    await contribute(g.member, g.id, { amount: 1_000 });
    const res = await spend(g.owner, g.id, {
      amount: 1_001,
      to: { userId: g.member.id },
      note: 'x',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('insufficient_funds');
    expect(await fundBalance(g.owner, g.id)).toBe(1_000);
    expect(await entryCount(g.id)).toBe(1);
    expect(await notificationsOf(g.member, 'group.fund.spent')).toEqual([]);
    // A fund nobody has paid into yet holds nothing to spend.
    const empty = await fundGroup();
    const none = await spend(empty.owner, empty.id, {
      amount: 1,
      to: { userId: empty.member.id },
      note: 'x',
    });
    expect(none.json().code).toBe('insufficient_funds');
    expect((await fundOf(empty.member, empty.id)).json()).toMatchObject({
      balance: 0,
      entries: [],
      contributions: [],
      nextCursor: null,
    });
  });

  it('pays only current members', async () => {
    const g = await fundGroup();
    const stranger = await user();
    await contribute(g.member, g.id, { amount: 1_000 });
    await call('DELETE', `/api/v1/groups/${g.id}/members/${g.member2.id}`, { user: g.member2 });
    for (const to of [stranger.id, g.member2.id, 'not-a-uuid']) {
      const res = await spend(g.owner, g.id, { amount: 100, to: { userId: to }, note: 'x' });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'validation_error', field: 'to' });
    }
    expect(await fundBalance(g.owner, g.id)).toBe(1_000);
  });

  it('needs the spender verified and their PIN', async () => {
    const g = await fundGroup({ pin: '739104' });
    await contribute(g.member, g.id, { amount: 1_000, pin: '739104' });
    const body = { amount: 100, to: { userId: g.member.id }, note: 'x' };
    expect((await spend(g.treasurer, g.id, body)).json().code).toBe('pin_invalid');
    expect((await spend(g.treasurer, g.id, { ...body, pin: '739104' })).statusCode).toBe(201);
    const unverified = await user({ verified: false });
    await befriend(g.owner, unverified);
    await call('POST', `/api/v1/groups/${g.id}/members`, {
      user: g.owner,
      body: { userId: unverified.id },
    });
    await call('PATCH', `/api/v1/groups/${g.id}/members/${unverified.id}`, {
      user: g.owner,
      body: { role: 'treasurer' },
    });
    const res = await spend(unverified, g.id, body);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('verification_required');
    expect(await fundBalance(g.owner, g.id)).toBe(900);
  });
});

describe('who may touch the fund', () => {
  it('keeps strangers and former members out (404) and plain members from spending (403)', async () => {
    const g = await fundGroup();
    const stranger = await user({ balance: 1_000 });
    await contribute(g.member, g.id, { amount: 1_000 });
    await call('DELETE', `/api/v1/groups/${g.id}/members/${g.member2.id}`, { user: g.owner });
    const spendBody = { amount: 100, to: { userId: g.member.id }, note: 'x' };
    for (const outsider of [stranger, g.member2]) {
      for (const res of [
        await contribute(outsider, g.id, { amount: 100 }),
        await spend(outsider, g.id, spendBody),
        await fundOf(outsider, g.id),
      ]) {
        expect(res.statusCode).toBe(404);
        expect(res.json().code).toBe('not_found');
      }
    }
    for (const url of ['not-a-uuid', randomUUID()]) {
      expect((await fundOf(g.owner, url)).statusCode).toBe(404);
      expect((await contribute(g.owner, url, { amount: 100 })).statusCode).toBe(404);
    }
    const byMember = await spend(g.member, g.id, spendBody);
    expect(byMember.statusCode).toBe(403);
    expect(byMember.json().code).toBe('forbidden');
    // A treasurer demoted is a plain member again.
    await call('PATCH', `/api/v1/groups/${g.id}/members/${g.treasurer.id}`, {
      user: g.owner,
      body: { role: 'member' },
    });
    expect((await spend(g.treasurer, g.id, spendBody)).statusCode).toBe(403);
    for (const res of [
      await contribute(undefined, g.id, { amount: 100 }),
      await spend(undefined, g.id, spendBody),
      await fundOf(undefined, g.id),
    ]) {
      expect(res.statusCode).toBe(401);
    }
    expect(await balance(stranger)).toBe(1_000);
    expect(await fundBalance(g.owner, g.id)).toBe(1_000);
    expect(await entryCount(g.id)).toBe(1);
  });
});

describe('bad input changes nothing', () => {
  it('refuses malformed bodies with validation_error', async () => {
    const g = await fundGroup();
    await contribute(g.member, g.id, { amount: 1_000 });
    const to = { userId: g.member.id };
    const contributions: [string, Json][] = [
      ['zero', { amount: 0 }],
      ['negative', { amount: -1 }],
      ['float', { amount: 1.5 }],
      ['string', { amount: '100' }],
      ['unsafe', { amount: Number.MAX_SAFE_INTEGER + 2 }],
      ['long note', { amount: 1, note: 'x'.repeat(101) }],
      ['unknown field', { amount: 1, currency: 'CNY' }],
      ['bad pin', { amount: 1, pin: '12345' }],
    ];
    for (const [why, body] of contributions) {
      const res = await contribute(g.member, g.id, body);
      expect(res.statusCode, why).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
    }
    const spends: [string, Json][] = [
      ['no note', { amount: 1, to }],
      ['empty note', { amount: 1, to, note: '' }],
      ['blank note', { amount: 1, to, note: '   ' }],
      ['no recipient', { amount: 1, note: 'x' }],
      ['recipient by phone', { amount: 1, to: { phone: g.member.phone }, note: 'x' }],
      ['unknown field', { amount: 1, to, note: 'x', extra: true }],
    ];
    for (const [why, body] of spends) {
      const res = await spend(g.owner, g.id, body);
      expect(res.statusCode, why).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
    }
    expect(await entryCount(g.id)).toBe(1);
    expect(await fundBalance(g.owner, g.id)).toBe(1_000);
  });

  it('screens notes: a refused one moves nothing, a held one is shown to its author alone', async () => {
    const g = await fundGroup();
    const refused = await contribute(g.member, g.id, { amount: 100, note: '网赌充值返利' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'content_rejected', categories: ['gambling'] });
    expect(await balance(g.member)).toBe(30_000);
    expect(await entryCount(g.id)).toBe(0);
    const held = await contribute(g.member, g.id, { amount: 100, note: '娱乐城' });
    expect(held.statusCode, held.body).toBe(201);
    expect(held.json().note).toBe('娱乐城');
    expect((await fundOf(g.member, g.id)).json().entries[0].note).toBe('娱乐城');
    expect((await fundOf(g.owner, g.id)).json().entries[0].note).toBeNull();
    const spent = await spend(g.owner, g.id, {
      amount: 50,
      to: { userId: g.member.id },
      note: '娱乐城',
    });
    expect(spent.statusCode).toBe(201);
    expect((await notificationsOf(g.member, 'group.fund.spent'))[0]!.note).toBeNull();
  });
});

describe('idempotency', () => {
  it('replays a contribution with its key, and refuses the key with another body', async () => {
    const g = await fundGroup();
    const key = { 'idempotency-key': `fund-${randomUUID()}` };
    const first = await contribute(g.member, g.id, { amount: 700 }, key);
    expect(first.statusCode).toBe(201);
    const again = await contribute(g.member, g.id, { amount: 700 }, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await contribute(g.member, g.id, { amount: 701 }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('idempotency_conflict');
    expect(await balance(g.member)).toBe(30_000 - 700);
    expect(await entryCount(g.id)).toBe(1);
  });

  it('moves money once even when the stored response is lost', async () => {
    const g = await fundGroup();
    await contribute(g.member, g.id, { amount: 5_000 });
    for (const [who, post, body] of [
      [g.member, contribute, { amount: 300 }],
      [g.treasurer, spend, { amount: 200, to: { userId: g.member2.id }, note: '奖品' }],
    ] as const) {
      const key = `fund-lost-${randomUUID()}`;
      const first = await post(who, g.id, body, { 'idempotency-key': key });
      expect(first.statusCode, first.body).toBe(201);
      // As if the process died after committing but before keeping the response.
      await db.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2', [who.id, key]);
      const again = await post(who, g.id, body, { 'idempotency-key': key });
      expect(again.statusCode, again.body).toBe(201);
      expect(again.json()).toEqual(first.json());
    }
    expect(await fundBalance(g.owner, g.id)).toBe(5_100);
    expect(await balance(g.member2)).toBe(30_200);
    expect(await entryCount(g.id)).toBe(3);
  });
});

describe('races on the fund', () => {
  it('two treasurers spending the last yuan at once: exactly one succeeds, the fund ends at 0', async () => {
    const g = await fundGroup();
    for (let round = 0; round < 5; round++) {
      expect((await contribute(g.member, g.id, { amount: 100 })).statusCode).toBe(201);
      const results = await Promise.all(
        [g.treasurer, g.treasurer2].map((tr) =>
          spend(tr, g.id, { amount: 100, to: { userId: tr.id }, note: '最后一块钱' }),
        ),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('insufficient_funds');
      expect(await fundBalance(g.owner, g.id)).toBe(0);
    }
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, sum(amount)::int AS total FROM group_fund_entries
        WHERE group_id = $1 AND type = 'spend'`,
      [g.id],
    );
    expect(rows[0]).toEqual({ n: 5, total: 500 });
    expect((await balance(g.treasurer)) + (await balance(g.treasurer2))).toBe(60_000 + 500);
    expect((await t.services.ledger.verify()).ok).toBe(true);
  });

  it('many spends racing for a fund pay out exactly what it holds', async () => {
    const g = await fundGroup();
    await contribute(g.member, g.id, { amount: 200 });
    const spenders = [g.owner, g.treasurer, g.treasurer2];
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        spend(spenders[i % 3], g.id, { amount: 60, to: { userId: g.member2.id }, note: 'x' }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
    expect(results.filter((r) => r.json().code === 'insufficient_funds')).toHaveLength(6);
    expect(await fundBalance(g.owner, g.id)).toBe(20);
    expect(await balance(g.member2)).toBe(30_180);
    expect(await entryCount(g.id)).toBe(4);
  });
});

it('publishes the fund endpoints in the OpenAPI document', async () => {
  const doc = (await call('GET', '/api/openapi.json')).json() as { paths: Record<string, Json> };
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining([
      '/api/v1/groups/{id}/fund/contributions',
      '/api/v1/groups/{id}/fund/spends',
      '/api/v1/groups/{id}/fund',
      '/api/v1/groups/{id}/members/{userId}',
    ]),
  );
});
