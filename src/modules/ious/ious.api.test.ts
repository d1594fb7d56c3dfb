import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { socialApi } from '../social/testing.ts';
import { calendarDay, formatIsoDate } from './interest.ts';

// A daily transfer limit low enough to reach: lending and repaying count against it.
const DAILY_LIMIT = 3_000_000;
// Limits by credit band are tested with the score (credit/credit.api.test.ts); here, loans as
// large as the daily limit test the IOU's own rules.
const t = await useTestApp({
  HEBAO_LIMIT_DAILY: String(DAILY_LIMIT),
  HEBAO_IOU_CREDIT_LIMITS: 'off',
});
const { call, user, balance } = api(t);
const { befriend } = socialApi(t);
const db = t.services.db;
const ious = t.services.ious;

type Json = Record<string, unknown>;

const DAY = 86_400_000;
const LENDER_PIN = '739104';
const BORROWER_PIN = '582046';

/**
 * Moves the clock forward to 10:00 in Shanghai on a day of its own, so each scenario counts
 * calendar days from a known hour. Users are made after it: sessions last 30 days of clock.
 */
function startNewDay(): void {
  const today = calendarDay(t.clock.now(), 'Asia/Shanghai');
  t.clock.set(new Date((today + 1) * DAY + 2 * 3_600_000));
}
const advanceDays = (n: number) => t.clock.advance(n * DAY);
const dateIn = (days: number) => formatIsoDate(calendarDay(t.clock.now(), 'Asia/Shanghai') + days);

/** A borrower and a lender who are friends; the lender has money and a PIN. */
async function friends(opts: { lenderBalance?: number; borrowerBalance?: number } = {}) {
  const [lender, borrower] = await Promise.all([
    user({ balance: opts.lenderBalance ?? 1_000_000, pin: LENDER_PIN, nickname: 'Lender' }),
    user({ balance: opts.borrowerBalance ?? 0, pin: BORROWER_PIN, nickname: 'Borrower' }),
  ]);
  await befriend(borrower, lender);
  return { lender, borrower };
}

const requestIou = (borrower: TestUser, body: Json, headers: Record<string, string> = {}) =>
  call('POST', '/api/v1/ious', { user: borrower, body, headers });
const accept = (u: TestUser, id: string, body: Json = { pin: LENDER_PIN }, headers = {}) =>
  call('POST', `/api/v1/ious/${id}/accept`, { user: u, body, headers });
const repay = (
  u: TestUser,
  id: string,
  amount: unknown,
  headers: Record<string, string> = {},
  pin = BORROWER_PIN,
) => call('POST', `/api/v1/ious/${id}/repayments`, { user: u, body: { amount, pin }, headers });
const forgive = (u: TestUser, id: string, pin = LENDER_PIN) =>
  call('POST', `/api/v1/ious/${id}/forgive`, { user: u, body: { pin } });
const view = (u: TestUser, id: string) => call('GET', `/api/v1/ious/${id}`, { user: u });

