import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { inTransaction } from '../../db/pool.ts';
import { newId } from '../../platform/ids.ts';
import { energyFor, friendShare } from './service.ts';

// A saxaul costs 200 g here so that a few bus rides plant one.
const t = await useTestApp({ HEBAO_TREE_SAXAUL_G: '200', HEBAO_ENERGY_FRIEND_SHARE_PERCENT: '10' });
const { call, user, befriend } = api(t);
const HOUR = 3_600_000;

/**
 * A merchant payment in its money transaction, as merchant payments will call it after the
 * merge (no merchant payments exist on this branch; the hook is what is under test).
 */
async function paid(u: TestUser, category: string, amount = 300) {
  return inTransaction(t.services.db, (tx) =>
    t.services.energy.onPayment(tx, { userId: u.id, category, amount, paymentId: newId() }),
  );
}

async function energy(u: TestUser) {
  const res = await call('GET', '/api/v1/energy', { user: u });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    total: number;
    balls: { id: string; amount: number; ripe: boolean; ripensAt: string }[];
    trees: { number: number; certificate: string; species: string }[];
    species: { key: string; cost: number }[];
  };
}

describe('earning energy', () => {
  it('grows a ball for transit, bike, utilities and e-bill payments only, once per payment', async () => {
    const u = await user();
    expect(await paid(u, 'transit')).toMatchObject({ amount: 80 });
    expect(await paid(u, 'bike')).toMatchObject({ amount: 50 });
    expect(await paid(u, 'utilities')).toMatchObject({ amount: 20 });
    expect(await paid(u, 'e-bill')).toMatchObject({ amount: 10 });
    expect(await paid(u, 'restaurant')).toBeNull();
    const paymentId = newId();
    const twice = () =>
      inTransaction(t.services.db, (tx) =>
        t.services.energy.onPayment(tx, { userId: u.id, category: 'bike', amount: 1, paymentId }),
      );
    expect(await twice()).not.toBeNull();
    expect(await twice()).toBeNull();
    const e = await energy(u);
    expect(e.balls.map((b) => b.amount).sort((a, b) => a - b)).toEqual([10, 20, 50, 50, 80]);
    expect(e.balls.every((b) => !b.ripe)).toBe(true);
    expect(e.total).toBe(0);
  });

  it('are pure rules: grams by category, a friend share of at least 1 g', () => {
    const grams = { transit: 80, bike: 50, utilities: 20, ebill: 10 };
    expect(energyFor(grams, 'Transit')).toBe(80);
    expect(energyFor(grams, 'groceries')).toBe(0);
    expect(friendShare(80, 80, 10)).toBe(8);
    expect(friendShare(5, 5, 10)).toBe(1);
    expect(friendShare(80, 3, 10)).toBe(3);
  });
});

describe('collecting', () => {
  it('lets the owner collect a ripe ball, and each friend a share of it once', async () => {
    const [owner, friend, other, stranger] = await Promise.all([user(), user(), user(), user()]);
    await befriend(owner, friend, other);
    const ball = (await paid(owner, 'transit'))!;

    const early = await call('POST', `/api/v1/energy/balls/${ball.ballId}/collect`, {
      user: owner,
    });
    expect(early.statusCode).toBe(409);
    const friendEarly = await call(
      'POST',
      `/api/v1/users/${owner.id}/energy/balls/${ball.ballId}/collect`,
      { user: friend },
    );
    expect(friendEarly.statusCode).toBe(409);

    t.clock.advance(24 * HOUR);
    expect((await energy(owner)).balls.find((b) => b.id === ball.ballId)?.ripe).toBe(true);
    const strangerTry = await call(
      'POST',
      `/api/v1/users/${owner.id}/energy/balls/${ball.ballId}/collect`,
      { user: stranger },
    );
    expect(strangerTry.statusCode).toBe(403);
    const notYours = await call('POST', `/api/v1/energy/balls/${ball.ballId}/collect`, {
      user: friend,
    });
    expect(notYours.statusCode).toBe(404);

    const share = await call(
      'POST',
      `/api/v1/users/${owner.id}/energy/balls/${ball.ballId}/collect`,
      { user: friend },
    );
    expect(share.statusCode, share.body).toBe(200);
    expect(share.json()).toEqual({ collected: 8, total: 8 });
    const again = await call(
      'POST',
      `/api/v1/users/${owner.id}/energy/balls/${ball.ballId}/collect`,
      { user: friend },
    );
    expect(again.statusCode).toBe(409);
    const seen = (await call('GET', `/api/v1/users/${owner.id}/energy`, { user: other })).json();
    expect(seen.balls[0]).toMatchObject({ id: ball.ballId, amount: 72, collectedByMe: false });
    expect(
      (
        await call('POST', `/api/v1/users/${owner.id}/energy/balls/${ball.ballId}/collect`, {
          user: other,
        })
      ).json(),
    ).toEqual({ collected: 8, total: 8 });

    const mine = await call('POST', `/api/v1/energy/balls/${ball.ballId}/collect`, { user: owner });
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json()).toEqual({ collected: 64, total: 64 });
    const twice = await call('POST', `/api/v1/energy/balls/${ball.ballId}/collect`, {
      user: owner,
    });
    expect(twice.statusCode).toBe(409);
    expect((await energy(owner)).balls).toEqual([]);

    const board = (await call('GET', '/api/v1/energy/leaderboard', { user: owner })).json();
    expect(board.items.map((i: { userId: string }) => i.userId)).toEqual([
      owner.id,
      ...[friend.id, other.id].sort(),
    ]);
    expect(board.items[0]).toMatchObject({ rank: 1, energy: 64, me: true });
    expect(board.items.some((i: { userId: string }) => i.userId === stranger.id)).toBe(false);
  });
});

describe('trees', () => {
  it('are planted when the energy reaches the species cost, each with its certificate number', async () => {
    const u = await user();
    const balls = [await paid(u, 'transit'), await paid(u, 'transit')];
    t.clock.advance(24 * HOUR);
    for (const b of balls) {
      expect(
        (await call('POST', `/api/v1/energy/balls/${b!.ballId}/collect`, { user: u })).statusCode,
      ).toBe(200);
    }
    const short = await call('POST', '/api/v1/energy/trees', {
      user: u,
      body: { species: 'saxaul' },
    });
    expect(short.statusCode).toBe(409);
    expect(short.json().code).toBe('conflict');
    const unknown = await call('POST', '/api/v1/energy/trees', {
      user: u,
      body: { species: 'oak' },
    });
    expect(unknown.statusCode).toBe(422);

    const more = await paid(u, 'bike');
    t.clock.advance(24 * HOUR);
    await call('POST', `/api/v1/energy/balls/${more!.ballId}/collect`, { user: u });
    expect((await energy(u)).total).toBe(210);
    const tree = await call('POST', '/api/v1/energy/trees', {
      user: u,
      body: { species: 'saxaul' },
    });
    expect(tree.statusCode, tree.body).toBe(201);
    expect(tree.json()).toMatchObject({ species: 'saxaul', cost: 200 });
    expect(tree.json().certificate).toMatch(/^HEBAO-TREE-\d{8}$/);
    const after = await energy(u);
    expect(after.total).toBe(10);
    expect(after.trees).toHaveLength(1);
    expect(after.trees[0]!.number).toBe(tree.json().number);
  });
});
