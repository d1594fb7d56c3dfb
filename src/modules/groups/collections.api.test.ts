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

const create = (u: TestUser | undefined, groupId: string, body: Json) =>
  call('POST', `/api/v1/groups/${groupId}/collections`, { user: u, body });
const view = (u: TestUser | undefined, id: string) =>
  call('GET', `/api/v1/collections/${id}`, { user: u });
const pay = (u: TestUser | undefined, id: string, body?: Json, headers: Headers = {}) =>
  call('POST', `/api/v1/collections/${id}/payments`, {
    user: u,
    headers,
    ...(body ? { body } : {}),
  });
const remind = (u: TestUser | undefined, id: string) =>
  call('POST', `/api/v1/collections/${id}/reminders`, { user: u });
const close = (u: TestUser | undefined, id: string) =>
  call('POST', `/api/v1/collections/${id}/close`, { user: u });

async function notificationsOf(u: TestUser, kind: string): Promise<Json[]> {
  const { rows } = await db.query(
    'SELECT data FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY seq',
    [u.id, kind],
  );
  return rows.map((r) => r.data);
}

async function collectionRows(groupId: string): Promise<number> {
  const { rows } = await db.query(
    'SELECT count(*)::int AS n FROM group_collections WHERE group_id = $1',
    [groupId],
  );
  return rows[0].n;
}

/** An organiser and members, verified, with money; sorted so that `members` is in id order. */
async function collectionGroup(opts: { members?: number; balance?: number; pin?: string } = {}) {
  const people = await Promise.all(
    Array.from({ length: (opts.members ?? 3) + 1 }, (_, i) =>
      user({
        balance: opts.balance ?? 30_000,
        nickname: i === 0 ? 'Org' : `M${i}`,
        ...(opts.pin ? { pin: opts.pin } : {}),
      }),
    ),
  );
  const [organizer, ...members] = people as [TestUser, ...TestUser[]];
  await befriend(organizer, ...members);
  const res = await call('POST', '/api/v1/groups', {
    user: organizer,
    body: { name: '周五聚餐', memberIds: members.map((m) => m.id) },
  });
  expect(res.statusCode, res.body).toBe(201);
  members.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { id: res.json().id as string, organizer, members };
}

