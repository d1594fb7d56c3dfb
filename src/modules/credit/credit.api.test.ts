import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { calendarDay, formatIsoDate } from '../ious/interest.ts';
import { IOU_LIMIT_BY_BAND } from './model.ts';

const t = await useTestApp();
const { call, user } = api(t);
const db = t.services.db;

type Json = Record<string, unknown>;
interface Credit {
  score: number;
  band: keyof typeof IOU_LIMIT_BY_BAND;
  updatedAt: string;
  factors: { dimension: string; score: number; weight: number }[];
  reasons: { code: string; text: string; impact: number }[];
  tips: string[];
}

const DAY = 86_400_000;
const PIN = '582046';
const credit = async (u: TestUser): Promise<Credit> => {
  const res = await call('GET', '/api/v1/me/credit', { user: u });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as unknown as Credit;
};
const historyOf = async (u: TestUser, query = '') => {
  const res = await call('GET', `/api/v1/me/credit/history${query}`, { user: u });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    items: { score: number; band: string; computedAt: string }[];
    nextCursor: string | null;
  };
};
/**
 * Waits until no recomputation for the user is left in the outbox. Test files share the
 * database, and another file's dispatcher may be the one carrying a message out.
 */
async function recomputed(u: TestUser): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    await t.services.outbox.drain();
    const { rows } = await db.query(
      `SELECT 1 FROM outbox WHERE topic = 'credit.inputs_changed' AND payload->>'userId' = $1`,
      [u.id],
    );
    if (rows.length === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the score was not recomputed');
}
const dateIn = (days: number) => formatIsoDate(calendarDay(t.clock.now(), 'Asia/Shanghai') + days);

async function friends() {
  const [lender, borrower] = await Promise.all([
    user({ balance: 2_000_000, pin: PIN }),
    user({ balance: 50_000, pin: PIN }),
  ]);
  await db.query(
    `INSERT INTO friendships (user_id, friend_id, created_at) VALUES ($1, $2, $3), ($2, $1, $3)`,
    [lender.id, borrower.id, t.clock.now()],
  );
  return { lender, borrower };
}

async function lend(borrower: TestUser, lender: TestUser, amount: number, dueInDays: number) {
  const req = await call('POST', '/api/v1/ious', {
    user: borrower,
    body: {
      lenderId: lender.id,
      amount,
      annualRateBps: 0,
      dueDate: dateIn(dueInDays),
      purpose: '交房租',
    },
  });
  expect(req.statusCode, req.body).toBe(201);
  const id = req.json().id as string;
  const acc = await call('POST', `/api/v1/ious/${id}/accept`, { user: lender, body: { pin: PIN } });
  expect(acc.statusCode, acc.body).toBe(200);
  return id;
}

