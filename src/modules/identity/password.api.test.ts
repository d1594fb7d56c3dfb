import { describe, expect, it } from 'vitest';
import { api, freshPhone, useTestApp } from '../../../test/support/app.ts';

// Log-in backoff: 3 free failures, then 30 s, 60 s, 120 s…
const t = await useTestApp({
  HEBAO_LOGIN_FREE_TRIES: '3',
  HEBAO_LOGIN_DELAY_SECONDS: '30',
  HEBAO_LOGIN_MAX_DELAY_SECONDS: '600',
});
const { call, user } = api(t);

let address = 0;
/** A log-in from a new client address each time: the per-address limit never sees a repeat. */
const login = (phone: string, password: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: `203.0.113.${++address % 250}`,
    payload: { phone, password },
  });

describe('weak passwords', () => {
  it('refuses common and trivial passwords at sign-up with 422 and the reason', async () => {
    const phone = freshPhone();
    const cases: [string, string][] = [
      ['password123', 'common'],
      ['Iloveyou!', 'common'],
      [phone, 'phone'],
      [`hb${phone}`, 'phone'],
      ['zzzzzzzzzz', 'repeated'],
      ['abcabcabc', 'repeated'],
      ['abcdefghi', 'sequence'],
      ['87654321', 'sequence'],
      ['lkjhgfds', 'sequence'],
    ];
    for (const [password, reason] of cases) {
      const res = await call('POST', '/api/v1/auth/register', {
        body: { phone, password, nickname: 'weak' },
      });
      expect(res.statusCode, password).toBe(422);
      expect(res.json(), password).toMatchObject({
        code: 'validation_error',
        field: 'password',
        reason,
      });
    }
    expect(await t.services.identity.userByPhone(phone)).toBeUndefined();
    const ok = await call('POST', '/api/v1/auth/register', {
      body: { phone, password: 'lotus-pond-2024', nickname: 'strong' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });
});

describe('log-in backoff per account', () => {
  it('closes the account after the free failures, from any address, for a doubling delay', async () => {
    const u = await user({ verified: false });
    for (let i = 0; i < 3; i++)
      expect((await login(u.phone, 'wrong password')).statusCode).toBe(401);
    // Closed now: even the right password waits, whatever address it comes from.
    const closed = await login(u.phone, 'correct horse');
    expect(closed.statusCode).toBe(429);
    expect(closed.json().code).toBe('rate_limited');
    expect(closed.headers['retry-after']).toBe('30');

    t.clock.advance(20_000);
    expect((await login(u.phone, 'correct horse')).headers['retry-after']).toBe('10');
    t.clock.advance(10_000);
    // One more wrong try after the wait closes it for twice as long.
    expect((await login(u.phone, 'wrong password')).statusCode).toBe(401);
    const longer = await login(u.phone, 'correct horse');
    expect(longer.statusCode).toBe(429);
    expect(longer.headers['retry-after']).toBe('60');

    t.clock.advance(60_000);
    const right = await login(u.phone, 'correct horse');
    expect(right.statusCode, right.body).toBe(200);
    // The right password reset the count: three free failures again.
    for (let i = 0; i < 3; i++)
      expect((await login(u.phone, 'wrong password')).statusCode).toBe(401);
    expect((await login(u.phone, 'wrong password')).statusCode).toBe(429);
    // Other accounts are not affected.
    const other = await user({ verified: false });
    expect((await login(other.phone, 'correct horse')).statusCode).toBe(200);
  });

  it('forgets failures after a day without one', async () => {
    const u = await user({ verified: false });
    for (let i = 0; i < 2; i++) await login(u.phone, 'wrong password');
    t.clock.advance(25 * 3600_000);
    for (let i = 0; i < 3; i++)
      expect((await login(u.phone, 'wrong password')).statusCode).toBe(401);
    expect((await login(u.phone, 'correct horse')).statusCode).toBe(429);
  });

  it('checks at most the free tries when guesses arrive in parallel from many addresses', async () => {
    const u = await user({ verified: false });
    const guesses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => login(u.phone, `wrong guess ${i}`)),
    );
    const codes = guesses.map((g) => g.statusCode).sort();
    expect(codes).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
  });

  it('treats an unregistered number the same, so the backoff does not tell who is registered', async () => {
    const nobody = freshPhone();
    for (let i = 0; i < 3; i++)
      expect((await login(nobody, 'wrong password')).statusCode).toBe(401);
    expect((await login(nobody, 'wrong password')).statusCode).toBe(429);
  });

  it('opens again after a password reset', async () => {
    const u = await user({ verified: false });
    for (let i = 0; i < 4; i++) await login(u.phone, 'wrong password');
    expect((await login(u.phone, 'correct horse')).statusCode).toBe(429);
    await call('POST', '/api/v1/auth/phone-codes', { body: { phone: u.phone, purpose: 'reset' } });
    const reset = await call('POST', '/api/v1/auth/password-reset', {
      body: {
        phone: u.phone,
        code: t.services.sms.lastCodeTo(u.phone),
        newPassword: 'new lotus leaf',
      },
    });
    expect(reset.statusCode, reset.body).toBe(204);
    expect((await login(u.phone, 'new lotus leaf')).statusCode).toBe(200);
  });
});
