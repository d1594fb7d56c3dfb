import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, startTestApp, type TestApp } from '../../../test/support/app.ts';
import { makeAdmin, signUp } from '../../../test/support/people.ts';

/**
 * Two apps on one database stand for two Hebao processes, each with its session cache kept
 * by LISTEN/NOTIFY. A ban made through one ends the user's sessions in the other at once: the
 * cached session must not outlive it.
 */
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await startTestApp();
  b = await startTestApp();
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

it('a ban through one process ends the sessions another process has cached; lifting lets them sign in again', async () => {
  const u = await signUp(a);
  const ops = await makeAdmin(a, await signUp(a));
  const me = () => api(b).call('GET', '/api/v1/me', { user: u });
  // Cached in b.
  expect((await me()).statusCode).toBe(200);
  expect((await me()).statusCode).toBe(200);
  expect(b.services.cacheBus.stats().sessions?.hits ?? 0).toBeGreaterThan(0);

  const ban = await api(a).call('POST', `/api/v1/admin/users/${u.id}/bans`, {
    user: ops,
    body: { days: 1, reason: 'spam' },
  });
  expect(ban.statusCode).toBe(201);
  await b.services.cacheBus.sync();
  const refused = await me();
  expect(refused.statusCode).toBe(403);
  expect(refused.json().code).toBe('banned');

  await api(a).call('DELETE', `/api/v1/admin/bans/${ban.json().id}`, { user: ops });
  await b.services.cacheBus.sync();
  // The ban ended the old session for good; a new log-in works.
  expect((await me()).statusCode).toBe(401);
  const login = await api(b).call('POST', '/api/v1/auth/login', {
    body: { phone: u.phone, password: 'correct horse' },
  });
  expect(login.statusCode).toBe(200);
});