async function requested(borrower: TestUser, lender: TestUser, body: Json = {}): Promise<string> {
  const res = await requestIou(borrower, {
    lenderId: lender.id,
    amount: 100_000,
    annualRateBps: 2400,
    dueDate: dateIn(60),
    purpose: '交房租',
    ...body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function active(borrower: TestUser, lender: TestUser, body: Json = {}): Promise<string> {
  const id = await requested(borrower, lender, body);
  const res = await accept(lender, id);
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

async function eventKinds(iouId: string): Promise<string[]> {
  const { rows } = await db.query('SELECT kind FROM iou_events WHERE iou_id = $1 ORDER BY seq', [
    iouId,
  ]);
  return rows.map((r) => r.kind);
}

async function notificationsOf(u: TestUser, kind: string): Promise<Json[]> {
  const { rows } = await db.query(
    'SELECT data FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY seq',
    [u.id, kind],
  );
  return rows.map((r) => r.data);
}

async function iouCount(borrower: TestUser): Promise<number> {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM ious WHERE borrower_id = $1', [
    borrower.id,
  ]);
  return rows[0].n;
}

describe('the life of an IOU', () => {
  it('is requested, accepted, accrues daily interest, and is repaid interest first', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const dueDate = dateIn(60);
    const created = await requestIou(borrower, {
      lenderId: lender.id,
      amount: 100_000,
      annualRateBps: 2400,
      dueDate,
      purpose: '  交房租  ',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toEqual({ id: expect.any(String), status: 'requested' });
    const id = created.json().id as string;
    expect(await notificationsOf(lender, 'iou.requested')).toEqual([
      expect.objectContaining({
        iouId: id,
        borrowerId: borrower.id,
        borrowerNickname: 'Borrower',
        amount: 100_000,
        annualRateBps: 2400,
        dueDate,
        purpose: '交房租',
      }),
    ]);
    expect((await view(lender, id)).json()).toMatchObject({
      status: 'requested',
      principal: 100_000,
      outstanding: 0,
      interestAccrued: 0,
      acceptedAt: null,
      repayments: [],
    });

    const accepted = await accept(lender, id);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toEqual({ id, status: 'active' });
    expect(await balance(lender)).toBe(900_000);
    expect(await balance(borrower)).toBe(100_000);
    expect(await notificationsOf(borrower, 'iou.accepted')).toEqual([
      expect.objectContaining({ iouId: id, amount: 100_000, dueDate }),
    ]);

    // Later the same day: no whole day has passed, no interest.
    t.clock.advance(10 * 3_600_000);
    expect((await view(borrower, id)).json()).toMatchObject({
      outstanding: 100_000,
      interestAccrued: 0,
    });

    // 20 days at 24%: 100000 × 2400 × 20 / 3,650,000 = 1315.07 → 1315 fen.
    advanceDays(20);
    const after20 = (await view(borrower, id)).json();
    expect(after20).toMatchObject({
      status: 'active',
      lenderId: lender.id,
      lenderNickname: 'Lender',
      borrowerId: borrower.id,
      borrowerNickname: 'Borrower',
      annualRateBps: 2400,
      dueDate,
      purpose: '交房租',
      principal: 100_000,
      principalOutstanding: 100_000,
      interestAccrued: 1315,
      interestPaid: 0,
      outstanding: 101_315,
      currency: 'CNY',
    });
    expect(typeof after20.acceptedAt).toBe('string');

    await call('POST', '/api/v1/wallet/topups', { user: borrower, body: { amount: 10_000 } });
    const first = await repay(borrower, id, 1_000);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      iouId: id,
      amount: 1_000,
      interestPart: 1_000,
      principalPart: 0,
      outstanding: 100_315,
      status: 'active',
    });
    const second = await repay(borrower, id, 60_000);
    expect(second.json()).toMatchObject({
      interestPart: 315,
      principalPart: 59_685,
      outstanding: 40_315,
    });
    expect(await notificationsOf(lender, 'iou.repayment')).toHaveLength(2);

    const last = await repay(borrower, id, 40_315);
    expect(last.statusCode, last.body).toBe(201);
    expect(last.json()).toMatchObject({
      interestPart: 0,
      principalPart: 40_315,
      outstanding: 0,
      status: 'repaid',
    });
    expect(await balance(borrower)).toBe(110_000 - 101_315);
    expect(await balance(lender)).toBe(900_000 + 101_315);

    const done = (await view(lender, id)).json();
    expect(done).toMatchObject({
      status: 'repaid',
      outstanding: 0,
      principalOutstanding: 0,
      interestAccrued: 1315,
      interestPaid: 1315,
      forgivenAmount: 0,
    });
    expect(typeof done.closedAt).toBe('string');
    expect(
      (done.repayments as Json[]).map((r) => [r.amount, r.interestPart, r.principalPart]),
    ).toEqual([
      [1_000, 1_000, 0],
      [60_000, 315, 59_685],
      [40_315, 0, 40_315],
    ]);
    expect((done.events as Json[]).map((e) => e.kind)).toEqual([
      'requested',
      'accepted',
      'repayment',
      'repayment',
      'repayment',
      'repaid',
    ]);
    const { rows } = await db.query(
      `SELECT data FROM iou_events WHERE iou_id = $1 AND kind = 'repaid'`,
      [id],
    );
    expect(rows[0].data).toEqual({ onTime: true });

    // Repaid means closed: no more interest, no more repayments.
    advanceDays(5);
    expect((await view(borrower, id)).json()).toMatchObject({
      outstanding: 0,
      interestAccrued: 1315,
    });
    const again = await repay(borrower, id, 1);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');

    // Both histories show the loan and the repayments with the other side as counterparty.
    const history = (await call('GET', '/api/v1/transactions', { user: borrower })).json()
      .items as Json[];
    expect(history.map((h) => [h.type, h.direction, h.amount])).toEqual(
      expect.arrayContaining([
        ['iou.loan', 'in', 100_000],
        ['iou.repayment', 'out', 40_315],
      ]),
    );
    expect(history.find((h) => h.type === 'iou.loan')).toMatchObject({
      counterparty: { userId: lender.id, nickname: 'Lender' },
    });
    const report = await t.services.ledger.verify();
    expect(report.ok).toBe(true);
  });

  it('refuses to take more than is outstanding, saying how much that is', async () => {
    startNewDay();
    const { lender, borrower } = await friends({ borrowerBalance: 500_000 });
    const id = await active(borrower, lender);
    // 29 days at 24%: 100000 × 2400 × 29 / 3,650,000 = 1906.85 → 1906 fen.
    advanceDays(29);
    const over = await repay(borrower, id, 101_907);
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({
      code: 'validation_error',
      field: 'amount',
      outstanding: 101_906,
    });
    expect(over.json().detail).toContain('101906');
    expect(await balance(borrower)).toBe(600_000);
    expect(await eventKinds(id)).toEqual(['requested', 'accepted']);
    const exact = await repay(borrower, id, 101_906);
    expect(exact.json()).toMatchObject({ interestPart: 1906, principalPart: 100_000 });
    expect(exact.json().status).toBe('repaid');
  });

  it('needs the borrower to have the money, and moves nothing when they have not', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await active(borrower, lender);
    // Spend the loan elsewhere first.
    const other = await user();
    const spent = await call('POST', '/api/v1/transfers', {
      user: borrower,
      body: { to: { userId: other.id }, amount: 99_950, pin: BORROWER_PIN },
    });
    expect(spent.statusCode, spent.body).toBe(201);
    const res = await repay(borrower, id, 100);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('insufficient_funds');
    expect((await view(borrower, id)).json()).toMatchObject({ outstanding: 100_000 });
    expect(await eventKinds(id)).toEqual(['requested', 'accepted']);
  });
});

