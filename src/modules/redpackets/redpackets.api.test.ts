import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';

const DAILY = 100_000;
const t = await useTestApp({ HEBAO_REDPACKET_DAILY: String(DAILY) });
const { call, user, balance, befriend } = api(t);
const db = t.services.db;

type Json = Record<string, unknown>;

const sendPacket = (from: TestUser, body: Json, headers: Record<string, string> = {}) =>
  call('POST', '/api/v1/red-packets', { user: from, body, headers });
const claim = (u: TestUser, id: string, headers: Record<string, string> = {}) =>
  call('POST', `/api/v1/red-packets/${id}/claims`, { user: u, headers });
const view = (u: TestUser, id: string) => call('GET', `/api/v1/red-packets/${id}`, { user: u });

/**
 * Claimers made straight in the database: registering hundreds through the API would spend
 * most of the file's time hashing passwords. Claiming needs neither verification nor a PIN.
 */
// A counter, not random digits: hundreds of random numbers per test would collide now and then.
let bulkPhone = Math.floor(Math.random() * 1e8);
const nextBulkPhone = () => {
  bulkPhone = (bulkPhone + 7919) % 1e8;
  return String(bulkPhone).padStart(8, '0');
};

async function bulkUsers(n: number): Promise<TestUser[]> {
  const users = Array.from({ length: n }, () => {
    const token = randomBytes(32).toString('base64url');
    return {
      id: randomUUID(),
      token,
      phone: `+86170${nextBulkPhone()}`,
      auth: { authorization: `Bearer ${token}` },
    };
  });
  await db.query(
    `INSERT INTO users (id, phone, password_hash, nickname, created_at)
     SELECT id, phone, 'not-a-hash', 'claimer', $3 FROM unnest($1::uuid[], $2::text[]) AS v(id, phone)`,
    [users.map((u) => u.id), users.map((u) => u.phone), t.clock.now()],
  );
  await db.query(
    `INSERT INTO sessions (id, user_id, token_hash, device, created_at, last_seen_at, expires_at)
     SELECT gen_random_uuid(), id, hash, 'test', $3, $3, $3::timestamptz + interval '30 days'
       FROM unnest($1::uuid[], $2::bytea[]) AS v(id, hash)`,
    [
      users.map((u) => u.id),
      users.map((u) => createHash('sha256').update(u.token).digest()),
      t.clock.now(),
    ],
  );
  return users;
}