async function openCollection(g: Awaited<ReturnType<typeof collectionGroup>>, body: Json = {}) {
  const res = await create(g.organizer, g.id, { amountEach: 2_000, note: '烤鱼', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

describe('collecting money', () => {
  it('asks each member for a fixed amount; each pays once; it completes when all have paid', async () => {
    const g = await collectionGroup();
    const res = await create(g.organizer, g.id, { amountEach: 2_000, note: ' 烤鱼 ' });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({
      groupId: g.id,
      organizerId: g.organizer.id,
      organizerNickname: 'Org',
      note: '烤鱼',
      currency: 'CNY',
      totalAmount: 6_000,
      paidAmount: 0,
      status: 'open',
      closedAt: null,
    });
    expect(c.shares).toEqual(
      g.members.map((m) => ({
        userId: m.id,
        nickname: expect.stringMatching(/^M\d$/),
        amount: 2_000,
        paid: false,
        paidAt: null,
      })),
    );
    for (const m of g.members) {
      expect(await notificationsOf(m, 'group.collection.requested')).toEqual([
        {
          collectionId: c.id,
          groupId: g.id,
          organizerId: g.organizer.id,
          byNickname: await t.services.identity.nickname(g.organizer.id),
          currency: 'CNY',
          note: '烤鱼',
        },
      ]);
    }
    expect(await notificationsOf(g.organizer, 'group.collection.requested')).toEqual([]);

    for (const [i, m] of g.members.entries()) {
      t.clock.advance(1000);
      const paid = await pay(m, c.id as string);
      expect(paid.statusCode, paid.body).toBe(201);
      expect(paid.json()).toEqual({
        collectionId: c.id,
        userId: m.id,
        amount: 2_000,
        currency: 'CNY',
        transferId: expect.any(String),
        paidAt: t.clock.now().toISOString(),
      });
      const status = (await view(g.organizer, c.id as string)).json().status;
      expect(status).toBe(i < g.members.length - 1 ? 'open' : 'completed');
    }
    for (const m of g.members) expect(await balance(m)).toBe(28_000);
    expect(await balance(g.organizer)).toBe(36_000);
    const done = (await view(g.members[0]!, c.id as string)).json();
    expect(done).toMatchObject({
      status: 'completed',
      paidAmount: 6_000,
      closedAt: t.clock.now().toISOString(),
    });
    expect((done.shares as Json[]).every((s) => s.paid === true && s.paidAt)).toBe(true);
    const told = await notificationsOf(g.organizer, 'group.collection.paid');
    expect(told.map((n) => [n.userId, n.amount, n.completed])).toEqual(
      g.members.map((m, i) => [m.id, 2_000, i === g.members.length - 1]),
    );
    // Payer and organiser both see the payment in their history, with the note.
    const out = (await call('GET', '/api/v1/transactions', { user: g.members[0] })).json()
      .items as Json[];
    expect(out[0]).toMatchObject({
      type: 'group.collection.payment',
      direction: 'out',
      amount: 2_000,
      counterparty: { userId: g.organizer.id, nickname: 'Org' },
      note: '烤鱼',
    });
  });

  it('splits a total evenly, the remainder one fen each to the first members by user id', async () => {
    const g = await collectionGroup();
    const res = await create(g.organizer, g.id, { totalAmount: 10_000, note: 'KTV' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().totalAmount).toBe(10_000);
    expect((res.json().shares as Json[]).map((s) => [s.userId, s.amount])).toEqual([
      [g.members[0]!.id, 3_334],
      [g.members[1]!.id, 3_333],
      [g.members[2]!.id, 3_333],
    ]);
  });

  it('counts the share of an organiser who includes themselves as paid', async () => {
    const g = await collectionGroup({ members: 2 });
    const res = await create(g.organizer, g.id, {
      totalAmount: 300,
      memberIds: [g.members[0]!.id, g.organizer.id, g.members[1]!.id, g.members[0]!.id],
      note: '打车',
    });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({ totalAmount: 300, paidAmount: 100 });
    const mine = (c.shares as Json[]).find((s) => s.userId === g.organizer.id);
    expect(mine).toMatchObject({ amount: 100, paid: true, paidAt: t.clock.now().toISOString() });
    const again = await pay(g.organizer, c.id as string);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'conflict', reason: 'already_paid' });
    for (const m of g.members) expect((await pay(m, c.id as string)).statusCode).toBe(201);
    expect((await view(g.organizer, c.id as string)).json().status).toBe('completed');
    expect(await balance(g.organizer)).toBe(30_200);
  });

  it('asks only the members named, who must all be current members', async () => {
    const g = await collectionGroup();
    const [a, b, c] = g.members as [TestUser, TestUser, TestUser];
    const picked = await create(g.organizer, g.id, {
      amountEach: 500,
      memberIds: [b.id],
      note: '奶茶',
    });
    expect(picked.statusCode, picked.body).toBe(201);
    expect((picked.json().shares as Json[]).map((s) => s.userId)).toEqual([b.id]);
    const pickedId = picked.json().id as string;
    const notAsked = await pay(a, pickedId);
    expect(notAsked.statusCode).toBe(403);
    expect(notAsked.json().code).toBe('forbidden');
    expect(await notificationsOf(a, 'group.collection.requested')).toEqual([]);

    const stranger = await user();
    await call('DELETE', `/api/v1/groups/${g.id}/members/${c.id}`, { user: c });
    for (const outsider of [stranger.id, c.id]) {
      const res = await create(g.organizer, g.id, {
        amountEach: 500,
        memberIds: [a.id, outsider],
        note: '奶茶',
      });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({
        code: 'validation_error',
        field: 'memberIds',
        userIds: [outsider],
      });
    }
    // By default: everyone in the group now but the organiser.
    const all = await create(g.organizer, g.id, { amountEach: 500, note: '奶茶' });
    expect((all.json().shares as Json[]).map((s) => s.userId).sort()).toEqual([a.id, b.id].sort());
    expect(await collectionRows(g.id)).toBe(2);
  });

  it("lists a group's collections newest first, with the caller's share", async () => {
    const g = await collectionGroup({ members: 2 });
    const [a, b] = g.members as [TestUser, TestUser];
    const ids: string[] = [];
    for (const memberIds of [[a.id], [b.id], [a.id, b.id]]) {
      ids.push(await openCollection(g, { memberIds }));
      t.clock.advance(1000);
    }
    await pay(a, ids[2]!);
    const page1 = await call('GET', `/api/v1/groups/${g.id}/collections?limit=2`, { user: a });
    expect(page1.statusCode, page1.body).toBe(200);
    const items = page1.json().items as Json[];
    expect(items.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    expect(items[0]).toMatchObject({
      shareCount: 2,
      paidCount: 1,
      paidAmount: 2_000,
      totalAmount: 4_000,
      status: 'open',
      myShare: { amount: 2_000, paid: true },
    });
    expect(items[1]!.myShare).toBeNull();
    const page2 = (
      await call(
        'GET',
        `/api/v1/groups/${g.id}/collections?limit=2&cursor=${page1.json().nextCursor}`,
        {
          user: a,
        },
      )
    ).json();
    expect(page2).toEqual({
      items: [expect.objectContaining({ id: ids[0], myShare: { amount: 2_000, paid: false } })],
      nextCursor: null,
    });
  });
});

describe('paying', () => {
  it('refuses a second payment, and any payment once closed', async () => {
    const g = await collectionGroup();
    const id = await openCollection(g);
    const [a, b] = g.members as [TestUser, TestUser];
    expect((await pay(a, id)).statusCode).toBe(201);
    const twice = await pay(a, id, {});
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: 'conflict', reason: 'already_paid' });
    expect((await close(g.organizer, id)).statusCode).toBe(200);
    const closed = await pay(b, id);
    expect(closed.statusCode).toBe(409);
    expect(closed.json().code).toBe('conflict');
    expect(closed.json().detail).toMatch(/closed/);
    expect(await balance(a)).toBe(28_000);
    expect(await balance(b)).toBe(30_000);
    expect(await balance(g.organizer)).toBe(32_000);
  });

  it('refuses a member and an organiser who have blocked each other (403 blocked)', async () => {
    const g = await collectionGroup();
    const id = await openCollection(g);
    const [a] = g.members as [TestUser];
    const blocked = await call('POST', '/api/v1/blocks', {
      user: g.organizer,
      body: { userId: a.id },
    });
    expect(blocked.statusCode, blocked.body).toBe(201);
    const res = await pay(a, id);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('blocked');
    expect(await balance(a)).toBe(30_000);
    expect(await balance(g.organizer)).toBe(30_000);
  });

  it('needs verification, the PIN, enough money and room under the daily limit', async () => {
    const g = await collectionGroup({ members: 2, pin: '739104', balance: 60_000 });
    const [a, b] = g.members as [TestUser, TestUser];
    const unverified = await user({ verified: false, balance: 5_000 });
    await befriend(g.organizer, unverified);
    await call('POST', `/api/v1/groups/${g.id}/members`, {
      user: g.organizer,
      body: { userId: unverified.id },
    });
    const id = await openCollection(g, { amountEach: PER_TRANSFER });
    const notVerified = await pay(unverified, id);
    expect(notVerified.statusCode).toBe(403);
    expect(notVerified.json().code).toBe('verification_required');
    expect((await pay(a, id)).json().code).toBe('pin_invalid');
    expect((await pay(a, id, { pin: '280517' })).json()).toMatchObject({
      code: 'pin_invalid',
      triesLeft: 4,
    });
    // b has spent most of today's allowance already.
    for (const amount of [PER_TRANSFER, DAILY - 2 * PER_TRANSFER + 1]) {
      const spent = await call('POST', '/api/v1/transfers', {
        user: b,
        body: { to: { userId: a.id }, amount, pin: '739104' },
      });
      expect(spent.statusCode, spent.body).toBe(201);
    }
    const over = await pay(b, id, { pin: '739104' });
    expect(over.statusCode).toBe(409);
    expect(over.json().code).toBe('limit_exceeded');
    // Overdrawing refuses and records nothing.
    const poor = await user({ balance: 100 });
    await befriend(g.organizer, poor);
    await call('POST', `/api/v1/groups/${g.id}/members`, {
      user: g.organizer,
      body: { userId: poor.id },
    });
    const small = await openCollection(g, { amountEach: 101, memberIds: [poor.id] });
    const short = await pay(poor, small);
    expect(short.statusCode).toBe(409);
    expect(short.json().code).toBe('insufficient_funds');
    expect((await view(poor, small)).json()).toMatchObject({ paidAmount: 0, status: 'open' });
    expect(await balance(poor)).toBe(100);
    expect((await pay(a, id, { pin: '739104' })).statusCode).toBe(201);
    expect((await view(g.organizer, id)).json().paidAmount).toBe(PER_TRANSFER);
  });

  it('refuses bad bodies', async () => {
    const g = await collectionGroup({ members: 1 });
    const id = await openCollection(g);
    for (const body of [{ pin: '12345' }, { amount: 2_000 }, { pin: 123456 }]) {
      const res = await pay(g.members[0], id, body);
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('validation_error');
    }
    expect((await view(g.organizer, id)).json().paidAmount).toBe(0);
  });
});

describe('reminders and closing', () => {
  it('reminds the unpaid members, at most once an hour', async () => {
    const g = await collectionGroup();
    const [a, b, c] = g.members as [TestUser, TestUser, TestUser];
    const id = await openCollection(g);
    await pay(a, id);
    await call('DELETE', `/api/v1/groups/${g.id}/members/${c.id}`, { user: c });
    const res = await remind(g.organizer, id);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      collectionId: id,
      remindedUserIds: [b.id],
      remindedAt: t.clock.now().toISOString(),
    });
    expect(await notificationsOf(b, 'group.collection.reminder')).toEqual([
      {
        collectionId: id,
        groupId: g.id,
        organizerId: g.organizer.id,
        byNickname: await t.services.identity.nickname(g.organizer.id),
        note: '烤鱼',
      },
    ]);
    for (const u of [a, c])
      expect(await notificationsOf(u, 'group.collection.reminder')).toEqual([]);
    t.clock.advance(59 * 60_000);
    const soon = await remind(g.organizer, id);
    expect(soon.statusCode).toBe(429);
    expect(soon.json()).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 60 });
    t.clock.advance(60_000);
    expect((await remind(g.organizer, id)).statusCode).toBe(201);
    expect(await notificationsOf(b, 'group.collection.reminder')).toHaveLength(2);
  });

  it('lets the organiser close it; the unpaid are told; nothing more happens to it', async () => {
    const g = await collectionGroup();
    const [a, b, c] = g.members as [TestUser, TestUser, TestUser];
    const id = await openCollection(g);
    await pay(a, id);
    t.clock.advance(1000);
    const closed = await close(g.organizer, id);
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({
      status: 'closed',
      paidAmount: 2_000,
      closedAt: t.clock.now().toISOString(),
    });
    for (const u of [b, c]) {
      expect(await notificationsOf(u, 'group.collection.closed')).toEqual([
        {
          collectionId: id,
          groupId: g.id,
          organizerId: g.organizer.id,
          byNickname: await t.services.identity.nickname(g.organizer.id),
        },
      ]);
    }
    expect(await notificationsOf(a, 'group.collection.closed')).toEqual([]);
    for (const res of [await close(g.organizer, id), await remind(g.organizer, id)]) {
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('conflict');
    }
    // A completed collection is not open either.
    const small = await openCollection(g, { memberIds: [a.id] });
    await pay(a, small);
    expect((await close(g.organizer, small)).json().code).toBe('conflict');
    expect((await remind(g.organizer, small)).json().code).toBe('conflict');
  });
});