describe('overdue and reminders', () => {
  it('marks an IOU overdue once, the day after its due date, and it keeps accruing', async () => {
    startNewDay();
    const { lender, borrower } = await friends({ borrowerBalance: 10_000 });
    const id = await active(borrower, lender, { dueDate: dateIn(3) });

    advanceDays(3); // the due date itself: not yet overdue
    await ious.markOverdue();
    expect((await view(borrower, id)).json().status).toBe('active');

    advanceDays(1);
    await Promise.all([ious.markOverdue(), ious.markOverdue()]);
    await ious.runScheduledWork();
    expect((await view(borrower, id)).json().status).toBe('overdue');
    expect((await eventKinds(id)).filter((k) => k === 'overdue')).toHaveLength(1);
    expect(await notificationsOf(borrower, 'iou.overdue')).toEqual([
      expect.objectContaining({ iouId: id, dueDate: dateIn(-1) }),
    ]);
    expect(await notificationsOf(lender, 'iou.overdue')).toHaveLength(1);

    // No penalty: the same rate keeps running. 10 days: 657.53 → 657.
    advanceDays(6);
    const late = (await view(lender, id)).json();
    expect(late).toMatchObject({ status: 'overdue', interestAccrued: 657, outstanding: 100_657 });
    const paid = await repay(borrower, id, 100_657);
    expect(paid.json()).toMatchObject({ status: 'repaid', interestPart: 657 });
    const { rows } = await db.query(
      `SELECT data FROM iou_events WHERE iou_id = $1 AND kind = 'repaid'`,
      [id],
    );
    expect(rows[0].data).toEqual({ onTime: false });
  });

  it('reminds the borrower once, three days before the due date', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await active(borrower, lender, { dueDate: dateIn(10) });
    await ious.sendDueReminders();
    expect(await notificationsOf(borrower, 'iou.due_soon')).toEqual([]);

    advanceDays(6); // four days before
    await ious.sendDueReminders();
    expect(await notificationsOf(borrower, 'iou.due_soon')).toEqual([]);

    advanceDays(1); // three days before
    await Promise.all([ious.sendDueReminders(), ious.sendDueReminders()]);
    await ious.runScheduledWork();
    advanceDays(1);
    await ious.sendDueReminders();
    const reminders = await notificationsOf(borrower, 'iou.due_soon');
    expect(reminders).toEqual([
      expect.objectContaining({ iouId: id, dueDate: dateIn(2), lenderId: lender.id }),
    ]);
    // 7 days at 24% on ¥1,000: 460.27 → 460 fen owed on top of the principal.
    expect(reminders[0]!.outstanding).toBe(100_460);
    expect((await eventKinds(id)).filter((k) => k === 'reminder')).toHaveLength(1);
    expect(await notificationsOf(lender, 'iou.due_soon')).toEqual([]);
  });
});

