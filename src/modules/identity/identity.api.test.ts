import { hash as argonHash } from '@node-rs/argon2';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import {
  api,
  freshIdNumber,
  freshPhone,
  startTestApp,
  useTestApp,
} from '../../../test/support/app.ts';
import { newId } from '../../platform/ids.ts';
import { IdentityService } from './service.ts';
import { SandboxSmsChannel } from './sms-channel.ts';

const original = pg.Client.prototype.query;
const t = await useTestApp({ HEBAO_ADMIN_PHONES: '13000000999' });
const { call, user } = api(t);

describe('register and log in', () => {
  it('registers, masks the phone and refuses the same phone twice', async () => {
    const phone = freshPhone();
    const res = await call('POST', '/api/v1/auth/register', {
      body: { phone, password: 'long enough', nickname: '小明' },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json() as { token: string; user: Record<string, unknown> };
    expect(body.user).toMatchObject({
      phone: `${phone.slice(0, 3)}****${phone.slice(-4)}`,
      nickname: '小明',
      verified: false,
    });
    expect(body.token.length).toBeGreaterThan(30);
    const again = await call('POST', '/api/v1/auth/register', {
      body: { phone: `+86${phone}`, password: 'long enough', nickname: 'x' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
  });

  it('refuses bad input with validation_error and writes nothing', async () => {
    const phone = freshPhone();
    for (const body of [
      { phone, password: 'short', nickname: 'a' },
      { phone: '12345', password: 'long enough', nickname: 'a' },
      { phone, password: 'long enough', nickname: 'a', role: 'admin' },
      { phone, password: 'long enough' },
      { phone, password: 12345678, nickname: 'a' },
    ]) {
      const res = await call('POST', '/api/v1/auth/register', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('validation_error');
    }
    const login = await call('POST', '/api/v1/auth/login', {
      body: { phone, password: 'long enough' },
    });
    expect(login.statusCode).toBe(401);
  });

  it('logs in with the right password only', async () => {
    const u = await user({ verified: false });
    const wrong = await call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'wrong password' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('unauthorized');
    const right = await call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'correct horse' },
    });
    expect(right.statusCode).toBe(200);
    expect(right.json().user.id).toBe(u.id);
  });

  it('never stores the password or the token in the clear', async () => {
    const u = await user({ verified: false });
    const { rows } = await t.services.db.query(
      `SELECT u.password_hash, s.token_hash FROM users u JOIN sessions s ON s.user_id = u.id WHERE u.id = $1`,
      [u.id],
    );
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(Buffer.from(rows[0].token_hash).toString('base64url')).not.toBe(u.token);
  });
});

describe('sessions', () => {
  it('rejects missing and unknown tokens', async () => {
    expect((await call('GET', '/api/v1/me')).statusCode).toBe(401);
    const res = await call('GET', '/api/v1/me', {
      headers: { authorization: 'Bearer nonsense-nonsense-nonsense' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthorized');
  });

  it('logs out one session, and everywhere', async () => {
    const u = await user({ verified: false });
    const second = await call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'correct horse', device: 'tablet' },
    });
    const token2 = second.json().token as string;
    expect((await call('POST', '/api/v1/auth/logout', { user: u })).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/me', { user: u })).statusCode).toBe(401);
    const other = { authorization: `Bearer ${token2}` };
    expect((await call('GET', '/api/v1/me', { headers: other })).statusCode).toBe(200);
    expect((await call('POST', '/api/v1/auth/logout-all', { headers: other })).statusCode).toBe(
      204,
    );
    expect((await call('GET', '/api/v1/me', { headers: other })).statusCode).toBe(401);
  });

  it('lists my devices and signs one out remotely, but never another user’s', async () => {
    const u = await user({ verified: false });
    const phoneLogin = await call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'correct horse', device: 'phone' },
    });
    const list = await call('GET', '/api/v1/me/sessions', { user: u });
    const items = list.json().items as { id: string; device: string; current: boolean }[];
    expect(items).toHaveLength(2);
    expect(items.filter((i) => i.current)).toHaveLength(1);
    const phoneSession = items.find((i) => i.device === 'phone')!;

    const stranger = await user({ verified: false });
    const steal = await call('DELETE', `/api/v1/me/sessions/${phoneSession.id}`, {
      user: stranger,
    });
    expect(steal.statusCode).toBe(404);
    const phoneAuth = { authorization: `Bearer ${phoneLogin.json().token}` };
    expect((await call('GET', '/api/v1/me', { headers: phoneAuth })).statusCode).toBe(200);

    expect(
      (await call('DELETE', `/api/v1/me/sessions/${phoneSession.id}`, { user: u })).statusCode,
    ).toBe(204);
    expect((await call('GET', '/api/v1/me', { headers: phoneAuth })).statusCode).toBe(401);
  });

  it('accepts the session cookie, and demands the CSRF token for writes', async () => {
    const phone = freshPhone();
    const reg = await call('POST', '/api/v1/auth/register', {
      body: { phone, password: 'long enough', nickname: 'web' },
    });
    const cookies = Object.fromEntries(reg.cookies.map((c) => [c.name, c.value]));
    expect(reg.cookies.find((c) => c.name === 'hebao_session')?.httpOnly).toBe(true);
    const cookie = `hebao_session=${cookies.hebao_session}; hebao_csrf=${cookies.hebao_csrf}`;
    expect((await call('GET', '/api/v1/me', { headers: { cookie } })).statusCode).toBe(200);
    const noCsrf = await call('PUT', '/api/v1/me/pin', {
      headers: { cookie },
      body: { pin: '739104' },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().code).toBe('csrf_failed');
    const withCsrf = await call('PUT', '/api/v1/me/pin', {
      headers: { cookie, 'x-csrf-token': cookies.hebao_csrf! },
      body: { pin: '739104' },
    });
    expect(withCsrf.statusCode).toBe(204);
  });
});

describe('real-name verification', () => {
  it('verifies, derives birth date and gender, and masks', async () => {
    const u = await user({ verified: false });
    const res = await call('POST', '/api/v1/me/verification', {
      user: u,
      body: { realName: '王小明', idNumber: freshIdNumber() },
    });
    expect(res.statusCode).toBe(200);
    const me = res.json();
    expect(me.verified).toBe(true);
    expect(me.verification.realName).toBe('**明');
    expect(me.verification.idNumber).toMatch(/^1101\*{10}[\dX]{4}$/);
    expect(me.verification.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(['male', 'female']).toContain(me.verification.gender);
  });

  it('refuses invalid numbers with a reason and changes nothing', async () => {
    const u = await user({ verified: false });
    const good = freshIdNumber();
    const wrongCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    for (const idNumber of [
      wrongCheck,
      '110101202712310015',
      '11010119900230001X',
      '123',
      'abcdefghijklmnopqr',
    ]) {
      const res = await call('POST', '/api/v1/me/verification', {
        user: u,
        body: { realName: '李四', idNumber },
      });
      expect(res.statusCode, idNumber).toBe(422);
      expect(res.json().code).toBe('validation_error');
    }
    expect((await call('GET', '/api/v1/me', { user: u })).json().verified).toBe(false);
  });

  it('binds one identity to one account', async () => {
    const idNumber = freshIdNumber();
    const a = await user({ verified: false });
    const b = await user({ verified: false });
    expect(
      (
        await call('POST', '/api/v1/me/verification', {
          user: a,
          body: { realName: '赵六', idNumber },
        })
      ).statusCode,
    ).toBe(200);
    const res = await call('POST', '/api/v1/me/verification', {
      user: b,
      body: { realName: '赵六', idNumber: idNumber.toLowerCase() },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('conflict');
  });

  it('refuses a banned identity', async () => {
    const idNumber = freshIdNumber();
    await t.services.db.query(
      `INSERT INTO bans (id, kind, subject, reason) VALUES ($1, 'identity', $2, 'fraud')`,
      [newId(), t.services.identity.keyedHash('id', idNumber).toString('hex')],
    );
    const u = await user({ verified: false });
    const res = await call('POST', '/api/v1/me/verification', {
      user: u,
      body: { realName: '钱七', idNumber },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('banned');
  });
});

describe('payment PIN', () => {
  it('refuses weak PINs and needs the current PIN to change it', async () => {
    const u = await user();
    for (const pin of ['000000', '123456', '987654', '12345a']) {
      const res = await call('PUT', '/api/v1/me/pin', { user: u, body: { pin } });
      expect(res.statusCode, pin).toBe(422);
    }
    expect(
      (await call('PUT', '/api/v1/me/pin', { user: u, body: { pin: '739104' } })).statusCode,
    ).toBe(204);
    const noCurrent = await call('PUT', '/api/v1/me/pin', { user: u, body: { pin: '280517' } });
    expect(noCurrent.statusCode).toBe(403);
    expect(noCurrent.json().code).toBe('pin_invalid');
    const wrong = await call('PUT', '/api/v1/me/pin', {
      user: u,
      body: { pin: '280517', currentPin: '111222' },
    });
    expect(wrong.json().code).toBe('pin_invalid');
    expect(
      (
        await call('PUT', '/api/v1/me/pin', {
          user: u,
          body: { pin: '280517', currentPin: '739104' },
        })
      ).statusCode,
    ).toBe(204);
    expect((await call('GET', '/api/v1/me', { user: u })).json().hasPin).toBe(true);
  });

  it('locks payments after exactly five wrong PINs, even when guessed concurrently', async () => {
    const payer = await user({ pin: '739104', balance: 10_000 });
    const payee = await user();
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call('POST', '/api/v1/transfers', {
          user: payer,
          body: {
            to: { userId: payee.id },
            amount: 100,
            pin: String(100000 + i * 7919).slice(0, 6),
          },
        }),
      ),
    );
    const codes = guesses.map((g) => g.json().code);
    expect(codes.filter((c) => c === 'pin_invalid')).toHaveLength(4);
    expect(codes.filter((c) => c === 'pin_locked')).toHaveLength(8);
    expect(guesses.find((g) => g.json().code === 'pin_locked')!.statusCode).toBe(423);

    const right = await call('POST', '/api/v1/transfers', {
      user: payer,
      body: { to: { userId: payee.id }, amount: 100, pin: '739104' },
    });
    expect(right.statusCode).toBe(423);
    expect(await api(t).balance(payer)).toBe(10_000);

    t.clock.advance(3 * 3600_000 + 1000);
    const later = await call('POST', '/api/v1/transfers', {
      user: payer,
      body: { to: { userId: payee.id }, amount: 100, pin: '739104' },
    });
    expect(later.statusCode).toBe(201);
  });
});

describe('PIN MACs', () => {
  const transfer = (payer: Awaited<ReturnType<typeof user>>, to: string, pin: string) =>
    call('POST', '/api/v1/transfers', {
      user: payer,
      body: { to: { userId: to }, amount: 100, pin },
    });
  const stored = async (id: string) =>
    (
      await t.services.db.query<{ pin_hash: string; pin_failed_count: number }>(
        'SELECT pin_hash, pin_failed_count FROM users WHERE id = $1',
        [id],
      )
    ).rows[0]!;

  it('keeps the lock until the full 180 minutes, even against the right PIN', async () => {
    const payer = await user({ pin: '739104', balance: 10_000 });
    const payee = await user();
    for (const pin of ['111222', '111223', '111224', '111225']) {
      expect((await transfer(payer, payee.id, pin)).json()).toMatchObject({
        code: 'pin_invalid',
      });
    }
    const fifth = await transfer(payer, payee.id, '111226');
    expect(fifth.statusCode).toBe(423);
    const lockedUntil = Date.parse(fifth.json().lockedUntil as string);
    expect(lockedUntil - t.clock.now().getTime()).toBe(180 * 60_000);

    t.clock.advance(180 * 60_000 - 1000);
    const stillLocked = await transfer(payer, payee.id, '739104');
    expect(stillLocked.statusCode).toBe(423);
    expect(stillLocked.json().code).toBe('pin_locked');
    expect(await api(t).balance(payer)).toBe(10_000);

    t.clock.advance(2000);
    expect((await transfer(payer, payee.id, '739104')).statusCode).toBe(201);
    // A lock that ran out starts the count again: one wrong PIN leaves four tries.
    expect((await transfer(payer, payee.id, '111222')).json().triesLeft).toBe(4);
  });

  it('stores a keyed MAC that names its key, different for two users with one PIN', async () => {
    const a = await user({ pin: '739104' });
    const b = await user({ pin: '739104' });
    const [ha, hb] = [(await stored(a.id)).pin_hash, (await stored(b.id)).pin_hash];
    expect(ha).toMatch(/^hmac-sha256\$s0\$[A-Za-z0-9_-]{43}$/);
    expect(hb).not.toBe(ha);
    expect(ha).not.toContain('739104');
  });

  it('writes nothing for a right PIN with nothing to reset (no WAL flush per payment)', async () => {
    const payer = await user({ pin: '739104' });
    const version = async () =>
      (
        await t.services.db.query<{ v: string }>(
          'SELECT xmin::text AS v FROM users WHERE id = $1',
          [payer.id],
        )
      ).rows[0]!.v;
    const before = await version();
    await t.services.identity.checkPin(payer.id, '739104');
    await t.services.identity.checkPin(payer.id, '739104');
    expect(await version()).toBe(before);
    await expect(t.services.identity.checkPin(payer.id, '280517')).rejects.toMatchObject({
      code: 'pin_invalid',
    });
    const counted = await version();
    expect(counted).not.toBe(before);
    // The right PIN now has a count to reset: that one writes.
    await t.services.identity.checkPin(payer.id, '739104');
    expect(await version()).not.toBe(counted);
    expect((await stored(payer.id)).pin_failed_count).toBe(0);
  });

  it('upgrades an argon2id PIN to a MAC on the next correct entry, counting wrong ones', async () => {
    const payer = await user({ pin: '739104', balance: 10_000 });
    const payee = await user();
    const legacy = await argonHash('739104', { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await t.services.db.query('UPDATE users SET pin_hash = $2 WHERE id = $1', [payer.id, legacy]);

    const wrong = await transfer(payer, payee.id, '280517');
    expect(wrong.json()).toMatchObject({ code: 'pin_invalid', triesLeft: 4 });
    expect(await stored(payer.id)).toMatchObject({ pin_hash: legacy, pin_failed_count: 1 });

    expect((await transfer(payer, payee.id, '739104')).statusCode).toBe(201);
    const after = await stored(payer.id);
    expect(after.pin_hash).toMatch(/^hmac-sha256\$s0\$/);
    expect(after.pin_failed_count).toBe(0);
    expect((await transfer(payer, payee.id, '739104')).statusCode).toBe(201);
    expect((await transfer(payer, payee.id, '280517')).json().code).toBe('pin_invalid');
  });

  it('decides a right PIN in its turn on the row, not ahead of wrong ones in flight', async () => {
    const payer = await user({ pin: '739104' });
    const waiting = async () =>
      (
        await t.services.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%WITH attempt AS%'`,
        )
      ).rows[0]!.n;
    const decided: string[] = [];
    const settle = (p: Promise<void>, i: number) =>
      p
        .then(
          () => 'ok',
          (err: { code?: string }) => err.code ?? String(err),
        )
        .then((outcome) => {
          decided[i] = outcome;
          return outcome;
        });
    // Another attempt holds the row: everything sent now is in flight at once, as in a burst.
    const holder = await t.services.db.connect();
    const outcomes: Promise<string>[] = [];
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [payer.id]);
      const pins = ['111222', '111223', '111224', '111225', '111226', '739104'];
      for (const [i, pin] of pins.entries()) {
        outcomes.push(settle(t.services.identity.checkPin(payer.id, pin), i));
        for (let w = 0; (await waiting()) < i + 1; w++) {
          // A right PIN decided by a plain read would not wait: it would already be 'ok'.
          if (w > 300) throw new Error(`attempt ${i + 1} did not wait (${decided[i]})`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      expect(decided).toEqual([]);
    } finally {
      await holder.query('COMMIT');
      holder.release();
    }
    // PostgreSQL does not promise the waiters' order, but every order is a serial one: the
    // right PIN is accepted only if fewer than five wrong ones went before it (it then resets
    // the count, and the wrong ones after it count again).
    const results = await Promise.all(outcomes);
    const wrong = results.slice(0, 5);
    const count = (code: string) => wrong.filter((r) => r === code).length;
    if (results[5] === 'ok') {
      expect([count('pin_invalid'), count('pin_locked')]).toSatisfy(
        ([invalid, locked]: number[]) =>
          (invalid === 5 && locked === 0) || (invalid === 4 && locked === 1),
      );
    } else {
      expect(results[5]).toBe('pin_locked');
      expect([count('pin_invalid'), count('pin_locked')]).toEqual([4, 1]);
    }
  });

  it('holds no transaction or row lock while hashing a PIN, even an argon2id one', async () => {
    const payer = await user({ pin: '739104' });
    const legacy = await argonHash('739104', { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await t.services.db.query('UPDATE users SET pin_hash = $2 WHERE id = $1', [payer.id, legacy]);
    const sent: string[] = [];
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const q = args[0] as string | { text: string };
      sent.push(typeof q === 'string' ? q : q.text);
      return original.apply(this, args as never);
    } as never);
    try {
      await expect(t.services.identity.checkPin(payer.id, '111222')).rejects.toMatchObject({
        code: 'pin_invalid',
      });
      await t.services.identity.checkPin(payer.id, '739104');
      await t.services.identity.checkPin(payer.id, '739104');
    } finally {
      spy.mockRestore();
    }
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((q) => /^\s*BEGIN|FOR UPDATE/i.test(q))).toEqual([]);
    // Attempt + count, attempt + upgrade to a MAC, then one round trip for the MAC.
    expect(sent).toHaveLength(5);
  });

  it('rotates keys: an old key still verifies and is replaced by the current one', async () => {
    const payer = await user({ pin: '739104' });
    const options = {
      secret: t.config.secret,
      adminPhones: [],
      sessionDays: 30,
      pinMaxTries: 5,
      pinLockMinutes: 180,
      sms: new SandboxSmsChannel(t.clock),
      loginThrottle: { freeTries: 5, baseDelaySeconds: 30, maxDelaySeconds: 3600 },
    };
    const rotated = new IdentityService(t.services.db, t.clock, {
      ...options,
      pinKeys: [{ id: 'k2', secret: 'a new key of at least thirty-two characters' }],
    });
    await expect(rotated.checkPin(payer.id, '280517')).rejects.toMatchObject({
      code: 'pin_invalid',
    });
    expect((await stored(payer.id)).pin_hash).toMatch(/^hmac-sha256\$s0\$/);
    await rotated.checkPin(payer.id, '739104');
    expect((await stored(payer.id)).pin_hash).toMatch(/^hmac-sha256\$k2\$/);
    await rotated.checkPin(payer.id, '739104');
    // A process without the new key cannot check the PIN, and says so instead of counting a miss.
    const old = new IdentityService(t.services.db, t.clock, options);
    await expect(old.checkPin(payer.id, '739104')).rejects.toThrow(
      /PIN key "k2" is not configured/,
    );
    expect((await stored(payer.id)).pin_failed_count).toBe(0);
  });
});

describe('administration', () => {
  it('lets only admins verify the ledger; an admin phone counts once it is verified', async () => {
    const u = await user({ verified: false });
    const denied = await call('GET', '/api/v1/admin/ledger/verify', { user: u });
    expect(denied.statusCode).toBe(403);
    const reg = await call('POST', '/api/v1/auth/register', {
      body: { phone: '13000000999', password: 'admin password', nickname: 'ops' },
    });
    const admin = { authorization: `Bearer ${reg.json().token}` };
    // Whoever registers the number first is not an admin until the phone proves it is theirs.
    const squatter = await call('GET', '/api/v1/admin/ledger/verify', { headers: admin });
    expect(squatter.statusCode).toBe(403);
    await t.services.identity.promoteConfiguredAdmins();
    expect((await call('GET', '/api/v1/me', { headers: admin })).json().role).toBe('user');
    await api(t).verifyPhone({
      id: reg.json().user.id,
      token: reg.json().token,
      phone: '13000000999',
      auth: admin,
    });
    expect((await call('GET', '/api/v1/me', { headers: admin })).json().role).toBe('admin');
    const res = await call('GET', '/api/v1/admin/ledger/verify', { headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, problems: [] });
  });
});

describe('rate limits', () => {
  it('answers 429 rate_limited past the login limit', async () => {
    const limited = await startTestApp({ HEBAO_RATE_LOGIN: '3' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { phone: freshPhone(), password: 'whatever123' },
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) expect(res.json().code).toBe('rate_limited');
      }
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});