describe('who may see and act', () => {
  it('keeps strangers and former members out (404); only the organiser reminds and closes (403)', async () => {
    const g = await collectionGroup();
    const [a, b, c] = g.members as [TestUser, TestUser, TestUser];
    const stranger = await user();
    const id = await openCollection(g);
    await call('DELETE', `/api/v1/groups/${g.id}/members/${c.id}`, { user: g.organizer });
    for (const outsider of [stranger, c]) {
      for (const res of [
        await create(outsider, g.id, { amountEach: 100, note: 'x' }),
        await call('GET', `/api/v1/groups/${g.id}/collections`, { user: outsider }),
        await view(outsider, id),
        await pay(outsider, id),
        await remind(outsider, id),
        await close(outsider, id),
      ]) {
        expect(res.statusCode, res.body).toBe(404);
        expect(res.json().code).toBe('not_found');
      }
    }
    for (const missing of ['not-a-uuid', randomUUID()]) {
      for (const res of [
        await view(a, missing),
        await pay(a, missing),
        await remind(g.organizer, missing),
        await close(g.organizer, missing),
        await create(a, missing, { amountEach: 100, note: 'x' }),
      ]) {
        expect(res.statusCode).toBe(404);
      }
    }
    // A treasurer or even the owner is not the organiser of a member's collection.
    const byMember = await create(a, g.id, { amountEach: 300, note: '电影票' });
    expect(byMember.statusCode, byMember.body).toBe(201);
    const theirs = byMember.json().id as string;
    for (const res of [
      await remind(g.organizer, theirs),
      await close(g.organizer, theirs),
      await remind(b, id),
      await close(b, id),
    ]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('forbidden');
    }
    for (const res of [
      await view(undefined, id),
      await pay(undefined, id),
      await remind(undefined, id),
      await close(undefined, id),
      await create(undefined, g.id, { amountEach: 100, note: 'x' }),
    ]) {
      expect(res.statusCode).toBe(401);
    }
    expect((await view(b, id)).json().status).toBe('open');
    expect(await balance(c)).toBe(30_000);
  });
});

