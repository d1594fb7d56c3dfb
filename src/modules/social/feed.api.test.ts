import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TestUser } from '../../../test/support/app.ts';
import type { Visibility } from './privacy.ts';
import { socialApi, useSocialTestApp } from './testing.ts';

const t = await useSocialTestApp();
const { call, user, befriend, post, feedOf } = socialApi(t);
const feed = t.services.social.feed;

const pay = (from: TestUser, to: TestUser, note: string, visibility: Visibility = 'friends') =>
  feed.recordPayment({
    transferId: randomUUID(),
    fromUserId: from.id,
    toUserId: to.id,
    note,
    visibility,
    createdAt: t.clock.now(),
  });

const ids = async (viewer: TestUser) => (await feedOf(viewer)).items.map((i) => i.id);
const notes = async (viewer: TestUser) =>
  (await feedOf(viewer)).items.filter((i) => i.kind === 'payment').map((i) => i.note);

async function entriesOf(owner: TestUser): Promise<number> {
  const { rows } = await t.services.db.query(
    'SELECT count(*)::int AS n FROM feed_entries WHERE owner_id = $1',
    [owner.id],
  );
  return rows[0].n;
}

describe('payments in the feed', () => {
  it('show who paid whom and the note to both parties and their friends, never the amount', async () => {
    const payer = await user({ nickname: 'Payer', balance: 50_000 });
    const payee = await user({ nickname: 'Payee' });
    const payersFriend = await user();
    const payeesFriend = await user();
    const stranger = await user();
    await befriend(payer, payersFriend);
    await befriend(payeesFriend, payee);

    const sent = await call('POST', '/api/v1/transfers', {
      user: payer,
      body: { to: { userId: payee.id }, amount: 43_219, note: '火锅 🍲', visibility: 'public' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const transfer = sent.json();
    await feed.recordPayment({
      transferId: transfer.id as string,
      fromUserId: payer.id,
      toUserId: payee.id,
      note: transfer.note as string,
      visibility: 'public',
      createdAt: new Date(transfer.createdAt as string),
    });

    for (const viewer of [payer, payee, payersFriend, payeesFriend]) {
      const res = await call('GET', '/api/v1/feed', { user: viewer });
      expect(res.json().items).toEqual([
        {
          kind: 'payment',
          id: transfer.id,
          from: { userId: payer.id, nickname: 'Payer' },
          to: { userId: payee.id, nickname: 'Payee' },
          note: '火锅 🍲',
          visibility: 'public',
          createdAt: transfer.createdAt,
        },
      ]);
      expect(res.body).not.toMatch(/amount|43219|432\.19/i);
    }
    expect(await ids(stranger)).toEqual([]);
  });

  it('keep private payments to their two parties', async () => {
    const a = await user();
    const b = await user();
    const friend = await user();
    await befriend(a, friend);
    await befriend(b, friend);
    await pay(a, b, 'secret', 'private');
    expect(await notes(a)).toEqual(['secret']);
    expect(await notes(b)).toEqual(['secret']);
    expect(await notes(friend)).toEqual([]);
    expect(await entriesOf(friend)).toBe(0);
  });

  it('are recorded once however often the wallet reports a transfer', async () => {
    const a = await user();
    const b = await user();
    const payment = {
      transferId: randomUUID(),
      fromUserId: a.id,
      toUserId: b.id,
      note: 'once',
      visibility: 'friends' as const,
      createdAt: t.clock.now(),
    };
    expect(await feed.recordPayment(payment)).toEqual({ recorded: true });
    expect(await feed.recordPayment(payment)).toEqual({ recorded: false });
    expect(await notes(a)).toEqual(['once']);
    await expect(feed.recordPayment({ ...payment, toUserId: a.id })).rejects.toThrow();
  });

  it('skip readers who blocked (or are blocked by) either party', async () => {
    const a = await user();
    const b = await user();
    const friendOfA = await user();
    await befriend(a, friendOfA);
    await call('POST', '/api/v1/blocks', { user: b, body: { userId: friendOfA.id } });
    await pay(a, b, 'not for you');
    expect(await notes(friendOfA)).toEqual([]);
    expect(await entriesOf(friendOfA)).toBe(0);
  });
});

describe('posts in the feed', () => {
  it('show friends’ shared posts and my own, newest first, a page at a time', async () => {
    const me = await user();
    const friend = await user();
    const stranger = await user();
    await befriend(me, friend);
    const mine = await post(me, { text: 'mine' });
    const theirs = await post(friend, { text: 'theirs', visibility: 'public' });
    const privateOne = await post(friend, { text: 'private', visibility: 'private' });
    const strangers = await post(stranger, { text: 'stranger', visibility: 'public' });
    await pay(friend, stranger, 'lunch');

    const all = await feedOf(me);
    expect(all.items.map((i) => i.kind)).toEqual(['payment', 'post', 'post']);
    expect(all.items.slice(1).map((i) => i.id)).toEqual([theirs.id, mine.id]);
    expect(all.items[1]).toMatchObject({ text: 'theirs', likeCount: 0, commentCount: 0 });
    expect(await ids(friend)).toContain(privateOne.id);
    expect(await ids(me)).not.toContain(strangers.id);

    const page1 = await feedOf(me, '?limit=2');
    expect(page1.items).toHaveLength(2);
    const page2 = await feedOf(me, `?limit=2&cursor=${page1.nextCursor}`);
    expect(page2).toEqual({ items: [expect.objectContaining({ id: mine.id })], nextCursor: null });
  });

  it('never show an entry the reader may no longer see, even if one is left in the inbox', async () => {
    const me = await user();
    const stranger = await user();
    const hidden = await post(stranger, { text: 'friends only' });
    const { rows } = await t.services.db.query('SELECT seq FROM posts WHERE id = $1', [hidden.id]);
    await t.services.db.query(
      `INSERT INTO feed_entries (owner_id, seq, kind, item_id) VALUES ($1, $2, 'post', $3)`,
      [me.id, rows[0].seq, hidden.id],
    );
    expect(await ids(me)).toEqual([]);
  });

  it('lose a deleted post', async () => {
    const a = await user();
    const b = await user();
    await befriend(a, b);
    const p = await post(a, { text: 'oops' });
    expect(await ids(b)).toEqual([p.id]);
    expect((await call('DELETE', `/api/v1/posts/${p.id}`, { user: a })).statusCode).toBe(204);
    expect(await ids(b)).toEqual([]);
    expect(await entriesOf(b)).toBe(0);
  });
});

describe('friendship changes', () => {
  it('new friends get each other’s recent shared items (30 days, at most 50)', async () => {
    const a = await user();
    const b = await user();
    const c = await user();
    await befriend(a, c);
    const old = await post(a, { text: 'old' });
    await t.services.db.query(
      `UPDATE posts SET created_at = created_at - interval '31 days' WHERE id = $1`,
      [old.id],
    );
    const recent = await post(a, { text: 'recent' });
    await post(a, { text: 'just me', visibility: 'private' });
    await pay(c, a, 'from c');
    await pay(a, c, 'private', 'private');
    const fromB = await post(b, { text: 'hello' });

    await befriend(b, a);
    expect((await feedOf(b)).items.map((i) => i.id ?? i.note)).toEqual([
      fromB.id,
      expect.any(String),
      recent.id,
    ]);
    expect(await notes(b)).toEqual(['from c']);
    expect(await ids(a)).toContain(fromB.id);

    // Posts reach a new friend's inbox up to the cap; payments are pulled, all of them, in
    // order across pages, with no entries written for them.
    const many = await user();
    await t.services.db.query(
      `INSERT INTO posts (id, author_id, text, visibility, moderation_status, created_at)
       SELECT gen_random_uuid(), $1, 'p' || i, 'friends', 'visible', now() FROM generate_series(1, 55) i`,
      [many.id],
    );
    for (let i = 0; i < 55; i++) await pay(many, c, `n${i}`);
    const newFriend = await user();
    await befriend(newFriend, many);
    expect(await entriesOf(newFriend)).toBe(50);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await feedOf(newFriend, `?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.filter((i) => i.kind === 'payment').map((i) => i.note as string));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 55 }, (_, i) => `n${54 - i}`));
  });

  it('unfriending removes each one’s items from the other, but not what a common friend shares', async () => {
    const a = await user();
    const b = await user();
    const common = await user();
    await befriend(a, b);
    await befriend(b, common);
    await befriend(a, common);
    const byB = await post(b, { text: 'b' });
    await pay(b, common, 'b to common');
    await pay(b, await user(), 'b to someone');
    await pay(a, b, 'a to b');

    expect(await call('DELETE', `/api/v1/friends/${b.id}`, { user: a })).toMatchObject({
      statusCode: 204,
    });
    const left = await feedOf(a);
    expect(left.items.map((i) => i.id)).not.toContain(byB.id);
    // Still seen through the common friend, and a's own payment stays a's.
    expect(left.items.map((i) => i.note).filter(Boolean)).toEqual(['a to b', 'b to common']);
    expect((await feedOf(b)).items.map((i) => i.note).filter(Boolean)).toContain('a to b');

    // A new post by b no longer reaches a.
    const later = await post(b, { text: 'later' });
    expect(await ids(a)).not.toContain(later.id);
  });

  it('blocking removes every item of the other, including those shared through others', async () => {
    const a = await user();
    const b = await user();
    const common = await user();
    await befriend(a, b);
    await befriend(a, common);
    await befriend(b, common);
    await post(b, { text: 'b' });
    await pay(b, common, 'b to common');
    await pay(common, a, 'common to a');
    await post(a, { text: 'a' });
    await pay(a, b, 'a to b');

    await call('POST', '/api/v1/blocks', { user: a, body: { userId: b.id } });
    expect((await feedOf(a)).items.map((i) => i.note ?? i.text)).toEqual([
      'a to b',
      'a',
      'common to a',
    ]);
    expect((await feedOf(b)).items.map((i) => i.note ?? i.text)).toEqual([
      'a to b',
      'b to common',
      'b',
    ]);
    await pay(common, b, 'after the block');
    expect(await notes(a)).not.toContain('after the block');
  });
});

describe('the API description', () => {
  it('documents the social endpoints, with no amount in a feed item', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, Record<string, unknown>> };
    for (const route of ['/api/v1/feed', '/api/v1/friends/requests', '/api/v1/media/{id}']) {
      expect(Object.keys(doc.paths)).toContain(route);
    }
    const feedSchema = JSON.stringify(doc.paths['/api/v1/feed']);
    expect(feedSchema).toContain('"payment"');
    expect(feedSchema).not.toContain('"amount"');
  });
});