describe('declining, cancelling, forgiving', () => {
  it('lets the lender decline a request; nothing more can happen to it', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await requested(borrower, lender);
    const byBorrower = await call('POST', `/api/v1/ious/${id}/decline`, { user: borrower });
    expect(byBorrower.statusCode).toBe(403);
    expect(byBorrower.json().code).toBe('forbidden');

    const res = await call('POST', `/api/v1/ious/${id}/decline`, { user: lender });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ id, status: 'declined' });
    expect(await notificationsOf(borrower, 'iou.declined')).toEqual([
      expect.objectContaining({ iouId: id, byUserId: lender.id }),
    ]);
    for (const attempt of [
      accept(lender, id),
      call('POST', `/api/v1/ious/${id}/decline`, { user: lender }),
      call('POST', `/api/v1/ious/${id}/cancel`, { user: borrower }),
      repay(borrower, id, 100),
    ]) {
      const r = await attempt;
      expect(r.statusCode, r.body).toBe(409);
      expect(r.json().code).toBe('conflict');
    }
    expect(await balance(lender)).toBe(1_000_000);
    expect((await view(borrower, id)).json()).toMatchObject({ status: 'declined', outstanding: 0 });
    expect(await eventKinds(id)).toEqual(['requested', 'declined']);
  });

  it('lets the borrower cancel a request before it is accepted', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await requested(borrower, lender);
    const byLender = await call('POST', `/api/v1/ious/${id}/cancel`, { user: lender });
    expect(byLender.statusCode).toBe(403);
    const res = await call('POST', `/api/v1/ious/${id}/cancel`, { user: borrower, body: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ id, status: 'cancelled' });
    expect(await notificationsOf(lender, 'iou.cancelled')).toHaveLength(1);
    const late = await accept(lender, id);
    expect(late.statusCode).toBe(409);
    expect(await balance(lender)).toBe(1_000_000);

    // An accepted IOU can no longer be cancelled.
    const running = await active(borrower, lender);
    const tooLate = await call('POST', `/api/v1/ious/${running}/cancel`, { user: borrower });
    expect(tooLate.statusCode).toBe(409);
  });

  it('lets the lender forgive the remainder: recorded, nothing moves', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await active(borrower, lender);
    advanceDays(10); // 657 interest
    expect((await repay(borrower, id, 30_000)).json()).toMatchObject({
      interestPart: 657,
      principalPart: 29_343,
    });
    advanceDays(5); // 70,657 × 2400 × 5 / 3,650,000 = 232.30; with the 0.53 left: 232.83 → 232
    const before = [await balance(lender), await balance(borrower)];

    expect((await forgive(borrower, id, BORROWER_PIN)).statusCode).toBe(403);
    const wrongPin = await forgive(lender, id, '280517');
    expect(wrongPin.statusCode).toBe(403);
    expect(wrongPin.json().code).toBe('pin_invalid');

    const res = await forgive(lender, id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ id, status: 'forgiven', forgivenAmount: 70_657 + 232 });
    expect([await balance(lender), await balance(borrower)]).toEqual(before);
    expect((await view(borrower, id)).json()).toMatchObject({
      status: 'forgiven',
      outstanding: 0,
      principalOutstanding: 0,
      interestPaid: 657,
      forgivenAmount: 70_889,
    });
    expect(await notificationsOf(borrower, 'iou.forgiven')).toEqual([
      expect.objectContaining({ iouId: id, forgivenAmount: 70_889 }),
    ]);
    const { rows } = await db.query(
      `SELECT amount, data FROM iou_events WHERE iou_id = $1 AND kind = 'forgiven'`,
      [id],
    );
    expect(rows).toEqual([{ amount: '70889', data: { principal: 70_657, interest: 232 } }]);

    expect((await forgive(lender, id)).statusCode).toBe(409);
    expect((await repay(borrower, id, 1)).statusCode).toBe(409);
    // A request that was never accepted has nothing to forgive.
    const pending = await requested(borrower, lender);
    expect((await forgive(lender, pending)).statusCode).toBe(409);
  });
});

