import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFriendQrToken } from './qr-token.ts';
import { socialApi, useSocialTestApp } from './testing.ts';

const t = await useSocialTestApp();
const { call, user, befriend, notificationsOf } = socialApi(t);

const request = (from: Awaited<ReturnType<typeof user>>, body: Record<string, unknown>) =>
  call('POST', '/api/v1/friends/requests', { user: from, body });

describe('friend requests', () => {
  it('by user id: the addressee sees it with the sender’s nickname, is notified, and accepts', async () => {
    const a = await user({ nickname: 'Alice' });
    const b = await user({ nickname: 'Bob' });
    const sent = await request(a, { userId: b.id, message: '我是Alice' });
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).toEqual({ id: expect.any(String), status: 'pending' });

    const incoming = await call('GET', '/api/v1/friends/requests', { user: b });
    expect(incoming.json()).toEqual({
      items: [
        {
          id: sent.json().id,
          from: { userId: a.id, nickname: 'Alice' },
          message: '我是Alice',
          createdAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
    const outgoing = await call('GET', '/api/v1/friends/requests/sent', { user: a });
    expect(outgoing.json().items).toMatchObject([{ id: sent.json().id, to: { userId: b.id } }]);
    expect(await notificationsOf(b)).toContainEqual({
      kind: 'friend.request',
      data: expect.objectContaining({ requestId: sent.json().id, fromUserId: a.id }),
    });

    const accepted = await call('POST', `/api/v1/friends/requests/${sent.json().id}/accept`, {
      user: b,
    });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({ id: sent.json().id, status: 'accepted' });
    expect(await notificationsOf(a)).toContainEqual({
      kind: 'friend.accepted',
      data: expect.objectContaining({ userId: b.id, nickname: 'Bob' }),
    });
    for (const [me, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const list = await call('GET', '/api/v1/friends', { user: me });
      expect(list.json().items).toEqual([
        { userId: other.id, nickname: expect.any(String), since: expect.any(String) },
      ]);
    }
    expect((await call('GET', '/api/v1/friends/requests', { user: b })).json().items).toEqual([]);
  });

  it('by phone, only when the target lets people find them by phone', async () => {
    const a = await user();
    const b = await user();
    const hidden = await call('PATCH', '/api/v1/me/privacy', {
      user: b,
      body: { findableByPhone: false },
    });
    expect(hidden.json()).toEqual({ findableByPhone: false, defaultPaymentVisibility: 'friends' });
    const refused = await request(a, { phone: b.phone });
    const unknown = await request(a, { phone: '13900000001' });
    expect(refused.statusCode).toBe(404);
    // Indistinguishable from a number nobody registered.
    expect(refused.json().detail).toBe(unknown.json().detail);

    await call('PATCH', '/api/v1/me/privacy', { user: b, body: { findableByPhone: true } });
    const found = await request(a, { phone: b.phone });
    expect(found.statusCode).toBe(201);
  });

  it('by QR code: a fresh code works even for users hidden from phone search', async () => {
    const a = await user();
    const b = await user();
    await call('PATCH', '/api/v1/me/privacy', { user: b, body: { findableByPhone: false } });
    const qr = await call('GET', '/api/v1/friends/qr', { user: b });
    expect(qr.statusCode).toBe(200);
    const { token, expiresAt, qrSvg } = qr.json() as {
      token: string;
      expiresAt: string;
      qrSvg: string;
    };
    expect(qrSvg).toMatch(/^<svg /);
    expect(new Date(expiresAt).getTime() - t.clock.now().getTime()).toBe(24 * 3_600_000);
    expect((await request(a, { qrToken: token })).statusCode).toBe(201);

    const c = await user();
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await request(c, { qrToken: forged })).json().code).toBe('validation_error');
    const otherKey = createFriendQrToken(
      'another-secret-another-secret-0000',
      b.id,
      new Date(Date.now() + 3_600_000),
    );
    expect((await request(c, { qrToken: otherKey })).statusCode).toBe(422);
    t.clock.advance(24 * 3_600_000 + 1000);
    const late = await request(c, { qrToken: token });
    expect(late.statusCode).toBe(410);
    expect(late.json().code).toBe('expired');
  });

  it('refuses yourself (422), friends (409), unknown or malformed ids (404), and not exactly one target', async () => {
    const a = await user();
    const b = await user();
    expect((await request(a, { userId: a.id })).statusCode).toBe(422);
    expect((await request(a, { phone: a.phone })).statusCode).toBe(422);
    await befriend(a, b);
    const again = await request(a, { userId: b.id });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
    expect((await request(a, { userId: randomUUID() })).statusCode).toBe(404);
    expect((await request(a, { userId: 'not-a-uuid' })).statusCode).toBe(404);
    expect((await request(a, { userId: b.id, phone: b.phone })).statusCode).toBe(422);
    expect((await request(a, {})).statusCode).toBe(422);
    expect((await request(a, { userId: b.id, extra: 1 })).statusCode).toBe(422);
  });

  it('a repeat returns the pending request; asking back accepts it', async () => {
    const a = await user();
    const b = await user();
    const first = await request(a, { userId: b.id });
    const repeat = await request(a, { userId: b.id });
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toEqual({ id: first.json().id, status: 'pending' });
    const mutual = await request(b, { userId: a.id });
    expect(mutual.statusCode).toBe(200);
    expect(mutual.json()).toEqual({ id: first.json().id, status: 'accepted' });
    const friends = await call('GET', '/api/v1/friends', { user: a });
    expect(friends.json().items.map((f: { userId: string }) => f.userId)).toEqual([b.id]);
  });

  it('crossed requests sent at the same moment make one friendship', async () => {
    const a = await user();
    const b = await user();
    const [ab, ba] = await Promise.all([
      request(a, { userId: b.id }),
      request(b, { userId: a.id }),
    ]);
    expect([ab.json().status, ba.json().status].sort()).toEqual(['accepted', 'pending']);
    const { rows } = await t.services.db.query(
      `SELECT count(*)::int AS n FROM friendships WHERE user_id = ANY($1::uuid[])`,
      [[a.id, b.id]],
    );
    expect(rows[0].n).toBe(2);
    const open = await t.services.db.query(
      `SELECT count(*)::int AS n FROM friend_requests WHERE status = 'pending' AND from_user_id = ANY($1::uuid[])`,
      [[a.id, b.id]],
    );
    expect(open.rows[0].n).toBe(0);
  });

  it('only the addressee can answer; others get 404', async () => {
    const a = await user();
    const b = await user();
    const stranger = await user();
    const { id } = (await request(a, { userId: b.id })).json();
    for (const who of [a, stranger]) {
      for (const answer of ['accept', 'decline']) {
        const res = await call('POST', `/api/v1/friends/requests/${id}/${answer}`, { user: who });
        expect(res.statusCode).toBe(404);
      }
    }
    expect(
      (await call('POST', `/api/v1/friends/requests/${randomUUID()}/accept`, { user: b }))
        .statusCode,
    ).toBe(404);
    const declined = await call('POST', `/api/v1/friends/requests/${id}/decline`, { user: b });
    expect(declined.json()).toEqual({ id, status: 'declined' });
    expect(
      (await call('POST', `/api/v1/friends/requests/${id}/decline`, { user: b })).statusCode,
    ).toBe(200);
    const late = await call('POST', `/api/v1/friends/requests/${id}/accept`, { user: b });
    expect(late.statusCode).toBe(409);
    expect((await call('GET', '/api/v1/friends', { user: a })).json().items).toEqual([]);
    // Declines are silent.
    expect((await notificationsOf(a)).map((n) => n.kind)).not.toContain('friend.accepted');
  });

  it('lists friends newest first, a page at a time', async () => {
    const me = await user();
    const others = [await user(), await user(), await user()];
    for (const o of others) {
      await befriend(me, o);
      t.clock.advance(1000);
    }
    const first = await call('GET', '/api/v1/friends?limit=2', { user: me });
    expect(first.json().items.map((f: { userId: string }) => f.userId)).toEqual([
      others[2]!.id,
      others[1]!.id,
    ]);
    const second = await call('GET', `/api/v1/friends?limit=2&cursor=${first.json().nextCursor}`, {
      user: me,
    });
    expect(second.json()).toEqual({
      items: [expect.objectContaining({ userId: others[0]!.id })],
      nextCursor: null,
    });
    expect((await call('GET', '/api/v1/friends?cursor=bm9wZQ', { user: me })).json().code).toBe(
      'validation_error',
    );
  });

  it('unfriending ends it both ways; a second time is 404', async () => {
    const a = await user();
    const b = await user();
    await befriend(a, b);
    expect((await call('DELETE', `/api/v1/friends/${b.id}`, { user: a })).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/friends', { user: b })).json().items).toEqual([]);
    expect((await call('DELETE', `/api/v1/friends/${b.id}`, { user: a })).statusCode).toBe(404);
    expect((await call('DELETE', '/api/v1/friends/nope', { user: a })).statusCode).toBe(404);
    // Friends again after a new request.
    await befriend(b, a);
  });
});

describe('user profiles', () => {
  it('show the nickname and where the caller stands; blocked or unknown users are 404', async () => {
    const [a, b, c, d] = await Promise.all([
      user({ nickname: 'Ann' }),
      user({ nickname: 'Ben' }),
      user({ nickname: 'Cat' }),
      user({ nickname: 'Dan' }),
    ]);
    await befriend(a, b);
    expect((await request(a, { userId: c.id })).statusCode).toBe(201);
    const profile = async (viewer: typeof a, id: string) =>
      call('GET', `/api/v1/users/${id}`, { user: viewer });
    expect((await profile(a, a.id)).json()).toEqual({
      id: a.id,
      nickname: 'Ann',
      relation: 'self',
    });
    expect((await profile(a, b.id)).json()).toMatchObject({ nickname: 'Ben', relation: 'friend' });
    expect((await profile(a, c.id)).json()).toMatchObject({ relation: 'request_sent' });
    expect((await profile(c, a.id)).json()).toMatchObject({ relation: 'request_received' });
    expect((await profile(a, d.id)).json()).toMatchObject({ nickname: 'Dan', relation: 'none' });
    expect(
      (await call('POST', '/api/v1/blocks', { user: d, body: { userId: a.id } })).statusCode,
    ).toBe(201);
    expect((await profile(a, d.id)).statusCode).toBe(404);
    expect((await profile(d, a.id)).statusCode).toBe(404);
    expect((await profile(a, randomUUID())).statusCode).toBe(404);
    expect((await profile(a, 'not-an-id')).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/users/${a.id}`)).statusCode).toBe(401);
  });
});

describe('blocks', () => {
  it('end the friendship and open requests, and stop requests, phone search and money both ways', async () => {
    const a = await user({ balance: 10_000 });
    const b = await user({ balance: 10_000 });
    await befriend(a, b);
    const c = await user();
    await request(c, { userId: a.id });

    const blocked = await call('POST', '/api/v1/blocks', { user: a, body: { userId: b.id } });
    expect(blocked.statusCode).toBe(201);
    expect(blocked.json()).toMatchObject({ userId: b.id });
    t.clock.advance(1000);
    await call('POST', '/api/v1/blocks', { user: a, body: { userId: c.id } });
    expect((await call('GET', '/api/v1/friends', { user: a })).json().items).toEqual([]);
    expect((await call('GET', '/api/v1/friends', { user: b })).json().items).toEqual([]);
    expect((await call('GET', '/api/v1/friends/requests', { user: a })).json().items).toEqual([]);
    expect((await call('GET', '/api/v1/friends/requests/sent', { user: c })).json().items).toEqual(
      [],
    );

    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const req = await request(from, { userId: to.id });
      expect(req.statusCode).toBe(403);
      expect(req.json().code).toBe('blocked');
      expect((await request(from, { phone: to.phone })).statusCode).toBe(404);
      const money = await call('POST', '/api/v1/transfers', {
        user: from,
        body: { to: { userId: to.id }, amount: 100 },
      });
      expect(money.statusCode).toBe(403);
      expect(money.json().code).toBe('blocked');
    }

    const list = await call('GET', '/api/v1/blocks', { user: a });
    expect(list.json().items.map((x: { userId: string }) => x.userId)).toEqual([c.id, b.id]);
    expect((await call('GET', '/api/v1/blocks', { user: b })).json().items).toEqual([]);
  });

  it('can be lifted (idempotently); the friendship does not come back', async () => {
    const a = await user();
    const b = await user();
    await befriend(a, b);
    await call('POST', '/api/v1/blocks', { user: b, body: { userId: a.id } });
    expect((await call('DELETE', `/api/v1/blocks/${a.id}`, { user: b })).statusCode).toBe(204);
    expect((await call('DELETE', `/api/v1/blocks/${a.id}`, { user: b })).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/friends', { user: a })).json().items).toEqual([]);
    expect((await request(a, { userId: b.id })).statusCode).toBe(201);
  });

  it('refuses blocking yourself or nobody', async () => {
    const a = await user();
    expect(
      (await call('POST', '/api/v1/blocks', { user: a, body: { userId: a.id } })).statusCode,
    ).toBe(422);
    expect(
      (await call('POST', '/api/v1/blocks', { user: a, body: { userId: randomUUID() } }))
        .statusCode,
    ).toBe(404);
  });
});

describe('privacy settings', () => {
  it('start at the defaults, change field by field, and give the wallet its default visibility', async () => {
    const a = await user();
    expect((await call('GET', '/api/v1/me/privacy', { user: a })).json()).toEqual({
      findableByPhone: true,
      defaultPaymentVisibility: 'friends',
    });
    const changed = await call('PATCH', '/api/v1/me/privacy', {
      user: a,
      body: { defaultPaymentVisibility: 'private' },
    });
    expect(changed.json()).toEqual({ findableByPhone: true, defaultPaymentVisibility: 'private' });
    expect(await t.services.social.privacy.defaultPaymentVisibility(a.id)).toBe('private');
    for (const body of [{}, { defaultPaymentVisibility: 'everyone' }, { other: true }]) {
      expect((await call('PATCH', '/api/v1/me/privacy', { user: a, body })).statusCode).toBe(422);
    }
  });

  it('need a signed-in user', async () => {
    expect((await call('GET', '/api/v1/me/privacy')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/friends')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/feed')).statusCode).toBe(401);
  });
});
