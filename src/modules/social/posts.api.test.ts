import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestUser } from '../../../test/support/app.ts';
import { buildApp } from '../../app.ts';
import type { ModerationContext, ModerationVerdict } from './moderation-hook.ts';
import { PostService } from './posts.ts';
import { socialApi, useSocialTestApp } from './testing.ts';

const t = await useSocialTestApp();
const { call, user, befriend, post, feedOf, notificationsOf } = socialApi(t);

/** The people around one post: its author, a friend, a stranger, a blocked user, an ex-friend. */
async function cast(visibility: 'public' | 'friends' | 'private' = 'friends') {
  const author = await user({ nickname: 'Author' });
  const friend = await user({ nickname: 'Friend' });
  const stranger = await user();
  const blocked = await user();
  const exFriend = await user();
  await befriend(author, friend);
  await befriend(author, blocked);
  await befriend(author, exFriend);
  const p = await post(author, { text: `a ${visibility} post`, visibility });
  await call('POST', '/api/v1/blocks', { user: author, body: { userId: blocked.id } });
  await call('DELETE', `/api/v1/friends/${author.id}`, { user: exFriend });
  return { author, friend, stranger, blocked, exFriend, postId: p.id };
}

const status = async (
  method: 'GET' | 'PUT' | 'DELETE' | 'POST',
  url: string,
  who: TestUser,
  body?: unknown,
) => (await call(method, url, { user: who, ...(body ? { body } : {}) })).statusCode;

describe('who sees a post', () => {
  it('friends-only: author and friends; strangers, blocked users and ex-friends get 404 everywhere', async () => {
    const { author, friend, stranger, blocked, exFriend, postId } = await cast('friends');
    expect(await status('GET', `/api/v1/posts/${postId}`, author)).toBe(200);
    expect(await status('GET', `/api/v1/posts/${postId}`, friend)).toBe(200);
    for (const outsider of [stranger, blocked, exFriend]) {
      expect(await status('GET', `/api/v1/posts/${postId}`, outsider)).toBe(404);
      expect(await status('PUT', `/api/v1/posts/${postId}/like`, outsider)).toBe(404);
      expect(await status('DELETE', `/api/v1/posts/${postId}/like`, outsider)).toBe(404);
      expect(await status('GET', `/api/v1/posts/${postId}/comments`, outsider)).toBe(404);
      expect(
        await status('POST', `/api/v1/posts/${postId}/comments`, outsider, { text: 'hi' }),
      ).toBe(404);
      expect(await status('DELETE', `/api/v1/posts/${postId}`, outsider)).toBe(404);
      expect((await feedOf(outsider)).items).toEqual([]);
    }
  });

  it('private: the author only', async () => {
    const { author, friend, postId } = await cast('private');
    expect(await status('GET', `/api/v1/posts/${postId}`, author)).toBe(200);
    expect(await status('GET', `/api/v1/posts/${postId}`, friend)).toBe(404);
    expect((await feedOf(friend)).items).toEqual([]);
  });

  it('public: anyone not blocked may read it, but likes and comments stay among friends', async () => {
    const { friend, stranger, blocked, exFriend, postId } = await cast('public');
    const seen = await call('GET', `/api/v1/posts/${postId}`, { user: stranger });
    expect(seen.statusCode).toBe(200);
    expect(seen.json()).not.toHaveProperty('likeCount');
    expect(seen.json()).not.toHaveProperty('commentCount');
    expect((await call('GET', `/api/v1/posts/${postId}`, { user: friend })).json()).toMatchObject({
      likeCount: 0,
      commentCount: 0,
      likedByMe: false,
    });
    expect(await status('GET', `/api/v1/posts/${postId}`, exFriend)).toBe(200);
    expect(await status('GET', `/api/v1/posts/${postId}`, blocked)).toBe(404);
    const like = await call('PUT', `/api/v1/posts/${postId}/like`, { user: stranger });
    expect(like.statusCode).toBe(403);
    expect(like.json().code).toBe('forbidden');
    expect(await status('GET', `/api/v1/posts/${postId}/comments`, stranger)).toBe(403);
    // The feed is friends' activity: a public post is not pushed to strangers.
    expect((await feedOf(stranger)).items).toEqual([]);
  });

  it('guessed or malformed ids are 404', async () => {
    const someone = await user();
    for (const id of [randomUUID(), 'not-an-id', "1' OR '1'='1"]) {
      const enc = encodeURIComponent(id);
      expect(await status('GET', `/api/v1/posts/${enc}`, someone)).toBe(404);
      expect(await status('PUT', `/api/v1/posts/${enc}/like`, someone)).toBe(404);
      expect(await status('DELETE', `/api/v1/comments/${enc}`, someone)).toBe(404);
    }
  });
});