describe('accepting', () => {
  it('keeps the request when the lender lacks the money, and lends once they have it', async () => {
    startNewDay();
    const { lender, borrower } = await friends({ lenderBalance: 50_000 });
    const id = await requested(borrower, lender);
    const poor = await accept(lender, id);
    expect(poor.statusCode).toBe(409);
    expect(poor.json().code).toBe('insufficient_funds');
    expect((await view(lender, id)).json().status).toBe('requested');
    expect(await balance(borrower)).toBe(0);
    expect(await eventKinds(id)).toEqual(['requested']);

    await call('POST', '/api/v1/wallet/topups', { user: lender, body: { amount: 50_000 } });
    expect((await accept(lender, id)).statusCode).toBe(200);
    expect(await balance(borrower)).toBe(100_000);
    expect(await balance(lender)).toBe(0);
  });

  it('counts lending and repaying against the daily transfer limit', async () => {
    startNewDay();
    const { lender, borrower } = await friends({ lenderBalance: 4_000_000 });
    const first = await requested(borrower, lender, { amount: 2_000_000 });
    const second = await requested(borrower, lender, { amount: 1_500_000 });
    expect((await accept(lender, first)).statusCode).toBe(200);
    const over = await accept(lender, second);
    expect(over.statusCode).toBe(409);
    expect(over.json().code).toBe('limit_exceeded');
    expect((await view(lender, second)).json().status).toBe('requested');
    expect(await balance(lender)).toBe(2_000_000);
    advanceDays(1);
    expect((await accept(lender, second)).statusCode).toBe(200);

    // The borrower sends 3,000,000 back in one day at most.
    expect((await repay(borrower, first, 2_000_000)).statusCode).toBe(201);
    const tooMuch = await repay(borrower, second, 1_100_000);
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.json().code).toBe('limit_exceeded');
    expect((await repay(borrower, second, 1_000_000)).statusCode).toBe(201);
    expect(await balance(borrower)).toBe(500_000);
  });

  it('needs the PIN, a verified lender, and the borrower not to accept their own request', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await requested(borrower, lender);
    const own = await accept(borrower, id, { pin: BORROWER_PIN });
    expect(own.statusCode).toBe(403);
    expect(own.json().code).toBe('forbidden');
    const noPin = await accept(lender, id, {});
    expect(noPin.statusCode).toBe(403);
    expect(noPin.json().code).toBe('pin_invalid');
    const noBody = await call('POST', `/api/v1/ious/${id}/accept`, { user: lender });
    expect(noBody.json().code).toBe('pin_invalid');
    const wrong = await accept(lender, id, { pin: '280517' });
    expect(wrong.json().code).toBe('pin_invalid');
    const badShape = await accept(lender, id, { pin: LENDER_PIN, amount: 5 });
    expect(badShape.statusCode).toBe(422);
    expect(await balance(lender)).toBe(1_000_000);

    const unverified = await user({ verified: false });
    const verifiedBorrower = await user();
    await befriend(verifiedBorrower, unverified);
    const toUnverified = await requested(verifiedBorrower, unverified);
    const refused = await accept(unverified, toUnverified, {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('verification_required');
  });

  it('accepts once: a second accept conflicts, the same key replays', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await requested(borrower, lender);
    const key = { 'idempotency-key': `accept-${id}` };
    const first = await accept(lender, id, { pin: LENDER_PIN }, key);
    expect(first.statusCode).toBe(200);
    const replay = await accept(lender, id, { pin: LENDER_PIN }, key);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual(first.json());
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const second = await accept(lender, id);
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('conflict');
    expect(await balance(borrower)).toBe(100_000);
  });

  it('moves the money once when two accepts race', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await requested(borrower, lender);
    const results = await Promise.all([accept(lender, id), accept(lender, id)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(await balance(borrower)).toBe(100_000);
    expect(await balance(lender)).toBe(900_000);
  });

  it('refuses a request whose due date has come (410 expired)', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await requested(borrower, lender, { dueDate: dateIn(2) });
    advanceDays(2);
    const res = await accept(lender, id);
    expect(res.statusCode).toBe(410);
    expect(res.json().code).toBe('expired');
    expect(await balance(lender)).toBe(1_000_000);
    // It can still be declined, so the borrower hears back.
    expect((await call('POST', `/api/v1/ious/${id}/decline`, { user: lender })).statusCode).toBe(
      200,
    );
  });
});

