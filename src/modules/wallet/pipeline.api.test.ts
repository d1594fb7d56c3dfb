import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';
import { socialApi } from '../social/testing.ts';
import type { RiskHook, RiskInput } from './pipeline.ts';

/**
 * The payment pipeline's risk stage sees every kind of movement of wallet money, and a denial
 * stops each of them before any money moves. The hook records what it is shown and denies the
 * one kind a scenario names.
 */
const seen: RiskInput[] = [];
let denied: string | undefined;
const risk: RiskHook = async (input) => {
  seen.push(input);
  return input.kind === denied
    ? { action: 'deny', reason: 'refused by the risk engine' }
    : { action: 'allow' };
};

const t = await useTestApp({}, { risk });
const { call, user, balance } = api(t);
const { befriend } = socialApi(t);

type Json = Record<string, unknown>;

async function groupOf(owner: TestUser, members: TestUser[]): Promise<string> {
  // A member adds only their own friends.
  for (const m of members) await befriend(owner, m);
  const res = await call('POST', '/api/v1/groups', {
    user: owner,
    body: { name: '风控', memberIds: members.map((m) => m.id) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function ok(res: Promise<{ statusCode: number; body: string; json: () => Json }>) {
  const r = await res;
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json();
}

async function fundBalance(u: TestUser, groupId: string): Promise<number> {
  return (await ok(call('GET', `/api/v1/groups/${groupId}/fund`, { user: u }))).balance as number;
}

interface Scenario {
  kind: string;
  /** Sets the movement up (with nothing denied); returns who pays, who receives, the request. */
  setup(): Promise<{
    payer: TestUser;
    counterparties: string[];
    amount: number;
    /** Balances that must not change when the movement is denied. */
    balances: () => Promise<number[]>;
    request: () => ReturnType<typeof call>;
  }>;
}

const scenarios: Scenario[] = [
  {
    kind: 'transfer',
    setup: async () => {
      const [a, b] = await Promise.all([user({ balance: 1_000 }), user()]);
      return {
        payer: a,
        counterparties: [b.id],
        amount: 100,
        balances: () => Promise.all([balance(a), balance(b)]),
        request: () =>
          call('POST', '/api/v1/transfers', {
            user: a,
            body: { to: { userId: b.id }, amount: 100 },
          }),
      };
    },
  },
  {
    kind: 'redpacket.send',
    setup: async () => {
      const [a, b] = await Promise.all([user({ balance: 1_000 }), user()]);
      return {
        payer: a,
        counterparties: [b.id],
        amount: 200,
        balances: () => Promise.all([balance(a), balance(b)]),
        request: () =>
          call('POST', '/api/v1/red-packets', {
            user: a,
            body: { kind: 'fixed', count: 1, amountEach: 200, to: { userId: b.id } },
          }),
      };
    },
  },
  {
    kind: 'iou.loan',
    setup: async () => {
      const [lender, borrower] = await Promise.all([user({ balance: 10_000 }), user()]);
      await befriend(borrower, lender);
      const iou = await ok(
        call('POST', '/api/v1/ious', {
          user: borrower,
          body: {
            lenderId: lender.id,
            amount: 3_000,
            annualRateBps: 0,
            dueDate: new Date(t.clock.now().getTime() + 30 * 86_400_000).toISOString().slice(0, 10),
            purpose: '房租',
          },
        }),
      );
      return {
        payer: lender,
        counterparties: [borrower.id],
        amount: 3_000,
        balances: () => Promise.all([balance(lender), balance(borrower)]),
        request: () => call('POST', `/api/v1/ious/${iou.id}/accept`, { user: lender, body: {} }),
      };
    },
  },
  {
    kind: 'iou.repayment',
    setup: async () => {
      const [lender, borrower] = await Promise.all([user({ balance: 10_000 }), user()]);
      await befriend(borrower, lender);
      const iou = await ok(
        call('POST', '/api/v1/ious', {
          user: borrower,
          body: {
            lenderId: lender.id,
            amount: 3_000,
            annualRateBps: 0,
            dueDate: new Date(t.clock.now().getTime() + 30 * 86_400_000).toISOString().slice(0, 10),
            purpose: '房租',
          },
        }),
      );
      await ok(call('POST', `/api/v1/ious/${iou.id}/accept`, { user: lender, body: {} }));
      return {
        payer: borrower,
        counterparties: [lender.id],
        amount: 1_000,
        balances: () => Promise.all([balance(lender), balance(borrower)]),
        request: () =>
          call('POST', `/api/v1/ious/${iou.id}/repayments`, {
            user: borrower,
            body: { amount: 1_000 },
          }),
      };
    },
  },
  {
    kind: 'group.fund.contribution',
    setup: async () => {
      const [owner, member] = await Promise.all([user(), user({ balance: 1_000 })]);
      const groupId = await groupOf(owner, [member]);
      return {
        payer: member,
        counterparties: [],
        amount: 300,
        balances: async () => [await balance(member), await fundBalance(owner, groupId)],
        request: () =>
          call('POST', `/api/v1/groups/${groupId}/fund/contributions`, {
            user: member,
            body: { amount: 300 },
          }),
      };
    },
  },
  {
    kind: 'group.fund.spend',
    setup: async () => {
      const [owner, member] = await Promise.all([user({ balance: 1_000 }), user()]);
      const groupId = await groupOf(owner, [member]);
      await ok(
        call('POST', `/api/v1/groups/${groupId}/fund/contributions`, {
          user: owner,
          body: { amount: 500 },
        }),
      );
      return {
        payer: owner,
        counterparties: [member.id],
        amount: 400,
        balances: async () => [await balance(member), await fundBalance(owner, groupId)],
        request: () =>
          call('POST', `/api/v1/groups/${groupId}/fund/spends`, {
            user: owner,
            body: { amount: 400, to: { userId: member.id }, note: '打车' },
          }),
      };
    },
  },
  {
    kind: 'group.collection.payment',
    setup: async () => {
      const [organizer, member] = await Promise.all([user(), user({ balance: 1_000 })]);
      const groupId = await groupOf(organizer, [member]);
      const collection = await ok(
        call('POST', `/api/v1/groups/${groupId}/collections`, {
          user: organizer,
          body: { amountEach: 250, note: '烤鱼' },
        }),
      );
      return {
        payer: member,
        counterparties: [organizer.id],
        amount: 250,
        balances: () => Promise.all([balance(member), balance(organizer)]),
        request: () =>
          call('POST', `/api/v1/collections/${collection.id}/payments`, {
            user: member,
            body: {},
          }),
      };
    },
  },
  {
    kind: 'group.settlement',
    setup: async () => {
      const [a, b] = await Promise.all([user(), user({ balance: 1_000 })]);
      const groupId = await groupOf(a, [b]);
      await ok(
        call('POST', `/api/v1/groups/${groupId}/expenses`, {
          user: a,
          body: {
            description: '晚饭',
            amount: 600,
            paidBy: a.id,
            split: { method: 'equal', participants: [{ userId: a.id }, { userId: b.id }] },
          },
        }),
      );
      return {
        payer: b,
        counterparties: [a.id],
        amount: 300,
        balances: () => Promise.all([balance(a), balance(b)]),
        request: () =>
          call('POST', `/api/v1/groups/${groupId}/settlements`, {
            user: b,
            body: { to: a.id, amount: 300 },
          }),
      };
    },
  },
  {
    kind: 'family.payment',
    setup: async () => {
      const [payer, member, shop] = await Promise.all([user({ balance: 5_000 }), user(), user()]);
      await befriend(payer, member);
      const link = await ok(
        call('POST', '/api/v1/family/links', {
          user: payer,
          body: { memberUserId: member.id, monthlyLimit: 2_000, relation: 'child' },
        }),
      );
      return {
        payer: member,
        counterparties: [shop.id],
        amount: 700,
        balances: () => Promise.all([balance(payer), balance(member), balance(shop)]),
        request: () =>
          call('POST', '/api/v1/transfers', {
            user: member,
            body: {
              to: { userId: shop.id },
              amount: 700,
              fundingSource: { familyLinkId: link.id },
            },
          }),
      };
    },
  },
];

describe('the risk stage', () => {
  it.each(scenarios)('sees and can stop $kind', async ({ kind, setup }) => {
    denied = undefined;
    const s = await setup();
    const before = await s.balances();

    denied = kind;
    seen.length = 0;
    const refused = await s.request();
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json()).toMatchObject({
      code: 'risk_denied',
      detail: 'refused by the risk engine',
    });
    expect(await s.balances()).toEqual(before);
    expect(seen).toEqual([
      {
        kind,
        payerId: s.payer.id,
        counterparties: s.counterparties,
        amount: s.amount,
        currency: 'CNY',
        value: s.amount,
      },
    ]);

    // The same request goes through once the risk stage allows it.
    denied = undefined;
    const done = await s.request();
    expect(done.statusCode, done.body).toBeLessThan(300);
    expect(await s.balances()).not.toEqual(before);
  });
});
