import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { inTransaction } from '../../db/pool.ts';
import '../../../test/support/fast-check.ts';
import { crc16 } from './qr-payload.ts';

const t = await useTestApp({ HEBAO_ESCROW_DAYS: '7' });
const { call, user, balance, befriend } = api(t);
const db = t.services.db;
const PIN = '135790';

type Json = Record<string, unknown>;

async function openMerchant(owner?: TestUser, body: Json = {}) {
  const o = owner ?? (await user({ pin: PIN }));
  const res = await call('POST', '/api/v1/merchants', {
    user: o,
    body: {
      name: '老王烧烤',
      category: 'food',
      address: '北京市朝阳区建国路 1 号',
      location: { lat: 39.9075, lng: 116.3972 },
      ...body,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { owner: o, id: res.json().id as string };
}

const staticCode = async (owner: TestUser, merchantId: string) => {
  const res = await call('GET', `/api/v1/merchants/${merchantId}/qr`, { user: owner });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().payload as string;
};

const dynamicCode = async (owner: TestUser, merchantId: string, body: Json) => {
  const res = await call('POST', `/api/v1/merchants/${merchantId}/payment-requests`, {
    user: owner,
    body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; payload: string; expiresAt: string };
};

const pay = (payer: TestUser, body: Json, key?: string) =>
  call('POST', '/api/v1/payments', {
    user: payer,
    body: { pin: PIN, ...body },
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });

const dashboard = async (owner: TestUser, merchantId: string) => {
  const res = await call('GET', `/api/v1/merchants/${merchantId}/dashboard`, { user: owner });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    balance: number;
    inEscrow: { amount: number; count: number };
    today: { received: number; refunded: number; count: number };
    daily: { date: string }[];
  };
};

async function paymentCount(merchantId: string): Promise<number> {
  const { rows } = await db.query(
    'SELECT count(*)::int AS n FROM merchant_payments WHERE merchant_id = $1',
    [merchantId],
  );
  return rows[0].n;
}

async function makeAdmin(u: TestUser) {
  await db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [u.id]);
}

describe('merchants', () => {
  it('are registered by verified users, with a rating and their own ledger account', async () => {
    const unverified = await user({ verified: false });
    const refused = await call('POST', '/api/v1/merchants', {
      user: unverified,
      body: { name: 'x', category: 'food', address: 'y', location: { lat: 1, lng: 1 } },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('verification_required');
    const unknown = await call('POST', '/api/v1/merchants', {
      user: await user(),
      body: { name: 'x', category: 'food', address: 'y', location: { lat: 1, lng: 1 }, owner: 'z' },
    });
    expect(unknown.statusCode).toBe(422);
    const badLocation = await call('POST', '/api/v1/merchants', {
      user: await user(),
      body: { name: 'x', category: 'food', address: 'y', location: { lat: 91, lng: 1 } },
    });
    expect(badLocation.json().code).toBe('validation_error');

    const { owner, id } = await openMerchant();
    const view = await call('GET', `/api/v1/merchants/${id}`, { user: await user() });
    expect(view.json()).toMatchObject({
      id,
      name: '老王烧烤',
      category: 'food',
      status: 'active',
      rating: { average: null, count: 0 },
    });
    const account = await t.services.ledger.accountByCode(`merchant:${id}:CNY`);
    expect(account).toBeDefined();
    const mine = await call('GET', '/api/v1/merchants/mine', { user: owner });
    expect((mine.json().items as Json[]).map((m) => m.id)).toContain(id);
    // The static code is public, like the sticker on the counter; dynamic codes are the owner's.
    expect(
      (await call('GET', `/api/v1/merchants/${id}/qr`, { user: await user() })).statusCode,
    ).toBe(200);
    const notOwner = await call('POST', `/api/v1/merchants/${id}/payment-requests`, {
      user: await user(),
      body: { amount: 100 },
    });
    expect(notOwner.statusCode).toBe(403);
    expect(
      (await call('GET', '/api/v1/merchants/00000000-0000-4000-8000-000000000000', { user: owner }))
        .statusCode,
    ).toBe(404);
  });
});

describe('static codes', () => {
  it('let the payer type the amount; the payment is idempotent and moves money once', async () => {
    const { owner, id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const payload = await staticCode(owner, id);
    const resolved = await call('POST', '/api/v1/qr/resolve', { user: payer, body: { payload } });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toEqual({
      merchant: { id, name: '老王烧烤', category: 'food' },
      currency: 'CNY',
    });
    // A genuine scan is the payer's campaign action of the day (extra card draws).
    const scans = await t.services.db.query(
      `SELECT source_id FROM campaign_actions WHERE user_id = $1 AND action = 'scan'`,
      [payer.id],
    );
    expect(scans.rows).toEqual([{ source_id: id }]);
    expect((await pay(payer, { payload })).json().field).toBe('amount');

    const first = await pay(payer, { payload, amount: 2_500 }, 'static-1');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      status: 'completed',
      amount: 2_500,
      discount: 0,
      paid: 2_500,
      merchant: { id, name: '老王烧烤' },
    });
    const again = await pay(payer, { payload, amount: 2_500 }, 'static-1');
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(await balance(payer)).toBe(7_500);
    expect((await dashboard(owner, id)).balance).toBe(2_500);
    expect(await paymentCount(id)).toBe(1);

    const conflicting = await pay(payer, { payload, amount: 2_600 }, 'static-1');
    expect(conflicting.json().code).toBe('idempotency_conflict');

    const byId = await pay(payer, { merchantId: id, amount: 100 });
    expect(byId.statusCode, byId.body).toBe(201);
    const both = await pay(payer, { merchantId: id, payload, amount: 100 });
    expect(both.statusCode).toBe(422);
  });

  it('are refused when altered or forged: 422 qr_invalid and nothing moves', async () => {
    const { owner, id } = await openMerchant();
    const other = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const payload = await staticCode(owner, id);
    // The other merchant's id put into this code, CRC fixed: the signature no longer matches.
    const swapped = payload.replace(id, other.id).slice(0, -4);
    const forged = swapped + crc16(swapped);
    for (const bad of [
      forged,
      `${payload.slice(0, -1)}0`,
      'hello',
      payload.replace('老王', '小王'),
    ]) {
      const r = await call('POST', '/api/v1/qr/resolve', { user: payer, body: { payload: bad } });
      expect(r.statusCode, bad).toBe(422);
      expect(r.json().code).toBe('qr_invalid');
      const scans = await t.services.db.query(
        `SELECT 1 FROM campaign_actions WHERE user_id = $1 AND action = 'scan'`,
        [payer.id],
      );
      expect(scans.rowCount, 'a forged code earns nothing').toBe(0);
      const p = await pay(payer, { payload: bad, amount: 100 });
      expect(p.json().code).toBe('qr_invalid');
    }
    expect(await balance(payer)).toBe(10_000);
    expect(await paymentCount(id)).toBe(0);
    expect(await paymentCount(other.id)).toBe(0);
  });

  it('refuse what the pipeline refuses: no PIN, too little money, paying oneself', async () => {
    const { owner, id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 1_000 });
    const noPin = await call('POST', '/api/v1/payments', {
      user: payer,
      body: { merchantId: id, amount: 100, pin: '000000' },
    });
    expect(noPin.json().code).toBe('pin_invalid');
    const poor = await pay(payer, { merchantId: id, amount: 1_001 });
    expect(poor.statusCode).toBe(409);
    expect(poor.json().code).toBe('insufficient_funds');
    const own = await pay(owner, { merchantId: id, amount: 1 });
    expect(own.statusCode).toBe(422);
    expect(await paymentCount(id)).toBe(0);
    expect(await balance(payer)).toBe(1_000);
  });
});

describe('dynamic codes', () => {
  it('carry a fixed amount, are paid once and expire', async () => {
    const { owner, id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const code = await dynamicCode(owner, id, {
      amount: 1_234,
      note: '两串烤串',
      expiresInSeconds: 120,
    });
    const resolved = await call('POST', '/api/v1/qr/resolve', {
      user: payer,
      body: { payload: code.payload },
    });
    expect(resolved.json()).toMatchObject({
      amount: 1_234,
      paymentRequestId: code.id,
      note: '两串烤串',
    });
    const wrongAmount = await pay(payer, { payload: code.payload, amount: 1 });
    expect(wrongAmount.statusCode).toBe(422);
    const paid = await pay(payer, { payload: code.payload });
    expect(paid.statusCode, paid.body).toBe(201);
    expect(paid.json()).toMatchObject({ amount: 1_234, paid: 1_234, paymentRequestId: code.id });
    const twice = await pay(payer, { payload: code.payload });
    expect(twice.statusCode).toBe(409);
    expect(
      (await call('POST', '/api/v1/qr/resolve', { user: payer, body: { payload: code.payload } }))
        .statusCode,
    ).toBe(409);
    expect(await balance(payer)).toBe(10_000 - 1_234);

    const late = await dynamicCode(owner, id, { amount: 500, expiresInSeconds: 60 });
    t.clock.advance(61_000);
    const expired = await pay(payer, { payload: late.payload });
    expect(expired.statusCode).toBe(422);
    expect(expired.json().code).toBe('qr_invalid');
    expect(await balance(payer)).toBe(10_000 - 1_234);
  });

  it('is paid exactly once when many payers scan it at the same moment', async () => {
    const { owner, id } = await openMerchant();
    const payers = await Promise.all(
      Array.from({ length: 8 }, () => user({ pin: PIN, balance: 5_000 })),
    );
    const code = await dynamicCode(owner, id, { amount: 3_000 });
    const results = await Promise.all(
      payers.map((p, i) => pay(p, { payload: code.payload }, `rush-${i}`)),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect((await dashboard(owner, id)).balance).toBe(3_000);
    const balances = await Promise.all(payers.map((p) => balance(p)));
    expect(balances.filter((b) => b === 2_000)).toHaveLength(1);
    expect(balances.filter((b) => b === 5_000)).toHaveLength(7);
  });
});

describe('family accounts pay merchants', () => {
  it("from the payer's wallet, within the link's monthly limit", async () => {
    const parent = await user({ pin: PIN, balance: 50_000 });
    const child = await user({ pin: PIN });
    await befriend(parent, child);
    const link = await call('POST', '/api/v1/family/links', {
      user: parent,
      body: { memberUserId: child.id, monthlyLimit: 3_000, relation: 'child', pin: PIN },
    });
    expect(link.statusCode, link.body).toBe(201);
    const { owner, id } = await openMerchant();
    const fundingSource = { familyLinkId: link.json().id };
    const paid = await pay(child, { merchantId: id, amount: 2_000, fundingSource });
    expect(paid.statusCode, paid.body).toBe(201);
    expect(await balance(parent)).toBe(48_000);
    expect(await balance(child)).toBe(0);
    const over = await pay(child, { merchantId: id, amount: 1_001, fundingSource });
    expect(over.statusCode).toBe(409);
    expect(over.json().code).toBe('limit_exceeded');
    expect((await dashboard(owner, id)).balance).toBe(2_000);
    // Someone else's link does not exist for them (as for transfers).
    const stranger = await pay(await user({ pin: PIN }), {
      merchantId: id,
      amount: 1,
      fundingSource,
    });
    expect(stranger.statusCode).toBe(404);
  });
});

describe('payouts and the dashboard', () => {
  it("move the merchant's money to the owner's wallet, never more than it holds", async () => {
    const { owner, id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    await pay(payer, { merchantId: id, amount: 4_000 });
    const d = await dashboard(owner, id);
    expect(d.today).toMatchObject({ received: 4_000, count: 1 });
    expect(d.daily).toHaveLength(30);
    const tooMuch = await call('POST', `/api/v1/merchants/${id}/payouts`, {
      user: owner,
      body: { amount: 4_001, pin: PIN },
    });
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.json().code).toBe('insufficient_funds');
    const notOwner = await call('POST', `/api/v1/merchants/${id}/payouts`, {
      user: payer,
      body: { amount: 1, pin: PIN },
    });
    expect(notOwner.statusCode).toBe(403);
    const out = await call('POST', `/api/v1/merchants/${id}/payouts`, {
      user: owner,
      body: { amount: 3_000, pin: PIN },
      headers: { 'idempotency-key': 'payout-1' },
    });
    expect(out.statusCode, out.body).toBe(201);
    const again = await call('POST', `/api/v1/merchants/${id}/payouts`, {
      user: owner,
      body: { amount: 3_000, pin: PIN },
      headers: { 'idempotency-key': 'payout-1' },
    });
    expect(again.json().id).toBe(out.json().id);
    expect(await balance(owner)).toBe(3_000);
    expect((await dashboard(owner, id)).balance).toBe(1_000);
    const list = await call('GET', `/api/v1/merchants/${id}/payouts`, { user: owner });
    expect(list.json().items).toHaveLength(1);
    const payments = await call('GET', `/api/v1/merchants/${id}/payments`, { user: owner });
    expect(payments.json().items).toHaveLength(1);
    expect(
      (await call('GET', `/api/v1/merchants/${id}/payments`, { user: payer })).statusCode,
    ).toBe(403);
  });
});

describe('escrow', () => {
  async function escrowed(amount = 1_000) {
    const m = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const res = await pay(payer, { merchantId: m.id, amount, escrow: true });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'escrowed', escrow: true, paid: amount });
    return { ...m, payer, paymentId: res.json().id as string };
  }

  it('waits in escrow until the payer confirms, then the merchant has it', async () => {
    const { owner, id, payer, paymentId } = await escrowed();
    expect(await balance(payer)).toBe(9_000);
    const before = await dashboard(owner, id);
    expect(before.balance).toBe(0);
    expect(before.inEscrow).toEqual({ amount: 1_000, count: 1 });
    const escrow = await t.services.ledger.accountByCode(`payment:${paymentId}:escrow:CNY`);
    expect(escrow!.creditsPosted - escrow!.debitsPosted).toBe(1_000n);
    expect(
      (await call('POST', `/api/v1/payments/${paymentId}/confirm`, { user: owner })).statusCode,
    ).toBe(404);
    const confirmed = await call('POST', `/api/v1/payments/${paymentId}/confirm`, { user: payer });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toMatchObject({ status: 'completed', refundable: 1_000 });
    expect((await dashboard(owner, id)).balance).toBe(1_000);
    const twice = await call('POST', `/api/v1/payments/${paymentId}/confirm`, { user: payer });
    expect(twice.statusCode).toBe(409);
  });

  it('is released by the job after HEBAO_ESCROW_DAYS, once, with several processes racing', async () => {
    const { owner, id, paymentId } = await escrowed(700);
    await t.services.escrow.releaseDue();
    expect((await dashboard(owner, id)).balance).toBe(0);
    t.clock.advance(7 * 86_400_000 + 1_000);
    // Two "processes" sweep at once: the payment is claimed by one (SKIP LOCKED), posted once.
    await Promise.all([t.services.escrow.releaseDue(), t.services.escrow.releaseDue()]);
    await t.services.escrow.releaseDue();
    expect((await dashboard(owner, id)).balance).toBe(700);
    const view = await call('GET', `/api/v1/payments/${paymentId}`, { user: owner });
    expect(view.json()).toMatchObject({ status: 'completed' });
    const posts = await db.query(
      `SELECT count(*)::int AS n FROM ledger_transfers WHERE pending_id = (
         SELECT release_transfer_id FROM merchant_payments WHERE id = $1)`,
      [paymentId],
    );
    expect(posts.rows[0].n).toBe(1);
  });

  it('frozen by a dispute, is split by an operator between payer and merchant', async () => {
    const { owner, id, payer, paymentId } = await escrowed(1_000);
    const stranger = await user();
    expect(
      (
        await call('POST', `/api/v1/payments/${paymentId}/disputes`, {
          user: stranger,
          body: { reason: 'x' },
        })
      ).statusCode,
    ).toBe(404);
    const opened = await call('POST', `/api/v1/payments/${paymentId}/disputes`, {
      user: payer,
      body: { reason: '货不对板' },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const disputeId = opened.json().id as string;
    expect(opened.json()).toMatchObject({ status: 'open', payment: { status: 'disputed' } });
    const again = await call('POST', `/api/v1/payments/${paymentId}/disputes`, {
      user: payer,
      body: { reason: 'again' },
    });
    expect(again.statusCode).toBe(409);
    expect(
      (await call('POST', `/api/v1/payments/${paymentId}/confirm`, { user: payer })).statusCode,
    ).toBe(409);
    // Frozen: the release job leaves it alone however late it is.
    t.clock.advance(8 * 86_400_000);
    await t.services.escrow.releaseDue();
    expect((await dashboard(owner, id)).balance).toBe(0);

    expect(
      (
        await call('POST', `/api/v1/admin/disputes/${disputeId}/resolve`, {
          user: payer,
          body: { refundAmount: 0 },
        })
      ).statusCode,
    ).toBe(403);
    const admin = await user();
    await makeAdmin(admin);
    const queue = await call('GET', '/api/v1/admin/disputes', { user: admin });
    expect((queue.json().items as Json[]).map((d) => d.id)).toContain(disputeId);
    const tooMuch = await call('POST', `/api/v1/admin/disputes/${disputeId}/resolve`, {
      user: admin,
      body: { refundAmount: 1_001 },
    });
    expect(tooMuch.statusCode).toBe(422);
    const resolved = await call('POST', `/api/v1/admin/disputes/${disputeId}/resolve`, {
      user: admin,
      body: { refundAmount: 333, note: 'partly as described' },
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({
      status: 'resolved',
      refundAmount: 333,
      payment: { status: 'resolved', refundable: 667 },
    });
    expect(await balance(payer)).toBe(9_000 + 333);
    expect((await dashboard(owner, id)).balance).toBe(667);
    const escrow = await t.services.ledger.accountByCode(`payment:${paymentId}:escrow:CNY`);
    expect(escrow!.creditsPosted - escrow!.debitsPosted - escrow!.debitsPending).toBe(0n);
    const twice = await call('POST', `/api/v1/admin/disputes/${disputeId}/resolve`, {
      user: admin,
      body: { refundAmount: 0 },
    });
    expect(twice.statusCode).toBe(409);
    // After the split, the owner may refund at most what the merchant kept.
    const refund = await call('POST', `/api/v1/payments/${paymentId}/refunds`, {
      user: owner,
      body: { amount: 668, pin: PIN },
    });
    expect(refund.statusCode).toBe(422);
  });

  it('splits whole to one side: all back to the payer', async () => {
    const { owner, id, payer, paymentId } = await escrowed(500);
    const opened = await call('POST', `/api/v1/payments/${paymentId}/disputes`, {
      user: payer,
      body: { reason: 'never arrived' },
    });
    const admin = await user();
    await makeAdmin(admin);
    const resolved = await call('POST', `/api/v1/admin/disputes/${opened.json().id}/resolve`, {
      user: admin,
      body: { refundAmount: 500 },
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(await balance(payer)).toBe(10_000);
    expect((await dashboard(owner, id)).balance).toBe(0);
  });

  it('decided wholly for the merchant, counts against the payer’s credit', async () => {
    const { payer, paymentId } = await escrowed(400);
    const creditOf = async () => {
      await inTransaction(t.services.db, (tx) => t.services.credit.recomputeIn(tx, [payer.id]));
      return (await call('GET', '/api/v1/me/credit', { user: payer })).json();
    };
    const before = await creditOf();
    const opened = await call('POST', `/api/v1/payments/${paymentId}/disputes`, {
      user: payer,
      body: { reason: '不想要了' },
    });
    const admin = await user();
    await makeAdmin(admin);
    const resolved = await call('POST', `/api/v1/admin/disputes/${opened.json().id}/resolve`, {
      user: admin,
      body: { refundAmount: 0, note: 'delivered as described' },
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    const after = await creditOf();
    // Through the history dimension (the reasons list only the four largest costs).
    const history = (c: { factors: { dimension: string; score: number }[] }) =>
      c.factors.find((f) => f.dimension === 'history')!.score;
    expect(history(after)).toBeLessThan(history(before));
    expect(after.score).toBeLessThan(before.score);
  });
});

describe('refunds', () => {
  it('by the owner, partial or whole, never more than was paid, idempotent', async () => {
    const { owner, id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const paid = await pay(payer, { merchantId: id, amount: 1_000 });
    const paymentId = paid.json().id as string;
    const refund = (amount: number, key?: string, u = owner) =>
      call('POST', `/api/v1/payments/${paymentId}/refunds`, {
        user: u,
        body: { amount, pin: PIN },
        ...(key ? { headers: { 'idempotency-key': key } } : {}),
      });
    expect((await refund(100, undefined, payer)).statusCode).toBe(403);
    expect((await refund(100, undefined, await user({ pin: PIN }))).statusCode).toBe(404);
    const first = await refund(300, 'r1');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().payment).toMatchObject({ refunded: 300, refundable: 700 });
    const replay = await refund(300, 'r1');
    expect(replay.json().id).toBe(first.json().id);
    const over = await refund(701);
    expect(over.statusCode).toBe(422);
    expect((await refund(700)).statusCode).toBe(201);
    expect((await refund(1)).statusCode).toBe(422);
    expect(await balance(payer)).toBe(10_000);
    expect((await dashboard(owner, id)).today.refunded).toBe(1_000);
  });

  it('racing each other never pass what was paid', async () => {
    const { owner, id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const paymentId = (await pay(payer, { merchantId: id, amount: 1_000 })).json().id as string;
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        call('POST', `/api/v1/payments/${paymentId}/refunds`, {
          user: owner,
          body: { amount: 250, pin: PIN },
          headers: { 'idempotency-key': `race-${i}` },
        }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(4);
    expect(results.filter((r) => r.statusCode === 422)).toHaveLength(5);
    expect(await balance(payer)).toBe(10_000);
    expect((await dashboard(owner, id)).balance).toBe(0);
  });

  it('of a payment still in escrow are refused: the payer disputes instead', async () => {
    const { owner, id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const paymentId = (await pay(payer, { merchantId: id, amount: 1_000, escrow: true })).json().id;
    const r = await call('POST', `/api/v1/payments/${paymentId}/refunds`, {
      user: owner,
      body: { amount: 100, pin: PIN },
    });
    expect(r.statusCode).toBe(409);
  });
});

describe('money properties', () => {
  it('any sequence of refunds moves at most what was paid, and the books follow', async () => {
    const { owner, id } = await openMerchant();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5_000 }),
        fc.array(fc.integer({ min: 1, max: 3_000 }), { minLength: 1, maxLength: 6 }),
        async (paidAmount, refunds) => {
          const payer = await user({ pin: PIN, balance: 5_000 });
          const paymentId = (await pay(payer, { merchantId: id, amount: paidAmount })).json().id;
          const before = (await dashboard(owner, id)).balance;
          const results = await Promise.all(
            refunds.map((amount) =>
              call('POST', `/api/v1/payments/${paymentId}/refunds`, {
                user: owner,
                body: { amount, pin: PIN },
              }),
            ),
          );
          const refunded = refunds
            .filter((_, i) => results[i]!.statusCode === 201)
            .reduce((a, b) => a + b, 0);
          for (const r of results) expect([201, 422]).toContain(r.statusCode);
          expect(refunded).toBeLessThanOrEqual(paidAmount);
          expect(await balance(payer)).toBe(5_000 - paidAmount + refunded);
          expect((await dashboard(owner, id)).balance).toBe(before - refunded);
          const view = await call('GET', `/api/v1/payments/${paymentId}`, { user: payer });
          expect(view.json()).toMatchObject({ refunded, refundable: paidAmount - refunded });
        },
      ),
      { numRuns: 6 },
    );
  });

  it('a dispute split gives payer and merchant exactly what was paid, to the fen', async () => {
    const admin = await user();
    await makeAdmin(admin);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9_999 }), fc.nat(), async (paidAmount, seed) => {
        const refundAmount = seed % (paidAmount + 1);
        const { owner, id } = await openMerchant();
        const payer = await user({ pin: PIN, balance: 10_000 });
        const paymentId = (
          await pay(payer, { merchantId: id, amount: paidAmount, escrow: true })
        ).json().id;
        const dispute = await call('POST', `/api/v1/payments/${paymentId}/disputes`, {
          user: payer,
          body: { reason: 'not as described' },
        });
        const resolved = await call('POST', `/api/v1/admin/disputes/${dispute.json().id}/resolve`, {
          user: admin,
          body: { refundAmount },
        });
        expect(resolved.statusCode, resolved.body).toBe(200);
        expect(await balance(payer)).toBe(10_000 - paidAmount + refundAmount);
        expect((await dashboard(owner, id)).balance).toBe(paidAmount - refundAmount);
      }),
      { numRuns: 5 },
    );
  });
});

describe('the release sweep', () => {
  it('skips a payment a confirmation holds, and releases it on a later run (restart-safe)', async () => {
    const { owner, id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const paymentId = (await pay(payer, { merchantId: id, amount: 900, escrow: true })).json().id;
    t.clock.advance(7 * 86_400_000 + 1_000);
    // Another process is in the middle of something on this payment: its row is locked.
    const holder = await db.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM merchant_payments WHERE id = $1 FOR UPDATE', [paymentId]);
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM merchant_payments WHERE status = 'escrowed' AND release_at <= $1`,
        [t.clock.now()],
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(1);
      await t.services.escrow.releaseDue();
      expect((await dashboard(owner, id)).balance).toBe(0);
    } finally {
      // Like a process that died mid-way: nothing it did stays.
      await holder.query('ROLLBACK');
      holder.release();
    }
    await t.services.escrow.releaseDue();
    expect((await dashboard(owner, id)).balance).toBe(900);
    const confirm = await call('POST', `/api/v1/payments/${paymentId}/confirm`, { user: payer });
    expect(confirm.statusCode).toBe(409);
  });

  it('lists my purchases, newest first, with their state', async () => {
    const { id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    await pay(payer, { merchantId: id, amount: 100 });
    // The test clock stands still: a moment later, so "newest" is well defined.
    t.clock.advance(1);
    await pay(payer, { merchantId: id, amount: 200, escrow: true });
    const list = await call('GET', '/api/v1/payments?limit=1', { user: payer });
    expect(list.json().items).toMatchObject([{ amount: 200, status: 'escrowed' }]);
    const next = await call('GET', `/api/v1/payments?limit=1&cursor=${list.json().nextCursor}`, {
      user: payer,
    });
    expect(next.json().items).toMatchObject([{ amount: 100, status: 'completed' }]);
    expect(next.json().nextCursor).toBeNull();
    const other = await user();
    expect((await call('GET', '/api/v1/payments', { user: other })).json().items).toEqual([]);
  });
});