describe('requests that are refused', () => {
  it('rejects bad input with 422 and writes nothing', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const good = {
      lenderId: lender.id,
      amount: 10_000,
      annualRateBps: 1200,
      dueDate: dateIn(30),
      purpose: '买书',
    };
    const bad: [string, Json][] = [
      ['rate above the cap', { annualRateBps: 2401 }],
      ['negative rate', { annualRateBps: -1 }],
      ['fractional rate', { annualRateBps: 12.5 }],
      ['amount as a string', { amount: '10000' }],
      ['zero amount', { amount: 0 }],
      ['fractional amount', { amount: 10.5 }],
      ['amount above the max', { amount: 5_000_001 }],
      ['amount above 2^53', { amount: 2 ** 53 }],
      ['due today', { dueDate: dateIn(0) }],
      ['due in the past', { dueDate: dateIn(-3) }],
      ['no such date', { dueDate: '2031-02-30' }],
      ['not ISO', { dueDate: '2031/02/01' }],
      ['a timestamp', { dueDate: `${dateIn(5)}T00:00:00Z` }],
      ['beyond the term', { dueDate: dateIn(366) }],
      ['blank purpose', { purpose: '   ' }],
      ['empty purpose', { purpose: '' }],
      ['long purpose', { purpose: 'x'.repeat(101) }],
      ['unknown field', { note: 'hi' }],
      ['yourself', { lenderId: borrower.id }],
    ];
    for (const [why, change] of bad) {
      const res = await requestIou(borrower, { ...good, ...change });
      expect(res.statusCode, `${why}: ${res.body}`).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
    }
    const { purpose: _, ...noPurpose } = good;
    expect((await requestIou(borrower, noPurpose)).statusCode).toBe(422);
    // The longest term and the highest rate are allowed.
    expect(
      (await requestIou(borrower, { ...good, annualRateBps: 2400, dueDate: dateIn(365) }))
        .statusCode,
    ).toBe(201);
    expect(await iouCount(borrower)).toBe(1);
  });

  it('screens the purpose like a transfer note', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const res = await requestIou(borrower, {
      lenderId: lender.id,
      amount: 10_000,
      annualRateBps: 0,
      dueDate: dateIn(30),
      purpose: '澳門博彩 加微信 abc12345 日赚千元',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('content_rejected');
    expect(await iouCount(borrower)).toBe(0);
    expect(await notificationsOf(lender, 'iou.requested')).toEqual([]);
  });

  it('asks only friends: strangers 403, blocked 403 blocked, unknown 404, unverified 403', async () => {
    startNewDay();
    const [borrower, stranger, blocker] = await Promise.all([user(), user(), user()]);
    const body = (lenderId: string) => ({
      lenderId,
      amount: 10_000,
      annualRateBps: 0,
      dueDate: dateIn(30),
      purpose: '周转',
    });
    const toStranger = await requestIou(borrower, body(stranger.id));
    expect(toStranger.statusCode).toBe(403);
    expect(toStranger.json().code).toBe('forbidden');

    await befriend(borrower, blocker);
    const blocked = await call('POST', '/api/v1/blocks', {
      user: blocker,
      body: { userId: borrower.id },
    });
    expect(blocked.statusCode, blocked.body).toBe(201);
    const toBlocker = await requestIou(borrower, body(blocker.id));
    expect(toBlocker.statusCode).toBe(403);
    expect(toBlocker.json().code).toBe('blocked');
    // Blocked the other way round too.
    const fromBlocker = await requestIou(blocker, body(borrower.id));
    expect(fromBlocker.json().code).toBe('blocked');

    const unknown = await requestIou(borrower, body('3f0c1b8e-2a4d-4e1f-9c7a-5b6d8e9f0a1b'));
    expect(unknown.statusCode).toBe(404);

    const unverified = await user({ verified: false });
    const notVerified = await requestIou(unverified, body(stranger.id));
    expect(notVerified.statusCode).toBe(403);
    expect(notVerified.json().code).toBe('verification_required');
    expect(await iouCount(borrower)).toBe(0);
  });

  it('refuses to lend once the two are no longer friends', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const id = await requested(borrower, lender);
    const block = await call('POST', '/api/v1/blocks', {
      user: lender,
      body: { userId: borrower.id },
    });
    expect(block.statusCode).toBe(201);
    const res = await accept(lender, id);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('blocked');
    expect(await balance(borrower)).toBe(0);
  });
});

