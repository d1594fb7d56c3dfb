import { Buffer } from 'node:buffer';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { testDatabaseUrl } from '../../../test/support/db.ts';
import { transferIdFor } from '../ledger/index.ts';
import { drawCard } from './fairness.ts';

const t = await useTestApp();
const { call, user, befriend, balance } = api(t);

const DAY = 86_400_000;

const hebao = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['bin/hebao.js', ...args], {
    env: {
      ...process.env,
      DATABASE_URL: testDatabaseUrl(),
      HEBAO_SECRET: 'cli-secret-cli-secret-cli-secret-0123456',
    },
  });
const FIVE = [
  { key: 'fuqiang', name: '富强福', weight: 40 },
  { key: 'hexie', name: '和谐福', weight: 30 },
  { key: 'youshan', name: '友善福', weight: 20 },
  { key: 'aiguo', name: '爱国福', weight: 9 },
  { key: 'jingye', name: '敬业福', weight: 1 },
];

async function admin(): Promise<TestUser> {
  const a = await user();
  await t.services.identity.createAdmin(a.phone);
  return a;
}

let deviceCounter = 0;
const device = () => ({ 'x-device-id': `device-${Date.now()}-${++deviceCounter}` });

async function createCampaign(
  by: TestUser,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const now = t.clock.now().getTime();
  const res = await call('POST', '/api/v1/admin/campaigns', {
    user: by,
    headers,
    body: {
      name: '集五福',
      cards: FIVE,
      startsAt: new Date(now - 60_000).toISOString(),
      drawAt: new Date(now + 10 * DAY).toISOString(),
      poolAmount: 1_000_000,
      drawsPerDay: 3,
      ...body,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; seedHash: string };
}

async function platformBalance(): Promise<bigint> {
  const account = await t.services.ledger.accountByCode('platform:campaigns:CNY');
  return account ? account.creditsPosted - account.debitsPosted : 0n;
}

async function draw(u: TestUser, id: string, headers: Record<string, string> = device()) {
  return call('POST', `/api/v1/campaigns/${id}/draws`, { user: u, headers });
}

async function mine(u: TestUser, id: string) {
  const res = await call('GET', `/api/v1/campaigns/${id}/me`, { user: u });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    cards: Record<string, number>;
    drawsLeftToday: number;
    complete: boolean;
    draws: { drawNumber: number; card: string }[];
  };
}

describe('creating a campaign', () => {
  it('is for admins only, commits to the seed, and moves the pool into escrow once', async () => {
    const ops = await admin();
    const someone = await user();
    const denied = await call('POST', '/api/v1/admin/campaigns', {
      user: someone,
      body: { name: 'x', cards: FIVE, startsAt: 'x', drawAt: 'y', poolAmount: 1, drawsPerDay: 1 },
    });
    expect(denied.statusCode).toBe(403);

    const before = await platformBalance();
    const headers = { 'idempotency-key': `create-${Date.now()}` };
    const first = await createCampaign(ops, {}, headers);
    const again = await createCampaign(ops, {}, headers);
    expect(again).toEqual(first);
    expect(first.seedHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await platformBalance()).toBe(before - 1_000_000n);
    const escrow = await t.services.ledger.accountByCode(`campaign:${first.id}:escrow:CNY`);
    expect(escrow!.creditsPosted).toBe(1_000_000n);

    const view = (await call('GET', `/api/v1/campaigns/${first.id}`, { user: someone })).json();
    expect(view.seedHash).toBe(first.seedHash);
    expect(view.seed).toBeUndefined();
    expect(view.cards.map((c: { odds: number }) => c.odds)).toEqual([0.4, 0.3, 0.2, 0.09, 0.01]);

    const { rows } = await t.services.db.query(
      `SELECT action FROM audit_log WHERE target_id = $1`,
      [first.id],
    );
    expect(rows).toEqual([{ action: 'campaign.create' }]);
  });

  it('refuses duplicate card keys, a draw date before the start, and unknown fields', async () => {
    const ops = await admin();
    const now = t.clock.now().getTime();
    const bad = async (body: Record<string, unknown>) => {
      const res = await call('POST', '/api/v1/admin/campaigns', {
        user: ops,
        body: {
          name: 'x',
          cards: FIVE,
          startsAt: new Date(now).toISOString(),
          drawAt: new Date(now + DAY).toISOString(),
          poolAmount: 100,
          drawsPerDay: 1,
          ...body,
        },
      });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().code).toBe('validation_error');
    };
    await bad({ cards: [FIVE[0], FIVE[0]] });
    await bad({ drawAt: new Date(now - DAY).toISOString() });
    await bad({ poolAmount: 1.5 });
    await bad({ surprise: true });
  });
});

