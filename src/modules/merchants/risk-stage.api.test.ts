import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../../test/support/app.ts';
import type { RiskInput } from '../wallet/pipeline.ts';

const seen: RiskInput[] = [];
const t = await useTestApp(
  {},
  {
    risk: async (input) => {
      seen.push(input);
      return input.kind === 'payment' && input.amount > 5_000
        ? { action: 'deny', reason: 'unusually large for this shop' }
        : { action: 'allow' };
    },
  },
);
const { call, user, balance } = api(t);
const PIN = '135790';

describe('merchant payments and the risk stage', () => {
  it('are shown to the risk hook as payments, and a deny moves nothing', async () => {
    const owner = await user();
    const shop = await call('POST', '/api/v1/merchants', {
      user: owner,
      body: { name: '店', category: 'food', address: '路', location: { lat: 30, lng: 120 } },
    });
    const merchantId = shop.json().id as string;
    const payer = await user({ pin: PIN, balance: 10_000 });
    const denied = await call('POST', '/api/v1/payments', {
      user: payer,
      body: { merchantId, amount: 6_000, pin: PIN },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('risk_denied');
    expect(await balance(payer)).toBe(10_000);
    const ok = await call('POST', '/api/v1/payments', {
      user: payer,
      body: { merchantId, amount: 500, pin: PIN },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(seen.filter((s) => s.kind === 'payment').at(-1)).toMatchObject({
      payerId: payer.id,
      counterparties: [owner.id],
      amount: 500,
      currency: 'CNY',
    });
  });
});