describe('who may see and do what', () => {
  it('hides an IOU from everyone but its two parties, and keeps each side to its own acts', async () => {
    startNewDay();
    const { lender, borrower } = await friends({ borrowerBalance: 1_000 });
    const stranger = await user({ balance: 1_000 });
    const id = await active(borrower, lender);
    const pending = await requested(borrower, lender);

    for (const res of [
      await view(stranger, id),
      await accept(stranger, pending, {}),
      await call('POST', `/api/v1/ious/${pending}/decline`, { user: stranger }),
      await call('POST', `/api/v1/ious/${pending}/cancel`, { user: stranger }),
      await repay(stranger, id, 100, {}, '000000'),
      await forgive(stranger, id),
      await view(borrower, 'not-a-uuid'),
      await view(borrower, '3f0c1b8e-2a4d-4e1f-9c7a-5b6d8e9f0a1b'),
    ]) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().code).toBe('not_found');
    }

    const lenderRepays = await repay(lender, id, 100, {}, LENDER_PIN);
    expect(lenderRepays.statusCode).toBe(403);
    expect(lenderRepays.json().code).toBe('forbidden');
    const borrowerForgives = await forgive(borrower, id, BORROWER_PIN);
    expect(borrowerForgives.statusCode).toBe(403);
    expect((await accept(borrower, pending, { pin: BORROWER_PIN })).statusCode).toBe(403);
    expect(await balance(stranger)).toBe(1_000);
    expect((await view(lender, id)).json()).toMatchObject({ outstanding: 100_000 });

    const strangersList = (await call('GET', '/api/v1/ious', { user: stranger })).json();
    expect(strangersList).toEqual({ items: [], nextCursor: null });
    expect((await view(borrower, id)).statusCode).toBe(200);
    expect((await view(lender, id)).statusCode).toBe(200);
  });

  it('lists my IOUs by role and status, newest first, page by page', async () => {
    startNewDay();
    const { lender, borrower } = await friends();
    const a = await active(borrower, lender);
    t.clock.advance(1_000);
    const b = await requested(borrower, lender);
    t.clock.advance(1_000);
    const c = await requested(lender, borrower); // the other way round
    t.clock.advance(1_000);

    const list = async (u: TestUser, query: string) => {
      const res = await call('GET', `/api/v1/ious${query}`, { user: u });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { items: Json[]; nextCursor: string | null };
    };
    expect((await list(borrower, '')).items.map((i) => i.id)).toEqual([c, b, a]);
    expect((await list(borrower, '?role=borrower')).items.map((i) => i.id)).toEqual([b, a]);
    expect((await list(borrower, '?role=lender')).items.map((i) => i.id)).toEqual([c]);
    expect((await list(lender, '?role=lender&status=active')).items.map((i) => i.id)).toEqual([a]);
    expect((await list(borrower, '?status=requested')).items.map((i) => i.id)).toEqual([c, b]);

    const first = await list(borrower, '?limit=2');
    expect(first.items.map((i) => i.id)).toEqual([c, b]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await list(borrower, `?limit=2&cursor=${first.nextCursor}`);
    expect(rest.items.map((i) => i.id)).toEqual([a]);
    expect(rest.nextCursor).toBeNull();
    expect(rest.items[0]).toMatchObject({
      status: 'active',
      outstanding: 100_000,
      lenderNickname: 'Lender',
      borrowerNickname: 'Borrower',
    });

    const badRole = await call('GET', '/api/v1/ious?role=friend', { user: borrower });
    expect(badRole.statusCode).toBe(422);
    const badCursor = await call('GET', '/api/v1/ious?cursor=nonsense', { user: borrower });
    expect(badCursor.statusCode).toBe(422);
  });
});

