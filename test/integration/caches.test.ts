import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/platform/ids.ts';
import { api, freshIdNumber, startTestApp, type TestApp, type TestUser } from '../support/app.ts';

/**
 * Two apps on one database stand for two Hebao processes: each has its own caches and its own
 * LISTEN connection. What one changes, the other must stop serving from its cache. `sync()`
 * waits for the NOTIFY of every change committed so far (what the network round trip between
 * a client's two requests gives in production); the same process needs no wait at all.
 */
const METRICS_TOKEN = 'metrics-token-for-tests';
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await startTestApp();
  b = await startTestApp({ HEBAO_METRICS_TOKEN: METRICS_TOKEN });
  await a.services.cacheBus.start();
  await b.services.cacheBus.start();
  expect(a.services.cacheBus.live && b.services.cacheBus.live).toBe(true);
});

afterAll(async () => {
  await a?.services.cacheBus.stop();
  await b?.services.cacheBus.stop();
  await a?.close();
  await b?.close();
});

const hits = (t: TestApp, cache: string) => t.services.cacheBus.stats()[cache]?.hits ?? 0;
const me = (t: TestApp, u: TestUser) => api(t).call('GET', '/api/v1/me', { user: u });

describe('caches across processes', () => {
  it('serves a session from the cache and refuses it on the very next request after logout', async () => {
    const u = await api(a).user({ verified: false });
    const other = await api(a).user({ verified: false });
    expect((await me(b, u)).statusCode).toBe(200);
    expect((await me(b, other)).statusCode).toBe(200);
    const before = hits(b, 'sessions');
    expect((await me(b, u)).statusCode).toBe(200);
    expect(hits(b, 'sessions')).toBe(before + 1);

    // Same process: no wait.
    expect((await me(a, u)).statusCode).toBe(200);
    const out = await api(a).call('POST', '/api/v1/auth/logout', { user: u });
    expect(out.statusCode).toBe(204);
    expect((await me(a, u)).statusCode).toBe(401);
    // The other process, once the NOTIFY is in.
    await b.services.cacheBus.sync();
    expect((await me(b, u)).statusCode).toBe(401);
    expect((await me(b, other)).statusCode).toBe(200);
  });

  it('signs out everywhere, bans and verification reach every process', async () => {
    const u = await api(a).user({ verified: false });
    const second = await api(a).call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'correct horse' },
    });
    const u2 = { ...u, auth: { authorization: `Bearer ${second.json().token}` } };
    expect((await me(b, u)).statusCode).toBe(200);
    expect((await b.services.identity.authenticate(u.token))?.verified).toBe(false);

    await api(a).call('POST', '/api/v1/me/verification', {
      user: u,
      body: { realName: '测试用户', idNumber: freshIdNumber() },
    });
    await b.services.cacheBus.sync();
    expect((await b.services.identity.authenticate(u.token))?.verified).toBe(true);

    await api(a).call('POST', '/api/v1/auth/logout-all', { user: u2 });
    await b.services.cacheBus.sync();
    expect((await me(b, u)).statusCode).toBe(401);
    expect((await me(b, u2)).statusCode).toBe(401);

    // A ban written by hand (as an operator would) still reaches the caches, via the trigger.
    const v = await api(a).user({ verified: false });
    expect((await me(b, v)).statusCode).toBe(200);
    await a.services.db.query(
      `INSERT INTO bans (id, kind, subject, reason) VALUES ($1, 'user', $2, 'fraud')`,
      [newId(), v.id],
    );
    await b.services.cacheBus.sync();
    // The session no longer holds, and the answer says why (API.md: a banned user's requests
    // are 403 banned).
    const banned = await me(b, v);
    expect(banned.statusCode).toBe(403);
    expect(banned.json().code).toBe('banned');
  });

  it('sees a device signed out remotely, and a nickname changed by hand', async () => {
    const u = await api(a).user({ verified: false });
    const phone = await api(a).call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'correct horse' },
    });
    const onPhone = { ...u, auth: { authorization: `Bearer ${phone.json().token}` } };
    expect((await me(b, onPhone)).statusCode).toBe(200);
    const sessionId = (await b.services.identity.authenticate(phone.json().token as string))!
      .sessionId;
    const revoked = await api(a).call('DELETE', `/api/v1/me/sessions/${sessionId}`, { user: u });
    expect(revoked.statusCode).toBe(204);
    await b.services.cacheBus.sync();
    expect((await me(b, onPhone)).statusCode).toBe(401);
    expect((await me(b, u)).statusCode).toBe(200);

    // The payee cache (who a transfer names as its receiver) too.
    expect((await b.services.identity.payee(u.id))?.nickname).not.toBe('新名字');
    await a.services.db.query(`UPDATE users SET nickname = '新名字' WHERE id = $1`, [u.id]);
    await b.services.cacheBus.sync();
    expect((await b.services.identity.authenticate(u.token))?.nickname).toBe('新名字');
    expect(await b.services.identity.payee(u.id)).toEqual({ id: u.id, nickname: '新名字' });
    expect(await b.services.identity.payee(newId())).toBeUndefined();
  });

  it('sees a block and an unblock made in the other process', async () => {
    const x = await api(a).user();
    const y = await api(a).user();
    expect(await b.services.graph.blockedEitherWay(x.id, y.id)).toBe(false);
    const before = hits(b, 'blocks');
    expect(await b.services.graph.blockedEitherWay(x.id, y.id)).toBe(false);
    expect(hits(b, 'blocks')).toBe(before + 1);

    const blocked = await api(a).call('POST', '/api/v1/blocks', {
      user: y,
      body: { userId: x.id },
    });
    expect(blocked.statusCode, blocked.body).toBeLessThan(300);
    expect(await a.services.graph.blockedEitherWay(x.id, y.id)).toBe(true);
    await b.services.cacheBus.sync();
    expect(await b.services.graph.blockedEitherWay(x.id, y.id)).toBe(true);
    expect(await b.services.graph.blockedEitherWay(y.id, x.id)).toBe(true);

    await api(a).call('DELETE', `/api/v1/blocks/${x.id}`, { user: y });
    expect(await a.services.graph.blockedEitherWay(x.id, y.id)).toBe(false);
    await b.services.cacheBus.sync();
    expect(await b.services.graph.blockedEitherWay(x.id, y.id)).toBe(false);
  });

  it('sees a privacy change made in the other process', async () => {
    const u = await api(a).user();
    const privacy = (t: TestApp) => t.services.social.privacy.defaultPaymentVisibility(u.id);
    expect(await privacy(b)).toBe('friends');
    expect(await privacy(b)).toBe('friends');
    const res = await api(a).call('PATCH', '/api/v1/me/privacy', {
      user: u,
      body: { defaultPaymentVisibility: 'private' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await privacy(a)).toBe('private');
    await b.services.cacheBus.sync();
    expect(await privacy(b)).toBe('private');
  });

  it('checks a changed PIN in the other process at once', async () => {
    const payer = await api(a).user({ pin: '739104', balance: 1_000 });
    const payee = await api(a).user();
    const pay = (t: TestApp, pin: string) =>
      api(t).call('POST', '/api/v1/transfers', {
        user: payer,
        body: { to: { userId: payee.id }, amount: 1, pin },
      });
    expect((await pay(b, '739104')).statusCode).toBe(201);
    const changed = await api(a).call('PUT', '/api/v1/me/pin', {
      user: payer,
      body: { pin: '280517', currentPin: '739104' },
    });
    expect(changed.statusCode).toBe(204);
    expect((await pay(b, '739104')).json().code).toBe('pin_invalid');
    expect((await pay(b, '280517')).statusCode).toBe(201);
  });

  it('reports its caches on /metrics', async () => {
    const res = await b.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.body).toContain('hebao_cache_listening 1');
    expect(res.body).toMatch(/hebao_cache_lookups\{cache="sessions",result="hit"\} [1-9]/);
  });

  it('stops caching while its listener is gone, and starts again once it is back', async () => {
    const u = await api(a).user({ verified: false });
    expect((await me(b, u)).statusCode).toBe(200);
    const pid = b.services.cacheBus.listenerPid!;
    await a.services.db.query('SELECT pg_terminate_backend($1)', [pid]);
    await until(() => !b.services.cacheBus.live);
    expect(b.services.cacheBus.stats().sessions?.size).toBe(0);
    // Not listening: every read goes to the database, so a logout is seen without any message.
    await api(a).call('POST', '/api/v1/auth/logout', { user: u });
    expect((await me(b, u)).statusCode).toBe(401);

    await until(() => b.services.cacheBus.live);
    expect(b.services.cacheBus.listenerPid).not.toBe(pid);
    const v = await api(a).user({ verified: false });
    await me(b, v);
    const before = hits(b, 'sessions');
    await me(b, v);
    expect(hits(b, 'sessions')).toBe(before + 1);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
