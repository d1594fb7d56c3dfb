/**
 * User text is checked once, at the edge, for every route (src/platform/text.ts): characters
 * that cannot be stored are refused with 422 validation_error naming the field (404 for a path
 * id), and bidirectional controls and zero-width characters are removed, while Chinese text,
 * emoji (ZWJ sequences included), passwords and PINs come through untouched.
 */
import { describe, expect, it } from 'vitest';
import { api, freshPhone, type TestUser, useTestApp } from '../support/app.ts';

const t = await useTestApp();
const { call, user } = api(t);

const RLO = '\u202E';
const ZWSP = '\u200B';
const FAMILY = '👨\u200D👩\u200D👧'; // one emoji: three people joined by ZWJ

async function friends(a: TestUser, b: TestUser) {
  const sent = await call('POST', '/api/v1/friends/requests', { user: a, body: { userId: b.id } });
  expect(sent.statusCode, sent.body).toBe(201);
  const ok = await call('POST', `/api/v1/friends/requests/${sent.json().id}/accept`, { user: b });
  expect(ok.statusCode, ok.body).toBe(200);
}

describe('characters that cannot be stored', () => {
  it('are refused with 422 validation_error naming the field, on every route', async () => {
    const a = await user({ balance: 10_000, pin: '258036' });
    const b = await user();
    await friends(a, b);
    const post = await call('POST', '/api/v1/posts', { user: a, body: { text: '你好' } });
    expect(post.statusCode, post.body).toBe(201);

    const cases: [string, string, TestUser | undefined, Record<string, unknown>, string][] = [
      [
        'POST',
        '/api/v1/auth/register',
        undefined,
        { phone: freshPhone(), password: 'correct horse', nickname: 'a\u0000b' },
        'nickname',
      ],
      [
        'POST',
        '/api/v1/auth/register',
        undefined,
        { phone: freshPhone(), password: 'correct horse', nickname: 'x\uD800' },
        'nickname',
      ],
      ['POST', '/api/v1/posts', a, { text: 'hi\u0000' }, 'text'],
      ['POST', '/api/v1/posts', a, { text: 'bell\u0007' }, 'text'],
      ['POST', `/api/v1/posts/${post.json().id}/comments`, b, { text: '\uDC00' }, 'text'],
      ['POST', '/api/v1/groups', a, { name: 'g\u0000', memberIds: [b.id] }, 'name'],
      [
        'POST',
        '/api/v1/transfers',
        a,
        { to: { userId: b.id }, amount: 1, note: '\u0000', pin: '258036' },
        'note',
      ],
      [
        'POST',
        '/api/v1/red-packets',
        a,
        {
          kind: 'fixed',
          count: 1,
          amountEach: 100,
          greeting: '恭喜\u0000',
          to: { userId: b.id },
          pin: '258036',
        },
        'greeting',
      ],
      [
        'POST',
        '/api/v1/transfers',
        a,
        { to: { phone: '1\u00003800000000' }, amount: 1 },
        'to.phone',
      ],
      [
        'POST',
        '/api/v1/auth/login',
        undefined,
        { phone: freshPhone(), password: 'pass\u0000word' },
        'password',
      ],
    ];
    for (const [method, url, u, body, field] of cases) {
      const res = await call(method as 'POST', url, { user: u, body });
      expect(res.statusCode, `${url} ${JSON.stringify(body)}: ${res.body}`).toBe(422);
      expect(res.json()).toMatchObject({ code: 'validation_error', field });
    }
    const feed = await call('GET', '/api/v1/feed?cursor=%00', { user: a });
    expect(feed.statusCode, feed.body).toBe(422);
    expect(feed.json()).toMatchObject({ code: 'validation_error', field: 'query.cursor' });
  });

  it('in a path id answer 404 not_found', async () => {
    const a = await user();
    for (const url of [
      '/api/v1/posts/%00',
      '/api/v1/posts/abc%00',
      '/api/v1/posts/%ED%A0%80', // the UTF-8 bytes of a lone surrogate
      '/api/v1/posts/%FF',
      '/api/v1/groups/%00',
      '/api/v1/red-packets/%00',
      '/api/v1/transactions/%00',
      '/api/v1/users/%00',
      '/api/v1/ious/%01',
      '/api/v1/family/links/%00',
    ]) {
      const res = await call('GET', url, { user: a });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    const del = await call('DELETE', '/api/v1/posts/%00', { user: a });
    expect(del.statusCode).toBe(404);
  });
});

describe('invisible characters that spoof a display', () => {
  it('are removed from nicknames, posts, comments, group names, notes and greetings', async () => {
    const reg = await call('POST', '/api/v1/auth/register', {
      body: {
        phone: freshPhone(),
        password: 'correct horse',
        nickname: `${RLO}gnp.exe${ZWSP}\u2066小明\u2069\uFEFF`,
      },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    expect(reg.json().user.nickname).toBe('gnp.exe小明');

    const a = await user({ balance: 10_000, pin: '258036' });
    const b = await user();
    await friends(a, b);
    const post = await call('POST', '/api/v1/posts', {
      user: a,
      body: { text: `${RLO}今天\u200B天气\u200Dhao ${FAMILY} 👍🏽 e\u0301` },
    });
    expect(post.statusCode, post.body).toBe(201);
    // NFC (e + combining acute → é); the ZWJ inside the emoji stays, the stray one goes.
    expect(post.json().text).toBe(`今天天气hao ${FAMILY} 👍🏽 é`);
    const comment = await call('POST', `/api/v1/posts/${post.json().id}/comments`, {
      user: b,
      body: { text: `\u202D好${ZWSP}的\u202C` },
    });
    expect(comment.statusCode, comment.body).toBe(201);
    expect(comment.json().text).toBe('好的');

    const group = await call('POST', '/api/v1/groups', {
      user: a,
      body: { name: `相亲${RLO}相爱${ZWSP}一家人 ${FAMILY}`, memberIds: [b.id] },
    });
    expect(group.statusCode, group.body).toBe(201);
    expect(group.json().name).toBe(`相亲相爱一家人 ${FAMILY}`);

    const transfer = await call('POST', '/api/v1/transfers', {
      user: a,
      body: { to: { userId: b.id }, amount: 100, note: `晚饭${RLO}🍜`, pin: '258036' },
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    expect(transfer.statusCode, transfer.body).toBe(201);
    expect(transfer.json().note).toBe('晚饭🍜');

    const packet = await call('POST', '/api/v1/red-packets', {
      user: a,
      body: {
        kind: 'fixed',
        count: 1,
        amountEach: 100,
        greeting: `恭喜${ZWSP}发财\u2067`,
        to: { userId: b.id },
        pin: '258036',
      },
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    expect(packet.statusCode, packet.body).toBe(201);
    const seen = await call('GET', `/api/v1/red-packets/${packet.json().id}`, { user: b });
    expect(seen.json().greeting).toBe('恭喜发财');
  });

  it('a nickname of nothing but invisible characters is refused as empty', async () => {
    const res = await call('POST', '/api/v1/auth/register', {
      body: { phone: freshPhone(), password: 'correct horse', nickname: `${RLO}${ZWSP}` },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'validation_error', field: 'nickname' });
  });

  it('leave passwords exactly as typed', async () => {
    const phone = freshPhone();
    const password = `pa${ZWSP}ss${RLO}word e\u0301`;
    const reg = await call('POST', '/api/v1/auth/register', {
      body: { phone, password, nickname: 'pw' },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    const exact = await call('POST', '/api/v1/auth/login', { body: { phone, password } });
    expect(exact.statusCode, exact.body).toBe(200);
    // Had the password been normalised at registration, this would log in.
    const stripped = await call('POST', '/api/v1/auth/login', {
      body: { phone, password: 'password é' },
    });
    expect(stripped.statusCode).toBe(401);
  });
});