describe('idempotency and concurrency', () => {
  it('replays a request and a repayment with the same key, and refuses the key for another body', async () => {
    startNewDay();
    const { lender, borrower } = await friends({ borrowerBalance: 10_000 });
    const body = {
      lenderId: lender.id,
      amount: 20_000,
      annualRateBps: 0,
      dueDate: dateIn(30),
      purpose: '学费',
    };
    const key = { 'idempotency-key': `iou-${borrower.id}` };
    const first = await requestIou(borrower, body, key);
    const again = await requestIou(borrower, body, key);
    expect(again.json()).toEqual(first.json());
    expect(await iouCount(borrower)).toBe(1);
    const other = await requestIou(borrower, { ...body, amount: 30_000 }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('idempotency_conflict');
    const id = first.json().id as string;
    expect((await accept(lender, id)).statusCode).toBe(200);

    const payKey = { 'idempotency-key': `repay-${id}` };
    const paid = await repay(borrower, id, 5_000, payKey);
    expect(paid.statusCode).toBe(201);
    const replay = await repay(borrower, id, 5_000, payKey);
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(paid.json());
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const conflicting = await repay(borrower, id, 6_000, payKey);
    expect(conflicting.statusCode).toBe(409);
    expect(conflicting.json().code).toBe('idempotency_conflict');
    expect(await balance(borrower)).toBe(10_000 + 20_000 - 5_000);
    expect((await view(borrower, id)).json().repayments).toHaveLength(1);

    // Even past the response store (a crash before it was saved), the key finds the repayment.
    await db.query('DELETE FROM idempotency_keys WHERE user_id = $1', [borrower.id]);
    const afterCrash = await repay(borrower, id, 5_000, payKey);
    expect(afterCrash.json()).toMatchObject({ id: paid.json().id, amount: 5_000 });
    expect(await balance(borrower)).toBe(25_000);
  });

  it('lets concurrent repayments pay exactly what is owed and no more', async () => {
    startNewDay();
    const { lender, borrower } = await friends({ borrowerBalance: 100_000 });
    const id = await active(borrower, lender, { annualRateBps: 0, amount: 1_000 });
    // Five repayments of 300 at once against 1,000 owed: three fit, then 100 is left.
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        repay(borrower, id, 300, { 'idempotency-key': `race-${id}-${i}` }),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([201, 201, 201, 422, 422]);
    for (const r of results.filter((x) => x.statusCode === 422)) {
      expect(r.json()).toMatchObject({ code: 'validation_error', outstanding: 100 });
    }
    expect((await view(lender, id)).json()).toMatchObject({ outstanding: 100, status: 'active' });
    expect(await balance(borrower)).toBe(100_000 + 1_000 - 900);

    // Two that together exceed the 100 left: exactly one goes through and closes the IOU.
    const last = await Promise.all([repay(borrower, id, 100), repay(borrower, id, 100)]);
    expect(last.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect((await view(lender, id)).json()).toMatchObject({ outstanding: 0, status: 'repaid' });
    expect(await balance(lender)).toBe(1_000_000);
    expect((await eventKinds(id)).filter((k) => k === 'repaid')).toHaveLength(1);
    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
  });
});

describe('the published contract', () => {
  it('documents every IOU endpoint in the OpenAPI document', async () => {
    const doc = (await call('GET', '/api/openapi.json')).json() as { paths: Json };
    expect(
      Object.keys(doc.paths)
        .filter((p) => p.startsWith('/api/v1/ious'))
        .sort(),
    ).toEqual([
      '/api/v1/ious',
      '/api/v1/ious/{id}',
      '/api/v1/ious/{id}/accept',
      '/api/v1/ious/{id}/cancel',
      '/api/v1/ious/{id}/decline',
      '/api/v1/ious/{id}/forgive',
      '/api/v1/ious/{id}/repayments',
    ]);
  });
});