describe('bad input changes nothing', () => {
  it('refuses malformed or impossible collections with validation_error', async () => {
    const g = await collectionGroup();
    const bodies: [string, Json][] = [
      ['both amounts', { amountEach: 100, totalAmount: 300, note: 'x' }],
      ['no amount', { note: 'x' }],
      ['no note', { amountEach: 100 }],
      ['blank note', { amountEach: 100, note: '   ' }],
      ['long note', { amountEach: 100, note: 'x'.repeat(101) }],
      ['zero', { amountEach: 0, note: 'x' }],
      ['float', { totalAmount: 10.5, note: 'x' }],
      ['string', { amountEach: '100', note: 'x' }],
      ['total below one fen each', { totalAmount: 2, note: 'x' }],
      ['share above the transfer limit', { amountEach: PER_TRANSFER + 1, note: 'x' }],
      ['split above the transfer limit', { totalAmount: 3 * PER_TRANSFER + 1, note: 'x' }],
      ['only the organiser', { amountEach: 100, memberIds: [g.organizer.id], note: 'x' }],
      ['empty member list', { amountEach: 100, memberIds: [], note: 'x' }],
      ['unknown field', { amountEach: 100, note: 'x', dueDate: '2030-01-01' }],
      ['unknown currency', { amountEach: 100, note: 'x', currency: 'XXX' }],
    ];
    for (const [why, body] of bodies) {
      const res = await create(g.organizer, g.id, body);
      expect(res.statusCode, why).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
    }
    const refused = await create(g.organizer, g.id, { amountEach: 100, note: '网赌充值返利' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('content_rejected');
    expect(await collectionRows(g.id)).toBe(0);
    // Exactly at the limits is fine.
    expect(
      (await create(g.organizer, g.id, { totalAmount: 3 * PER_TRANSFER, note: 'x' })).statusCode,
    ).toBe(201);
    expect((await create(g.organizer, g.id, { totalAmount: 3, note: 'x' })).statusCode).toBe(201);
  });

  it('shows a note held by moderation to the organiser alone', async () => {
    const g = await collectionGroup({ members: 1 });
    const id = (await create(g.organizer, g.id, { amountEach: 100, note: '娱乐城' })).json().id;
    expect((await view(g.organizer, id)).json().note).toBe('娱乐城');
    expect((await view(g.members[0], id)).json().note).toBeNull();
    expect(
      (await notificationsOf(g.members[0]!, 'group.collection.requested'))[0]!.note,
    ).toBeNull();
  });
});

describe('idempotency', () => {
  it('replays a payment with its key, and refuses the key with another body', async () => {
    const g = await collectionGroup({ members: 1, pin: '739104' });
    const id = await openCollection(g);
    const m = g.members[0]!;
    const key = { 'idempotency-key': `pay-${randomUUID()}` };
    const first = await pay(m, id, { pin: '739104' }, key);
    expect(first.statusCode, first.body).toBe(201);
    const again = await pay(m, id, { pin: '739104' }, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await pay(m, id, {}, key);
    expect(other.json().code).toBe('idempotency_conflict');
    expect(await balance(m)).toBe(28_000);
  });

  it('moves money once even when the stored response is lost', async () => {
    const g = await collectionGroup({ members: 1 });
    const id = await openCollection(g);
    const m = g.members[0]!;
    const key = `pay-lost-${randomUUID()}`;
    const first = await pay(m, id, undefined, { 'idempotency-key': key });
    await db.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2', [m.id, key]);
    const again = await pay(m, id, undefined, { 'idempotency-key': key });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toEqual(first.json());
    // Another key for the same share is a second payment, and refused.
    const other = await pay(m, id, undefined, { 'idempotency-key': `${key}-2` });
    expect(other.json()).toMatchObject({ code: 'conflict', reason: 'already_paid' });
    expect(await balance(m)).toBe(28_000);
    expect(await balance(g.organizer)).toBe(32_000);
  });
});

describe('races on a collection', () => {
  it('a member paying twice at once with different keys pays exactly once', async () => {
    const g = await collectionGroup({ members: 2 });
    const [a, b] = g.members as [TestUser, TestUser];
    const id = await openCollection(g);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => pay(a, id, undefined, { 'idempotency-key': randomUUID() })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    for (const r of results.filter((x) => x.statusCode === 409)) {
      expect(r.json()).toMatchObject({ code: 'conflict', reason: 'already_paid' });
    }
    expect(await balance(a)).toBe(28_000);
    expect(await balance(g.organizer)).toBe(32_000);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM ledger_transfers
        WHERE kind = 'group.collection.payment' AND metadata->>'collectionId' = $1`,
      [id],
    );
    expect(rows[0].n).toBe(1);
    expect((await view(b, id)).json()).toMatchObject({ paidAmount: 2_000, status: 'open' });
    expect((await t.services.ledger.verify()).ok).toBe(true);
  });

  it('everyone paying at once completes the collection exactly once', async () => {
    const g = await collectionGroup({ members: 6 });
    const created = await create(g.organizer, g.id, { totalAmount: 1_001, note: '团建' });
    const id = created.json().id as string;
    const results = await Promise.all(g.members.map((m) => pay(m, id)));
    expect(results.map((r) => r.statusCode)).toEqual(g.members.map(() => 201));
    const c = (await view(g.organizer, id)).json();
    expect(c).toMatchObject({ status: 'completed', paidAmount: 1_001, totalAmount: 1_001 });
    expect(await balance(g.organizer)).toBe(30_000 + 1_001);
    const told = await notificationsOf(g.organizer, 'group.collection.paid');
    expect(told).toHaveLength(6);
    expect(told.filter((n) => n.completed === true)).toHaveLength(1);
  });
});

it('publishes the collection endpoints in the OpenAPI document', async () => {
  const doc = (await call('GET', '/api/openapi.json')).json() as { paths: Record<string, Json> };
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining([
      '/api/v1/groups/{id}/collections',
      '/api/v1/collections/{id}',
      '/api/v1/collections/{id}/payments',
      '/api/v1/collections/{id}/reminders',
      '/api/v1/collections/{id}/close',
    ]),
  );
});
