import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { testDatabaseUrl } from '../../../test/support/db.ts';
import { directConversationId, MESSAGE_CHANNEL } from './store.ts';

const t = await useTestApp();
const { call, user, balance, befriend } = api(t);
const db = t.services.db;

type Json = Record<string, unknown>;

const open = (u: TestUser, userId: string) =>
  call('POST', '/api/v1/conversations', { user: u, body: { userId } });
const list = async (u: TestUser, query = '') => {
  const res = await call('GET', `/api/v1/conversations${query}`, { user: u });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: Json[]; nextCursor: string | null };
};
const messagesOf = (u: TestUser, id: string, query = '') =>
  call('GET', `/api/v1/conversations/${id}/messages${query}`, { user: u });
const items = async (u: TestUser, id: string) => {
  const res = await messagesOf(u, id, '?limit=100');
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as Json[];
};
const say = (u: TestUser, id: string, text: string) =>
  call('POST', `/api/v1/conversations/${id}/messages`, { user: u, body: { text } });
const unreadOf = async (u: TestUser, id: string) =>
  (await list(u, '?limit=100')).items.find((c) => c.id === id)?.unread;

/** Messages written for a money moment (by ref), however many the database holds. */
async function momentsFor(refId: string): Promise<{ conversation_id: string; kind: string }[]> {
  const { rows } = await db.query(
    'SELECT conversation_id, kind FROM conversation_messages WHERE ref_id = $1',
    [refId],
  );
  return rows;
}

async function friends(opts: { balance?: number } = {}) {
  const a = await user({ balance: opts.balance ?? 0, nickname: 'Ann' });
  const b = await user({ nickname: 'Bo' });
  await befriend(a, b);
  return { a, b };
}

