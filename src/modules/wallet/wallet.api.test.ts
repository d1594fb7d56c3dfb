import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';

const t = await useTestApp({ HEBAO_LIMIT_PER_TRANSFER: '100000', HEBAO_LIMIT_DAILY: '150000' });
const { call, user, balance } = api(t);

/** Ledger transfers touching the user's accounts (other test files share the database). */
async function transferCount(u: TestUser): Promise<number> {
  const { rows } = await t.services.db.query(
    `SELECT count(*)::int AS n FROM ledger_transfers t
       JOIN ledger_accounts d ON d.id = t.debit_account_id
       JOIN ledger_accounts c ON c.id = t.credit_account_id
      WHERE d.code LIKE $1 OR c.code LIKE $1`,
    [`user:${u.id}:%`],
  );
  return rows[0].n;
}

const send = (
  from: TestUser,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) => call('POST', '/api/v1/transfers', { user: from, body, headers });

describe('top-up and balance', () => {
  it('shows an empty CNY balance for a new user', async () => {
    const u = await user({ verified: false });
    const res = await call('GET', '/api/v1/wallet', { user: u });
    expect(res.json()).toEqual({
      balances: [{ currency: 'CNY', available: 0, pending: 0, held: 0 }],
    });
  });

  it('tops up through the sandbox bank, per currency', async () => {
    const u = await user({ verified: false });
    const res = await call('POST', '/api/v1/wallet/topups', { user: u, body: { amount: 12_345 } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'succeeded', amount: 12_345, currency: 'CNY' });
    await call('POST', '/api/v1/wallet/topups', {
      user: u,
      body: { amount: 500, currency: 'JPY' },
    });
    expect(await balance(u)).toBe(12_345);
    expect(await balance(u, 'JPY')).toBe(500);
  });

  it('reports a declined top-up and moves nothing', async () => {
    const u = await user({ verified: false });
    t.services.bank.setMode({ kind: 'fail' });
    try {
      const res = await call('POST', '/api/v1/wallet/topups', { user: u, body: { amount: 100 } });
      expect(res.statusCode).toBe(402);
      expect(res.json().code).toBe('bank_declined');
    } finally {
      t.services.bank.setMode({ kind: 'succeed' });
    }
    expect(await balance(u)).toBe(0);
  });
});

describe('bad input on money endpoints changes nothing', () => {
  const shapes: [string, unknown, string?][] = [
    ['float', { amount: 10.5 }],
    ['string', { amount: '100' }],
    ['negative', { amount: -100 }],
    ['zero', { amount: 0 }],
    ['huge', { amount: 2 ** 60 }],
    ['above MAX_SAFE_INTEGER', { amount: Number.MAX_SAFE_INTEGER + 2 }],
    ['exponent', { amount: 1e30 }],
    ['null', { amount: null }],
    ['missing', {}],
    ['unknown field', { amount: 100, bonus: 1 }],
    ['unknown currency', { amount: 100, currency: 'XXX' }],
    ['array', [100]],
  ];

  it.each(['/api/v1/wallet/topups', '/api/v1/wallet/withdrawals', '/api/v1/transfers'])(
    '%s',
    async (url) => {
      const u = await user({ balance: 10_000 });
      const other = await user();
      const before = await transferCount(u);
      for (const [name, shape] of shapes) {
        const body =
          url === '/api/v1/transfers' && !Array.isArray(shape)
            ? { to: { userId: other.id }, ...(shape as object) }
            : shape;
        const res = await call('POST', url, { user: u, body });
        expect(res.statusCode, name).toBe(422);
        expect(res.json().code, name).toBe('validation_error');
      }
      const malformed = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...u.auth, 'content-type': 'application/json' },
        payload: '{"amount": 10',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().code).toBe('malformed_json');
      const form = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...u.auth, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'amount=100',
      });
      expect(form.statusCode).toBe(415);
      const text = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...u.auth, 'content-type': 'text/plain' },
        payload: '100',
      });
      expect(text.statusCode).toBe(415);
      expect(await transferCount(u)).toBe(before);
      expect(await balance(u)).toBe(10_000);
    },
  );

  it('refuses amounts above the configured limits with validation_error', async () => {
    const u = await user({ balance: 10_000 });
    const other = await user();
    const big = await call('POST', '/api/v1/wallet/topups', {
      user: u,
      body: { amount: t.config.wallet.maxTopupAmount + 1 },
    });
    expect(big.statusCode).toBe(422);
    const perTransfer = await send(u, { to: { userId: other.id }, amount: 100_001 });
    expect(perTransfer.statusCode).toBe(422);
    expect(await balance(u)).toBe(10_000);
  });
});

