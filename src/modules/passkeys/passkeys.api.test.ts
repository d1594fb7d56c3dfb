import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../../test/support/app.ts';

/**
 * The refusals of passkeys over HTTP (a passkey that registers and pays is the browser test's:
 * test/e2e/risk.e2e.test.ts, with Chromium's virtual authenticator).
 */
const t = await useTestApp();
const { call, user, balance } = api(t);

describe('passkeys', () => {
  it('start empty, and a payment cannot be confirmed with one that is not there', async () => {
    const [a, b] = await Promise.all([user({ balance: 1_000, pin: '135790' }), user()]);
    const list = await call('GET', '/api/v1/me/passkeys', { user: a });
    expect(list.json()).toEqual({ items: [] });
    const options = await call('POST', '/api/v1/me/passkeys/assertion-options', {
      user: a,
      headers: { host: 'localhost' },
      body: {},
    });
    expect(options.statusCode).toBe(409);
    const forged = await call('POST', '/api/v1/transfers', {
      user: a,
      body: {
        to: { userId: b.id },
        amount: 100,
        passkey: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30' } },
      },
    });
    expect(forged.statusCode, forged.body).toBe(403);
    expect(forged.json().code).toBe('pin_invalid');
    expect(await balance(a)).toBe(1_000);
    expect(await balance(b)).toBe(0);
  });

  it('give registration options only to a page of this site', async () => {
    const a = await user();
    const own = await call('POST', '/api/v1/me/passkeys/registration-options', {
      user: a,
      headers: { host: 'localhost:3000', origin: 'http://localhost:3000' },
      body: {},
    });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({ rp: { id: 'localhost' }, challenge: expect.any(String) });
    const elsewhere = await call('POST', '/api/v1/me/passkeys/registration-options', {
      user: a,
      headers: { host: 'localhost:3000', origin: 'https://evil.example' },
      body: {},
    });
    expect(elsewhere.statusCode).toBe(403);
  });

  it('refuse a registration that answers no challenge of theirs, and someone else’s removal', async () => {
    const a = await user();
    const bogus = await call('POST', '/api/v1/me/passkeys', {
      user: a,
      body: { response: { id: 'x', response: { clientDataJSON: 'e30' } } },
    });
    expect(bogus.statusCode).toBe(422);
    const gone = await call('DELETE', '/api/v1/me/passkeys/someone-elses', { user: a });
    expect(gone.statusCode).toBe(404);
  });
});