async function groupOf(owner: TestUser, members: TestUser[]): Promise<string> {
  await befriend(owner, ...members);
  const res = await call('POST', '/api/v1/groups', {
    user: owner,
    body: { name: '相亲相爱一家人', memberIds: members.map((m) => m.id) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function packetRows(senderId: string): Promise<number> {
  const { rows } = await db.query(
    'SELECT count(*)::int AS n FROM red_packets WHERE sender_id = $1',
    [senderId],
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

describe('sending and claiming', () => {
  it('sends a lucky envelope to a friend, who claims all of it', async () => {
    const a = await user({ balance: 10_000, nickname: 'Alice' });
    const b = await user({ verified: false, nickname: 'Bob' });
    const res = await sendPacket(a, {
      kind: 'lucky',
      count: 1,
      totalAmount: 888,
      greeting: '  新年快乐  ',
      to: { userId: b.id },
    });
    expect(res.statusCode, res.body).toBe(201);
    const sent = res.json();
    expect(sent).toMatchObject({
      kind: 'lucky',
      count: 1,
      totalAmount: 888,
      currency: 'CNY',
      greeting: '新年快乐',
      status: 'open',
    });
    expect(Date.parse(sent.expiresAt as string) - t.clock.now().getTime()).toBe(24 * 3600_000);
    expect(await balance(a)).toBe(10_000 - 888);
    expect(await notificationsOf(b, 'redpacket.received')).toEqual([
      {
        packetId: sent.id,
        redPacketId: sent.id,
        fromUserId: a.id,
        fromNickname: 'Alice',
        kind: 'lucky',
        greeting: '新年快乐',
      },
    ]);

    const got = await claim(b, sent.id as string);
    expect(got.statusCode, got.body).toBe(201);
    expect(got.json()).toEqual({ amount: 888, currency: 'CNY' });
    expect(await balance(b)).toBe(888);

    const seen = await view(a, sent.id as string);
    expect(seen.json()).toMatchObject({
      status: 'emptied',
      claimedCount: 1,
      claimedAmount: 888,
      sender: { userId: a.id, nickname: 'Alice' },
      to: { userId: b.id },
      claims: [{ userId: b.id, nickname: 'Bob', amount: 888, luckiest: true }],
    });
    expect(await notificationsOf(a, 'redpacket.emptied')).toEqual([
      expect.objectContaining({ packetId: sent.id, claimedAmount: 888, luckiestUserId: b.id }),
    ]);

    // Both histories show it, with the other person as the counterparty and the greeting.
    const out = (await call('GET', '/api/v1/transactions', { user: a })).json().items as Json[];
    expect(out[0]).toMatchObject({
      type: 'redpacket.send',
      direction: 'out',
      amount: 888,
      counterparty: { userId: b.id, nickname: 'Bob' },
      note: '新年快乐',
    });
    const inn = (await call('GET', '/api/v1/transactions', { user: b })).json().items as Json[];
    expect(inn[0]).toMatchObject({
      type: 'redpacket.claim',
      direction: 'in',
      amount: 888,
      counterparty: { userId: a.id, nickname: 'Alice' },
    });
  });

  it('splits a fixed envelope to a group equally, and marks no luckiest', async () => {
    const owner = await user({ balance: 10_000 });
    const members = await bulkUsers(3);
    const groupId = await groupOf(owner, members);
    const res = await sendPacket(owner, {
      kind: 'fixed',
      count: 3,
      amountEach: 500,
      to: { groupId },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ totalAmount: 1_500, count: 3, greeting: null });
    const id = res.json().id as string;
    for (const m of members) {
      expect((await claim(m, id)).json()).toEqual({ amount: 500, currency: 'CNY' });
      expect(await notificationsOf(m, 'redpacket.received')).toHaveLength(1);
    }
    // The sender is not told about their own envelope.
    expect(await notificationsOf(owner, 'redpacket.received')).toEqual([]);
    const seen = (await view(members[0]!, id)).json();
    expect(seen).toMatchObject({ status: 'emptied', claimedCount: 3, claimedAmount: 1_500 });
    expect((seen.claims as Json[]).some((c) => 'luckiest' in c)).toBe(false);
    expect(await balance(owner)).toBe(8_500);
  });

  it('marks the luckiest claimer of a lucky group envelope once it is empty', async () => {
    const owner = await user({ balance: 10_000 });
    const members = await bulkUsers(4);
    const groupId = await groupOf(owner, members);
    const id = (
      await sendPacket(owner, { kind: 'lucky', count: 4, totalAmount: 1_000, to: { groupId } })
    ).json().id as string;
    const amounts: number[] = [];
    for (const m of members.slice(0, 3)) amounts.push((await claim(m, id)).json().amount as number);
    const open = (await view(owner, id)).json();
    expect(open.status).toBe('open');
    expect((open.claims as Json[]).some((c) => 'luckiest' in c)).toBe(false);
    amounts.push((await claim(members[3]!, id)).json().amount as number);
    expect(amounts.reduce((x, y) => x + y, 0)).toBe(1_000);
    const done = (await view(owner, id)).json();
    const luckiest = (done.claims as { userId: string; amount: number; luckiest?: true }[]).filter(
      (c) => c.luckiest,
    );
    expect(luckiest).toHaveLength(1);
    expect(luckiest[0]!.amount).toBe(Math.max(...amounts));
    // Ties go to the earliest claim: claims came in member order.
    const first = members[amounts.indexOf(Math.max(...amounts))]!;
    expect(luckiest[0]!.userId).toBe(first.id);
  });

  it('lets the sender of a group envelope claim too, like any member', async () => {
    const owner = await user({ balance: 1_000 });
    const [m] = await bulkUsers(1);
    const groupId = await groupOf(owner, [m!]);
    const id = (
      await sendPacket(owner, { kind: 'fixed', count: 2, amountEach: 100, to: { groupId } })
    ).json().id as string;
    expect((await claim(owner, id)).statusCode).toBe(201);
    expect(await balance(owner)).toBe(900);
  });

  it('sends in other currencies', async () => {
    const a = await user({ balance: 1_000 });
    await call('POST', '/api/v1/wallet/topups', {
      user: a,
      body: { amount: 500, currency: 'JPY' },
    });
    const b = await user({ verified: false });
    const res = await sendPacket(a, {
      kind: 'lucky',
      count: 1,
      totalAmount: 300,
      currency: 'JPY',
      to: { userId: b.id },
    });
    expect(res.json()).toMatchObject({ currency: 'JPY', totalAmount: 300 });
    expect((await claim(b, res.json().id as string)).json()).toEqual({
      amount: 300,
      currency: 'JPY',
    });
    expect(await balance(b, 'JPY')).toBe(300);
  });
});

describe('my envelopes', () => {
  it('lists what I may claim and what I sent, newest first, with my claim, a page at a time', async () => {
    const a = await user({ balance: 10_000, nickname: 'Sender Sue' });
    const b = await user({ verified: false });
    const outsider = await user({ verified: false });
    const group = await groupOf(a, [b]);
    const direct = (
      await sendPacket(a, { kind: 'fixed', count: 1, amountEach: 100, to: { userId: b.id } })
    ).json().id as string;
    t.clock.advance(1_000);
    const toGroup = (
      await sendPacket(a, { kind: 'lucky', count: 2, totalAmount: 300, to: { groupId: group } })
    ).json().id as string;
    expect((await claim(b, direct)).statusCode).toBe(201);

    const received = await call('GET', '/api/v1/red-packets?box=received', { user: b });
    expect(received.statusCode, received.body).toBe(200);
    const items = received.json().items as Json[];
    expect(items.map((i) => i.id)).toEqual([toGroup, direct]);
    expect(items[0]).toMatchObject({
      to: { groupId: group },
      sender: { userId: a.id, nickname: 'Sender Sue' },
      claimedCount: 0,
      myClaim: null,
      status: 'open',
    });
    expect(items[1]).toMatchObject({
      claimedCount: 1,
      myClaim: { amount: 100 },
      status: 'emptied',
    });
    // The default box is "received"; the sender does not find their own group envelope there.
    expect((await call('GET', '/api/v1/red-packets', { user: b })).json().items).toHaveLength(2);
    expect((await call('GET', '/api/v1/red-packets', { user: a })).json().items).toEqual([]);
    expect((await call('GET', '/api/v1/red-packets', { user: outsider })).json().items).toEqual([]);

    const first = await call('GET', '/api/v1/red-packets?box=sent&limit=1', { user: a });
    expect(first.json().items.map((i: Json) => i.id)).toEqual([toGroup]);
    const cursor = first.json().nextCursor as string;
    const second = await call(
      'GET',
      `/api/v1/red-packets?box=sent&limit=1&cursor=${encodeURIComponent(cursor)}`,
      { user: a },
    );
    expect(second.json()).toMatchObject({ items: [{ id: direct }], nextCursor: null });

    expect((await call('GET', '/api/v1/red-packets?box=all', { user: a })).statusCode).toBe(422);
    expect((await call('GET', '/api/v1/red-packets?cursor=junk', { user: a })).statusCode).toBe(
      422,
    );
    expect((await call('GET', '/api/v1/red-packets')).statusCode).toBe(401);

    const [note] = await notificationsOf(b, 'redpacket.received');
    expect(note).toMatchObject({ redPacketId: direct, fromNickname: 'Sender Sue' });
  });
});

describe('greetings and moderation', () => {
  it('refuses a rejected greeting and sends nothing; sends a doubtful one without its greeting', async () => {
    const a = await user({ balance: 10_000 });
    const b = await user({ verified: false });
    const refused = await sendPacket(a, {
      kind: 'fixed',
      count: 1,
      amountEach: 100,
      greeting: '网赌充值返利',
      to: { userId: b.id },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'content_rejected', categories: ['gambling'] });
    expect(await packetRows(a.id)).toBe(0);
    expect(await balance(a)).toBe(10_000);

    const held = await sendPacket(a, {
      kind: 'fixed',
      count: 1,
      amountEach: 100,
      greeting: '娱乐城',
      to: { userId: b.id },
    });
    expect(held.statusCode, held.body).toBe(201);
    expect(held.json().greeting).toBeNull();
    const [note] = await notificationsOf(b, 'redpacket.received');
    expect(note).toMatchObject({ greeting: null });
  });
});

describe('who may send', () => {
  it('needs verification', async () => {
    const a = await user({ verified: false, balance: 1_000 });
    const b = await user({ verified: false });
    const res = await sendPacket(a, {
      kind: 'lucky',
      count: 1,
      totalAmount: 100,
      to: { userId: b.id },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('verification_required');
    expect(await balance(a)).toBe(1_000);
  });

  it('asks for the PIN once one is set', async () => {
    const a = await user({ balance: 1_000, pin: '739104' });
    const b = await user({ verified: false });
    const body = { kind: 'lucky', count: 1, totalAmount: 100, to: { userId: b.id } };
    const missing = await sendPacket(a, body);
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('pin_invalid');
    const wrong = await sendPacket(a, { ...body, pin: '280517' });
    expect(wrong.json()).toMatchObject({ code: 'pin_invalid', triesLeft: 4 });
    expect(await balance(a)).toBe(1_000);
    expect((await sendPacket(a, { ...body, pin: '739104' })).statusCode).toBe(201);
    expect(await balance(a)).toBe(900);
  });

  it('refuses blocked pairs, either way', async () => {
    const a = await user({ balance: 1_000 });
    const [b, c] = await Promise.all([user({ verified: false }), user({ verified: false })]);
    await db.query('INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2), ($3, $4)', [
      b.id,
      a.id,
      a.id,
      c.id,
    ]);
    for (const to of [b, c]) {
      const res = await sendPacket(a, {
        kind: 'lucky',
        count: 1,
        totalAmount: 100,
        to: { userId: to.id },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('blocked');
    }
    expect(await balance(a)).toBe(1_000);
  });

  it('refuses to overdraw, and records nothing', async () => {
    const a = await user({ balance: 500 });
    const b = await user({ verified: false });
    const res = await sendPacket(a, {
      kind: 'lucky',
      count: 1,
      totalAmount: 501,
      to: { userId: b.id },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('insufficient_funds');
    expect(await balance(a)).toBe(500);
    expect(await packetRows(a.id)).toBe(0);
    expect(await notificationsOf(b, 'redpacket.received')).toEqual([]);
  });

  it('needs the sender in the group, and unknown audiences are not found', async () => {
    const a = await user({ balance: 1_000 });
    const others = await bulkUsers(2);
    const groupId = await groupOf(others[0]!, [others[1]!]);
    const cases: [Json, number][] = [
      [{ groupId }, 404],
      [{ groupId: randomUUID() }, 404],
      [{ groupId: 'not-a-uuid' }, 404],
      [{ userId: randomUUID() }, 404],
      [{ userId: a.id }, 422],
    ];
    for (const [to, status] of cases) {
      const res = await sendPacket(a, { kind: 'lucky', count: 1, totalAmount: 100, to });
      expect(res.statusCode, JSON.stringify(to)).toBe(status);
    }
    expect(await balance(a)).toBe(1_000);
  });

  it('enforces the daily sending limit under concurrency', async () => {
    const a = await user({ balance: 1_000_000 });
    const members = await bulkUsers(3);
    const groupId = await groupOf(a, members);
    // Daily limit 100,000: of 8 concurrent envelopes of 30,000, exactly 3 fit.
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        sendPacket(a, { kind: 'lucky', count: 2, totalAmount: 30_000, to: { groupId } }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.statusCode !== 201);
    expect(refused.map((r) => [r.statusCode, r.json().code])).toEqual(
      refused.map(() => [409, 'limit_exceeded']),
    );
    expect(await balance(a)).toBe(1_000_000 - 90_000);
    expect(await packetRows(a.id)).toBe(3);
  });
});

describe('bad input changes nothing', () => {
  it('refuses malformed bodies with validation_error', async () => {
    const a = await user({ balance: 100_000 });
    const b = await user({ verified: false });
    const members = await bulkUsers(3);
    const groupId = await groupOf(a, members);
    const toB = { userId: b.id };
    const lucky = { kind: 'lucky', count: 1, totalAmount: 100, to: toB };
    const group = { kind: 'lucky', count: 3, totalAmount: 300, to: { groupId } };
    const shapes: [string, unknown][] = [
      ['float amount', { ...lucky, totalAmount: 10.5 }],
      ['string amount', { ...lucky, totalAmount: '100' }],
      ['negative amount', { ...lucky, totalAmount: -100 }],
      ['zero amount', { ...lucky, totalAmount: 0 }],
      ['huge amount', { ...lucky, totalAmount: 2 ** 60 }],
      ['null amount', { ...lucky, totalAmount: null }],
      ['float count', { ...group, count: 1.5 }],
      ['string count', { ...group, count: '3' }],
      ['zero count', { ...group, count: 0 }],
      ['count above 100', { ...group, count: 101 }],
      ['missing count', { kind: 'lucky', totalAmount: 100, to: toB }],
      ['unknown kind', { ...lucky, kind: 'random' }],
      ['missing kind', { count: 1, totalAmount: 100, to: toB }],
      ['missing to', { kind: 'lucky', count: 1, totalAmount: 100 }],
      ['both audiences', { ...lucky, to: { userId: b.id, groupId } }],
      ['empty audience', { ...lucky, to: {} }],
      ['unknown field', { ...lucky, bonus: 1 }],
      ['unknown currency', { ...lucky, currency: 'XXX' }],
      ['greeting of 51 characters', { ...lucky, greeting: '恭'.repeat(51) }],
      ['greeting not a string', { ...lucky, greeting: 42 }],
      ['pin of 5 digits', { ...lucky, pin: '12345' }],
      ['array', [lucky]],
      ['lucky without totalAmount', { kind: 'lucky', count: 1, to: toB }],
      ['lucky with amountEach', { ...lucky, amountEach: 100 }],
      ['fixed without amountEach', { kind: 'fixed', count: 1, totalAmount: 100, to: toB }],
      ['fixed with both', { kind: 'fixed', count: 1, amountEach: 100, totalAmount: 100, to: toB }],
      ['over 200 CNY to one person', { ...lucky, totalAmount: 20_001 }],
      [
        'fixed over 200 CNY to one person',
        { kind: 'fixed', count: 1, amountEach: 20_001, to: toB },
      ],
      ['count above 1 to one person', { ...lucky, count: 2, totalAmount: 200 }],
      ['lucky total below the count', { ...group, totalAmount: 2 }],
      ['more shares than members', { ...group, count: 5, totalAmount: 500 }],
      ['group total above 200 CNY a share', { ...group, totalAmount: 60_001 }],
      [
        'group share above 200 CNY',
        { kind: 'fixed', count: 3, amountEach: 20_001, to: { groupId } },
      ],
    ];
    for (const [why, body] of shapes) {
      const res = await call('POST', '/api/v1/red-packets', { user: a, body });
      expect(res.statusCode, `${why}: ${res.body}`).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
    }
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/red-packets',
      headers: { ...a.auth, 'content-type': 'application/json' },
      payload: '{"kind": "lucky",',
    });
    expect(malformed.statusCode).toBe(400);
    expect(await balance(a)).toBe(100_000);
    expect(await packetRows(a.id)).toBe(0);
  });

  it('allows exactly the limits', async () => {
    const a = await user({ balance: 100_000 });
    const b = await user({ verified: false });
    const [m] = await bulkUsers(1);
    const groupId = await groupOf(a, [m!]);
    const edge = [
      { kind: 'lucky', count: 1, totalAmount: 20_000, to: { userId: b.id } },
      { kind: 'lucky', count: 2, totalAmount: 2, to: { groupId }, greeting: '恭'.repeat(50) },
      { kind: 'fixed', count: 2, amountEach: 20_000, to: { groupId } },
    ];
    for (const body of edge) {
      const res = await sendPacket(a, body);
      expect(res.statusCode, res.body).toBe(201);
    }
    expect(await balance(a)).toBe(100_000 - 20_000 - 2 - 40_000);
  });

  it('publishes the endpoints in the OpenAPI document', async () => {
    const doc = (await call('GET', '/api/openapi.json')).json() as { paths: Json };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/red-packets',
        '/api/v1/red-packets/{id}',
        '/api/v1/red-packets/{id}/claims',
        '/api/v1/groups',
        '/api/v1/groups/{id}',
        '/api/v1/groups/{id}/members',
      ]),
    );
  });

  it('needs a signed-in user', async () => {
    expect((await call('POST', '/api/v1/red-packets', { body: {} })).statusCode).toBe(401);
    expect((await call('POST', `/api/v1/red-packets/${randomUUID()}/claims`)).statusCode).toBe(401);
    expect((await call('GET', `/api/v1/red-packets/${randomUUID()}`)).statusCode).toBe(401);
  });
});

describe('who may claim and see', () => {
  it('keeps strangers out: 403 to claim, 404 to look; unknown ids are 404', async () => {
    const a = await user({ balance: 1_000 });
    const [b, stranger] = await bulkUsers(2);
    const id = (
      await sendPacket(a, { kind: 'lucky', count: 1, totalAmount: 100, to: { userId: b!.id } })
    ).json().id as string;
    const refused = await claim(stranger!, id);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
    expect((await view(stranger!, id)).statusCode).toBe(404);
    // The sender of an envelope to one person sees it but cannot take it back by claiming.
    expect((await view(a, id)).statusCode).toBe(200);
    expect((await claim(a, id)).statusCode).toBe(403);
    for (const unknown of [randomUUID(), 'not-an-id']) {
      expect((await claim(b!, unknown)).statusCode).toBe(404);
      expect((await view(b!, unknown)).statusCode).toBe(404);
    }
    const withBody = await call('POST', `/api/v1/red-packets/${id}/claims`, {
      user: b!,
      body: { amount: 100 },
    });
    expect(withBody.statusCode).toBe(422);
    const emptyBody = await call('POST', `/api/v1/red-packets/${id}/claims`, {
      user: b!,
      body: {},
    });
    expect(emptyBody.statusCode).toBe(201);
  });

  it('lets only members at send time claim a group envelope', async () => {
    const owner = await user({ balance: 1_000 });
    const [member, latecomer] = await bulkUsers(2);
    const groupId = await groupOf(owner, [member!]);
    const id = (
      await sendPacket(owner, { kind: 'lucky', count: 2, totalAmount: 200, to: { groupId } })
    ).json().id as string;
    await befriend(owner, latecomer!);
    const added = await call('POST', `/api/v1/groups/${groupId}/members`, {
      user: owner,
      body: { userId: latecomer!.id },
    });
    expect(added.statusCode).toBe(201);
    const late = await claim(latecomer!, id);
    expect(late.statusCode).toBe(403);
    expect(late.json().code).toBe('forbidden');
    expect((await view(latecomer!, id)).statusCode).toBe(404);
    expect((await claim(member!, id)).statusCode).toBe(201);
  });

  it('refuses a member removed from the group (or who left) an envelope sent before (403)', async () => {
    const owner = await user({ balance: 1_000 });
    const [removed, leaver, stayer] = await bulkUsers(3);
    const groupId = await groupOf(owner, [removed!, leaver!, stayer!]);
    const id = (
      await sendPacket(owner, { kind: 'fixed', count: 3, amountEach: 100, to: { groupId } })
    ).json().id as string;
    const out = await call('DELETE', `/api/v1/groups/${groupId}/members/${removed!.id}`, {
      user: owner,
    });
    expect(out.statusCode, out.body).toBe(204);
    const left = await call('DELETE', `/api/v1/groups/${groupId}/members/${leaver!.id}`, {
      user: leaver,
    });
    expect(left.statusCode, left.body).toBe(204);
    for (const former of [removed!, leaver!]) {
      const res = await claim(former, id);
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().code).toBe('forbidden');
      expect(await balance(former)).toBe(0);
    }
    expect((await claim(stayer!, id)).statusCode).toBe(201);
    // Back in the group, a member at send time may claim again.
    await befriend(owner, removed!);
    await call('POST', `/api/v1/groups/${groupId}/members`, {
      user: owner,
      body: { userId: removed!.id },
    });
    expect((await claim(removed!, id)).statusCode).toBe(201);
  });

  it('allows one claim per user, then sold out for the rest', async () => {
    const owner = await user({ balance: 1_000 });
    const members = await bulkUsers(3);
    const groupId = await groupOf(owner, members);
    const id = (
      await sendPacket(owner, { kind: 'lucky', count: 2, totalAmount: 200, to: { groupId } })
    ).json().id as string;
    expect((await claim(members[0]!, id)).statusCode).toBe(201);
    const again = await claim(members[0]!, id);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('already_claimed');
    expect((await claim(members[1]!, id)).statusCode).toBe(201);
    const late = await claim(members[2]!, id);
    expect(late.statusCode).toBe(410);
    expect(late.json().code).toBe('sold_out');
    // Once emptied, a claimer asking again still hears they already claimed.
    expect((await claim(members[1]!, id)).json().code).toBe('already_claimed');
  });
});

describe('idempotency', () => {
  it('replays a send without moving money again, and refuses the key with another body', async () => {
    const a = await user({ balance: 10_000 });
    const b = await user({ verified: false });
    const body = { kind: 'lucky', count: 1, totalAmount: 300, to: { userId: b.id } };
    const key = { 'idempotency-key': `rp-${randomUUID()}` };
    const first = await sendPacket(a, body, key);
    expect(first.statusCode).toBe(201);
    const replays = await Promise.all([sendPacket(a, body, key), sendPacket(a, body, key)]);
    for (const r of replays) {
      // A concurrent duplicate may be told the first is still in flight; none moves money.
      if (r.statusCode === 201) expect(r.json().id).toBe(first.json().id);
      else expect(r.json().code).toBe('conflict');
    }
    const later = await sendPacket(a, body, key);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.json()).toEqual(first.json());
    expect(await balance(a)).toBe(9_700);
    expect(await packetRows(a.id)).toBe(1);
    const other = await sendPacket(a, { ...body, totalAmount: 301 }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('idempotency_conflict');
    expect(await balance(a)).toBe(9_700);
  });

  it('moves money once even when the stored response is lost', async () => {
    const a = await user({ balance: 10_000 });
    const b = await user({ verified: false });
    const body = { kind: 'lucky', count: 1, totalAmount: 400, to: { userId: b.id } };
    const key = `rp-lost-${randomUUID()}`;
    const first = await sendPacket(a, body, { 'idempotency-key': key });
    // As if the process died after committing the envelope but before keeping the response.
    await db.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2', [a.id, key]);
    const again = await sendPacket(a, body, { 'idempotency-key': key });
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(await balance(a)).toBe(9_600);
    expect(await packetRows(a.id)).toBe(1);
  });

  it('replays a claim with its key', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user({ verified: false });
    const id = (
      await sendPacket(a, { kind: 'lucky', count: 1, totalAmount: 100, to: { userId: b.id } })
    ).json().id as string;
    const key = { 'idempotency-key': `claim-${randomUUID()}` };
    const first = await claim(b, id, key);
    const again = await claim(b, id, key);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(await balance(b)).toBe(100);
  });
});

describe('a rush on one envelope', () => {
  it('300 members grabbing 100 shares at once: exactly 100 win, sums exact, no double claims', async () => {
    const owner = await user({ balance: 50_000 });
    const members = await bulkUsers(300);
    const groupId = await groupOf(owner, members);
    const total = 20_000;
    const id = (
      await sendPacket(owner, { kind: 'lucky', count: 100, totalAmount: total, to: { groupId } })
    ).json().id as string;
    // Everyone at once, and one member firing 5 claims of their own on top.
    const greedy = members[7]!;
    const claimers = [...members, greedy, greedy, greedy, greedy];
    const started = performance.now();
    const results = await Promise.all(claimers.map((m) => claim(m, id)));
    const ms = performance.now() - started;
    const won = results.filter((r) => r.statusCode === 201);
    expect(won).toHaveLength(100);
    const lost = results.filter((r) => r.statusCode !== 201).map((r) => r.json().code);
    expect(lost.every((c) => c === 'sold_out' || c === 'already_claimed')).toBe(true);
    expect(lost.filter((c) => c === 'sold_out').length).toBeGreaterThanOrEqual(200);
    expect(won.reduce((sum, r) => sum + (r.json().amount as number), 0)).toBe(total);

    const { rows } = await db.query(
      `SELECT claimed_by, count(*)::int AS n, sum(amount)::int AS amount FROM red_packet_shares
        WHERE packet_id = $1 AND claimed_by IS NOT NULL GROUP BY claimed_by`,
      [id],
    );
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const greedyWins = results.filter(
      (r, i) => r.statusCode === 201 && claimers[i]!.id === greedy.id,
    );
    expect(greedyWins.length).toBeLessThanOrEqual(1);
    // Each winner's wallet holds exactly their share.
    const winners = rows.slice(0, 10);
    for (const w of winners) {
      expect(await balance(members.find((m) => m.id === w.claimed_by)!)).toBe(w.amount);
    }
    const seen = (await view(owner, id)).json();
    expect(seen).toMatchObject({ status: 'emptied', claimedCount: 100, claimedAmount: total });
    expect((seen.claims as Json[]).filter((c) => c.luckiest)).toHaveLength(1);
    expect(await notificationsOf(owner, 'redpacket.emptied')).toHaveLength(1);
    expect(await balance(owner)).toBe(50_000 - total);
    console.info(`rush: ${claimers.length} claims on 100 shares in ${ms.toFixed(0)} ms`);
  });

  it('one user firing 5 claims at once gets exactly one share; nobody is left out', async () => {
    const owner = await user({ balance: 10_000 });
    const members = await bulkUsers(5);
    const groupId = await groupOf(owner, members);
    const id = (
      await sendPacket(owner, { kind: 'lucky', count: 5, totalAmount: 1_000, to: { groupId } })
    ).json().id as string;
    const results = await Promise.all(
      members.flatMap((m) => Array.from({ length: 5 }, () => claim(m, id))),
    );
    for (const [i, m] of members.entries()) {
      const mine = results.slice(i * 5, i * 5 + 5);
      expect(
        mine.filter((r) => r.statusCode === 201),
        m.id,
      ).toHaveLength(1);
      expect(
        mine.filter((r) => r.statusCode !== 201).map((r) => r.json().code),
        m.id,
      ).toEqual(['already_claimed', 'already_claimed', 'already_claimed', 'already_claimed']);
    }
    const balances = await Promise.all(members.map((m) => balance(m)));
    expect(balances.reduce((x, y) => x + y, 0)).toBe(1_000);
  });
});

// Last: these move the shared clock a day forward.
describe('expiry', () => {
  it('returns the unclaimed rest to the sender after 24 hours, exactly once', async () => {
    const owner = await user({ balance: 10_000 });
    const members = await bulkUsers(3);
    const groupId = await groupOf(owner, members);
    const id = (
      await sendPacket(owner, {
        kind: 'lucky',
        count: 3,
        totalAmount: 3_000,
        greeting: '大吉大利',
        to: { groupId },
      })
    ).json().id as string;
    const got = (await claim(members[0]!, id)).json().amount as number;
    t.clock.advance(24 * 3600_000 - 1000);
    await t.services.redPackets.refundExpired();
    expect((await view(owner, id)).json().status).toBe('open');
    t.clock.advance(2000);

    // Past its time, claims are refused even before the job has run.
    const late = await claim(members[1]!, id);
    expect(late.statusCode).toBe(410);
    expect(late.json().code).toBe('expired');
    // Two processes' jobs at once refund once.
    await Promise.all([
      t.services.redPackets.refundExpired(),
      t.services.redPackets.refundExpired(),
    ]);
    await t.services.redPackets.refundExpired();
    expect(await balance(owner)).toBe(10_000 - got);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM ledger_transfers WHERE kind = 'redpacket.refund' AND metadata->>'packetId' = $1`,
      [id],
    );
    expect(rows[0].n).toBe(1);
    const seen = (await view(owner, id)).json();
    expect(seen).toMatchObject({
      status: 'expired',
      claimedCount: 1,
      claimedAmount: got,
      refundedAmount: 3_000 - got,
    });
    expect((seen.claims as Json[]).some((c) => 'luckiest' in c)).toBe(false);
    expect((await claim(members[2]!, id)).json().code).toBe('expired');
    expect(await notificationsOf(owner, 'redpacket.expired')).toEqual([
      { packetId: id, refundedAmount: 3_000 - got, currency: 'CNY' },
    ]);
    const history = (await call('GET', '/api/v1/transactions', { user: owner })).json()
      .items as Json[];
    expect(history[0]).toMatchObject({
      type: 'redpacket.refund',
      direction: 'in',
      amount: 3_000 - got,
      note: '大吉大利',
    });
    expect(history[0]).not.toHaveProperty('counterparty');
  });

  it('never refunds an emptied envelope', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user({ verified: false });
    const id = (
      await sendPacket(a, { kind: 'fixed', count: 1, amountEach: 100, to: { userId: b.id } })
    ).json().id as string;
    await claim(b, id);
    t.clock.advance(25 * 3600_000);
    await t.services.redPackets.refundExpired();
    expect((await view(a, id)).json().status).toBe('emptied');
    expect(await balance(a)).toBe(900);
    expect(await balance(b)).toBe(100);
  });
});
