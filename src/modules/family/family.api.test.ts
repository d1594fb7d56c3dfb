import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { socialApi } from '../social/testing.ts';

const MAX_MONTHLY = 1_000_000;
const t = await useTestApp({ HEBAO_FAMILY_MAX_MONTHLY_LIMIT: String(MAX_MONTHLY) });
const { call, user, balance } = api(t);
const { befriend } = socialApi(t);
const db = t.services.db;

type Json = Record<string, unknown>;

const createLink = (payer: TestUser, body: unknown, headers: Record<string, string> = {}) =>
  call('POST', '/api/v1/family/links', { user: payer, body, headers });
const getLink = (u: TestUser, id: string) => call('GET', `/api/v1/family/links/${id}`, { user: u });
const patchLink = (u: TestUser, id: string, body: unknown) =>
  call('PATCH', `/api/v1/family/links/${id}`, { user: u, body });
const unlink = (u: TestUser, id: string) =>
  call('DELETE', `/api/v1/family/links/${id}`, { user: u });
const decline = (u: TestUser, id: string, body?: unknown) =>
  call('POST', `/api/v1/family/links/${id}/decline`, { user: u, body });
const pay = (member: TestUser, linkId: string, body: Json, headers: Record<string, string> = {}) =>
  call('POST', '/api/v1/transfers', {
    user: member,
    body: { ...body, fundingSource: { familyLinkId: linkId } },
    headers,
  });

/** A payer with money, a member (a friend of the payer) and the link between them. */
async function family(
  opts: {
    payerBalance?: number;
    limit?: number;
    payer?: Parameters<typeof user>[0];
    member?: Parameters<typeof user>[0];
  } = {},
) {
  const payer = await user({ balance: opts.payerBalance ?? 100_000, ...opts.payer });
  const member = await user(opts.member);
  await befriend(payer, member);
  const res = await createLink(payer, {
    memberUserId: member.id,
    monthlyLimit: opts.limit ?? 10_000,
    relation: 'child',
    ...(opts.payer?.pin ? { pin: opts.payer.pin } : {}),
  });
  expect(res.statusCode, res.body).toBe(201);
  return { payer, member, linkId: res.json().id as string };
}

async function notificationsOf(u: TestUser, kind: string): Promise<Json[]> {
  const { rows } = await db.query(
    'SELECT data FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY seq',
    [u.id, kind],
  );
  return rows.map((r) => r.data);
}