describe('transfers', () => {
  it('moves money between users, by id or phone, with a note', async () => {
    const a = await user({ balance: 10_000 });
    const b = await user();
    const res = await send(a, {
      to: { phone: b.phone },
      amount: 2_500,
      note: '晚饭 🍜',
      visibility: 'public',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      status: 'completed',
      amount: 2_500,
      currency: 'CNY',
      from: { userId: a.id },
      to: { userId: b.id },
      note: '晚饭 🍜',
      visibility: 'public',
    });
    expect(await balance(a)).toBe(7_500);
    expect(await balance(b)).toBe(2_500);
  });

  it('needs verification to send money out', async () => {
    const a = await user({ verified: false, balance: 1_000 });
    const b = await user();
    const res = await send(a, { to: { userId: b.id }, amount: 100 });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('verification_required');
    const w = await call('POST', '/api/v1/wallet/withdrawals', { user: a, body: { amount: 100 } });
    expect(w.json().code).toBe('verification_required');
    expect(await balance(a)).toBe(1_000);
  });

  it('refuses self-transfers, unknown receivers and blocked pairs', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    expect((await send(a, { to: { userId: a.id }, amount: 100 })).statusCode).toBe(422);
    expect((await send(a, { to: { phone: '13012345678' }, amount: 100 })).statusCode).toBe(404);
    await t.services.db.query('INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)', [
      b.id,
      a.id,
    ]);
    const blocked = await send(a, { to: { userId: b.id }, amount: 100 });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('blocked');
    expect(await balance(a)).toBe(1_000);
  });

  it('by phone, a user hidden from phone search looks like an unregistered number to strangers', async () => {
    const a = await user({ balance: 1_000 });
    const hidden = await user();
    const friend = await user({ balance: 1_000 });
    const hide = await call('PATCH', '/api/v1/me/privacy', {
      user: hidden,
      body: { findableByPhone: false },
    });
    expect(hide.statusCode, hide.body).toBe(200);
    const sent = await call('POST', '/api/v1/friends/requests', {
      user: friend,
      body: { userId: hidden.id },
    });
    await call('POST', `/api/v1/friends/requests/${sent.json().id}/accept`, { user: hidden });

    const unregistered = await send(a, { to: { phone: '13012345679' }, amount: 100 });
    const refused = await send(a, { to: { phone: hidden.phone }, amount: 100 });
    expect(unregistered.statusCode).toBe(404);
    expect(refused.statusCode).toBe(404);
    expect(refused.headers['content-type']).toBe(unregistered.headers['content-type']);
    expect(refused.json()).toEqual(unregistered.json());
    // Even a stranger the hidden user blocked learns nothing more.
    await t.services.db.query('INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)', [
      hidden.id,
      a.id,
    ]);
    expect((await send(a, { to: { phone: hidden.phone }, amount: 100 })).json()).toEqual(
      unregistered.json(),
    );
    expect(await balance(a)).toBe(1_000);

    // A friend still reaches them by phone, and anyone by id.
    const byFriend = await send(friend, { to: { phone: hidden.phone }, amount: 100 });
    expect(byFriend.statusCode, byFriend.body).toBe(201);
    const c = await user({ balance: 1_000 });
    expect((await send(c, { to: { userId: hidden.id }, amount: 100 })).statusCode).toBe(201);
  });

  it('refuses to overdraw and moves nothing', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const res = await send(a, { to: { userId: b.id }, amount: 1_001 });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('insufficient_funds');
    expect(await balance(a)).toBe(1_000);
    expect(await balance(b)).toBe(0);
  });

  it('asks for the PIN once one is set', async () => {
    const a = await user({ balance: 1_000, pin: '739104' });
    const b = await user();
    const missing = await send(a, { to: { userId: b.id }, amount: 100 });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('pin_invalid');
    const wrong = await send(a, { to: { userId: b.id }, amount: 100, pin: '280517' });
    expect(wrong.json()).toMatchObject({ code: 'pin_invalid', triesLeft: 4 });
    expect((await send(a, { to: { userId: b.id }, amount: 100, pin: '739104' })).statusCode).toBe(
      201,
    );
    expect(await balance(a)).toBe(900);
  });

  it('keeps payments locked for 180 minutes after five wrong PINs, and no longer', async () => {
    const a = await user({ balance: 1_000, pin: '739104' });
    const b = await user();
    const withPin = (pin: string) => send(a, { to: { userId: b.id }, amount: 100, pin });
    for (let i = 0; i < 5; i++) {
      expect((await withPin(`28051${i}`)).json().code).toBe(i < 4 ? 'pin_invalid' : 'pin_locked');
    }
    t.clock.advance(179 * 60_000);
    const still = await withPin('739104');
    expect(still.statusCode).toBe(423);
    expect(still.json().code).toBe('pin_locked');
    t.clock.advance(60_000);
    expect((await withPin('739104')).statusCode).toBe(201);
    expect(await balance(b)).toBe(100);
  });

  it('enforces the daily limit under concurrency', async () => {
    const a = await user({ balance: 1_000_000 });
    const b = await user();
    // Daily limit 150,000: of 8 concurrent transfers of 40,000, exactly 3 fit.
    const results = await Promise.all(
      Array.from({ length: 8 }, () => send(a, { to: { userId: b.id }, amount: 40_000 })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.statusCode !== 201);
    expect(refused.map((r) => [r.statusCode, r.json().code])).toEqual(
      refused.map(() => [409, 'limit_exceeded']),
    );
    expect(await balance(b)).toBe(120_000);
    // A new day brings a new allowance.
    t.clock.advance(24 * 3600_000);
    expect((await send(a, { to: { userId: b.id }, amount: 40_000 })).statusCode).toBe(201);
  });

  it('counts every currency against one daily limit, on value', async () => {
    const a = await user({ balance: 150_000 });
    const top = await call('POST', '/api/v1/wallet/topups', {
      user: a,
      body: { amount: 100_000, currency: 'USD' },
    });
    expect(top.statusCode).toBe(201);
    const b = await user();
    expect((await send(a, { to: { userId: b.id }, amount: 100_000 })).statusCode).toBe(201);
    expect((await send(a, { to: { userId: b.id }, amount: 50_000 })).statusCode).toBe(201);
    // The CNY limit is used up: the same day, USD (or any currency) goes out no more.
    const usd = await send(a, { to: { userId: b.id }, amount: 100, currency: 'USD' });
    expect(usd.statusCode).toBe(409);
    expect(usd.json().code).toBe('limit_exceeded');
    expect(await balance(b, 'USD')).toBe(0);
    expect(await balance(a, 'USD')).toBe(100_000);
  });

  it('holds foreign amounts to the limits at their value in CNY', async () => {
    const a = await user();
    await call('POST', '/api/v1/wallet/topups', {
      user: a,
      body: { amount: 100_000, currency: 'USD' },
    });
    const b = await user();
    // USD 200 is worth more than the per-transfer limit of CNY 1,000 (USD = 7.5 by default).
    const big = await send(a, { to: { userId: b.id }, amount: 20_000, currency: 'USD' });
    expect(big.statusCode).toBe(422);
    // USD 100 counts as CNY 750 against the daily CNY 1,500.
    expect(
      (await send(a, { to: { userId: b.id }, amount: 10_000, currency: 'USD' })).statusCode,
    ).toBe(201);
    expect(
      (await send(a, { to: { userId: b.id }, amount: 10_001, currency: 'USD' })).json().code,
    ).toBe('limit_exceeded');
    expect(
      (await send(a, { to: { userId: b.id }, amount: 10_000, currency: 'USD' })).statusCode,
    ).toBe(201);
    expect(await balance(b, 'USD')).toBe(20_000);
  });

  it('allows a transfer of exactly the per-transfer limit', async () => {
    const a = await user({ balance: 100_000 });
    const b = await user();
    const res = await send(a, { to: { userId: b.id }, amount: 100_000 });
    expect(res.statusCode, res.body).toBe(201);
    expect(await balance(b)).toBe(100_000);
  });

  it('never overdraws a wallet under racing transfers', async () => {
    const a = await user({ balance: 1_000 });
    const receivers = await Promise.all([user(), user(), user()]);
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        send(a, { to: { userId: receivers[i % 3]!.id }, amount: 100 }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(10);
    expect(results.filter((r) => r.json().code === 'insufficient_funds')).toHaveLength(15);
    expect(await balance(a)).toBe(0);
    const received = await Promise.all(receivers.map((r) => balance(r)));
    expect(received.reduce((x, y) => x + y, 0)).toBe(1_000);
  });
});