describe('GET /me/credit', () => {
  it('answers a score 350–950 with its band, five weighted factors, reasons by impact and tips', async () => {
    const u = await user({ verified: false });
    const c = await credit(u);
    expect(Object.keys(c).sort()).toEqual([
      'band',
      'factors',
      'reasons',
      'score',
      'tips',
      'updatedAt',
    ]);
    expect(Number.isInteger(c.score)).toBe(true);
    expect(c.score).toBeGreaterThanOrEqual(350);
    expect(c.score).toBeLessThanOrEqual(950);
    expect(c.factors.map((f) => f.dimension)).toEqual([
      'identity',
      'behaviour',
      'connections',
      'history',
      'capacity',
    ]);
    expect(c.factors.reduce((s, f) => s + f.weight, 0)).toBe(100);
    expect(c.reasons.length).toBeGreaterThan(0);
    expect(c.reasons.length).toBeLessThanOrEqual(4);
    // Unverified: the costliest reason, with a tip saying how to fix it.
    expect(c.reasons[0]!.code).toBe('not_verified');
    expect(c.tips[0]).toMatch(/verification/i);
    const impacts = c.reasons.map((r) => r.impact);
    expect([...impacts].sort((a, b) => b - a)).toEqual(impacts);
  });

  it('asks who is asking', async () => {
    const res = await call('GET', '/api/v1/me/credit');
    expect(res.statusCode).toBe(401);
    expect((await call('GET', '/api/v1/me/credit/history')).statusCode).toBe(401);
  });

  it('gives the same score for the same data, however often it is recomputed', async () => {
    const u = await user({ pin: PIN, balance: 30_000 });
    const first = await credit(u);
    const points = (await historyOf(u)).items.length;
    // Past the read refresh: recomputed from the same data.
    t.clock.advance(2 * 3_600_000);
    const again = await credit(u);
    expect(again.updatedAt).not.toBe(first.updatedAt);
    expect({ ...again, updatedAt: '' }).toEqual({ ...first, updatedAt: '' });
    expect(await t.services.credit.scoreOf(u.id)).toBe(again.score);
    // No change, no new point in the history.
    expect((await historyOf(u)).items).toHaveLength(points);
  });

  it('rises when real-name verification is completed, and the history shows both points', async () => {
    const u = await user({ verified: false });
    const before = await credit(u);
    const v = await call('POST', '/api/v1/me/verification', {
      user: u,
      body: { realName: '测试用户', idNumber: '11010519491231002X' },
    });
    // The fixed ID may already be bound by another run's user: use a fresh one then.
    if (v.statusCode !== 200) {
      const { freshIdNumber } = await import('../../../test/support/app.ts');
      const again = await call('POST', '/api/v1/me/verification', {
        user: u,
        body: { realName: '测试用户', idNumber: freshIdNumber() },
      });
      expect(again.statusCode, again.body).toBe(200);
    }
    // No clock move: the trigger's outbox message recomputed it, not the age of the row.
    await recomputed(u);
    const after = await credit(u);
    expect(after.score).toBeGreaterThan(before.score);
    expect(after.reasons.map((r) => r.code)).not.toContain('not_verified');
    const h = await historyOf(u);
    expect(h.items.map((p) => p.score)).toEqual([after.score, before.score]);
  });
});

