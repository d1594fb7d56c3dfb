import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { destination, haversineM } from './geo.ts';
import { reviewReportTarget } from './local.ts';

const t = await useTestApp();
const { call, user, balance } = api(t);
const PIN = '135790';

type Json = Record<string, unknown>;

async function openMerchant(body: Json = {}, owner?: TestUser) {
  const o = owner ?? (await user({ pin: PIN }));
  const res = await call('POST', '/api/v1/merchants', {
    user: o,
    body: {
      name: '街角咖啡',
      category: 'coffee',
      address: '上海市黄浦区南京东路 100 号',
      location: { lat: 31.2323, lng: 121.4737 },
      ...body,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { owner: o, id: res.json().id as string };
}

const pay = (payer: TestUser, body: Json, key?: string) =>
  call('POST', '/api/v1/payments', {
    user: payer,
    body: { pin: PIN, ...body },
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });

const merchantBalance = async (owner: TestUser, id: string) =>
  (await call('GET', `/api/v1/merchants/${id}/dashboard`, { user: owner })).json()
    .balance as number;

describe('reviews', () => {
  it('only by the payer of a completed payment, once per payment; the average follows', async () => {
    const { owner, id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const other = await user({ pin: PIN, balance: 10_000 });
    const p1 = (await pay(payer, { merchantId: id, amount: 1_000 })).json().id as string;
    const p2 = (await pay(payer, { merchantId: id, amount: 500 })).json().id as string;
    const held = (await pay(other, { merchantId: id, amount: 500, escrow: true })).json()
      .id as string;
    const review = (u: TestUser, body: Json) =>
      call('POST', `/api/v1/merchants/${id}/reviews`, { user: u, body });

    expect((await review(other, { paymentId: p1, rating: 1, text: '难吃' })).statusCode).toBe(403);
    expect((await review(owner, { paymentId: p1, rating: 5, text: '好' })).statusCode).toBe(403);
    expect((await review(other, { paymentId: held, rating: 1, text: '没收到' })).statusCode).toBe(
      403,
    );
    expect((await review(payer, { paymentId: p1, rating: 6, text: '好' })).statusCode).toBe(422);
    const spam = await review(payer, { paymentId: p1, rating: 5, text: '网赌充值返利' });
    expect(spam.statusCode).toBe(422);
    expect(spam.json().code).toBe('content_rejected');

    const first = await review(payer, { paymentId: p1, rating: 5, text: '拿铁很好喝 ☕' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ rating: 5, status: 'published', text: '拿铁很好喝 ☕' });
    expect((await review(payer, { paymentId: p1, rating: 4, text: '再来' })).statusCode).toBe(409);
    expect((await review(payer, { paymentId: p2, rating: 4, text: '还不错' })).statusCode).toBe(
      201,
    );

    const merchant = await call('GET', `/api/v1/merchants/${id}`, { user: other });
    expect(merchant.json().rating).toEqual({ average: 4.5, count: 2 });
    const list = await call('GET', `/api/v1/merchants/${id}/reviews`, { user: other });
    expect(list.json().items).toHaveLength(2);
    expect(list.json().rating).toEqual({ average: 4.5, count: 2 });

    // The review queue's handler (registered by the lead as report target "review"): what an
    // operator reads, the take-down (the rating no longer counts it) and publishing again.
    const reviewId = first.json().id as string;
    expect(await reviewReportTarget.find(t.services.db, reviewId, null)).toMatchObject({
      authorId: payer.id,
      content: { text: '拿铁很好喝 ☕', rating: 5, merchant: { id } },
    });
    const client = await t.services.db.connect();
    try {
      await client.query('BEGIN');
      await reviewReportTarget.takeDown(client, reviewId);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const after = await call('GET', `/api/v1/merchants/${id}`, { user: other });
    expect(after.json().rating).toEqual({ average: 4, count: 1 });
    expect(
      (await call('GET', `/api/v1/merchants/${id}/reviews`, { user: other })).json().items,
    ).toHaveLength(1);
    expect((await t.services.localLife.reviewById(reviewId)).status).toBe('taken_down');
    expect(await reviewReportTarget.find(t.services.db, reviewId, other.id)).toBeUndefined();
    expect(await t.services.localLife.setReviewStatus(reviewId, 'published')).toBe(true);
    const back = await call('GET', `/api/v1/merchants/${id}`, { user: other });
    expect(back.json().rating).toEqual({ average: 4.5, count: 2 });
  });

  it('can be written once the escrow is confirmed', async () => {
    const { id } = await openMerchant();
    const payer = await user({ pin: PIN, balance: 10_000 });
    const paymentId = (await pay(payer, { merchantId: id, amount: 800, escrow: true })).json().id;
    await call('POST', `/api/v1/payments/${paymentId}/confirm`, { user: payer });
    const r = await call('POST', `/api/v1/merchants/${id}/reviews`, {
      user: payer,
      body: { paymentId, rating: 3, text: '一般' },
    });
    expect(r.statusCode, r.body).toBe(201);
  });
});

describe('coupons', () => {
  const validUntil = () => new Date(t.clock.now().getTime() + 86_400_000).toISOString();

  async function issue(owner: TestUser, id: string, body: Json = {}) {
    const res = await call('POST', `/api/v1/merchants/${id}/coupons`, {
      user: owner,
      body: {
        title: '满50减5',
        discount: 500,
        minSpend: 5_000,
        quantity: 10,
        validUntil: validUntil(),
        ...body,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  }

  it('are issued by the owner only, with a discount below the minimum spend', async () => {
    const { owner, id } = await openMerchant();
    const stranger = await user();
    const body = {
      title: 'x',
      discount: 500,
      minSpend: 5_000,
      quantity: 1,
      validUntil: validUntil(),
    };
    expect(
      (await call('POST', `/api/v1/merchants/${id}/coupons`, { user: stranger, body })).statusCode,
    ).toBe(403);
    const bad = await call('POST', `/api/v1/merchants/${id}/coupons`, {
      user: owner,
      body: { ...body, minSpend: 500 },
    });
    expect(bad.statusCode).toBe(422);
    const past = await call('POST', `/api/v1/merchants/${id}/coupons`, {
      user: owner,
      body: { ...body, validUntil: new Date(t.clock.now().getTime() - 1000).toISOString() },
    });
    expect(past.statusCode).toBe(422);
  });

  it('are never over-issued under a rush, one per user', async () => {
    const { owner, id } = await openMerchant();
    const couponId = await issue(owner, id, { quantity: 10 });
    const claimers = await Promise.all(Array.from({ length: 30 }, () => user()));
    const results = await Promise.all(
      claimers.map((u) => call('POST', `/api/v1/coupons/${couponId}/claims`, { user: u })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(10);
    const refused = results.filter((r) => r.statusCode !== 201);
    expect(refused).toHaveLength(20);
    for (const r of refused) expect(r.json().code).toBe('sold_out');
    const { rows } = await t.services.db.query(
      'SELECT claimed, (SELECT count(*)::int FROM merchant_coupon_claims WHERE coupon_id = $1) AS claims FROM merchant_coupons WHERE id = $1',
      [couponId],
    );
    expect(rows[0]).toEqual({ claimed: 10, claims: 10 });

    const other = await issue(owner, id, { quantity: 5 });
    const u = await user();
    const same = await Promise.all(
      Array.from({ length: 4 }, () => call('POST', `/api/v1/coupons/${other}/claims`, { user: u })),
    );
    expect(same.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    const mine = await call('GET', '/api/v1/coupons', { user: u });
    expect((mine.json().items as Json[]).map((c) => c.id)).toEqual([other]);
  });

  it('are applied at payment once, funded by the merchant', async () => {
    const { owner, id } = await openMerchant();
    const couponId = await issue(owner, id);
    const payer = await user({ pin: PIN, balance: 20_000 });
    expect((await pay(payer, { merchantId: id, amount: 6_000, couponId })).statusCode).toBe(422);
    await call('POST', `/api/v1/coupons/${couponId}/claims`, { user: payer });
    const small = await pay(payer, { merchantId: id, amount: 4_999, couponId });
    expect(small.statusCode).toBe(422);
    const other = await openMerchant();
    expect((await pay(payer, { merchantId: other.id, amount: 6_000, couponId })).statusCode).toBe(
      422,
    );

    // Two payments with the one coupon at once: one gets the discount, the other is refused.
    const both = await Promise.all([
      pay(payer, { merchantId: id, amount: 6_000, couponId }, 'c1'),
      pay(payer, { merchantId: id, amount: 6_000, couponId }, 'c2'),
    ]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const paid = both.find((r) => r.statusCode === 201)!;
    expect(paid.json()).toMatchObject({ amount: 6_000, discount: 500, paid: 5_500, couponId });
    expect(await balance(payer)).toBe(20_000 - 5_500);
    expect(await merchantBalance(owner, id)).toBe(5_500);
    const again = await pay(payer, { merchantId: id, amount: 6_000, couponId });
    expect(again.statusCode).toBe(409);
    expect(await balance(payer)).toBe(20_000 - 5_500);
  });
});

describe('nearby', () => {
  // Somewhere no other test puts merchants (the database is shared by the run).
  const center = { lat: -33.86 + Math.random() * 0.5, lng: 151.2 + Math.random() * 0.5 };

  it('finds merchants within the radius, nearest first, correct at the edge', async () => {
    const owner = await user();
    const at = (m: number, bearing: number) => destination(center, m, bearing);
    const inside = await openMerchant({ name: 'inside edge', location: at(2_998, 45) }, owner);
    const outside = await openMerchant({ name: 'outside edge', location: at(3_002, 90) }, owner);
    const near = await openMerchant(
      { name: 'near', category: 'food', location: at(150, 200) },
      owner,
    );
    const mid = await openMerchant({ name: 'mid', location: at(1_500, 300) }, owner);

    const res = await call(
      'GET',
      `/api/v1/merchants?near=${center.lat},${center.lng}&radiusM=3000`,
      {
        user: owner,
      },
    );
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { id: string; distanceM: number; rating: Json }[];
    expect(items.map((i) => i.id)).toEqual([near.id, mid.id, inside.id]);
    expect(items.map((i) => i.distanceM)).toEqual([150, 1_500, 2_998]);
    expect(items.map((i) => i.id)).not.toContain(outside.id);
    expect(items[0]!.rating).toEqual({ average: null, count: 0 });

    const food = await call(
      'GET',
      `/api/v1/merchants?near=${center.lat},${center.lng}&radiusM=3000&category=food`,
      { user: owner },
    );
    expect((food.json().items as Json[]).map((i) => i.id)).toEqual([near.id]);
    const wider = await call(
      'GET',
      `/api/v1/merchants?near=${center.lat},${center.lng}&radiusM=3010`,
      {
        user: owner,
      },
    );
    expect((wider.json().items as Json[]).map((i) => i.id)).toContain(outside.id);
    const bad = await call('GET', '/api/v1/merchants?near=100,200', { user: owner });
    expect(bad.statusCode).toBe(422);
  });

  it('pages the nearest when more are in the radius than asked for', async () => {
    const here = { lat: 22.5 + Math.random() * 0.3, lng: 113.9 + Math.random() * 0.3 };
    const owner = await user();
    const spots = Array.from({ length: 25 }, (_, i) =>
      destination(here, 50 + ((i * 397) % 2_900), (i * 137) % 360),
    );
    const ids: { id: string; d: number }[] = [];
    // Through the service: the route's per-user rate limit is not what this test is about.
    const owners = await Promise.all([0, 1, 2, 3, 4].map(() => user()));
    for (const [i, location] of spots.entries()) {
      const m = await t.services.merchants.register(
        { id: owners[i % 5]!.id, verified: true },
        { name: `shop ${i}`, category: 'food', address: 'x', location },
      );
      ids.push({ id: m.id, d: haversineM(here, location) });
    }
    const expected = ids
      .sort((a, b) => a.d - b.d)
      .slice(0, 5)
      .map((x) => x.id);
    const res = await call(
      'GET',
      `/api/v1/merchants?near=${here.lat},${here.lng}&radiusM=3000&limit=5`,
      {
        user: owner,
      },
    );
    expect((res.json().items as Json[]).map((i) => i.id)).toEqual(expected);
  });
});
