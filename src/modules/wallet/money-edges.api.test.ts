import { describe, expect, it, vi } from 'vitest';
import { api, derivedKey, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { AccountFlags, MAX_BIGINT, transferIdFor } from '../ledger/index.ts';
import { fundingId, periodKey } from './daily-allowance.ts';

const t = await useTestApp({
  HEBAO_REDPACKET_DAILY: '10000',
  HEBAO_REDPACKET_EXPIRY_HOURS: '1',
  HEBAO_WITHDRAWAL_MAX_ATTEMPTS: '3',
  HEBAO_WITHDRAWAL_RETRY_SECONDS: '10',
  HEBAO_TOPUP_RECONCILE_SECONDS: '60',
});
const { call, user, balance } = api(t);
const db = t.services.db;
const bank = t.services.bank;

// Mid-morning in Shanghai, so that an hour later is still the same day.
t.clock.set(new Date('2027-03-01T02:00:00Z'));

async function notificationsOf(u: TestUser, kind: string) {
  const { rows } = await db.query(
    'SELECT data FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY seq',
    [u.id, kind],
  );
  return rows.map((r) => r.data);
}

const withdraw = (u: TestUser, amount: number) =>
  call('POST', '/api/v1/wallet/withdrawals', { user: u, body: { amount } });
const withdrawal = async (u: TestUser, id: string) =>
  (await call('GET', `/api/v1/wallet/withdrawals/${id}`, { user: u })).json();

describe('withdrawal settlement', () => {
  it('retries a withdrawal whose bank call fails on its own, then fails it and releases the money', async () => {
    const a = await user({ balance: 1_000 });
    const b = await user({ balance: 1_000 });
    // The bank cannot be reached for a's payout, only a's.
    bank.setFault((c) => (c.op.startsWith('payout') && c.amount === 777n ? 'throw' : undefined));
    bank.setMode({ kind: 'delay', ms: 5_000 });
    try {
      const first = await withdraw(a, 777);
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json().status).toBe('pending');
      const second = await withdraw(b, 500);
      expect(second.json().status).toBe('pending');
      const [aId, bId] = [first.json().id as string, second.json().id as string];

      t.clock.advance(6_000);
      // a's first status query throws too: b is settled all the same.
      bank.setFault((c) =>
        c.op.startsWith('payout') && (c.amount === 777n || c.reference === aId)
          ? 'throw'
          : undefined,
      );
      await t.services.wallet.settlePendingWithdrawals();
      expect((await withdrawal(b, bId)).status).toBe('succeeded');
      expect(await balance(b)).toBe(500);
      expect((await withdrawal(a, aId)).status).toBe('pending');

      // Backoff: not retried before 10 s, then 20 s after the second failure.
      const attempts = async () =>
        (await db.query('SELECT attempts FROM withdrawals WHERE id = $1', [aId])).rows[0].attempts;
      const before = await attempts();
      await t.services.wallet.settlePendingWithdrawals();
      expect(await attempts()).toBe(before);
      t.clock.advance(10_000);
      await t.services.wallet.settlePendingWithdrawals();
      expect(await attempts()).toBe(before + 1);
      expect((await withdrawal(a, aId)).status).toBe('pending');
      expect(await notificationsOf(a, 'withdrawal.failed')).toEqual([]);

      t.clock.advance(20_000);
      await t.services.wallet.settlePendingWithdrawals();
      expect(await attempts()).toBe(3);
      expect(await withdrawal(a, aId)).toMatchObject({
        status: 'failed',
        failureReason: 'the bank could not be reached',
      });
      expect((await call('GET', '/api/v1/wallet', { user: a })).json().balances[0]).toMatchObject({
        available: 1_000,
        held: 0,
      });
      expect(await notificationsOf(a, 'withdrawal.failed')).toEqual([
        {
          withdrawalId: aId,
          amount: 777,
          currency: 'CNY',
          reason: 'the bank could not be reached',
        },
      ]);
      // Never tried again.
      t.clock.advance(3_600_000);
      await t.services.wallet.settlePendingWithdrawals();
      expect(await attempts()).toBe(3);
    } finally {
      bank.setFault(undefined);
      bank.setMode({ kind: 'succeed' });
    }
  });
});