/** Transfers on a payer's accounts and a link's allowances (other files share the database). */
async function transferCount(payer: TestUser, linkId: string): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM ledger_transfers t
      WHERE EXISTS (SELECT 1 FROM ledger_accounts a
                     WHERE a.id IN (t.debit_account_id, t.credit_account_id)
                       AND (a.code LIKE $1 OR a.code LIKE $2))`,
    [`user:${payer.id}:%`, `limit:family:${linkId}:%`],
  );
  return rows[0].n;
}

async function linkCount(payer: TestUser): Promise<number> {
  const { rows } = await db.query(
    'SELECT count(*)::int AS n FROM family_links WHERE payer_id = $1',
    [payer.id],
  );
  return rows[0].n;
}

const usage = async (u: TestUser, id: string) => {
  const res = await getLink(u, id);
  expect(res.statusCode, res.body).toBe(200);
  const { monthlyLimit, spentThisMonth, remainingThisMonth } = res.json();
  return { monthlyLimit, spentThisMonth, remainingThisMonth };
};

const history = async (u: TestUser) =>
  (await call('GET', '/api/v1/transactions', { user: u })).json().items as Json[];

describe('linking', () => {
  it('links a friend at once, tells them, and shows the link from both sides', async () => {
    const payer = await user({ nickname: 'Mum' });
    const member = await user({ nickname: 'Kid', verified: false });
    await befriend(payer, member);
    const res = await createLink(payer, {
      memberUserId: member.id,
      monthlyLimit: 50_000,
      relation: 'child',
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ id: expect.any(String), status: 'active' });

    const asPayer = (await getLink(payer, created.id as string)).json();
    expect(asPayer).toMatchObject({
      id: created.id,
      role: 'payer',
      payerId: payer.id,
      payerNickname: 'Mum',
      memberUserId: member.id,
      memberNickname: 'Kid',
      relation: 'child',
      monthlyLimit: 50_000,
      currency: 'CNY',
      spentThisMonth: 0,
      remainingThisMonth: 50_000,
      status: 'active',
    });
    expect(asPayer.month).toMatch(/^\d{4}-\d{2}$/);
    const asMember = (await getLink(member, created.id as string)).json();
    expect(asMember).toEqual({ ...asPayer, role: 'member' });

    for (const u of [payer, member]) {
      const list = (await call('GET', '/api/v1/family/links', { user: u })).json();
      expect(list.items.map((l: Json) => l.id)).toEqual([created.id]);
      expect(list.nextCursor).toBeNull();
    }
    expect(await notificationsOf(member, 'family.linked')).toEqual([
      {
        linkId: created.id,
        payerId: payer.id,
        payerNickname: 'Mum',
        relation: 'child',
        monthlyLimit: 50_000,
        currency: 'CNY',
      },
    ]);
  });

  it('links only a friend who has not blocked anyone, never oneself, once per pair', async () => {
    const payer = await user();
    const [stranger, blocker, friend] = await Promise.all([user(), user(), user()]);
    await befriend(payer, blocker);
    await befriend(payer, friend);
    expect(
      (await call('POST', '/api/v1/blocks', { user: blocker, body: { userId: payer.id } }))
        .statusCode,
    ).toBe(201);
    const body = (memberUserId: string) => ({
      memberUserId,
      monthlyLimit: 1_000,
      relation: 'other',
    });
    const cases: [string, string, number, string][] = [
      ['stranger', stranger.id, 403, 'forbidden'],
      ['blocked', blocker.id, 403, 'blocked'],
      ['self', payer.id, 422, 'validation_error'],
      ['unknown', '00000000-0000-4000-8000-000000000000', 404, 'not_found'],
      ['not an id', 'nobody', 404, 'not_found'],
    ];
    for (const [name, id, status, code] of cases) {
      const res = await createLink(payer, body(id));
      expect(res.statusCode, name).toBe(status);
      expect(res.json().code, name).toBe(code);
    }
    expect(await linkCount(payer)).toBe(0);

    expect((await createLink(payer, body(friend.id))).statusCode).toBe(201);
    const again = await createLink(payer, body(friend.id));
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
    // Racing requests for the same pair make one link.
    const other = await user();
    await befriend(payer, other);
    const raced = await Promise.all(
      Array.from({ length: 5 }, () => createLink(payer, body(other.id))),
    );
    expect(raced.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await linkCount(payer)).toBe(2);
    // The member may pay for the payer too: that is another link.
    expect((await createLink(friend, body(payer.id))).statusCode).toBe(201);
  });

  it('asks an unverified payer to verify, and a payer with a PIN for it', async () => {
    const unverified = await user({ verified: false });
    const member = await user();
    await befriend(unverified, member);
    const res = await createLink(unverified, {
      memberUserId: member.id,
      monthlyLimit: 1_000,
      relation: 'parent',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('verification_required');

    const payer = await user({ pin: '135790' });
    await befriend(payer, member);
    const body = { memberUserId: member.id, monthlyLimit: 1_000, relation: 'parent' };
    const noPin = await createLink(payer, body);
    expect([noPin.statusCode, noPin.json().code]).toEqual([403, 'pin_invalid']);
    const wrong = await createLink(payer, { ...body, pin: '246801' });
    expect([wrong.statusCode, wrong.json().code]).toEqual([403, 'pin_invalid']);
    expect(await linkCount(payer)).toBe(0);
    expect((await createLink(payer, { ...body, pin: '135790' })).statusCode).toBe(201);
  });

  it('refuses bad input with 422 and writes nothing', async () => {
    const payer = await user();
    const member = await user();
    await befriend(payer, member);
    const good = { memberUserId: member.id, monthlyLimit: 1_000, relation: 'sibling' };
    const shapes: [string, unknown][] = [
      ['unknown field', { ...good, currency: 'CNY', bonus: 1 }],
      ['float limit', { ...good, monthlyLimit: 10.5 }],
      ['string limit', { ...good, monthlyLimit: '1000' }],
      ['zero limit', { ...good, monthlyLimit: 0 }],
      ['negative limit', { ...good, monthlyLimit: -5 }],
      ['limit above the maximum', { ...good, monthlyLimit: MAX_MONTHLY + 1 }],
      ['limit beyond safe integers', { ...good, monthlyLimit: 2 ** 60 }],
      ['bad relation', { ...good, relation: 'boss' }],
      ['missing relation', { memberUserId: member.id, monthlyLimit: 1_000 }],
      ['missing member', { monthlyLimit: 1_000, relation: 'other' }],
      ['bad pin', { ...good, pin: '12' }],
      ['array', [good]],
    ];
    for (const [name, body] of shapes) {
      const res = await createLink(payer, body);
      expect(res.statusCode, name).toBe(422);
      expect(res.json().code, name).toBe('validation_error');
    }
    expect(await linkCount(payer)).toBe(0);

    const id = (await createLink(payer, good)).json().id as string;
    for (const body of [
      { monthlyLimit: 1.5 },
      { monthlyLimit: 0 },
      { monthlyLimit: MAX_MONTHLY + 1 },
      { monthlyLimit: 500, relation: 'child' },
      {},
    ]) {
      const res = await patchLink(payer, id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
    }
    expect((await decline(member, id, { reason: 'no' })).statusCode).toBe(422);
    expect((await usage(payer, id)).monthlyLimit).toBe(1_000);
    const bad = await pay(member, id, { to: { userId: payer.id }, amount: 100 });
    expect(bad.statusCode).toBe(422);
    const unknownSource = await call('POST', '/api/v1/transfers', {
      user: member,
      body: { to: { userId: payer.id }, amount: 100, fundingSource: { familyLinkId: id, x: 1 } },
    });
    expect(unknownSource.statusCode).toBe(422);
  });
});

describe('paying from a family link', () => {
  it('pays from the payer’s wallet within the limit; the payer is told; every history shows it', async () => {
    const { payer, member, linkId } = await family({
      payerBalance: 10_000,
      limit: 3_000,
      payer: { nickname: 'Dad' },
      member: { nickname: 'Daughter' },
    });
    const shop = await user({ nickname: 'Tea Shop' });
    const res = await pay(member, linkId, {
      to: { userId: shop.id },
      amount: 1_200,
      note: '奶茶',
    });
    expect(res.statusCode, res.body).toBe(201);
    const paid = res.json();
    expect(paid).toMatchObject({
      status: 'completed',
      amount: 1_200,
      currency: 'CNY',
      from: { userId: member.id },
      to: { userId: shop.id },
      note: '奶茶',
      fundingSource: { familyLinkId: linkId, payerId: payer.id },
    });
    expect(await balance(payer)).toBe(8_800);
    expect(await balance(member)).toBe(0);
    expect(await balance(shop)).toBe(1_200);
    expect(await usage(member, linkId)).toEqual({
      monthlyLimit: 3_000,
      spentThisMonth: 1_200,
      remainingThisMonth: 1_800,
    });

    expect(await notificationsOf(payer, 'family.payment')).toEqual([
      {
        linkId,
        transferId: paid.id,
        memberUserId: member.id,
        memberNickname: 'Daughter',
        toUserId: shop.id,
        toNickname: 'Tea Shop',
        amount: 1_200,
        currency: 'CNY',
        note: '奶茶',
        remainingThisMonth: 1_800,
      },
    ]);
    expect(await notificationsOf(shop, 'transfer.received')).toEqual([
      expect.objectContaining({ transferId: paid.id, fromUserId: member.id, amount: 1_200 }),
    ]);

    const family_ = { familyLinkId: linkId, paidBy: { userId: member.id, nickname: 'Daughter' } };
    const [payerSide] = await history(payer);
    expect(payerSide).toEqual({
      id: paid.id,
      type: 'family.payment',
      direction: 'out',
      status: 'completed',
      amount: 1_200,
      currency: 'CNY',
      counterparty: { userId: shop.id, nickname: 'Tea Shop' },
      note: '奶茶',
      ...family_,
      createdAt: paid.createdAt,
    });
    // The member's history shows it although their own wallet never moved.
    expect(await history(member)).toEqual([payerSide]);
    const single = await call('GET', `/api/v1/transactions/${paid.id}`, { user: member });
    expect(single.json()).toEqual(payerSide);
    // The receiver was paid by the member; the family arrangement is not theirs to see.
    const [shopSide] = await history(shop);
    expect(shopSide).toMatchObject({
      direction: 'in',
      counterparty: { userId: member.id, nickname: 'Daughter' },
    });
    expect(shopSide).not.toHaveProperty('paidBy');
    expect(shopSide).not.toHaveProperty('familyLinkId');
    const stranger = await user();
    expect(
      (await call('GET', `/api/v1/transactions/${paid.id}`, { user: stranger })).statusCode,
    ).toBe(404);
    const csv = await call('GET', '/api/v1/transactions.csv', { user: member });
    expect(csv.body).toContain(paid.id);
  });

  it('refuses a payment beyond what is left of the month with 409 limit_exceeded', async () => {
    const { payer, member, linkId } = await family({ payerBalance: 10_000, limit: 1_000 });
    const shop = await user();
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 600 })).statusCode).toBe(
      201,
    );
    const before = await transferCount(payer, linkId);
    const over = await pay(member, linkId, { to: { userId: shop.id }, amount: 401 });
    expect(over.statusCode).toBe(409);
    expect(over.json().code).toBe('limit_exceeded');
    expect(await transferCount(payer, linkId)).toBe(before);
    expect(await balance(payer)).toBe(9_400);
    expect(await balance(shop)).toBe(600);
    expect(await notificationsOf(payer, 'family.payment')).toHaveLength(1);
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 400 })).statusCode).toBe(
      201,
    );
    expect(await usage(payer, linkId)).toEqual({
      monthlyLimit: 1_000,
      spentThisMonth: 1_000,
      remainingThisMonth: 0,
    });
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 1 })).json().code).toBe(
      'limit_exceeded',
    );
  });

  it('refuses a payment the payer’s wallet cannot cover with 409 insufficient_funds', async () => {
    const { payer, member, linkId } = await family({ payerBalance: 300, limit: 1_000 });
    const shop = await user();
    const before = await transferCount(payer, linkId);
    const res = await pay(member, linkId, { to: { userId: shop.id }, amount: 500 });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('insufficient_funds');
    expect(await transferCount(payer, linkId)).toBe(before);
    expect(await balance(payer)).toBe(300);
    expect((await usage(member, linkId)).remainingThisMonth).toBe(1_000);
  });

  it('needs the member verified and the member’s own PIN', async () => {
    const unverified = await family({ member: { verified: false } });
    const shop = await user();
    const res = await pay(unverified.member, unverified.linkId, {
      to: { userId: shop.id },
      amount: 100,
    });
    expect([res.statusCode, res.json().code]).toEqual([403, 'verification_required']);

    const { payer, member, linkId } = await family({
      payer: { pin: '135790' },
      member: { pin: '802468' },
    });
    for (const pin of [undefined, '135790']) {
      const r = await pay(member, linkId, { to: { userId: shop.id }, amount: 100, pin });
      expect([r.statusCode, r.json().code], String(pin)).toEqual([403, 'pin_invalid']);
    }
    const ok = await pay(member, linkId, { to: { userId: shop.id }, amount: 100, pin: '802468' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(await balance(payer)).toBe(100_000 - 100);
    expect(await balance(shop)).toBe(100);
  });

  it('refuses pointless or forbidden payments', async () => {
    const { payer, member, linkId } = await family();
    const [blocksPayer, blocksMember] = await Promise.all([user(), user()]);
    await call('POST', '/api/v1/blocks', { user: blocksPayer, body: { userId: payer.id } });
    await call('POST', '/api/v1/blocks', { user: blocksMember, body: { userId: member.id } });
    const shop = await user();
    const before = await transferCount(payer, linkId);
    const cases: [string, Json, number, string][] = [
      ['to the payer', { to: { userId: payer.id }, amount: 100 }, 422, 'validation_error'],
      ['to oneself', { to: { userId: member.id }, amount: 100 }, 422, 'validation_error'],
      [
        'to someone who blocked the payer',
        { to: { userId: blocksPayer.id }, amount: 100 },
        403,
        'blocked',
      ],
      [
        'to someone who blocked the member',
        { to: { userId: blocksMember.id }, amount: 100 },
        403,
        'blocked',
      ],
      [
        'waiting for acceptance',
        { to: { userId: shop.id }, amount: 100, requireAcceptance: true },
        422,
        'validation_error',
      ],
      [
        'in another currency',
        { to: { userId: shop.id }, amount: 100, currency: 'JPY' },
        422,
        'validation_error',
      ],
      [
        'unknown receiver',
        { to: { userId: '00000000-0000-4000-8000-000000000000' }, amount: 100 },
        404,
        'not_found',
      ],
      ['a float', { to: { userId: shop.id }, amount: 1.5 }, 422, 'validation_error'],
    ];
    for (const [name, body, status, code] of cases) {
      const res = await pay(member, linkId, body);
      expect(res.statusCode, name).toBe(status);
      expect(res.json().code, name).toBe(code);
    }
    // The payer blocking the member stops the link from paying.
    await call('POST', '/api/v1/blocks', { user: payer, body: { userId: member.id } });
    const blocked = await pay(member, linkId, { to: { userId: shop.id }, amount: 100 });
    expect([blocked.statusCode, blocked.json().code]).toEqual([403, 'blocked']);
    expect(await transferCount(payer, linkId)).toBe(before);
    expect(await balance(payer)).toBe(100_000);
  });

  it('makes one payment of any number of repeats with one Idempotency-Key', async () => {
    const { payer, member, linkId } = await family({ limit: 5_000 });
    const shop = await user();
    const body = { to: { userId: shop.id }, amount: 700, note: 'lunch' };
    const key = { 'idempotency-key': 'family-lunch-1' };
    const first = await pay(member, linkId, body, key);
    expect(first.statusCode, first.body).toBe(201);
    const repeats = await Promise.all([
      pay(member, linkId, body, key),
      pay(member, linkId, body, key),
    ]);
    for (const r of repeats) expect(r.json()).toEqual(first.json());
    const later = await pay(member, linkId, body, key);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.json()).toEqual(first.json());
    const other = await pay(member, linkId, { ...body, amount: 701 }, key);
    expect([other.statusCode, other.json().code]).toEqual([409, 'idempotency_conflict']);
    // The same key on a plain transfer is another request, too.
    const plain = await call('POST', '/api/v1/transfers', {
      user: member,
      body,
      headers: key,
    });
    expect(plain.json().code).toBe('idempotency_conflict');
    expect(await balance(payer)).toBe(100_000 - 700);
    expect(await balance(shop)).toBe(700);
    expect((await usage(payer, linkId)).spentThisMonth).toBe(700);
    expect(await notificationsOf(payer, 'family.payment')).toHaveLength(1);
    expect(await notificationsOf(shop, 'transfer.received')).toHaveLength(1);
  });
});

describe('who may do what with a link', () => {
  it('a stranger can neither see, change, end nor pay with someone’s link', async () => {
    const { payer, member, linkId } = await family();
    const stranger = await user({ balance: 1_000 });
    await befriend(stranger, member);
    for (const id of [linkId, 'not-an-id']) {
      const attempts = [
        await getLink(stranger, id),
        await patchLink(stranger, id, { monthlyLimit: 1 }),
        await unlink(stranger, id),
        await decline(stranger, id),
        await pay(stranger, id, { to: { userId: member.id }, amount: 100 }),
      ];
      expect(
        attempts.map((r) => [r.statusCode, r.json().code]),
        id,
      ).toEqual(attempts.map(() => [404, 'not_found']));
    }
    expect((await call('GET', '/api/v1/family/links', { user: stranger })).json().items).toEqual(
      [],
    );
    expect(await usage(payer, linkId)).toEqual({
      monthlyLimit: 10_000,
      spentThisMonth: 0,
      remainingThisMonth: 10_000,
    });
    expect((await getLink(payer, linkId)).json().status).toBe('active');
    expect(await balance(payer)).toBe(100_000);
  });

  it('each side does only its own part', async () => {
    const { payer, member, linkId } = await family();
    const shop = await user();
    const asMember = await pay(payer, linkId, { to: { userId: shop.id }, amount: 100 });
    expect([asMember.statusCode, asMember.json().code]).toEqual([403, 'forbidden']);
    const memberSetsLimit = await patchLink(member, linkId, { monthlyLimit: 999_999 });
    expect([memberSetsLimit.statusCode, memberSetsLimit.json().code]).toEqual([403, 'forbidden']);
    const payerDeclines = await decline(payer, linkId);
    expect([payerDeclines.statusCode, payerDeclines.json().code]).toEqual([403, 'forbidden']);
    expect((await getLink(member, linkId)).json()).toMatchObject({
      status: 'active',
      monthlyLimit: 10_000,
    });
    expect(await balance(payer)).toBe(100_000);
  });
});

describe('changing and ending a link', () => {
  it('raises and lowers the limit for the rest of the month', async () => {
    const { payer, member, linkId } = await family({ limit: 1_000 });
    const shop = await user();
    const spend = (amount: number) => pay(member, linkId, { to: { userId: shop.id }, amount });
    expect((await spend(600)).statusCode).toBe(201);

    const raised = await patchLink(payer, linkId, { monthlyLimit: 1_500 });
    expect(raised.statusCode, raised.body).toBe(200);
    expect(raised.json()).toMatchObject({
      monthlyLimit: 1_500,
      spentThisMonth: 600,
      remainingThisMonth: 900,
    });
    expect((await spend(901)).json().code).toBe('limit_exceeded');
    expect((await spend(900)).statusCode).toBe(201);

    // Below what was already spent: nothing more this month, and nothing taken back.
    const lowered = await patchLink(payer, linkId, { monthlyLimit: 1_000 });
    expect(lowered.json()).toMatchObject({ spentThisMonth: 1_500, remainingThisMonth: 0 });
    expect((await spend(1)).json().code).toBe('limit_exceeded');
    expect(await usage(member, linkId)).toEqual({
      monthlyLimit: 1_000,
      spentThisMonth: 1_500,
      remainingThisMonth: 0,
    });

    expect((await patchLink(payer, linkId, { monthlyLimit: 2_000 })).json()).toMatchObject({
      remainingThisMonth: 500,
    });
    expect((await patchLink(payer, linkId, { monthlyLimit: 1_800 })).json()).toMatchObject({
      remainingThisMonth: 300,
    });
    // The same limit again changes nothing.
    expect((await patchLink(payer, linkId, { monthlyLimit: 1_800 })).statusCode).toBe(200);
    expect((await spend(301)).json().code).toBe('limit_exceeded');
    expect((await spend(300)).statusCode).toBe(201);
    expect(await balance(payer)).toBe(100_000 - 1_800);
    expect(await balance(shop)).toBe(1_800);
    expect(
      (await notificationsOf(member, 'family.limit_changed')).map((n) => [
        n.previousLimit,
        n.monthlyLimit,
      ]),
    ).toEqual([
      [1_000, 1_500],
      [1_500, 1_000],
      [1_000, 2_000],
      [2_000, 1_800],
    ]);
    const report = await t.services.ledger.verify();
    expect(report.ok).toBe(true);
  });

  it('changes the limit before the month’s first payment, and asks for the PIN to raise it', async () => {
    const { payer, member, linkId } = await family({ limit: 1_000, payer: { pin: '135790' } });
    const shop = await user();
    const noPin = await patchLink(payer, linkId, { monthlyLimit: 5_000 });
    expect([noPin.statusCode, noPin.json().code]).toEqual([403, 'pin_invalid']);
    // Lowering is always allowed.
    expect((await patchLink(payer, linkId, { monthlyLimit: 400 })).json()).toMatchObject({
      monthlyLimit: 400,
      remainingThisMonth: 400,
    });
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 401 })).json().code).toBe(
      'limit_exceeded',
    );
    const raised = await patchLink(payer, linkId, { monthlyLimit: 5_000, pin: '135790' });
    expect(raised.json()).toMatchObject({ monthlyLimit: 5_000, remainingThisMonth: 5_000 });
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 4_000 })).statusCode).toBe(
      201,
    );
    expect((await usage(payer, linkId)).remainingThisMonth).toBe(1_000);
  });

  it('stops payments once the payer unlinks, and tells the member', async () => {
    const { payer, member, linkId } = await family({ payer: { nickname: 'Grandma' } });
    const shop = await user();
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 100 })).statusCode).toBe(
      201,
    );
    expect((await unlink(payer, linkId)).statusCode).toBe(204);
    const after = await pay(member, linkId, { to: { userId: shop.id }, amount: 100 });
    expect([after.statusCode, after.json().code]).toEqual([409, 'conflict']);
    const seen = (await getLink(member, linkId)).json();
    expect(seen).toMatchObject({
      status: 'unlinked',
      spentThisMonth: 100,
      remainingThisMonth: 0,
      endedAt: expect.any(String),
    });
    // Ending an ended link changes nothing; changing its limit is a conflict.
    expect((await unlink(member, linkId)).statusCode).toBe(204);
    expect((await patchLink(payer, linkId, { monthlyLimit: 50 })).json().code).toBe('conflict');
    expect(await notificationsOf(member, 'family.unlinked')).toEqual([
      { linkId, byUserId: payer.id, byNickname: 'Grandma' },
    ]);
    expect(await notificationsOf(payer, 'family.unlinked')).toEqual([]);
    expect(await balance(payer)).toBe(100_000 - 100);
    // The pair may be linked again: a new link with a fresh allowance.
    const again = await createLink(payer, {
      memberUserId: member.id,
      monthlyLimit: 700,
      relation: 'grandchild',
    });
    expect(again.statusCode).toBe(201);
    expect(again.json().id).not.toBe(linkId);
    expect((await usage(member, again.json().id)).remainingThisMonth).toBe(700);
  });

  it('lets the member decline the link or leave it', async () => {
    const { payer, member, linkId } = await family({ member: { nickname: 'Son' } });
    const declined = await decline(member, linkId);
    expect(declined.statusCode, declined.body).toBe(200);
    expect(declined.json()).toMatchObject({ status: 'declined', remainingThisMonth: 0 });
    expect(await notificationsOf(payer, 'family.declined')).toEqual([
      { linkId, byUserId: member.id, byNickname: 'Son' },
    ]);
    expect((await decline(member, linkId)).json().code).toBe('conflict');
    const shop = await user();
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 1 })).json().code).toBe(
      'conflict',
    );

    const second = await createLink(payer, {
      memberUserId: member.id,
      monthlyLimit: 1_000,
      relation: 'child',
    });
    const secondId = second.json().id as string;
    expect((await unlink(member, secondId)).statusCode).toBe(204);
    expect((await getLink(payer, secondId)).json().status).toBe('unlinked');
    expect(await notificationsOf(payer, 'family.unlinked')).toEqual([
      { linkId: secondId, byUserId: member.id, byNickname: 'Son' },
    ]);
    expect(await balance(payer)).toBe(100_000);
  });

  it('lists the caller’s links from both sides, filtered and page by page', async () => {
    const me = await user({ balance: 1_000 });
    const [kid, partner, mum] = await Promise.all([user(), user(), user()]);
    for (const other of [kid, partner, mum]) await befriend(me, other);
    const make = async (payer: TestUser, member: TestUser, relation: string) => {
      const res = await createLink(payer, { memberUserId: member.id, monthlyLimit: 100, relation });
      expect(res.statusCode, res.body).toBe(201);
      t.clock.advance(1000);
      return res.json().id as string;
    };
    const forKid = await make(me, kid, 'child');
    const forPartner = await make(me, partner, 'partner');
    const fromMum = await make(mum, me, 'child');
    await unlink(me, forPartner);

    const all = (await call('GET', '/api/v1/family/links', { user: me })).json();
    expect(all.items.map((l: Json) => [l.id, l.role, l.status])).toEqual([
      [fromMum, 'member', 'active'],
      [forPartner, 'payer', 'unlinked'],
      [forKid, 'payer', 'active'],
    ]);
    const active = (await call('GET', '/api/v1/family/links?status=active', { user: me })).json();
    expect(active.items.map((l: Json) => l.id)).toEqual([fromMum, forKid]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(
        'GET',
        `/api/v1/family/links?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        { user: me },
      );
      const page = res.json();
      seen.push(...page.items.map((l: Json) => l.id as string));
      cursor = page.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual([fromMum, forPartner, forKid]);
    expect((await call('GET', '/api/v1/family/links?status=gone', { user: me })).statusCode).toBe(
      422,
    );
    expect((await call('GET', '/api/v1/family/links?cursor=junk', { user: me })).statusCode).toBe(
      422,
    );
  });
});

