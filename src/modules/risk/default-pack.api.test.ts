import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';

/**
 * The default rule pack (migration 0046, docs/risk.md): each rule fires on the scam it is for,
 * and a dry-run over the scenario's movements counts what it would have caught.
 */
const t = await useTestApp();
const { call, user, befriend } = api(t);
const PIN = '135792';
const NEW_FRIEND = '7a1e0001-0000-4000-8000-00000000d001';
const BURST = '7a1e0001-0000-4000-8000-00000000d002';
const MULE = '7a1e0001-0000-4000-8000-00000000d003';

const operator = await user();
await t.services.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [operator.id]);
const start = t.clock.now();

type Json = Record<string, unknown>;

const pay = (from: TestUser, to: TestUser, amount: number, extra: Json = {}) =>
  call('POST', '/api/v1/transfers', {
    user: from,
    body: { to: { userId: to.id }, amount, pin: PIN, ...extra },
  });

async function activate(id: string) {
  const res = await call('POST', `/api/v1/admin/risk/rules/${id}/activate`, {
    user: operator,
    body: {},
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function dryRun(id: string) {
  const res = await call('POST', `/api/v1/admin/risk/rules/${id}/dry-run`, {
    user: operator,
    body: { from: start.toISOString(), to: new Date(t.clock.now().getTime() + 1000).toISOString() },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { evaluated: number; matched: number; byAction: Json; samples: Json[] };
}

describe('the default rule pack', () => {
  it('ships as drafts an operator can read', async () => {
    const res = await call('GET', '/api/v1/admin/risk/rules', { user: operator });
    const rules = res.json().items as { id: string; status: string }[];
    for (const id of [NEW_FRIEND, BURST, MULE]) {
      expect(rules.find((r) => r.id === id)?.status).toBe('draft');
    }
  });

  it('challenges a first large transfer to a friend of two days', async () => {
    const [payer, stranger] = await Promise.all([user({ balance: 1_000_000, pin: PIN }), user()]);
    await befriend(payer, stranger);
    t.clock.advance(2 * 86_400_000);
    // Before the rule is live the payment would go through; the dry-run finds it.
    await activate(NEW_FRIEND);
    const res = await pay(payer, stranger, 300_000);
    expect(res.statusCode, res.body).toBe(428);
    const small = await pay(payer, stranger, 10_000);
    expect(small.statusCode, small.body).toBe(201);
    const answered = await pay(payer, stranger, 300_000, {
      riskChallengeId: (res.json().challenge as { id: string }).id,
    });
    expect(answered.statusCode, answered.body).toBe(201);
    const figures = await dryRun(NEW_FRIEND);
    // The first large payment matches (the answered one was a payee already paid: not new).
    expect(figures.matched).toBe(1);
    expect(figures.byAction).toMatchObject({ challenge: 1 });
  });

  it('holds the sixth new payee in a day', async () => {
    await activate(BURST);
    const payer = await user({ balance: 100_000, pin: PIN });
    const payees = await Promise.all(Array.from({ length: 6 }, () => user()));
    for (const p of payees.slice(0, 5)) expect((await pay(payer, p, 1_000)).statusCode).toBe(201);
    const sixth = await pay(payer, payees[5]!, 1_000);
    expect(sixth.statusCode, sixth.body).toBe(202);
    // Paying someone already paid is not a new payee.
    expect((await pay(payer, payees[0]!, 1_000)).statusCode).toBe(201);
    const figures = await dryRun(BURST);
    expect(figures.matched).toBe(1);
    expect(figures.samples[0]).toMatchObject({ userId: payer.id, decidedThen: 'hold' });
    const held = sixth.json().id as string;
    const rejected = await call('POST', `/api/v1/admin/risk/holds/${held}/reject`, {
      user: operator,
      body: {},
    });
    expect(rejected.statusCode).toBe(200);
  });

  it('holds a young account passing on what five people sent it', async () => {
    await activate(MULE);
    const mule = await user({ pin: PIN });
    const victims = await Promise.all(
      Array.from({ length: 5 }, () => user({ balance: 50_000, pin: PIN })),
    );
    for (const v of victims) expect((await pay(v, mule, 30_000)).statusCode).toBe(201);
    const onward = await user();
    const out = await pay(mule, onward, 100_000);
    expect(out.statusCode, out.body).toBe(202);
    const cashOut = await call('POST', '/api/v1/wallet/withdrawals', {
      user: mule,
      body: { amount: 50_000, pin: PIN },
    });
    expect(cashOut.statusCode, cashOut.body).toBe(202);
    const figures = await dryRun(MULE);
    expect(figures.matched).toBe(2);
    const history = await call('GET', `/api/v1/admin/risk/users/${mule.id}`, { user: operator });
    expect((history.json().holds as unknown[]).length).toBe(2);
    for (const h of history.json().holds as { id: string }[]) {
      await call('POST', `/api/v1/admin/risk/holds/${h.id}/reject`, { user: operator, body: {} });
    }
  });
});