describe('posting', () => {
  it('validates text, visibility and unknown fields', async () => {
    const a = await user();
    for (const body of [
      { text: '   ' },
      { text: 'x'.repeat(2001) },
      { text: 'hi', visibility: 'everyone' },
      { text: 'hi', extra: 1 },
      { text: 'hi', mediaIds: ['nope'] },
      { text: 'hi', mediaIds: [randomUUID()] },
    ]) {
      expect(await status('POST', '/api/v1/posts', a, body), JSON.stringify(body)).toBe(422);
    }
    const p = await post(a, { text: '  今天天气很好  ' });
    expect(p).toMatchObject({
      text: '今天天气很好',
      visibility: 'friends',
      moderationStatus: 'visible',
      media: [],
      author: { userId: a.id },
    });
  });

  it('only the author deletes a post', async () => {
    const { author, friend, postId } = await cast();
    const res = await call('DELETE', `/api/v1/posts/${postId}`, { user: friend });
    expect(res.statusCode).toBe(403);
    expect(await status('DELETE', `/api/v1/posts/${postId}`, author)).toBe(204);
    expect(await status('GET', `/api/v1/posts/${postId}`, author)).toBe(404);
  });
});

describe('likes', () => {
  it('are idempotent both ways, counted once, and the author is told once', async () => {
    const { author, friend, postId } = await cast();
    for (let i = 0; i < 3; i++) {
      const res = await call('PUT', `/api/v1/posts/${postId}/like`, { user: friend });
      expect(res.json()).toEqual({ liked: true, likeCount: 1 });
    }
    expect((await call('PUT', `/api/v1/posts/${postId}/like`, { user: author })).json()).toEqual({
      liked: true,
      likeCount: 2,
    });
    expect((await call('GET', `/api/v1/posts/${postId}`, { user: friend })).json()).toMatchObject({
      likeCount: 2,
      likedByMe: true,
    });
    const liked = (await notificationsOf(author)).filter((n) => n.kind === 'post.liked');
    expect(liked).toEqual([
      {
        kind: 'post.liked',
        data: { postId, byUserId: friend.id, byNickname: 'Friend' },
      },
    ]);
    for (let i = 0; i < 2; i++) {
      const res = await call('DELETE', `/api/v1/posts/${postId}/like`, { user: friend });
      expect(res.json()).toEqual({ liked: false, likeCount: 1 });
    }
  });

  it('concurrent likes by many friends all count', async () => {
    const author = await user();
    const fans = await Promise.all(Array.from({ length: 6 }, () => user()));
    for (const f of fans) await befriend(author, f);
    const p = await post(author, { text: 'popular' });
    await Promise.all(fans.map((f) => call('PUT', `/api/v1/posts/${p.id}/like`, { user: f })));
    expect((await call('GET', `/api/v1/posts/${p.id}`, { user: author })).json().likeCount).toBe(6);
  });
});

describe('comments', () => {
  it('are listed newest first for the author and friends; the author is notified', async () => {
    const { author, friend, postId } = await cast();
    const first = await call('POST', `/api/v1/posts/${postId}/comments`, {
      user: friend,
      body: { text: '好看！' },
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      postId,
      text: '好看！',
      author: { userId: friend.id, nickname: 'Friend' },
      moderationStatus: 'visible',
    });
    await call('POST', `/api/v1/posts/${postId}/comments`, {
      user: author,
      body: { text: '谢谢' },
    });
    const list = await call('GET', `/api/v1/posts/${postId}/comments?limit=1`, { user: friend });
    expect(list.json().items.map((c: { text: string }) => c.text)).toEqual(['谢谢']);
    const next = await call(
      'GET',
      `/api/v1/posts/${postId}/comments?limit=1&cursor=${list.json().nextCursor}`,
      { user: friend },
    );
    expect(next.json()).toMatchObject({ items: [{ text: '好看！' }], nextCursor: null });
    expect(
      (await call('GET', `/api/v1/posts/${postId}`, { user: author })).json().commentCount,
    ).toBe(2);
    const told = (await notificationsOf(author)).filter((n) => n.kind === 'post.commented');
    expect(told).toEqual([
      {
        kind: 'post.commented',
        data: {
          postId,
          commentId: first.json().id,
          byUserId: friend.id,
          byNickname: 'Friend',
          excerpt: '好看！',
        },
      },
    ]);
  });

  it('are deleted by their author or the post’s author only', async () => {
    const { author, friend, postId } = await cast();
    const other = await user();
    await befriend(author, other);
    const mk = async (who: TestUser) =>
      (
        await call('POST', `/api/v1/posts/${postId}/comments`, { user: who, body: { text: 'x' } })
      ).json().id as string;
    const c1 = await mk(friend);
    const c2 = await mk(friend);
    expect(await status('DELETE', `/api/v1/comments/${c1}`, other)).toBe(403);
    expect(await status('DELETE', `/api/v1/comments/${c1}`, friend)).toBe(204);
    expect(await status('DELETE', `/api/v1/comments/${c2}`, author)).toBe(204);
    expect(await status('DELETE', `/api/v1/comments/${c2}`, author)).toBe(404);
    expect(
      (await call('GET', `/api/v1/posts/${postId}`, { user: author })).json().commentCount,
    ).toBe(0);
  });

  it('of a blocked user are hidden from the blocker, and an ex-friend can still delete theirs', async () => {
    const author = await user();
    const a = await user();
    const b = await user();
    for (const u of [a, b]) await befriend(author, u);
    const p = await post(author, { text: 'p' });
    const byB = await call('POST', `/api/v1/posts/${p.id}/comments`, {
      user: b,
      body: { text: 'from b' },
    });
    await call('POST', '/api/v1/blocks', { user: a, body: { userId: b.id } });
    const seenByA = await call('GET', `/api/v1/posts/${p.id}/comments`, { user: a });
    expect(seenByA.json().items).toEqual([]);
    await call('DELETE', `/api/v1/friends/${author.id}`, { user: b });
    expect(await status('DELETE', `/api/v1/comments/${byB.json().id}`, b)).toBe(204);
  });
});