async function groupOf(owner: TestUser, members: TestUser[]): Promise<string> {
  await befriend(owner, ...members);
  const res = await call('POST', '/api/v1/groups', {
    user: owner,
    body: { name: '周末饭局', memberIds: members.map((m) => m.id) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

describe('direct conversations', () => {
  it('opens one between friends (201), then answers with the same one (200)', async () => {
    const { a, b } = await friends();
    const first = await open(a, b.id);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      kind: 'direct',
      peer: { userId: b.id, nickname: 'Bo' },
      lastMessage: null,
      unread: 0,
    });
    const again = await open(b, a.id);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    expect(again.json().peer).toEqual({ userId: a.id, nickname: 'Ann' });
  });

  it('refuses strangers (403), oneself (422), nobody (404), and a blocked pair (403 blocked)', async () => {
    const a = await user();
    const stranger = await user();
    const refused = await open(a, stranger.id);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
    expect((await open(a, a.id)).statusCode).toBe(422);
    expect((await open(a, randomUUID())).statusCode).toBe(404);
    expect((await open(a, 'nope')).statusCode).toBe(404);
    const { rows } = await db.query('SELECT 1 FROM conversations WHERE id = $1', [
      directConversationId(a.id, stranger.id),
    ]);
    expect(rows).toEqual([]);

    const { a: c, b: d } = await friends();
    await call('POST', '/api/v1/blocks', { user: d, body: { userId: c.id } });
    const blocked = await open(c, d.id);
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('blocked');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/api/v1/conversations',
      '/api/v1/conversations/{id}/messages',
      '/api/v1/conversations/{id}/read',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it('rejects unknown fields and asks for a session', async () => {
    const { a, b } = await friends();
    const extra = await call('POST', '/api/v1/conversations', {
      user: a,
      body: { userId: b.id, title: 'x' },
    });
    expect(extra.statusCode).toBe(422);
    expect((await call('GET', '/api/v1/conversations')).statusCode).toBe(401);
  });
});

describe('text messages', () => {
  it('reach the other member, newest first, a page at a time', async () => {
    const { a, b } = await friends();
    const id = (await open(a, b.id)).json().id as string;
    for (const text of ['你好', '今晚吃火锅吗？', '🍲 7 点']) {
      const sent = await say(a, id, text);
      expect(sent.statusCode, sent.body).toBe(201);
      expect(sent.json()).toMatchObject({ kind: 'text', text, senderId: a.id, conversationId: id });
    }
    const reply = await say(b, id, '好呀');
    expect(reply.statusCode).toBe(201);
    const firstPage = await messagesOf(b, id, '?limit=2');
    expect(firstPage.json().items.map((m: Json) => m.text)).toEqual(['好呀', '🍲 7 点']);
    const next = await messagesOf(b, id, `?limit=2&cursor=${firstPage.json().nextCursor}`);
    expect(next.json().items.map((m: Json) => m.text)).toEqual(['今晚吃火锅吗？', '你好']);
    expect(next.json().nextCursor).toBeNull();
    expect((await list(a)).items[0]).toMatchObject({ id, lastMessage: { text: '好呀' } });
  });

  it('are refused by moderation like posts, or held out of the thread until reviewed', async () => {
    const { a, b } = await friends();
    const id = (await open(a, b.id)).json().id as string;
    const spam = await say(a, id, '澳門博彩 加微信 abc12345 日赚千元');
    expect(spam.statusCode).toBe(422);
    expect(spam.json().code).toBe('content_rejected');
    expect(spam.body).not.toContain('博彩');
    expect(await items(a, id)).toEqual([]);

    const doubtful = await say(a, id, '娱乐城');
    expect(doubtful.statusCode, doubtful.body).toBe(201);
    expect(doubtful.json().held).toBe(true);
    // Only its sender sees it; the other member neither sees nor counts it.
    expect((await items(a, id)).map((m) => m.text)).toEqual(['娱乐城']);
    expect(await items(b, id)).toEqual([]);
    expect(await unreadOf(b, id)).toBe(0);
    const { rows } = await db.query(
      `SELECT action FROM moderation_decisions WHERE user_id = $1 AND context = 'message'`,
      [a.id],
    );
    expect(rows.map((r) => r.action).sort()).toEqual(['reject', 'review']);

    // The review queue's hooks: content and author by id; publish; take down.
    const messageId = doubtful.json().id as string;
    expect(await t.services.conversations.messageForReview(messageId)).toMatchObject({
      authorId: a.id,
      content: '娱乐城',
      status: 'held',
    });
    expect((await t.services.conversations.held(1000)).some((m) => m.id === messageId)).toBe(true);
    expect(await t.services.conversations.publishHeld(messageId)).toBe(true);
    expect((await items(b, id)).map((m) => m.text)).toEqual(['娱乐城']);
    expect(await unreadOf(b, id)).toBe(1);
    expect(await t.services.conversations.takeDown(messageId)).toBe(true);
    expect(await items(b, id)).toEqual([]);
    expect(await items(a, id)).toEqual([]);
    expect(await t.services.conversations.takeDown(messageId)).toBe(false);
    expect(await t.services.conversations.messageForReview(randomUUID())).toBeUndefined();
  });

  it('are refused between blocked users (403 blocked) and after unfriending (403)', async () => {
    const { a, b } = await friends();
    const id = (await open(a, b.id)).json().id as string;
    await call('POST', '/api/v1/blocks', { user: b, body: { userId: a.id } });
    const res = await say(a, id, 'hello?');
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('blocked');
    expect((await say(b, id, 'no')).json().code).toBe('blocked');

    const { a: c, b: d } = await friends();
    const cd = (await open(c, d.id)).json().id as string;
    expect((await call('DELETE', `/api/v1/friends/${d.id}`, { user: c })).statusCode).toBe(204);
    const gone = await say(c, cd, 'still there?');
    expect(gone.statusCode).toBe(403);
    expect(gone.json().code).toBe('forbidden');
    // The history stays readable for both.
    expect((await messagesOf(d, cd)).statusCode).toBe(200);
  });

  it('validates the text: empty, too long, unknown fields', async () => {
    const { a, b } = await friends();
    const id = (await open(a, b.id)).json().id as string;
    expect((await say(a, id, '')).statusCode).toBe(422);
    expect((await say(a, id, '   ')).statusCode).toBe(422);
    expect((await say(a, id, 'x'.repeat(2001))).statusCode).toBe(422);
    const extra = await call('POST', `/api/v1/conversations/${id}/messages`, {
      user: a,
      body: { text: 'hi', kind: 'transfer' },
    });
    expect(extra.statusCode).toBe(422);
    expect(await items(a, id)).toEqual([]);
  });
});

describe('members only', () => {
  it('answers 404 to anyone outside, for reading, writing and marking read', async () => {
    const { a, b } = await friends();
    const outsider = await user();
    const id = (await open(a, b.id)).json().id as string;
    await say(a, id, 'private');
    for (const [method, url, body] of [
      ['GET', `/api/v1/conversations/${id}/messages`],
      ['POST', `/api/v1/conversations/${id}/messages`, { text: 'hi' }],
      ['POST', `/api/v1/conversations/${id}/read`],
      ['GET', `/api/v1/conversations/${randomUUID()}/messages`],
      ['GET', '/api/v1/conversations/nope/messages'],
    ] as const) {
      const res = await call(method, url, { user: outsider, ...(body ? { body } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    expect((await list(outsider)).items).toEqual([]);
  });

  it('gives every group a conversation; a member who left can no longer read it', async () => {
    const owner = await user();
    const m = await user();
    const groupId = await groupOf(owner, [m]);
    const conv = (await list(m)).items.find((c) => c.groupId === groupId);
    expect(conv).toMatchObject({ id: groupId, kind: 'group', groupName: '周末饭局', unread: 0 });
    expect((await say(m, groupId, '大家好')).statusCode).toBe(201);
    expect((await items(owner, groupId)).map((x) => x.text)).toEqual(['大家好']);
    const left = await call('DELETE', `/api/v1/groups/${groupId}/members/${m.id}`, { user: m });
    expect(left.statusCode, left.body).toBe(204);
    expect((await messagesOf(m, groupId)).statusCode).toBe(404);
    expect((await say(m, groupId, 'bye')).statusCode).toBe(404);
    expect((await list(m)).items.some((c) => c.id === groupId)).toBe(false);
  });
});

describe('unread counts and the list', () => {
  it('counts the others’ messages after the last read, newest conversation first', async () => {
    const a = await user();
    const b = await user();
    const c = await user();
    await befriend(a, b, c);
    const ab = (await open(a, b.id)).json().id as string;
    const ac = (await open(a, c.id)).json().id as string;
    await say(b, ab, 'one');
    await say(b, ab, 'two');
    await say(a, ab, 'mine does not count');
    await say(c, ac, 'later');
    const page = await list(a);
    expect(page.items.map((i) => i.id).slice(0, 2)).toEqual([ac, ab]);
    expect(page.items[1]).toMatchObject({
      unread: 2,
      lastMessage: { text: 'mine does not count' },
    });
    expect(page.items[0]).toMatchObject({ unread: 1 });
    expect(await unreadOf(b, ab)).toBe(1);

    const read = await call('POST', `/api/v1/conversations/${ab}/read`, { user: a });
    expect(read.statusCode).toBe(204);
    expect(await unreadOf(a, ab)).toBe(0);
    expect(await unreadOf(a, ac)).toBe(1);
    await say(b, ab, 'three');
    expect(await unreadOf(a, ab)).toBe(1);

    // Paging: one at a time, each conversation once.
    const first = await list(a, '?limit=1');
    expect(first.items.map((i) => i.id)).toEqual([ab]);
    const second = await list(a, `?limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.id)).toEqual([ac]);
    expect((await call('GET', '/api/v1/conversations?cursor=@@', { user: a })).statusCode).toBe(
      422,
    );
  });
});

describe('money moments', () => {
  it('a transfer between friends appears once in their thread, also when retried with its key', async () => {
    const { a, b } = await friends({ balance: 10_000 });
    const body = { to: { userId: b.id }, amount: 1_234, note: '奶茶' };
    const headers = { 'idempotency-key': 'conv-transfer-1' };
    const first = await call('POST', '/api/v1/transfers', { user: a, body, headers });
    expect(first.statusCode, first.body).toBe(201);
    const again = await call('POST', '/api/v1/transfers', { user: a, body, headers });
    expect(again.json().id).toBe(first.json().id);
    const id = directConversationId(a.id, b.id);
    const thread = await items(b, id);
    expect(thread).toHaveLength(1);
    expect(thread[0]).toMatchObject({
      kind: 'transfer',
      refId: first.json().id,
      senderId: a.id,
      data: { amount: 1_234, currency: 'CNY', note: '奶茶', toUserId: b.id },
    });
    expect(await momentsFor(first.json().id)).toHaveLength(1);
    expect(await unreadOf(b, id)).toBe(1);
    expect(await balance(b)).toBe(1_234);
  });

  it('a transfer to someone who stopped being a friend writes no message', async () => {
    const { a, b } = await friends({ balance: 1_000 });
    await call('DELETE', `/api/v1/friends/${b.id}`, { user: a });
    const paid = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount: 10 },
    });
    expect(paid.statusCode, paid.body).toBe(201);
    expect(await momentsFor(paid.json().id)).toEqual([]);
  });

  it('a refused transfer writes no message, and strangers get no conversation', async () => {
    const { a, b } = await friends({ balance: 100 });
    const broke = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount: 5_000 },
    });
    expect(broke.statusCode).toBe(409);
    const { rows } = await db.query(
      'SELECT count(*)::int AS n FROM conversation_messages WHERE conversation_id = $1',
      [directConversationId(a.id, b.id)],
    );
    expect(rows[0].n).toBe(0);

    const stranger = await user();
    const paid = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: stranger.id }, amount: 50 },
    });
    expect(paid.statusCode).toBe(201);
    expect(await momentsFor(paid.json().id)).toEqual([]);
    expect((await list(stranger)).items).toEqual([]);
  });

  it('a transfer that waits for acceptance appears when it is accepted, not before', async () => {
    const { a, b } = await friends({ balance: 1_000 });
    const sent = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount: 300, requireAcceptance: true },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const transferId = sent.json().id as string;
    expect(await momentsFor(transferId)).toEqual([]);
    const accepted = await call('POST', `/api/v1/transfers/${transferId}/accept`, { user: b });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect((await items(a, directConversationId(a.id, b.id))).map((m) => m.refId)).toEqual([
      transferId,
    ]);
  });

  it('a red envelope to a friend appears once, even after a lost response and a retry', async () => {
    const { a, b } = await friends({ balance: 10_000 });
    const body = {
      kind: 'fixed',
      count: 1,
      amountEach: 888,
      greeting: '恭喜发财',
      to: { userId: b.id },
    };
    const headers = { 'idempotency-key': 'conv-envelope-1' };
    const first = await call('POST', '/api/v1/red-packets', { user: a, body, headers });
    expect(first.statusCode, first.body).toBe(201);
    // As if the server died after the commit, before the answer was stored.
    await db.query(
      `UPDATE idempotency_keys SET response_status = NULL, response_body = NULL
        WHERE user_id = $1 AND key = 'conv-envelope-1'`,
      [a.id],
    );
    const retry = await call('POST', '/api/v1/red-packets', { user: a, body, headers });
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.json().id).toBe(first.json().id);
    expect(await momentsFor(first.json().id)).toHaveLength(1);
    expect(await balance(a)).toBe(10_000 - 888);
    const [card] = await items(b, directConversationId(a.id, b.id));
    expect(card).toMatchObject({
      kind: 'red_packet',
      refId: first.json().id,
      data: { greeting: '恭喜发财', count: 1, totalAmount: 888 },
    });
    // The card opens the envelope in place.
    const claim = await call('POST', `/api/v1/red-packets/${card!.refId}/claims`, { user: b });
    expect(claim.statusCode, claim.body).toBe(201);
  });

  it('a group red envelope lands in the group thread; a non-member cannot read it', async () => {
    const owner = await user({ balance: 10_000 });
    const m1 = await user();
    const m2 = await user();
    const outsider = await user();
    await befriend(outsider, owner);
    const groupId = await groupOf(owner, [m1, m2]);
    const sent = await call('POST', '/api/v1/red-packets', {
      user: owner,
      body: { kind: 'lucky', count: 3, totalAmount: 600, to: { groupId } },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const [card] = await items(m2, groupId);
    expect(card).toMatchObject({ kind: 'red_packet', refId: sent.json().id, senderId: owner.id });
    expect(await unreadOf(m1, groupId)).toBe(1);
    const denied = await messagesOf(outsider, groupId);
    expect(denied.statusCode).toBe(404);
    expect((await list(outsider)).items.some((c) => c.id === groupId)).toBe(false);
    const claim = await call('POST', `/api/v1/red-packets/${sent.json().id}/claims`, { user: m1 });
    expect(claim.statusCode).toBe(201);
  });

  it('a refused envelope (not enough money) writes no message', async () => {
    const owner = await user({ balance: 100 });
    const m = await user();
    const groupId = await groupOf(owner, [m]);
    const res = await call('POST', '/api/v1/red-packets', {
      user: owner,
      body: { kind: 'fixed', count: 1, amountEach: 5_000, to: { groupId } },
    });
    expect(res.statusCode).toBe(409);
    expect(await items(owner, groupId)).toEqual([]);
  });

  it('a collection is a card in the group, and each payment a line under it', async () => {
    const owner = await user({ balance: 10_000 });
    const m = await user({ balance: 10_000 });
    const groupId = await groupOf(owner, [m]);
    const created = await call('POST', `/api/v1/groups/${groupId}/collections`, {
      user: owner,
      body: { amountEach: 2_500, note: '门票' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const collectionId = created.json().id as string;
    const paid = await call('POST', `/api/v1/collections/${collectionId}/payments`, {
      user: m,
      headers: { 'idempotency-key': 'conv-collect-1' },
    });
    expect(paid.statusCode, paid.body).toBe(201);
    const again = await call('POST', `/api/v1/collections/${collectionId}/payments`, {
      user: m,
      headers: { 'idempotency-key': 'conv-collect-1' },
    });
    expect(again.statusCode).toBe(201);
    const thread = await items(owner, groupId);
    expect(thread.map((x) => [x.kind, x.refId, x.senderId])).toEqual([
      ['system', collectionId, m.id],
      ['collection', collectionId, owner.id],
    ]);
    expect(thread[0]!.data).toMatchObject({ event: 'collection.paid', amount: 2_500 });
    expect(thread[1]!.data).toMatchObject({ note: '门票', currency: 'CNY' });
  });

  it('a settle-up appears in the group thread with the money', async () => {
    const a = await user({ balance: 10_000 });
    const b = await user({ balance: 10_000 });
    const groupId = await groupOf(a, [b]);
    const expense = await call('POST', `/api/v1/groups/${groupId}/expenses`, {
      user: a,
      body: {
        description: '房租',
        amount: 6_000,
        paidBy: a.id,
        split: { method: 'equal', participants: [{ userId: a.id }, { userId: b.id }] },
      },
    });
    expect(expense.statusCode, expense.body).toBe(201);
    const settled = await call('POST', `/api/v1/groups/${groupId}/settlements`, {
      user: b,
      body: { to: a.id, amount: 3_000 },
    });
    expect(settled.statusCode, settled.body).toBe(201);
    const [line] = await items(a, groupId);
    expect(line).toMatchObject({
      kind: 'transfer',
      refId: settled.json().transferId,
      senderId: b.id,
      data: { purpose: 'settlement', amount: 3_000, toUserId: a.id },
    });
  });
});

describe('the live signal', () => {
  it('is one NOTIFY per message whatever the group size, and none for a held one', async () => {
    const owner = await user();
    const members = await Promise.all(Array.from({ length: 6 }, () => user()));
    const groupId = await groupOf(owner, members);
    const listener = new pg.Client({ connectionString: testDatabaseUrl() });
    await listener.connect();
    const heard: { c: string; s: number }[] = [];
    listener.on('notification', (n) => {
      const p = JSON.parse(n.payload ?? '{}') as { c: string; s: number };
      if (p.c === groupId) heard.push(p);
    });
    await listener.query(`LISTEN ${MESSAGE_CHANNEL}`);
    try {
      expect((await say(members[0]!, groupId, 'one')).statusCode).toBe(201);
      expect((await say(members[1]!, groupId, '娱乐城')).json().held).toBe(true);
      expect((await say(owner, groupId, 'two')).statusCode).toBe(201);
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toHaveLength(2);
      // Taking a message down signals it once, so open sessions drop it.
      const [latest] = await items(owner, groupId);
      await t.services.conversations.takeDown(latest!.id as string);
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toHaveLength(3);
    } finally {
      await listener.end();
    }
  });

  it('pushes a message to the members with a stream open in this process, and to no one else', async () => {
    const owner = await user();
    const m = await user();
    const outsider = await user();
    const groupId = await groupOf(owner, [m]);
    await t.services.notifications.startListening(() => {});
    const got = new Map<string, unknown[]>();
    const offs = [owner, m, outsider].map((u) =>
      t.services.notifications.subscribeEvents(u.id, (event, data) => {
        if (event === 'message') got.set(u.id, [...(got.get(u.id) ?? []), data]);
      }),
    );
    try {
      const sent = await say(owner, groupId, 'live hello');
      for (let i = 0; i < 100 && !(got.get(m.id)?.length && got.get(owner.id)?.length); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(got.get(m.id)).toEqual([sent.json()]);
      expect(got.get(owner.id)).toEqual([sent.json()]);
      expect(got.get(outsider.id)).toBeUndefined();
    } finally {
      for (const off of offs) off();
      await t.services.notifications.stop();
    }
  });
});