describe('IOUs and the score', () => {
  it('an IOU repaid on time never lowers it; one that falls overdue lowers it', async () => {
    const { lender, borrower } = await friends();
    const onTime = await lend(borrower, lender, 20_000, 10);
    const beforeRepay = await credit(borrower);
    const repaid = await call('POST', `/api/v1/ious/${onTime}/repayments`, {
      user: borrower,
      body: { amount: 20_000, pin: PIN },
    });
    expect(repaid.statusCode, repaid.body).toBe(201);
    await recomputed(borrower);
    const afterRepay = await credit(borrower);
    expect(afterRepay.score).toBeGreaterThanOrEqual(beforeRepay.score);
    const history = afterRepay.factors.find((f) => f.dimension === 'history')!.score;
    expect(history).toBeGreaterThan(
      beforeRepay.factors.find((f) => f.dimension === 'history')!.score,
    );

    const late = await lend(borrower, lender, 10_000, 2);
    t.clock.advance(3 * DAY);
    const beforeOverdue = await credit(borrower);
    expect((await t.services.ious.runScheduledWork()).overdue).toBeGreaterThanOrEqual(1);
    await recomputed(borrower);
    const overdue = await credit(borrower);
    expect(overdue.score).toBeLessThan(beforeOverdue.score);
    expect(overdue.reasons[0]!.code).toBe('overdue_iou');
    expect(await t.services.credit.scoreOf(borrower.id)).toBe(overdue.score);

    // Repaid late: better than still overdue.
    const paid = await call('POST', `/api/v1/ious/${late}/repayments`, {
      user: borrower,
      body: { amount: 10_000, pin: PIN },
    });
    expect(paid.statusCode, paid.body).toBe(201);
    await recomputed(borrower);
    const settled = await credit(borrower);
    expect(settled.score).toBeGreaterThan(overdue.score);
    expect(settled.reasons.map((r) => r.code)).not.toContain('overdue_iou');
  });

  it("limits one IOU by the borrower's band: above it 409 limit_exceeded and nothing requested", async () => {
    const { lender, borrower } = await friends();
    const { band } = await credit(borrower);
    const max = IOU_LIMIT_BY_BAND[band];
    const over = await call('POST', '/api/v1/ious', {
      user: borrower,
      body: {
        lenderId: lender.id,
        amount: max + 1,
        annualRateBps: 0,
        dueDate: dateIn(30),
        purpose: '买车',
      },
    });
    expect(over.statusCode, over.body).toBe(409);
    expect(over.json()).toMatchObject({
      code: 'limit_exceeded',
      limit: 'iou_credit',
      maxAmount: max,
      band,
    });
    const { rows } = await db.query('SELECT 1 FROM ious WHERE borrower_id = $1', [borrower.id]);
    expect(rows).toHaveLength(0);
    const at = await call('POST', '/api/v1/ious', {
      user: borrower,
      body: {
        lenderId: lender.id,
        amount: max,
        annualRateBps: 0,
        dueDate: dateIn(30),
        purpose: '买车',
      },
    });
    expect(at.statusCode, at.body).toBe(201);
  });

  it('an overdue IOU lowers the band, and no new IOU may be asked for until it is repaid', async () => {
    const { lender, borrower } = await friends();
    const iou = await lend(borrower, lender, 10_000, 1);
    const before = await credit(borrower);
    t.clock.advance(2 * DAY);
    await t.services.ious.runScheduledWork();
    await recomputed(borrower);
    const after = await credit(borrower);
    expect(IOU_LIMIT_BY_BAND[after.band]).toBeLessThanOrEqual(IOU_LIMIT_BY_BAND[before.band]);
    const ask = () =>
      call('POST', '/api/v1/ious', {
        user: borrower,
        body: {
          lenderId: lender.id,
          amount: 1_000,
          annualRateBps: 0,
          dueDate: dateIn(30),
          purpose: '周转',
        },
      });
    const refused = await ask();
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'limit_exceeded',
      limit: 'iou_overdue',
      maxAmount: 0,
    });
    const paid = await call('POST', `/api/v1/ious/${iou}/repayments`, {
      user: borrower,
      body: { amount: 10_000, pin: PIN },
    });
    expect(paid.statusCode, paid.body).toBe(201);
    await recomputed(borrower);
    expect((await ask()).statusCode).toBe(201);
  });
});