describe('moderation', () => {
  const verdicts = new Map<string, ModerationVerdict>([
    ['buy followers at spam.example', { action: 'reject', categories: ['ads'] }],
    ['maybe gambling', { action: 'review', categories: ['gambling'] }],
  ]);
  const seen: ModerationContext[] = [];
  const moderate = async (text: string, context: ModerationContext) => {
    seen.push(context);
    return verdicts.get(text) ?? { action: 'allow' as const, categories: [] };
  };
  const s = t.services;
  const moderatedPosts = new PostService(
    s.db,
    s.clock,
    s.graph,
    s.social.feed,
    s.social.media,
    s.notifications,
    moderate,
  );
  const moderatedApp = buildApp(t.config, {
    ...s,
    social: { ...s.social, posts: moderatedPosts },
  });
  afterAll(async () => (await moderatedApp).close());
  const send = async (who: TestUser, url: string, body: unknown) =>
    (await moderatedApp).inject({
      method: 'POST',
      url,
      headers: who.auth,
      payload: body as object,
    });

  it('rejects with content_rejected and the categories, never the terms', async () => {
    const a = await user();
    const res = await send(a, '/api/v1/posts', { text: 'buy followers at spam.example' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'content_rejected', categories: ['ads'] });
    expect(res.body).not.toContain('spam.example');
    expect(seen).toContain('post');
  });

  it('holds doubtful posts and comments for review: only their author sees them', async () => {
    const a = await user();
    const friend = await user();
    await befriend(a, friend);
    const held = await send(a, '/api/v1/posts', { text: 'maybe gambling' });
    expect(held.statusCode).toBe(201);
    expect(held.json().moderationStatus).toBe('held');
    const id = held.json().id;
    expect(await status('GET', `/api/v1/posts/${id}`, a)).toBe(200);
    expect(await status('GET', `/api/v1/posts/${id}`, friend)).toBe(404);
    expect((await feedOf(a)).items.map((i) => i.id)).toEqual([id]);
    expect((await feedOf(friend)).items).toEqual([]);

    const open = await post(a, { text: 'fine' });
    const comment = await send(friend, `/api/v1/posts/${open.id}/comments`, {
      text: 'maybe gambling',
    });
    expect(comment.json().moderationStatus).toBe('held');
    const rejected = await send(friend, `/api/v1/posts/${open.id}/comments`, {
      text: 'buy followers at spam.example',
    });
    expect(rejected.json()).toMatchObject({ code: 'content_rejected', categories: ['ads'] });
    const asAuthor = await call('GET', `/api/v1/posts/${open.id}/comments`, { user: a });
    expect(asAuthor.json().items).toEqual([]);
    const asCommenter = await call('GET', `/api/v1/posts/${open.id}/comments`, { user: friend });
    expect(asCommenter.json().items).toHaveLength(1);
    expect((await notificationsOf(a)).map((n) => n.kind)).not.toContain('post.commented');
    expect((await call('GET', `/api/v1/posts/${open.id}`, { user: a })).json().commentCount).toBe(
      0,
    );
  });
});