describe('racing the monthly limit', () => {
  it('lets exactly the payments that fit go through, however many race', async () => {
    const { payer, member, linkId } = await family({ payerBalance: 100_000, limit: 1_000 });
    const shop = await user();
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        pay(
          member,
          linkId,
          { to: { userId: shop.id }, amount: 100 },
          {
            'idempotency-key': `race-${i}`,
          },
        ),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(10);
    const refused = results.filter((r) => r.statusCode !== 201);
    expect(refused.map((r) => [r.statusCode, r.json().code])).toEqual(
      refused.map(() => [409, 'limit_exceeded']),
    );
    expect(await balance(payer)).toBe(100_000 - 1_000);
    expect(await balance(shop)).toBe(1_000);
    expect(await usage(payer, linkId)).toEqual({
      monthlyLimit: 1_000,
      spentThisMonth: 1_000,
      remainingThisMonth: 0,
    });
    expect(await notificationsOf(payer, 'family.payment')).toHaveLength(10);
    expect((await t.services.ledger.verify()).ok).toBe(true);
  });

  it('never spends past the limit when it is lowered while payments race', async () => {
    const { payer, member, linkId } = await family({ payerBalance: 100_000, limit: 2_000 });
    const shop = await user();
    // 40 × 100 asks for twice the old limit: the cap below is a real bound.
    const payments = Array.from({ length: 40 }, (_, i) =>
      pay(
        member,
        linkId,
        { to: { userId: shop.id }, amount: 100 },
        {
          'idempotency-key': `lowered-${i}`,
        },
      ),
    );
    const [change, ...results] = await Promise.all([
      patchLink(payer, linkId, { monthlyLimit: 500 }),
      ...payments,
    ]);
    expect(change!.statusCode, change!.body).toBe(200);
    const spent = results.filter((r) => r.statusCode === 201).length * 100;
    expect(results.every((r) => r.statusCode === 201 || r.json().code === 'limit_exceeded')).toBe(
      true,
    );
    // Payments before the change could use the old limit, after it only the new one.
    expect(spent).toBeLessThanOrEqual(2_000);
    expect(await balance(shop)).toBe(spent);
    expect(await usage(payer, linkId)).toEqual({
      monthlyLimit: 500,
      spentThisMonth: spent,
      remainingThisMonth: Math.max(0, 500 - spent),
    });
    // Once the change has returned, only the new limit counts.
    const after = await pay(member, linkId, { to: { userId: shop.id }, amount: 100 });
    if (spent + 100 > 500) expect(after.json().code).toBe('limit_exceeded');
    else expect(after.statusCode, after.body).toBe(201);
    expect((await t.services.ledger.verify()).ok).toBe(true);
  });

  it('lets no payment through once an unlink racing with them has returned', async () => {
    const { payer, member, linkId } = await family({ payerBalance: 100_000, limit: 5_000 });
    const shop = await user();
    const racing = Array.from({ length: 10 }, (_, i) =>
      pay(
        member,
        linkId,
        { to: { userId: shop.id }, amount: 100 },
        {
          'idempotency-key': `unlink-race-${i}`,
        },
      ),
    );
    const [ended, ...results] = await Promise.all([unlink(payer, linkId), ...racing]);
    expect(ended!.statusCode).toBe(204);
    const paid = results.filter((r) => r.statusCode === 201).length;
    expect(results.filter((r) => r.statusCode !== 201).map((r) => r.json().code)).toEqual(
      Array.from({ length: 10 - paid }, () => 'conflict'),
    );
    // Everything paid is accounted for in the link; nothing comes after.
    expect((await usage(payer, linkId)).spentThisMonth).toBe(paid * 100);
    const late = await pay(member, linkId, { to: { userId: shop.id }, amount: 100 });
    expect(late.json().code).toBe('conflict');
    expect(await balance(shop)).toBe(paid * 100);
  });
});

