import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { sponsorCode } from './service.ts';

const t = await useTestApp({ HEBAO_FARM_PAYMENTS_PER_DAY: '3' });
const { call, user, befriend } = api(t);
const MEAL_MS = 240 * 60_000;

async function admin(): Promise<TestUser> {
  const a = await user();
  await t.services.identity.createAdmin(a.phone);
  return a;
}

async function farm(u: TestUser) {
  const res = await call('GET', '/api/v1/farm', { user: u });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    feed: number;
    eggs: number;
    eggsDonated: number;
    hen: { hungryAt: string | null; eating: boolean };
  };
}

async function pay(from: TestUser, to: TestUser, amount = 100) {
  const res = await call('POST', '/api/v1/transfers', {
    user: from,
    body: { to: { userId: to.id }, amount },
  });
  expect(res.statusCode, res.body).toBe(201);
}

const feed = (u: TestUser) => call('POST', '/api/v1/farm/feedings', { user: u });

async function project(by: TestUser, sponsor: string, pledgePerEgg: number) {
  const res = await call('POST', '/api/v1/admin/charity/projects', {
    user: by,
    body: { name: '免费午餐', description: 'Lunch for pupils', sponsor, pledgePerEgg },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; eggsDonated: number; amountDonated: number };
}

const balanceOf = async (code: string) => {
  const a = await t.services.ledger.accountByCode(code);
  return a ? a.creditsPosted - a.debitsPosted : 0n;
};

describe('the farm', () => {
  it('earns feed from payments (at most three a day), feeds the hen and lays an egg per meal', async () => {
    const u = await user({ balance: 10_000 });
    const friend = await user();
    await befriend(u, friend);
    expect(await farm(u)).toMatchObject({ feed: 0, eggs: 0, hen: { eating: false } });
    const hungry = await feed(u);
    expect(hungry.statusCode).toBe(409);
    expect(hungry.json().code).toBe('conflict');

    for (let i = 0; i < 4; i++) await pay(u, friend);
    // The receiver earns nothing; the payer three payments' worth.
    expect((await farm(friend)).feed).toBe(0);
    expect((await farm(u)).feed).toBe(3 * 180);

    const fed = await feed(u);
    expect(fed.statusCode, fed.body).toBe(201);
    expect(fed.json()).toMatchObject({ feed: 360, eggs: 0, hen: { eating: true } });
    expect((await feed(u)).statusCode).toBe(409); // still eating

    t.clock.advance(MEAL_MS);
    expect(await farm(u)).toMatchObject({ eggs: 1, hen: { eating: false, hungryAt: null } });
    expect((await feed(u)).statusCode).toBe(201);
    t.clock.advance(MEAL_MS);
    expect((await farm(u)).eggs).toBe(2);
  });
});

describe('charity projects', () => {
  it('are created by admins and move the sponsor’s pledge per egg to the project, idempotently', async () => {
    const ops = await admin();
    const someone = await user();
    const denied = await call('POST', '/api/v1/admin/charity/projects', {
      user: someone,
      body: { name: 'x', description: '', sponsor: 'x', pledgePerEgg: 1 },
    });
    expect(denied.statusCode).toBe(403);
    const sponsor = `Sponsor ${Date.now()}`;
    const p = await project(ops, sponsor, 25);

    const u = await user({ balance: 10_000 });
    const friend = await user();
    await befriend(u, friend);
    await pay(u, friend);
    await pay(u, friend);
    for (let i = 0; i < 2; i++) {
      expect((await feed(u)).statusCode).toBe(201);
      t.clock.advance(MEAL_MS);
    }
    expect((await farm(u)).eggs).toBe(2);

    const tooMany = await call('POST', `/api/v1/charity/projects/${p.id}/donations`, {
      user: u,
      body: { eggs: 3 },
    });
    expect(tooMany.statusCode).toBe(409);

    const headers = { 'idempotency-key': `donate-${Date.now()}` };
    const first = await call('POST', `/api/v1/charity/projects/${p.id}/donations`, {
      user: u,
      headers,
      body: { eggs: 2 },
    });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ eggs: 2, amount: 50, currency: 'CNY' });
    const replay = await call('POST', `/api/v1/charity/projects/${p.id}/donations`, {
      user: u,
      headers,
      body: { eggs: 2 },
    });
    expect(replay.json()).toEqual(first.json());

    expect(await farm(u)).toMatchObject({ eggs: 0, eggsDonated: 2 });
    expect(await balanceOf(`charity:project:${p.id}:CNY`)).toBe(50n);
    expect(await balanceOf(sponsorCode(sponsor, 'CNY'))).toBe(-50n);
    const listed = (await call('GET', '/api/v1/charity/projects')).json().items as {
      id: string;
      eggsDonated: number;
      amountDonated: number;
    }[];
    expect(listed.find((x) => x.id === p.id)).toMatchObject({ eggsDonated: 2, amountDonated: 50 });
    const report = await t.services.ledger.verify();
    expect(report.ok).toBe(true);

    const none = await call('POST', `/api/v1/charity/projects/${p.id}/donations`, {
      user: u,
      body: { eggs: 1 },
    });
    expect(none.statusCode).toBe(409);
    const missing = await call(
      'POST',
      '/api/v1/charity/projects/00000000-0000-4000-8000-000000000000/donations',
      { user: u, body: { eggs: 1 } },
    );
    expect(missing.statusCode).toBe(404);
  });
});
