import { describe, expect, it } from 'vitest';
import {
  api,
  freshIdNumber,
  freshPhone,
  startTestApp,
  type TestUser,
  useTestApp,
} from '../../../test/support/app.ts';

const t = await useTestApp();
const { call, user, verifyPhone } = api(t);

const requestCode = (phone: string, purpose: 'verify' | 'reset' = 'verify') =>
  call('POST', '/api/v1/auth/phone-codes', { body: { phone, purpose } });
const submitCode = (u: TestUser, code: unknown) =>
  call('POST', '/api/v1/me/phone-verification', { user: u, body: { code } });
const wrongOf = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('phone codes', () => {
  it('texts a six-digit code that verifies the phone once, and is stored only as a keyed hash', async () => {
    const u = await user({ phoneVerified: false, verified: false });
    expect((await call('GET', '/api/v1/me', { user: u })).json().phoneVerified).toBe(false);
    const sent = await requestCode(u.phone);
    expect(sent.statusCode, sent.body).toBe(202);
    const code = t.services.sms.lastCodeTo(u.phone)!;
    expect(code).toMatch(/^\d{6}$/);
    const { rows } = await t.services.db.query(
      `SELECT code_hash FROM phone_codes WHERE phone = $1 AND purpose = 'verify'`,
      [`+86${u.phone}`],
    );
    expect(Buffer.from(rows[0].code_hash).toString('hex')).not.toContain(
      Buffer.from(code).toString('hex'),
    );
    expect(Buffer.from(rows[0].code_hash)).toHaveLength(32);

    const ok = await submitCode(u, code);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: u.id, phoneVerified: true, verified: false });
    // Used up: the same code does not verify another attempt after a fresh registration flow.
    const { rows: used } = await t.services.db.query(
      `SELECT code_hash FROM phone_codes WHERE phone = $1 AND purpose = 'verify'`,
      [`+86${u.phone}`],
    );
    expect(used[0].code_hash).toBeNull();
  });

  it('refuses a wrong code with 422, and after five wrong tries refuses the right one too', async () => {
    const u = await user({ phoneVerified: false, verified: false });
    await requestCode(u.phone);
    const code = t.services.sms.lastCodeTo(u.phone)!;
    for (let i = 0; i < 5; i++) {
      const wrong = await submitCode(u, wrongOf(code));
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json()).toMatchObject({ code: 'validation_error', field: 'code' });
    }
    expect((await submitCode(u, code)).statusCode).toBe(422);
    for (const bad of ['12345', '1234567', 'abcdef', 123456]) {
      expect((await submitCode(u, bad)).statusCode, String(bad)).toBe(422);
    }
    expect((await call('GET', '/api/v1/me', { user: u })).json().phoneVerified).toBe(false);
    // A new code (after the resend wait) works again.
    t.clock.advance(61_000);
    await requestCode(u.phone);
    expect((await submitCode(u, t.services.sms.lastCodeTo(u.phone))).statusCode).toBe(200);
  });

  it('lets five parallel wrong guesses use up the tries, never more', async () => {
    const u = await user({ phoneVerified: false, verified: false });
    await requestCode(u.phone);
    const code = t.services.sms.lastCodeTo(u.phone)!;
    const guesses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => submitCode(u, wrongOf(String(Number(code) + i)))),
    );
    expect(guesses.every((g) => g.statusCode === 422)).toBe(true);
    const { rows } = await t.services.db.query(
      `SELECT failed_count FROM phone_codes WHERE phone = $1 AND purpose = 'verify'`,
      [`+86${u.phone}`],
    );
    expect(rows[0].failed_count).toBe(5);
    expect((await submitCode(u, code)).statusCode).toBe(422);
  });

  it('lets a code expire after five minutes', async () => {
    const u = await user({ phoneVerified: false, verified: false });
    await requestCode(u.phone);
    t.clock.advance(5 * 60_000 + 1000);
    const late = await submitCode(u, t.services.sms.lastCodeTo(u.phone));
    expect(late.statusCode).toBe(422);
  });

  it('answers an unregistered or already verified number the same, and texts it nothing', async () => {
    const stranger = freshPhone();
    const res = await requestCode(stranger);
    expect(res.statusCode).toBe(202);
    expect(t.services.sms.messagesTo(stranger)).toHaveLength(0);
    const done = await user({ verified: false });
    const before = t.services.sms.messagesTo(done.phone).length;
    t.clock.advance(61_000);
    expect((await requestCode(done.phone)).statusCode).toBe(202);
    expect(t.services.sms.messagesTo(done.phone)).toHaveLength(before);
    expect((await requestCode('12345')).json()).toMatchObject({
      code: 'validation_error',
      field: 'phone',
    });
    const purpose = await call('POST', '/api/v1/auth/phone-codes', {
      body: { phone: stranger, purpose: 'admin' },
    });
    expect(purpose.statusCode).toBe(422);
  });

  it('limits codes per number: one a minute, five an hour, registered or not (429 with Retry-After)', async () => {
    for (const phone of [
      (await user({ phoneVerified: false, verified: false })).phone,
      freshPhone(),
    ]) {
      expect((await requestCode(phone)).statusCode).toBe(202);
      const again = await requestCode(phone);
      expect(again.statusCode).toBe(429);
      expect(again.json().code).toBe('rate_limited');
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(again.headers['retry-after'])).toBeLessThanOrEqual(60);
      for (let i = 0; i < 4; i++) {
        t.clock.advance(61_000);
        expect((await requestCode(phone)).statusCode).toBe(202);
      }
      t.clock.advance(61_000);
      const sixth = await requestCode(phone);
      expect(sixth.statusCode).toBe(429);
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(60);
      t.clock.advance(3600_000);
      expect((await requestCode(phone)).statusCode).toBe(202);
    }
  });

  it('limits codes per client address across numbers', async () => {
    const limited = await startTestApp({ HEBAO_RATE_PHONE_CODES: '3' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/phone-codes',
          remoteAddress: '198.51.100.7',
          payload: { phone: freshPhone(), purpose: 'verify' },
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) expect(res.json().code).toBe('rate_limited');
      }
      expect(codes).toEqual([202, 202, 202, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('uses HEBAO_SMS_SANDBOX_CODE as the code when it is set', async () => {
    const fixed = await startTestApp({ HEBAO_SMS_SANDBOX_CODE: '482916' });
    try {
      const u = await api(fixed).user({ phoneVerified: false, verified: false });
      await api(fixed).call('POST', '/api/v1/auth/phone-codes', {
        body: { phone: u.phone, purpose: 'verify' },
      });
      expect(fixed.services.sms.lastCodeTo(u.phone)).toBe('482916');
      const ok = await api(fixed).call('POST', '/api/v1/me/phone-verification', {
        user: u,
        body: { code: '482916' },
      });
      expect(ok.statusCode).toBe(200);
    } finally {
      await fixed.close();
    }
  });
});

describe('money waits for a verified phone', () => {
  it('refuses real-name verification, and so every payment, until the phone is verified', async () => {
    const u = await user({ phoneVerified: false, verified: false, balance: 5000 });
    const friend = await user();
    const idNumber = freshIdNumber();
    const early = await call('POST', '/api/v1/me/verification', {
      user: u,
      body: { realName: '孙八', idNumber },
    });
    expect(early.statusCode).toBe(403);
    expect(early.json().code).toBe('verification_required');
    const pay = await call('POST', '/api/v1/transfers', {
      user: u,
      body: { to: { userId: friend.id }, amount: 100 },
    });
    expect(pay.statusCode).toBe(403);
    expect(pay.json().code).toBe('verification_required');
    const out = await call('POST', '/api/v1/wallet/withdrawals', {
      user: u,
      body: { amount: 100 },
    });
    expect(out.json().code).toBe('verification_required');

    await verifyPhone(u);
    const verified = await call('POST', '/api/v1/me/verification', {
      user: u,
      body: { realName: '孙八', idNumber },
    });
    expect(verified.statusCode, verified.body).toBe(200);
    const paid = await call('POST', '/api/v1/transfers', {
      user: u,
      body: { to: { userId: friend.id }, amount: 100 },
    });
    expect(paid.statusCode, paid.body).toBe(201);
  });

  it('keeps "verified" impossible without a verified phone, whoever writes the row', async () => {
    const u = await user({ phoneVerified: false, verified: false });
    await expect(
      t.services.db.query('UPDATE users SET verified_at = now() WHERE id = $1', [u.id]),
    ).rejects.toThrow(/users_verified_needs_phone/);
  });
});

describe('password reset', () => {
  it('sets a new password with a reset code, ends every session and proves the phone', async () => {
    const u = await user({ phoneVerified: false, verified: false });
    const other = await call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'correct horse', device: 'tablet' },
    });
    expect(other.statusCode).toBe(200);
    expect((await requestCode(u.phone, 'reset')).statusCode).toBe(202);
    const code = t.services.sms.lastCodeTo(u.phone)!;

    const reset = (body: Record<string, unknown>) =>
      call('POST', '/api/v1/auth/password-reset', { body: { phone: u.phone, ...body } });
    // A reset code does not verify the phone through the other door, and vice versa.
    expect((await submitCode(u, code)).statusCode).toBe(422);
    const wrong = await reset({ code: wrongOf(code), newPassword: 'new lotus leaf' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().field).toBe('code');
    const weak = await reset({ code, newPassword: 'password1' });
    expect(weak.statusCode).toBe(422);
    expect(weak.json()).toMatchObject({ field: 'newPassword', reason: 'common' });
    expect((await reset({ code, newPassword: 'new lotus leaf', extra: 1 })).statusCode).toBe(422);

    const done = await reset({ code, newPassword: 'new lotus leaf' });
    expect(done.statusCode, done.body).toBe(204);
    expect(done.body).toBe('');
    expect((await call('GET', '/api/v1/me', { user: u })).statusCode).toBe(401);
    const tablet = { authorization: `Bearer ${other.json().token}` };
    expect((await call('GET', '/api/v1/me', { headers: tablet })).statusCode).toBe(401);
    const old = await call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'correct horse' },
    });
    expect(old.statusCode).toBe(401);
    const fresh = await call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'new lotus leaf' },
    });
    expect(fresh.statusCode).toBe(200);
    const me = await call('GET', '/api/v1/me', {
      headers: { authorization: `Bearer ${fresh.json().token}` },
    });
    expect(me.json().phoneVerified).toBe(true);
    // The code is spent.
    expect((await reset({ code, newPassword: 'another lotus leaf' })).statusCode).toBe(422);
  });

  it('texts nothing for an unregistered number, and its reset changes nothing', async () => {
    const phone = freshPhone();
    expect((await requestCode(phone, 'reset')).statusCode).toBe(202);
    expect(t.services.sms.messagesTo(phone)).toHaveLength(0);
    const res = await call('POST', '/api/v1/auth/password-reset', {
      body: { phone, code: '000000', newPassword: 'new lotus leaf' },
    });
    expect(res.statusCode).toBe(422);
  });
});
