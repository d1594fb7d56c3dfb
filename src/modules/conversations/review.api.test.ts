/**
 * Messages in the review queue: a member reports a text message (target type `message`), an
 * operator takes it down and it is gone from the thread; a message the filter held is in the
 * queue by itself, and dismissing it publishes it.
 */
import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { makeAdmin } from '../../../test/support/people.ts';

const t = await useTestApp();
const { call, user, befriend } = api(t);

async function thread() {
  const a = await user();
  const b = await user();
  await befriend(a, b);
  const id = (
    await call('POST', '/api/v1/conversations', { user: a, body: { userId: b.id } })
  ).json().id as string;
  return { a, b, id };
}

const texts = async (u: TestUser, id: string) =>
  (
    (await call('GET', `/api/v1/conversations/${id}/messages`, { user: u })).json().items as {
      text?: string;
    }[]
  ).map((m) => m.text);

async function queueItem(ops: TestUser, targetId: string) {
  const q = await call('GET', '/api/v1/admin/reviews?status=open&limit=100', { user: ops });
  expect(q.statusCode, q.body).toBe(200);
  return (
    q.json().items as {
      id: string;
      target: { id: string };
      heldByFilter: boolean;
      content: unknown;
    }[]
  ).find((i) => i.target.id === targetId);
}

describe('messages in the review queue', () => {
  it('a reported message taken down is gone from the thread for both members', async () => {
    const { a, b, id } = await thread();
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, {
      user: a,
      body: { text: 'you will regret this' },
    });
    const messageId = sent.json().id as string;
    const outsider = await user();
    const hidden = await call('POST', '/api/v1/reports', {
      user: outsider,
      body: { target: { type: 'message', id: messageId }, reason: 'harassment' },
    });
    expect(hidden.statusCode).toBe(404);
    const report = await call('POST', '/api/v1/reports', {
      user: b,
      body: { target: { type: 'message', id: messageId }, reason: 'harassment' },
    });
    expect(report.statusCode, report.body).toBe(201);
    const ops = await makeAdmin(t, await user());
    const item = await queueItem(ops, messageId);
    expect(item?.content).toMatchObject({ kind: 'message', text: 'you will regret this' });
    const decided = await call('POST', `/api/v1/admin/reviews/${item!.id}/decision`, {
      user: ops,
      body: { action: 'take_down', note: 'threat' },
    });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(await texts(a, id)).toEqual([]);
    expect(await texts(b, id)).toEqual([]);
  });

  it('a held message waits in the queue; dismissed, it is published', async () => {
    const { a, b, id } = await thread();
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, {
      user: a,
      body: { text: '娱乐城' },
    });
    expect(sent.json().held).toBe(true);
    expect(await texts(b, id)).toEqual([]);
    const ops = await makeAdmin(t, await user());
    const item = await queueItem(ops, sent.json().id);
    expect(item?.heldByFilter).toBe(true);
    const decided = await call('POST', `/api/v1/admin/reviews/${item!.id}/decision`, {
      user: ops,
      body: { action: 'dismiss', note: 'a game' },
    });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(await texts(b, id)).toEqual(['娱乐城']);
  });
});
