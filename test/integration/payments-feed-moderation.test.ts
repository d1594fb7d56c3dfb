import { describe, expect, it } from 'vitest';
import { timeFromCursor } from '../../src/platform/cursor.ts';
import { api, freshPhone, type TestUser, useTestApp } from '../support/app.ts';

/** Where the wallet meets the social layer and moderation: notes, nicknames, greetings, the feed. */
const t = await useTestApp();
const { call, user, balance } = api(t);

async function befriend(a: TestUser, b: TestUser) {
  const req = await call('POST', '/api/v1/friends/requests', { user: a, body: { userId: b.id } });
  expect(req.statusCode, req.body).toBe(201);
  const accept = await call('POST', `/api/v1/friends/requests/${req.json().id}/accept`, {
    user: b,
  });
  expect(accept.statusCode, accept.body).toBe(200);
}

describe('payments in the feed', () => {
  it("shows a friend's payment with its note but never the amount; private ones stay private", async () => {
    const a = await user({ balance: 10_000, nickname: '阿明' });
    const b = await user({ nickname: '小红' });
    const friendOfA = await user();
    const stranger = await user();
    await befriend(a, friendOfA);
    expect(
      (
        await call('POST', '/api/v1/transfers', {
          user: a,
          body: { to: { userId: b.id }, amount: 1_234, note: '奶茶 🧋' },
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await call('POST', '/api/v1/transfers', {
          user: a,
          body: { to: { userId: b.id }, amount: 99, note: 'secret', visibility: 'private' },
        })
      ).statusCode,
    ).toBe(201);
    const feed = await call('GET', '/api/v1/feed', { user: friendOfA });
    const payments = (feed.json().items as { kind: string; note: string | null }[]).filter(
      (i) => i.kind === 'payment',
    );
    expect(payments.map((p) => p.note)).toEqual(['奶茶 🧋']);
    expect(JSON.stringify(payments)).not.toContain('1234');
    expect(payments[0]).not.toHaveProperty('amount');
    expect((await call('GET', '/api/v1/feed', { user: stranger })).json().items).toEqual([]);
  });

  it('uses the payer’s default visibility when a transfer names none', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const friendOfA = await user();
    await befriend(a, friendOfA);
    await call('PATCH', '/api/v1/me/privacy', {
      user: a,
      body: { defaultPaymentVisibility: 'private' },
    });
    const res = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount: 10, note: 'rent' },
    });
    expect(res.json().visibility).toBe('private');
    expect((await call('GET', '/api/v1/feed', { user: friendOfA })).json().items).toEqual([]);
  });
});

describe('moderation on money-moment text', () => {
  it('refuses a gambling-spam note with the category only, and moves nothing', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const res = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount: 100, note: '澳門博彩 加微信 abc12345 日赚千元' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('content_rejected');
    expect(res.json().categories.length).toBeGreaterThan(0);
    expect(res.body).not.toContain('博彩');
    expect(await balance(a)).toBe(1_000);
    const admin = await t.services.moderation.queue({ limit: 5 });
    expect(admin.items.some((d) => d.context === 'note' && d.action === 'reject')).toBe(true);
    // A page at a time, by (time, id): decisions made in the same instant are not skipped.
    const again = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount: 100, note: '澳門博彩 加微信 abc12345 日赚千元' },
    });
    expect(again.statusCode).toBe(422);
    const first = await t.services.moderation.queue({ limit: 1 });
    const after = timeFromCursor(first.nextCursor ?? undefined);
    const second = await t.services.moderation.queue({ limit: 1, ...(after ? { after } : {}) });
    expect(first.nextCursor).not.toBeNull();
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.id).not.toBe(first.items[0]!.id);
  });

  it('lets an ordinary note that looks like spam through', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const res = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount: 100, note: '周末和家人打麻将的饭钱' },
    });
    expect(res.statusCode).toBe(201);
  });

  it('refuses an advertising nickname at registration', async () => {
    const res = await call('POST', '/api/v1/auth/register', {
      body: { phone: freshPhone(), password: 'long enough', nickname: '加V:dz8888 代刷单' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('content_rejected');
  });

  it('refuses a spam greeting on a red envelope and debits nothing', async () => {
    const a = await user({ balance: 5_000 });
    const b = await user();
    const res = await call('POST', '/api/v1/red-packets', {
      user: a,
      body: {
        kind: 'fixed',
        count: 1,
        amountEach: 100,
        to: { userId: b.id },
        greeting: '网上赌场 百家乐 充值送彩金 加QQ 12345678',
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('content_rejected');
    expect(await balance(a)).toBe(5_000);
  });

  it('logs each decision on a post, a comment and a request message with its author', async () => {
    const a = await user();
    const b = await user();
    const post = await call('POST', '/api/v1/posts', { user: a, body: { text: '娱乐城' } });
    expect(post.statusCode, post.body).toBe(201);
    const comment = await call('POST', `/api/v1/posts/${post.json().id}/comments`, {
      user: a,
      body: { text: '娱乐城' },
    });
    expect(comment.statusCode, comment.body).toBe(201);
    const request = await call('POST', '/api/v1/friends/requests', {
      user: b,
      body: { userId: a.id, message: '娱乐城' },
    });
    expect(request.statusCode, request.body).toBe(201);
    const { rows } = await t.services.db.query(
      `SELECT context, user_id FROM moderation_decisions WHERE user_id = ANY($1::uuid[])
        ORDER BY created_at, context`,
      [[a.id, b.id]],
    );
    expect(rows.map((r) => [r.context, r.user_id]).sort()).toEqual(
      [
        ['comment', a.id],
        ['greeting', b.id],
        ['post', a.id],
      ].sort(),
    );
  });
});