describe('recomputation when inputs change', () => {
  it("payments both ways show at once on the owner's read, as behaviour and connections", async () => {
    const { lender: a, borrower: b } = await friends();
    const before = await credit(b);
    const factor = (c: Credit, d: string) => c.factors.find((f) => f.dimension === d)!.score;
    expect(factor(before, 'connections')).toBe(0);
    for (const [from, to] of [
      [b, a],
      [a, b],
    ] as const) {
      const res = await call('POST', '/api/v1/transfers', {
        user: from,
        body: { to: { userId: to.id }, amount: 1_000, pin: PIN, note: '午饭' },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    // No clock move and no trigger: the read saw the wallet move.
    const after = await credit(b);
    expect(factor(after, 'behaviour')).toBeGreaterThan(factor(before, 'behaviour'));
    // One person, both ways: 10 points for reciprocity and 4 for breadth.
    expect(factor(after, 'connections')).toBe(14);
    expect(after.score).toBeGreaterThan(before.score);
  });
  it('a ban lowers the stored score through the outbox, without a read', async () => {
    const u = await user({ pin: PIN });
    const before = await t.services.credit.scoreOf(u.id);
    await db.query(
      `INSERT INTO bans (id, kind, subject, reason, expires_at, created_at)
       VALUES (gen_random_uuid(), 'user', $1, 'spam', now() + interval '1 day', now())`,
      [u.id],
    );
    await recomputed(u);
    expect(await t.services.credit.scoreOf(u.id)).toBeLessThan(before);
  });

  it('PIN attempts do not wake the credit score (only a first PIN does)', async () => {
    const u = await user({ pin: PIN, balance: 10_000 });
    await t.services.outbox.drain();
    const wrong = await call('POST', '/api/v1/wallet/withdrawals', {
      user: u,
      body: { amount: 100, pin: '000111' },
    });
    expect(wrong.statusCode).toBe(403);
    const { rows } = await db.query(
      `SELECT 1 FROM outbox WHERE topic = 'credit.inputs_changed' AND payload->>'userId' = $1`,
      [u.id],
    );
    expect(rows).toHaveLength(0);
  });
});

describe('the refresh sweep', () => {
  it('recomputes scores older than a day, once, and leaves fresh ones', async () => {
    const u = await user({ pin: PIN });
    await recomputed(u);
    await credit(u);
    const computedAt = async () =>
      (await db.query('SELECT computed_at FROM credit_scores WHERE user_id = $1', [u.id])).rows[0]!
        .computed_at as Date;
    // Made a day and an hour ago (set by hand: other test files' clocks also score users).
    await db.query('UPDATE credit_scores SET computed_at = $2 WHERE user_id = $1', [
      u.id,
      new Date(t.clock.now().getTime() - 25 * 3_600_000),
    ]);
    await t.services.credit.refreshStale(100_000);
    expect((await computedAt()).getTime()).toBe(t.clock.now().getTime());
    const points = (await historyOf(u)).items.length;
    t.clock.advance(60_000);
    await t.services.credit.refreshStale(100_000);
    expect((await computedAt()).getTime()).toBe(t.clock.now().getTime() - 60_000);
    // Recomputed to the same score: no new point.
    expect((await historyOf(u)).items).toHaveLength(points);
  });
});

describe('GET /me/credit/history', () => {
  it('pages newest first, and only ever shows the caller their own', async () => {
    const u = await user({ verified: false });
    await credit(u);
    await call('PUT', '/api/v1/me/pin', { user: u, body: { pin: PIN } });
    await credit(u);
    const first = await historyOf(u, '?limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await historyOf(u, `?limit=1&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.score).toBeLessThan(first.items[0]!.score);
    const bad = await call('GET', '/api/v1/me/credit/history?limit=0', { user: u });
    expect(bad.statusCode).toBe(422);
    const junk = await call('GET', '/api/v1/me/credit/history?cursor=zzz', { user: u });
    expect(junk.statusCode).toBe(422);
  });
});

describe('GET /admin/users/{id}/credit', () => {
  it('is for admins only, audited, and shows the inputs and history', async () => {
    const [admin, someone, target] = await Promise.all([user(), user(), user({ pin: PIN })]);
    await db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [admin.id]);
    const denied = await call('GET', `/api/v1/admin/users/${target.id}/credit`, { user: someone });
    expect(denied.statusCode).toBe(403);
    const res = await call('GET', `/api/v1/admin/users/${target.id}/credit`, { user: admin });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as {
      userId: string;
      current: Credit & { inputs: Json };
      history: Json[];
    };
    expect(body.userId).toBe(target.id);
    expect(body.current.inputs).toHaveProperty('identity');
    expect(body.current.score).toBe(await t.services.credit.scoreOf(target.id));
    expect(body.history.length).toBeGreaterThanOrEqual(1);
    const { rows } = await db.query(
      `SELECT actor_id, action, target_type, detail FROM audit_log WHERE target_id = $1`,
      [target.id],
    );
    expect(rows).toEqual([
      {
        actor_id: admin.id,
        action: 'credit.view',
        target_type: 'user',
        detail: { score: body.current.score, band: body.current.band },
      },
    ]);
    // Denied looks leave no entry; an unknown user is 404.
    const unknown = await call('GET', `/api/v1/admin/users/${crypto.randomUUID()}/credit`, {
      user: admin,
    });
    expect(unknown.statusCode).toBe(404);
    expect((await call('GET', '/api/v1/admin/users/nope/credit', { user: admin })).statusCode).toBe(
      404,
    );
  });
});