describe('idempotency', () => {
  it('replays the first response without moving money again', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const body = { to: { userId: b.id }, amount: 300 };
    const key = { 'idempotency-key': `k-${Date.now()}` };
    const first = await send(a, body, key);
    const replays = await Promise.all([send(a, body, key), send(a, body, key)]);
    expect(first.statusCode).toBe(201);
    for (const r of replays) {
      // A concurrent duplicate may be told the first is still in flight; none moves money.
      if (r.statusCode === 201) expect(r.json().id).toBe(first.json().id);
      else expect(r.json().code).toBe('conflict');
    }
    const later = await send(a, body, key);
    expect(later.statusCode).toBe(201);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.json()).toEqual(first.json());
    expect(await balance(a)).toBe(700);
  });

  it('refuses the same key with another body', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const key = { 'idempotency-key': `k2-${Date.now()}` };
    expect((await send(a, { to: { userId: b.id }, amount: 300 }, key)).statusCode).toBe(201);
    const other = await send(a, { to: { userId: b.id }, amount: 301 }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('idempotency_conflict');
    expect(await balance(a)).toBe(700);
  });

  it('replays a refusal too, and keys are per user', async () => {
    const a = await user({ balance: 100 });
    const b = await user({ balance: 1_000 });
    const key = { 'idempotency-key': 'shared-key' };
    const refused = await send(a, { to: { userId: b.id }, amount: 500 }, key);
    expect(refused.json().code).toBe('insufficient_funds');
    await call('POST', '/api/v1/wallet/topups', { user: a, body: { amount: 1_000 } });
    const again = await send(a, { to: { userId: b.id }, amount: 500 }, key);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('insufficient_funds');
    // The same key from another user is another request.
    expect((await send(b, { to: { userId: a.id }, amount: 500 }, key)).statusCode).toBe(201);
  });

  it('makes top-ups idempotent', async () => {
    const a = await user({ verified: false });
    const key = { 'idempotency-key': `top-${Date.now()}` };
    const r1 = await call('POST', '/api/v1/wallet/topups', {
      user: a,
      body: { amount: 700 },
      headers: key,
    });
    const r2 = await call('POST', '/api/v1/wallet/topups', {
      user: a,
      body: { amount: 700 },
      headers: key,
    });
    expect(r2.json().id).toBe(r1.json().id);
    expect(await balance(a)).toBe(700);
  });
});

