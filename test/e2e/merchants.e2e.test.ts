/**
 * Merchants in a real Chromium: the owner's dashboard shows the shop's code; a customer scans
 * it (an image of the code fed to the scanner's file path, as the friend-QR test does) and pays
 * with the PIN; the owner sees the payment and refunds part of it. Then an escrow purchase by a
 * dynamic code in English with a claimed coupon: confirmed, reviewed, and the shop in the
 * nearby list.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api } from '../support/app.ts';
import {
  logIn,
  PIN,
  poll,
  pressPin,
  SCENARIO_TIMEOUT,
  shot,
  useBrowserHarness,
} from './harness.ts';

const h = useBrowserHarness();

/** The PNG behind an <img src="data:image/png;base64,…">, as a file to hand to the scanner. */
async function qrFile(page: Page, testId: string) {
  const src = (await page.getByTestId(testId).getAttribute('src'))!;
  return {
    name: 'code.png',
    mimeType: 'image/png',
    buffer: Buffer.from(src.split(',')[1]!, 'base64'),
  };
}

describe('merchants', () => {
  it('a customer scans the shop code and pays; the owner sees it and refunds part of it', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { call, user, balance } = api(h.t);
    const owner = await user({ nickname: '老王', pin: PIN });
    const shop = await call('POST', '/api/v1/merchants', {
      user: owner,
      body: {
        name: '老王烧烤',
        category: 'food',
        address: '上海市黄浦区南京东路 100 号',
        location: { lat: 31.2304, lng: 121.4737 },
      },
    });
    expect(shop.statusCode, shop.body).toBe(201);
    const shopId = shop.json().id as string;

    // --- The owner's dashboard with the printable code.
    const o = await h.newPage();
    await logIn(o, owner);
    await o.goto(`/merchants/${shopId}/dashboard`);
    await o.getByRole('heading', { name: '店铺收款码' }).waitFor();
    await o.getByTestId('static-qr').waitFor();
    const code = await qrFile(o, 'static-qr');

    // --- The customer scans it from an image and pays ¥25.00 with the PIN.
    const customer = await user({ nickname: '小满', pin: PIN, balance: 10_000 });
    const c = await h.newPage();
    await logIn(c, customer);
    await c.goto('/pay');
    await c.getByRole('heading', { name: '扫商家收款码' }).waitFor();
    await c.getByTestId('qr-image-input').setInputFiles(code);
    await c.getByTestId('pay-merchant').getByText('老王烧烤').waitFor();
    await c.getByLabel('金额').fill('25.00');
    await shot(c, 'merchant-pay', 'zh-CN');
    const payRequest = c.waitForRequest(
      (r) => r.url().endsWith('/api/v1/payments') && r.method() === 'POST',
    );
    await c.getByRole('button', { name: '付款', exact: true }).click();
    const sheet = c.getByRole('dialog', { name: '请输入支付密码' });
    await sheet.waitFor();
    await pressPin(c, PIN);
    const sent = await payRequest;
    expect(sent.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(sent.postData() ?? '{}')).toMatchObject({ amount: 2500, pin: PIN });
    await c.getByTestId('purchase-status').getByText('已完成').waitFor();
    await poll(() => balance(customer)).toBe(7_500);

    // --- The owner sees the payment and refunds ¥10.00 of it.
    await o.reload();
    await o.getByTestId('merchant-payments').getByText('小满').waitFor();
    await poll(async () => o.getByTestId('merchant-balance').textContent()).toContain('25.00');
    await o.getByRole('button', { name: '退款', exact: true }).click();
    await o.getByLabel(/退款金额/).fill('10.00');
    await shot(o, 'merchant-dashboard', 'zh-CN');
    await o.getByRole('button', { name: '确认退款' }).click();
    await o.getByRole('dialog', { name: '请输入支付密码' }).waitFor();
    await pressPin(o, PIN);
    await o.getByTestId('merchant-payments').getByText('已退款 ¥10.00').waitFor();
    await poll(() => balance(customer)).toBe(8_500);
    const payments = await call('GET', `/api/v1/merchants/${shopId}/payments`, { user: owner });
    expect(payments.json().items[0]).toMatchObject({
      paid: 2_500,
      refunded: 1_000,
      refundable: 1_500,
    });
  });

  it('an escrow purchase by a dynamic code with a coupon: confirmed, reviewed, found nearby (English)', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { call, user, balance } = api(h.t);
    const owner = await user({ nickname: 'Lao Wang', pin: PIN });
    const shop = await call('POST', '/api/v1/merchants', {
      user: owner,
      body: {
        name: 'Corner Coffee',
        category: 'coffee',
        address: '100 Nanjing East Rd',
        location: { lat: 31.2311, lng: 121.4761 },
      },
    });
    const shopId = shop.json().id as string;
    const o = await h.newPage('en');
    await logIn(o, owner, 'en');
    await o.goto(`/merchants/${shopId}/dashboard`);
    await o.getByRole('form', { name: 'Code for one amount' }).getByLabel('Amount').fill('38.00');
    await o.getByRole('button', { name: 'Show code' }).click();
    await o.getByTestId('dynamic-qr').waitFor();
    const code = await qrFile(o, 'dynamic-qr');

    const customer = await user({ nickname: 'Mia', pin: PIN, balance: 10_000 });
    const c = await h.newPage('en');
    await logIn(c, customer, 'en');
    // A coupon first: claimed on the shop's page, chosen at payment (the shop funds it).
    const coupon = await call('POST', `/api/v1/merchants/${shopId}/coupons`, {
      user: owner,
      body: {
        title: '¥5 off ¥30',
        discount: 500,
        minSpend: 3_000,
        quantity: 10,
        validUntil: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(coupon.statusCode, coupon.body).toBe(201);
    await c.goto(`/merchants/${shopId}`);
    await c.getByRole('button', { name: 'Claim' }).click();
    await c.getByText('Yours').waitFor();
    await c.goto('/pay');
    await c.getByTestId('qr-image-input').setInputFiles(code);
    await c.getByTestId('fixed-amount').getByText('38.00').waitFor();
    await c.getByLabel('Coupon').selectOption({ label: '¥5 off ¥30 (−¥5.00, ≥ ¥30.00)' });
    await c.getByRole('checkbox').check();
    await c.getByRole('button', { name: 'Pay', exact: true }).click();
    await c.getByRole('dialog').waitFor();
    await pressPin(c, PIN);
    await c.getByTestId('purchase-status').getByText('Held in escrow').waitFor();
    await shot(c, 'merchant-escrow', 'en');
    await poll(() => balance(customer)).toBe(6_700);
    const board = await call('GET', `/api/v1/merchants/${shopId}/dashboard`, { user: owner });
    expect(board.json()).toMatchObject({ balance: 0, inEscrow: { amount: 3_300, count: 1 } });

    await c.getByRole('button', { name: 'Confirm receipt' }).click();
    await c.getByTestId('purchase-status').getByText('Completed').waitFor();
    await c.getByLabel('Your review').fill('Great flat white');
    await c.getByRole('button', { name: 'Post review' }).click();
    await c.getByText('Thanks for your review').waitFor();
    const after = await call('GET', `/api/v1/merchants/${shopId}/dashboard`, { user: owner });
    expect(after.json().balance).toBe(3_300);

    await c.goto(`/merchants/${shopId}`);
    await c.getByTestId('reviews').getByText('Great flat white').waitFor();
    await c
      .getByTestId('rating')
      .getByText(/★ 5\.0/)
      .waitFor();
    await c.goto('/nearby');
    await c.getByTestId('nearby-list').getByText('Corner Coffee').waitFor();
    await shot(c, 'merchant-nearby', 'en');
  });
});