// Last: this moves the shared clock to the end of a month, weeks ahead.
describe('the month', () => {
  it('starts a fresh limit at midnight in Asia/Shanghai, not UTC', async () => {
    const year = t.clock.now().getUTCFullYear() + 1;
    // 23:58 on 31 January in Shanghai (UTC+8).
    t.clock.set(new Date(Date.UTC(year, 0, 31, 15, 58)));
    const { payer, member, linkId } = await family({ limit: 1_000 });
    const shop = await user();
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 800 })).statusCode).toBe(
      201,
    );
    expect((await getLink(payer, linkId)).json()).toMatchObject({
      month: `${year}-01`,
      spentThisMonth: 800,
      remainingThisMonth: 200,
    });
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 300 })).json().code).toBe(
      'limit_exceeded',
    );

    // 00:01 on 1 February in Shanghai, still 31 January in UTC.
    t.clock.advance(3 * 60_000);
    expect(t.clock.now().getUTCDate()).toBe(31);
    expect((await getLink(payer, linkId)).json()).toMatchObject({
      month: `${year}-02`,
      spentThisMonth: 0,
      remainingThisMonth: 1_000,
    });
    expect((await pay(member, linkId, { to: { userId: shop.id }, amount: 300 })).statusCode).toBe(
      201,
    );
    // A limit change now is this month's; January's allowance is left as it was.
    expect((await patchLink(payer, linkId, { monthlyLimit: 500 })).json()).toMatchObject({
      spentThisMonth: 300,
      remainingThisMonth: 200,
    });
    const january = await t.services.ledger.accountByCode(
      `limit:family:${linkId}:monthly:CNY:${year}01`,
    );
    expect(january!.creditsPosted - january!.debitsPosted).toBe(200n);
    expect(await balance(payer)).toBe(100_000 - 1_100);
  });
});
