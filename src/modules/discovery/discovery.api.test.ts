import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';

const t = await useTestApp();
const { call, user, befriend } = api(t);
const DAY = 86_400_000;

type Item = {
  kind: string;
  id: string;
  reasons: string[];
  distanceM?: number;
  post?: { text: string; location?: { lat: number; lng: number }; likeCount?: number };
};

async function post(
  u: TestUser,
  text: string,
  extra: Record<string, unknown> = { visibility: 'public' },
) {
  const res = await call('POST', '/api/v1/posts', { user: u, body: { text, ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; location?: { lat: number; lng: number } };
}

async function discover(u: TestUser, query: string): Promise<Item[]> {
  const res = await call('GET', `/api/v1/discover?${query}`, { user: u });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as Item[];
}

describe('discovery for a user with no friends', () => {
  it('ranks public posts by the user’s own interests and trusted voices, saying why', async () => {
    const voice = await user({ nickname: '骑行老张' });
    // A long record: the trusted voice has been a member for half a year (set-up, not under test).
    await t.services.db.query(`UPDATE users SET created_at = $2 WHERE id = $1`, [
      voice.id,
      new Date(t.clock.now().getTime() - 200 * DAY),
    ]);
    const fans = await Promise.all([user(), user(), user()]);
    await befriend(voice, ...fans);
    const voicePosts: string[] = [];
    for (const text of [
      '周末骑行去龙井 #骑行',
      '骑行装备推荐 #骑行',
      '西湖夜骑 #骑行',
      '雨天骑行注意安全 #骑行',
    ]) {
      const p = await post(voice, text);
      voicePosts.push(p.id);
      for (const f of fans) {
        expect(
          (await call('PUT', `/api/v1/posts/${p.id}/like`, { user: f })).statusCode,
        ).toBeLessThan(300);
      }
    }
    const stranger = await user();
    await post(stranger, '今天的晚饭 #美食');
    const hidden = await post(stranger, '只给朋友看 #骑行', { visibility: 'friends' });
    const secret = await post(stranger, '私密 #骑行', { visibility: 'private' });

    const loner = await user();
    await post(loner, '想学 #骑行', { visibility: 'private' });
    const items = await discover(loner, 'kind=posts');
    const ids = items.map((i) => i.id);
    expect(ids).not.toContain(hidden.id);
    expect(ids).not.toContain(secret.id);
    expect(ids.slice(0, 4).sort()).toEqual([...voicePosts].sort());
    for (const item of items.filter((i) => voicePosts.includes(i.id))) {
      expect(item.reasons).toContain('interest');
      expect(item.reasons).toContain('trusted_voice');
      expect(item.reasons).not.toContain('friend');
      // Like counts are for the author's friends only.
      expect(item.post!.likeCount).toBeUndefined();
    }
    expect(items.every((i) => i.reasons.length > 0)).toBe(true);

    // Reports upheld against the voice (content taken down) end the trust (set-up by SQL: the
    // review queue's own tests walk through deciding them).
    for (let i = 0; i < 3; i++) {
      await t.services.db.query(
        `INSERT INTO review_items (id, target_type, target_id, author_id, status, decision,
                                   created_at, updated_at, decided_at)
         VALUES (gen_random_uuid(), 'post', gen_random_uuid()::text, $1, 'closed', 'take_down',
                 now(), now(), now())`,
        [voice.id],
      );
    }
    const after = await discover(loner, 'kind=posts');
    for (const item of after.filter((i) => voicePosts.includes(i.id))) {
      expect(item.reasons).not.toContain('trusted_voice');
    }

    // A friend is one signal among several: it adds a reason, it does not replace the rest.
    await befriend(loner, stranger);
    const withFriend = await discover(loner, 'kind=posts');
    expect(withFriend.find((i) => i.id === hidden.id)?.reasons).toContain('friend');
  });

  it('ranks circles and merchants for a user with no friends, by interest and place', async () => {
    const run = Math.random().toString(36).slice(2, 6);
    const owner = await user();
    const made = await call('POST', '/api/v1/circles', {
      user: owner,
      body: { name: `骑行 ${run}`, description: '周末骑行', tags: [`骑行${run}`] },
    });
    expect(made.statusCode, made.body).toBe(201);
    // A loner whose only activity is a post about cycling.
    const u = await user();
    await post(u, `周末想去骑行 #骑行${run}`);
    const circles = await discover(u, 'kind=circles');
    const circle = circles.find((i) => i.id === made.json().id);
    expect(circle).toMatchObject({ kind: 'circle', circle: { name: `骑行 ${run}` } });
    expect(circle!.reasons).toContain('interest');

    // A shop a few hundred metres away, in a place nobody else is.
    const here = { lat: -45.87 + Math.random() / 100, lng: 170.5 };
    const shop = await call('POST', '/api/v1/merchants', {
      user: owner,
      body: {
        name: `小馆 ${run}`,
        category: 'food',
        address: '路',
        location: { lat: here.lat + 0.003, lng: here.lng },
      },
    });
    expect(shop.statusCode, shop.body).toBe(201);
    const merchants = await discover(u, `kind=merchants&near=${here.lat},${here.lng}`);
    const found = merchants.find((i) => i.id === shop.json().id);
    expect(found).toMatchObject({ kind: 'merchant', merchant: { name: `小馆 ${run}` } });
    expect(found!.reasons).toContain('nearby');
    expect(found!.distanceM).toBe(300);
  });

  it('refuses a malformed place or kind, and strangers', async () => {
    const u = await user();
    const bad = await call('GET', '/api/v1/discover?kind=posts&near=abc', { user: u });
    expect(bad.statusCode).toBe(422);
    expect((await call('GET', '/api/v1/discover?kind=people', { user: u })).statusCode).toBe(422);
    expect((await call('GET', '/api/v1/discover?kind=posts')).statusCode).toBe(401);
  });
});

describe('现场: posts near a place', () => {
  it('shows only posts shared nearby, places to about 100 m, nearest reasons first', async () => {
    const here = { lat: 30.259_624, lng: 120.215_531 }; // 西湖 (West Lake), Hangzhou
    const author = await user();
    const near = await post(author, '断桥残雪，人好多', {
      visibility: 'public',
      location: { lat: here.lat + 0.0031, lng: here.lng + 0.0012 },
    });
    expect(near.location).toEqual({ lat: 30.263, lng: 120.217 });
    const far = await post(author, '上海外滩', {
      visibility: 'public',
      location: { lat: 31.2397, lng: 121.4998 },
    });
    const unplaced = await post(author, '没有位置的帖子');

    const viewer = await user();
    const items = await discover(viewer, `kind=posts&near=${here.lat},${here.lng}`);
    const ids = items.map((i) => i.id);
    expect(ids).toContain(near.id);
    expect(ids).not.toContain(far.id);
    expect(ids).not.toContain(unplaced.id);
    const item = items.find((i) => i.id === near.id)!;
    expect(item.reasons).toContain('nearby');
    expect(item.post!.location).toEqual({ lat: 30.263, lng: 120.217 });
    expect(item.distanceM! % 100).toBe(0);
    expect(item.distanceM).toBeGreaterThan(0);

    const badPlace = await call('POST', '/api/v1/posts', {
      user: author,
      body: { text: 'x', location: { lat: 91, lng: 0 } },
    });
    expect(badPlace.statusCode).toBe(422);
  });
});