describe('published limits', () => {
  it('tells a signed-in client the limits it will be held to', async () => {
    const u = await user({ verified: false });
    const res = await call('GET', '/api/v1/limits', { user: u });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      transfer: { perTransfer: 100_000, daily: 150_000 },
      topUp: { max: t.config.wallet.maxTopupAmount },
      redPackets: { maxCount: 100, expiryHours: 24 },
      ious: { maxRateBps: 2400 },
    });
    expect((await call('GET', '/api/v1/limits')).statusCode).toBe(401);
  });
});

describe('transfers that wait for acceptance', () => {
  it('holds the money until the receiver accepts', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const res = await send(a, { to: { userId: b.id }, amount: 400, requireAcceptance: true });
    expect(res.json()).toMatchObject({ status: 'pending' });
    const id = res.json().id as string;
    expect((await call('GET', '/api/v1/wallet', { user: b })).json().balances[0]).toMatchObject({
      available: 0,
      pending: 400,
    });
    expect((await call('GET', '/api/v1/wallet', { user: a })).json().balances[0]).toMatchObject({
      available: 600,
      held: 400,
    });
    // Only the receiver may accept.
    expect((await call('POST', `/api/v1/transfers/${id}/accept`, { user: a })).statusCode).toBe(
      404,
    );
    const accepted = await call('POST', `/api/v1/transfers/${id}/accept`, { user: b });
    expect(accepted.json()).toMatchObject({ status: 'completed' });
    expect(await balance(b)).toBe(400);
    expect((await call('POST', `/api/v1/transfers/${id}/decline`, { user: b })).statusCode).toBe(
      409,
    );
  });

  it('lists only what still waits with ?status=pending, and names the sender in the notification', async () => {
    const a = await user({ balance: 1_000, nickname: 'Pending Pat' });
    const b = await user();
    const waiting = (
      await send(a, { to: { userId: b.id }, amount: 100, requireAcceptance: true })
    ).json().id as string;
    const taken = (
      await send(a, { to: { userId: b.id }, amount: 200, requireAcceptance: true })
    ).json().id as string;
    await send(a, { to: { userId: b.id }, amount: 300 });
    expect((await call('POST', `/api/v1/transfers/${taken}/accept`, { user: b })).statusCode).toBe(
      200,
    );
    for (const u of [a, b]) {
      const res = await call('GET', '/api/v1/transactions?status=pending', { user: u });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().items.map((i: { id: string }) => i.id)).toEqual([waiting]);
    }
    const all = await call('GET', '/api/v1/transactions', { user: b });
    expect(all.json().items).toHaveLength(3);
    expect((await call('GET', '/api/v1/transactions?status=done', { user: b })).statusCode).toBe(
      422,
    );
    const { rows } = await t.services.db.query(
      `SELECT data FROM notifications WHERE user_id = $1 AND kind = 'transfer.received'`,
      [b.id],
    );
    expect(rows.map((r) => r.data.fromNickname)).toEqual(['Pending Pat']);
  });

  it('refunds on decline', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const id = (
      await send(a, { to: { userId: b.id }, amount: 400, requireAcceptance: true })
    ).json().id;
    expect((await call('POST', `/api/v1/transfers/${id}/decline`, { user: b })).json().status).toBe(
      'refunded',
    );
    expect(await balance(a)).toBe(1_000);
  });

  it('refunds automatically after 24 hours, once', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const id = (
      await send(a, { to: { userId: b.id }, amount: 400, requireAcceptance: true })
    ).json().id;
    t.clock.advance(23 * 3600_000);
    await t.services.ledger.expireDuePending();
    expect(await balance(a)).toBe(600);
    t.clock.advance(3600_000 + 1000);
    const late = await call('POST', `/api/v1/transfers/${id}/accept`, { user: b });
    expect(late.statusCode).toBe(410);
    expect(late.json().code).toBe('expired');
    // Two sweeps at once (two server processes) refund exactly once.
    await Promise.all([t.services.ledger.expireDuePending(), t.services.ledger.expireDuePending()]);
    expect(await balance(a)).toBe(1_000);
    expect(await balance(b)).toBe(0);
    const history = (await call('GET', '/api/v1/transactions', { user: a })).json().items as {
      id: string;
      status: string;
    }[];
    expect(history.find((h) => h.id === id)?.status).toBe('refunded');
  });
});