describe('drawing cards', () => {
  it('follows the published odds, and every draw is recomputed from the revealed seed', async () => {
    const ops = await admin();
    const { id, seedHash } = await createCampaign(ops, { drawsPerDay: 100 });
    const collectors = await Promise.all([user(), user(), user()]);
    const counts = new Map<string, number>();
    for (const u of collectors) {
      const headers = device();
      for (let i = 0; i < 100; i++) {
        const res = await draw(u, id, headers);
        expect(res.statusCode, res.body).toBe(201);
        counts.set(res.json().card, (counts.get(res.json().card) ?? 0) + 1);
      }
    }
    // 300 draws: chi-square over the three common cards plus the rare ones pooled (df 3).
    const expected = [120, 90, 60, 30];
    const observed = [
      counts.get('fuqiang') ?? 0,
      counts.get('hexie') ?? 0,
      counts.get('youshan') ?? 0,
      (counts.get('aiguo') ?? 0) + (counts.get('jingye') ?? 0),
    ];
    const chi2 = observed.reduce((sum, o, i) => sum + (o - expected[i]!) ** 2 / expected[i]!, 0);
    expect(chi2).toBeLessThan(16.27); // p = 0.001 with 3 degrees of freedom

    t.clock.advance(11 * DAY);
    expect(await t.services.campaigns.runDueDraws()).toBeGreaterThanOrEqual(1);
    const view = (await call('GET', `/api/v1/campaigns/${id}`, { user: collectors[0]! })).json();
    expect(view.status).toBe('drawn');
    const seed = Buffer.from(view.seed, 'hex');
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(seed).digest('hex')).toBe(seedHash);
    for (const u of collectors) {
      const me = await mine(u, id);
      expect(me.draws).toHaveLength(100);
      for (const d of me.draws) {
        expect(drawCard(seed, id, u.id, d.drawNumber, FIVE).key).toBe(d.card);
      }
    }
    const report = await t.services.campaigns.verify(id);
    expect(report).toMatchObject({ ok: true, draws: 300, problems: [] });

    // The operator's command recomputes the same, and fails on a tampered draw.
    const cli = await hebao('campaign', 'verify', id);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true, draws: 300 });
    await t.services.db.query(
      `UPDATE campaign_draws
          SET card_key = CASE WHEN card_key = 'fuqiang' THEN 'hexie' ELSE 'fuqiang' END
        WHERE campaign_id = $1 AND user_id = $2 AND draw_number = 1`,
      [id, collectors[0]!.id],
    );
    const failed = await hebao('campaign', 'verify', id).catch((e: { code: number }) => e);
    expect((failed as { code?: number }).code).toBe(1);
  }, 60_000);

  it('allows drawsPerDay a day, one more for the day’s first payment, and again tomorrow', async () => {
    const ops = await admin();
    const { id } = await createCampaign(ops, { drawsPerDay: 2 });
    const u = await user({ balance: 10_000 });
    const friend = await user();
    await befriend(u, friend);
    const headers = device();
    expect((await draw(u, id, headers)).statusCode).toBe(201);
    expect((await draw(u, id, headers)).statusCode).toBe(201);
    const limited = await draw(u, id, headers);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    expect((await mine(u, id)).drawsLeftToday).toBe(0);

    for (const amount of [100, 200]) {
      const paid = await call('POST', '/api/v1/transfers', {
        user: u,
        body: { to: { userId: friend.id }, amount },
      });
      expect(paid.statusCode, paid.body).toBe(201);
    }
    // Two payments earn one extra draw: the first payment of the day counts.
    expect((await mine(u, id)).drawsLeftToday).toBe(1);
    expect((await draw(u, id, headers)).statusCode).toBe(201);
    expect((await draw(u, id, headers)).statusCode).toBe(429);

    t.clock.advance(DAY);
    expect((await mine(u, id)).drawsLeftToday).toBe(2);
  });

  it('needs a verified user, a well-formed device header if any, and refuses a second account of one identity', async () => {
    const ops = await admin();
    const { id } = await createCampaign(ops);
    const unverified = await user({ verified: false });
    const refused = await draw(unverified, id);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('verification_required');

    const a = await user();
    expect((await draw(a, id, { 'x-device-id': 'short' })).statusCode).toBe(422);
    expect((await draw(a, id, {})).statusCode).toBe(201);
    expect((await draw(a, id)).statusCode).toBe(201);

    // The identity module binds an ID number to one account (409 at verification); should it
    // ever move to another account, the campaign still knows the identity has collected.
    const b = await user({ verified: false });
    const { rows } = await t.services.db.query<{ id_number_hash: Buffer }>(
      'SELECT id_number_hash FROM users WHERE id = $1',
      [a.id],
    );
    await t.services.db.query(`UPDATE users SET id_number_hash = $2 WHERE id = $1`, [
      a.id,
      Buffer.alloc(32, 1),
    ]);
    await t.services.db.query(
      `UPDATE users SET id_number_hash = $2, verified_at = now(), real_name_masked = '*试',
              id_number_masked = '1101**********0000' WHERE id = $1`,
      [b.id, rows[0]!.id_number_hash],
    );
    const second = await draw(b, id);
    expect(second.statusCode, second.body).toBe(409);
    expect(second.json().code).toBe('conflict');
    expect((await mine(b, id)).draws).toEqual([]);
  });

  it('limits the accounts that collect from one device', async () => {
    const ops = await admin();
    const { id } = await createCampaign(ops, { maxAccountsPerDevice: 2 });
    const shared = device();
    const [a, b, c] = await Promise.all([user(), user(), user()]);
    expect((await draw(a, id, shared)).statusCode).toBe(201);
    expect((await draw(b, id, shared)).statusCode).toBe(201);
    expect((await draw(a, id, shared)).statusCode).toBe(201);
    const third = await draw(c, id, shared);
    expect(third.statusCode).toBe(403);
    expect((await draw(c, id)).statusCode).toBe(201);
  });

  it('holds the daily and per-device limits under concurrent draws', async () => {
    const ops = await admin();
    const { id } = await createCampaign(ops, { drawsPerDay: 3, maxAccountsPerDevice: 2 });
    const u = await user();
    const headers = device();
    const burst = await Promise.all(Array.from({ length: 10 }, () => draw(u, id, headers)));
    expect(burst.filter((r) => r.statusCode === 201)).toHaveLength(3);
    expect(burst.filter((r) => r.statusCode === 429)).toHaveLength(7);
    expect((await mine(u, id)).draws.map((d) => d.drawNumber)).toEqual([1, 2, 3]);

    const shared = device();
    const accounts = await Promise.all([user(), user(), user(), user()]);
    const racing = await Promise.all(accounts.map((a) => draw(a, id, shared)));
    expect(racing.filter((r) => r.statusCode === 201)).toHaveLength(2);
    expect(racing.filter((r) => r.statusCode === 403)).toHaveLength(2);
  });

  it('is closed before the start and after the draw date', async () => {
    const ops = await admin();
    const now = t.clock.now().getTime();
    const { id } = await createCampaign(ops, {
      startsAt: new Date(now + DAY).toISOString(),
      drawAt: new Date(now + 2 * DAY).toISOString(),
    });
    const u = await user();
    expect((await draw(u, id)).statusCode).toBe(409);
    t.clock.advance(3 * DAY);
    const late = await draw(u, id);
    expect(late.statusCode).toBe(410);
    expect((await draw(u, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });
});

describe('gifts', () => {
  it('go between friends only, from a holder, and earn the receiver a draw', async () => {
    const ops = await admin();
    const { id } = await createCampaign(ops, { drawsPerDay: 1 });
    const [giver, friend, stranger] = await Promise.all([user(), user(), user()]);
    await befriend(giver, friend);
    const got = (await draw(giver, id)).json().card as string;
    const missing = FIVE.find((c) => c.key !== got)!.key;

    const toStranger = await call('POST', `/api/v1/campaigns/${id}/gifts`, {
      user: giver,
      body: { toUserId: stranger.id, cardKey: got },
    });
    expect(toStranger.statusCode).toBe(403);
    const notHeld = await call('POST', `/api/v1/campaigns/${id}/gifts`, {
      user: giver,
      body: { toUserId: friend.id, cardKey: missing },
    });
    expect(notHeld.statusCode).toBe(409);

    expect((await draw(friend, id)).statusCode).toBe(201);
    expect((await mine(friend, id)).drawsLeftToday).toBe(0);
    const before = (await mine(friend, id)).cards[got]!;
    const gift = await call('POST', `/api/v1/campaigns/${id}/gifts`, {
      user: giver,
      body: { toUserId: friend.id, cardKey: got },
    });
    expect(gift.statusCode, gift.body).toBe(201);
    expect((await mine(giver, id)).cards[got]).toBe(0);
    const after = await mine(friend, id);
    expect(after.cards[got]).toBe(before + 1);
    expect(after.drawsLeftToday).toBe(1);
    expect((await t.services.campaigns.verify(id)).problems).toEqual([]);

    const unverified = await user({ verified: false });
    await befriend(giver, unverified);
    const { rows } = await t.services.db.query<{ card_key: string }>(
      'SELECT card_key FROM campaign_cards WHERE campaign_id = $1 AND user_id = $2 AND count > 0',
      [id, friend.id],
    );
    const toUnverified = await call('POST', `/api/v1/campaigns/${id}/gifts`, {
      user: friend,
      body: { toUserId: unverified.id, cardKey: rows[0]!.card_key },
    });
    expect(toUnverified.statusCode).toBe(403); // friend and unverified are not friends
    await befriend(friend, unverified);
    const refused = await call('POST', `/api/v1/campaigns/${id}/gifts`, {
      user: friend,
      body: { toUserId: unverified.id, cardKey: rows[0]!.card_key },
    });
    expect(refused.statusCode).toBe(409);
    expect((await mine(friend, id)).cards[rows[0]!.card_key]).toBeGreaterThan(0);
  });
});

describe('the draw', () => {
  it('splits the pool exactly over complete sets, pays through the ledger, once', async () => {
    const ops = await admin();
    const two = [
      { key: 'a', name: 'A', weight: 1 },
      { key: 'b', name: 'B', weight: 1 },
    ];
    const { id } = await createCampaign(ops, { cards: two, drawsPerDay: 20, poolAmount: 1001 });
    const players = await Promise.all([user(), user(), user(), user()]);
    for (const p of players.slice(0, 3)) {
      const headers = device();
      for (let i = 0; i < 6; i++) expect((await draw(p, id, headers)).statusCode).toBe(201);
    }
    const holdings = await Promise.all(players.map((p) => mine(p, id)));
    const sets = holdings.map((h) => Math.min(h.cards.a ?? 0, h.cards.b ?? 0));
    const totalSets = sets.reduce((a, b) => a + b, 0);
    const wallets = await Promise.all(players.map((p) => balance(p)));
    const platformBefore = await platformBalance();

    t.clock.advance(11 * DAY);
    const runs = await Promise.all([
      t.services.campaigns.runDueDraws(),
      t.services.campaigns.runDueDraws(),
    ]);
    expect(runs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await t.services.campaigns.runDueDraws()).toBe(0);

    const view = (await call('GET', `/api/v1/campaigns/${id}`, { user: players[0]! })).json();
    const share = Math.floor(1001 / totalSets);
    expect(view.result).toMatchObject({
      sets: totalSets,
      shareAmount: share,
      remainder: 1001 - share * totalSets,
      winners: sets.filter((s) => s > 0).length,
    });
    let paid = 0;
    for (const [i, p] of players.entries()) {
      const gained = (await balance(p)) - wallets[i]!;
      expect(gained).toBe(sets[i]! * share);
      paid += gained;
    }
    expect(paid + view.result.remainder).toBe(1001);
    // Other campaigns of this file fall due at the same time: this one's remainder leg alone.
    const [remainderLeg] = await t.services.ledger.transfers([
      transferIdFor('campaign.remainder', id),
    ]);
    expect(remainderLeg?.amount ?? 0n).toBe(BigInt(view.result.remainder));
    expect(await platformBalance()).toBeGreaterThanOrEqual(
      platformBefore + BigInt(view.result.remainder),
    );
    const escrow = await t.services.ledger.accountByCode(`campaign:${id}:escrow:CNY`);
    expect(escrow!.creditsPosted - escrow!.debitsPosted).toBe(0n);
    expect((await t.services.campaigns.verify(id)).ok).toBe(true);
  });
});