describe('top-up reconciliation', () => {
  it('credits a charge whose credit was lost to a crash, exactly once', async () => {
    const a = await user();
    const spy = vi
      .spyOn(t.services.ledger, 'createTransfers')
      .mockRejectedValueOnce(new Error('crash between charge and credit'));
    try {
      const res = await call('POST', '/api/v1/wallet/topups', {
        user: a,
        body: { amount: 4_321 },
        headers: { 'idempotency-key': 'crash-1' },
      });
      expect(res.statusCode).toBe(500);
    } finally {
      spy.mockRestore();
    }
    expect(await balance(a)).toBe(0);
    const id = transferIdFor(
      'wallet.topup',
      a.id,
      derivedKey('crash-1', '/api/v1/wallet/topups', { amount: 4_321 }),
    );
    expect(bank.chargeRecord(id)).toMatchObject({ outcome: 'succeeded', amount: 4_321n });

    // Not yet: the request might still be in flight.
    await t.services.wallet.reconcileTopups();
    expect(await balance(a)).toBe(0);
    t.clock.advance(61_000);
    await Promise.all([t.services.wallet.reconcileTopups(), t.services.wallet.reconcileTopups()]);
    await t.services.wallet.reconcileTopups();
    expect(await balance(a)).toBe(4_321);
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM ledger_transfers WHERE id = $1) AS n,
              (SELECT status FROM topups WHERE id = $1) AS status`,
      [id],
    );
    expect(rows[0]).toEqual({ n: 1, status: 'credited' });
  });

  it('closes a top-up the bank never received, and one it declined, crediting nothing', async () => {
    const a = await user();
    bank.setFault((c) => (c.op === 'charge' && c.amount === 1_111n ? 'throw' : undefined));
    try {
      const lost = await call('POST', '/api/v1/wallet/topups', {
        user: a,
        body: { amount: 1_111 },
      });
      expect(lost.statusCode).toBe(500);
    } finally {
      bank.setFault(undefined);
    }
    t.clock.advance(61_000);
    await t.services.wallet.reconcileTopups();
    expect(await balance(a)).toBe(0);
    const { rows } = await db.query('SELECT status FROM topups WHERE user_id = $1', [a.id]);
    expect(rows).toEqual([{ status: 'failed' }]);
  });

  it('refuses a top-up id reused for another amount before charging the bank', async () => {
    const a = await user();
    const headers = { 'idempotency-key': 'reuse-1' };
    const first = await call('POST', '/api/v1/wallet/topups', {
      user: a,
      body: { amount: 100 },
      headers,
    });
    expect(first.statusCode).toBe(201);
    // Past the HTTP replay store, the same top-up id with another amount (a caller of the
    // service that derived it wrongly) is refused by the top-up record before any charge.
    const again = await t.services.wallet
      .topUp(
        { id: a.id, verified: true },
        { amount: 999 },
        derivedKey('reuse-1', '/api/v1/wallet/topups', { amount: 100 }),
      )
      .catch((e) => e);
    expect(again.code).toBe('idempotency_conflict');
    expect(await balance(a)).toBe(100);
  });
});

describe('red envelope refunds', () => {
  it('give the daily sending allowance back', async () => {
    t.clock.set(new Date('2027-04-01T02:00:00Z'));
    const a = await user({ balance: 30_000 });
    const b = await user({ verified: false });
    const send = (amountEach: number) =>
      call('POST', '/api/v1/red-packets', {
        user: a,
        body: { kind: 'fixed', count: 1, amountEach, to: { userId: b.id } },
      });
    expect((await send(10_000)).statusCode).toBe(201);
    const over = await send(100);
    expect(over.statusCode).toBe(409);
    expect(over.json().code).toBe('limit_exceeded');
    t.clock.advance(3600_000 + 1000);
    // At least this one: other files' envelopes in the shared database have expired too.
    expect(await t.services.redPackets.refundExpired()).toBeGreaterThanOrEqual(1);
    expect(await balance(a)).toBe(30_000);
    // Still the same day in Shanghai: the refunded 10,000 may be sent again, and no more.
    expect((await send(10_000)).statusCode).toBe(201);
    expect((await send(1)).json().code).toBe('limit_exceeded');
  });
});

describe('allowance accounts', () => {
  it('funds allowances from accounts that never sum more than one limit', async () => {
    // The old shared source, full to the BIGINT maximum: a funding that drew on it would fail.
    const source = await t.services.ledger.ensureAccount({
      code: 'limit:source:CNY',
      currency: 'CNY:limit',
      flags: AccountFlags.none,
    });
    const filler = await t.services.ledger.ensureAccount({
      code: `test:filler:${Date.now()}`,
      currency: 'CNY:limit',
      flags: AccountFlags.none,
    });
    const room = MAX_BIGINT - source.debitsPosted - source.debitsPending - 1_000n;
    if (room > 0n) {
      const [filled] = await t.services.ledger.createTransfers([
        {
          id: transferIdFor('test.fill', String(filler.id)),
          debitAccountId: source.id,
          creditAccountId: filler.id,
          amount: room,
          kind: 'test.fill',
        },
      ]);
      expect(filled!.ok).toBe(true);
    }
    const a = await user({ balance: 10_000 });
    const b = await user();
    for (let day = 0; day < 3; day++) {
      const res = await call('POST', '/api/v1/transfers', {
        user: a,
        body: { to: { userId: b.id }, amount: 1_000 },
      });
      expect(res.statusCode, res.body).toBe(201);
      t.clock.advance(24 * 3600_000);
    }
    const { rows } = await db.query(
      `SELECT max(greatest(debits_posted + debits_pending, credits_posted + credits_pending))::text AS most
         FROM ledger_accounts WHERE code LIKE $1`,
      [`limit:user:${a.id}:%`],
    );
    expect(BigInt(rows[0].most)).toBeLessThanOrEqual(BigInt(t.config.wallet.verified.daily));
  });

  it('does not take a refused funding for a funded allowance', async () => {
    const a = await user({ balance: 10_000 });
    const b = await user();
    // A funding the ledger refused and recorded under the day's funding id.
    const code = `limit:user:${a.id}:daily:CNY:${periodKey(t.clock.now(), t.config.wallet.timeZone, 'day')}`;
    const allowance = await t.services.ledger.ensureAccount({
      code,
      currency: 'CNY:limit',
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    const other = await t.services.ledger.ensureAccount({
      code: `${code}:pool`,
      currency: 'CNY:limit',
      flags: AccountFlags.none,
    });
    const [refused] = await t.services.ledger.createTransfers([
      {
        id: fundingId(code),
        debitAccountId: allowance.id,
        creditAccountId: other.id,
        amount: 1n,
        kind: 'limit.fund',
      },
    ]);
    expect(refused).toMatchObject({ ok: false, code: 'insufficient_funds' });
    for (let i = 0; i < 2; i++) {
      const res = await call('POST', '/api/v1/transfers', {
        user: a,
        body: { to: { userId: b.id }, amount: 1_000 },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    expect(await balance(b)).toBe(2_000);
  });
});