describe('withdrawals', () => {
  it('pays out through the bank', async () => {
    const a = await user({ balance: 1_000 });
    const res = await call('POST', '/api/v1/wallet/withdrawals', {
      user: a,
      body: { amount: 600 },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'succeeded', amount: 600 });
    expect(await balance(a)).toBe(400);
  });

  it('asks for the PIN once one is set', async () => {
    const a = await user({ balance: 1_000, pin: '739104' });
    const w = (body: Record<string, unknown>) =>
      call('POST', '/api/v1/wallet/withdrawals', { user: a, body });
    const missing = await w({ amount: 600 });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('pin_invalid');
    const wrong = await w({ amount: 600, pin: '280517' });
    expect(wrong.json()).toMatchObject({ code: 'pin_invalid', triesLeft: 4 });
    expect(await balance(a)).toBe(1_000);
    const right = await w({ amount: 600, pin: '739104' });
    expect(right.statusCode).toBe(201);
    expect(await balance(a)).toBe(400);
  });

  it('refunds when the bank declines', async () => {
    const a = await user({ balance: 1_000 });
    t.services.bank.setMode({ kind: 'fail' });
    try {
      const res = await call('POST', '/api/v1/wallet/withdrawals', {
        user: a,
        body: { amount: 600 },
      });
      expect(res.json()).toMatchObject({ status: 'failed' });
    } finally {
      t.services.bank.setMode({ kind: 'succeed' });
    }
    expect(await balance(a)).toBe(1_000);
  });

  it('stays pending while the bank is slow, then settles by the job', async () => {
    const a = await user({ balance: 1_000 });
    t.services.bank.setMode({ kind: 'delay', ms: 60_000 });
    let id: string;
    try {
      const res = await call('POST', '/api/v1/wallet/withdrawals', {
        user: a,
        body: { amount: 600 },
      });
      expect(res.json()).toMatchObject({ status: 'pending' });
      id = res.json().id;
    } finally {
      t.services.bank.setMode({ kind: 'succeed' });
    }
    expect((await call('GET', '/api/v1/wallet', { user: a })).json().balances[0]).toMatchObject({
      available: 400,
      held: 600,
    });
    await t.services.wallet.settlePendingWithdrawals();
    expect((await call('GET', `/api/v1/wallet/withdrawals/${id}`, { user: a })).json().status).toBe(
      'pending',
    );
    t.clock.advance(61_000);
    await t.services.wallet.settlePendingWithdrawals();
    expect((await call('GET', `/api/v1/wallet/withdrawals/${id}`, { user: a })).json().status).toBe(
      'succeeded',
    );
    expect((await call('GET', '/api/v1/wallet', { user: a })).json().balances[0]).toMatchObject({
      available: 400,
      held: 0,
    });
    const stranger = await user();
    expect(
      (await call('GET', `/api/v1/wallet/withdrawals/${id}`, { user: stranger })).statusCode,
    ).toBe(404);
  });
});

describe('history, statements and export', () => {
  it('shows only the caller’s entries, with counterparty and note, paginated', async () => {
    const a = await user({ balance: 10_000, nickname: 'Alice' });
    const b = await user({ nickname: 'Bob' });
    const c = await user({ balance: 100 });
    const d = await user();
    for (let i = 1; i <= 5; i++)
      await send(a, { to: { userId: b.id }, amount: i * 10, note: `n${i}` });
    // Entries of other users, one of them with a's counterparty: a must see neither.
    const others = [
      await send(c, { to: { userId: b.id }, amount: 1 }),
      await send(c, { to: { userId: d.id }, amount: 2 }),
    ];
    expect(others.map((r) => r.statusCode)).toEqual([201, 201]);
    const all = (await call('GET', '/api/v1/transactions?limit=100', { user: a })).json();
    expect(all.items).toHaveLength(6);
    const ids = (all.items as { id: string }[]).map((x) => x.id);
    for (const r of others) expect(ids).not.toContain(r.json().id);
    const page1 = await call('GET', '/api/v1/transactions?limit=3', { user: a });
    const p1 = page1.json();
    expect(p1.items).toHaveLength(3);
    expect(p1.items[0]).toMatchObject({
      type: 'transfer',
      direction: 'out',
      amount: 50,
      note: 'n5',
      counterparty: { userId: b.id, nickname: 'Bob' },
    });
    const page2 = (
      await call('GET', `/api/v1/transactions?limit=3&cursor=${p1.nextCursor}`, { user: a })
    ).json();
    expect(page2.items.map((x: { amount: number }) => x.amount)).toEqual([20, 10, 10_000]);
    expect(page2.nextCursor).toBeNull();
    const onlyTransfers = (
      await call('GET', '/api/v1/transactions?type=transfer', { user: a })
    ).json();
    expect(onlyTransfers.items).toHaveLength(5);
    const bSide = (await call('GET', '/api/v1/transactions', { user: b })).json();
    expect(bSide.items.every((x: { direction: string }) => x.direction === 'in')).toBe(true);
    expect(bSide.items[0].counterparty.userId).toBe(c.id);
    expect(bSide.items[1].counterparty.nickname).toBe('Alice');
    expect((await call('GET', '/api/v1/transactions?cursor=garbage', { user: a })).statusCode).toBe(
      422,
    );
  });

  it('never shows one user another user’s transaction by id', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user();
    const eve = await user();
    const id = (await send(a, { to: { userId: b.id }, amount: 100 })).json().id;
    expect((await call('GET', `/api/v1/transactions/${id}`, { user: a })).statusCode).toBe(200);
    expect((await call('GET', `/api/v1/transactions/${id}`, { user: b })).json().direction).toBe(
      'in',
    );
    const peek = await call('GET', `/api/v1/transactions/${id}`, { user: eve });
    expect(peek.statusCode).toBe(404);
    expect((await call('GET', '/api/v1/transactions', { user: eve })).json().items).toEqual([]);
  });

  it('gives a monthly statement and a CSV export', async () => {
    const a = await user({ balance: 5_000 });
    const b = await user();
    await send(a, { to: { userId: b.id }, amount: 1_200, note: '=cmd|calc' });
    const month = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
    })
      .format(t.clock.now())
      .slice(0, 7);
    const st = (await call('GET', `/api/v1/statements/${month}`, { user: a })).json();
    expect(st).toMatchObject({
      openingBalance: 0,
      totalIn: 5_000,
      totalOut: 1_200,
      closingBalance: 3_800,
      count: 2,
    });
    expect((await call('GET', '/api/v1/statements/2026-13', { user: a })).statusCode).toBe(422);
    const csv = await call('GET', '/api/v1/transactions.csv', { user: a });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    // A note that looks like a formula is neutralised.
    expect(lines[1]).toContain("'=cmd|calc");
  });
});
