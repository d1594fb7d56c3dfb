import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api } from '../support/app.ts';
import {
  API_PASSWORD,
  logIn,
  PIN,
  poll,
  pressPin,
  SCENARIO_TIMEOUT,
  shot,
  useBrowserHarness,
} from './harness.ts';

/**
 * Risk control and passkeys in the browser: a passkey is registered and pays (Chromium's
 * virtual authenticator, over CDP: the device's fingerprint or face unlock stands in), a risk
 * challenge is answered in the app, and an admin dry-runs a rule and makes it live.
 */
const h = useBrowserHarness();

/** A platform authenticator that verifies the user (fingerprint/face) on every request. */
async function virtualAuthenticator(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return cdp;
}

/** WebAuthn needs a domain, not an IP address: the passkey scenario runs on localhost. */
const local = () => h.base.replace('127.0.0.1', 'localhost');

async function sendInApp(page: Page, phone: string, amount: string, base = h.base) {
  await page.goto(`${base}/transfer`);
  await page.getByLabel("Receiver's phone number").fill(phone);
  await page.getByLabel('Amount').fill(amount);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

describe('risk control and passkeys in the browser', () => {
  it('registers a passkey and pays with it instead of the PIN', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { user, balance } = api(h.t);
    const [alice, bob] = await Promise.all([user({ balance: 50_000, pin: PIN }), user()]);
    const page = await h.newPage('en');
    await virtualAuthenticator(page);
    await page.goto(`${local()}/login`);
    await page.getByLabel('Phone number').fill(alice.phone);
    await page.getByLabel('Password').fill(API_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Available balance').waitFor();
    await page.goto(`${local()}/me/passkeys`);
    await page.getByText('No passkeys yet').waitFor();
    await page.getByLabel('Name (e.g. my phone)').fill('Test phone');
    await page.getByRole('button', { name: 'Add a passkey on this device' }).click();
    await page.getByText('Passkey added').waitFor();
    await page.getByText('Test phone').waitFor();
    await shot(page, 'passkeys', 'en');

    const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/transfers'));
    await sendInApp(page, bob.phone, '8.80', local());
    const sheet = page.getByRole('dialog', { name: 'Enter payment PIN' });
    await sheet.getByRole('button', { name: 'Pay with passkey' }).click();
    const body = JSON.parse((await sent).postData() ?? '{}');
    expect(body.pin).toBeUndefined();
    expect(body.passkey).toMatchObject({ type: 'public-key' });
    await poll(() => balance(bob)).toBe(880);
    expect(await balance(alice)).toBe(50_000 - 880);
  });

  it('answers a risk challenge in the app with the PIN', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { user, balance, call } = api(h.t);
    const [admin, alice, bob] = await Promise.all([
      user(),
      user({ balance: 50_000, pin: PIN }),
      user(),
    ]);
    await h.t.services.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [admin.id]);
    const made = await call('POST', '/api/v1/admin/risk/rules', {
      user: admin,
      body: {
        name: 'Large to a stranger',
        appliesTo: ['transfer'],
        when: { all: [{ fact: 'amount', op: 'eq', value: 12_345 }] },
        action: 'challenge',
      },
    });
    const id = made.json().id as string;
    await call('POST', `/api/v1/admin/risk/rules/${id}/activate`, { user: admin, body: {} });
    try {
      const page = await h.newPage('en');
      await logIn(page, alice, 'en');
      await sendInApp(page, bob.phone, '123.45');
      await pressPin(page, PIN);
      const challenge = page.getByRole('dialog', { name: 'Confirm this payment' });
      await challenge.waitFor();
      await challenge.getByText(/^This payment looks unusual/).waitFor();
      await shot(page, 'risk-challenge', 'en');
      expect(await balance(bob)).toBe(0);
      const answered = page.waitForRequest(
        (r) =>
          r.url().endsWith('/api/v1/transfers') &&
          Boolean(r.postData()?.includes('riskChallengeId')),
      );
      // The payment's own PIN sheet waits underneath: the challenge has its own keypad.
      for (const d of PIN) await challenge.getByRole('button', { name: d, exact: true }).click();
      expect(JSON.parse((await answered).postData() ?? '{}').riskChallengeId).toBeTruthy();
      await poll(() => balance(bob)).toBe(12_345);
    } finally {
      await call('POST', `/api/v1/admin/risk/rules/${id}/deactivate`, { user: admin, body: {} });
    }
  });

  it('lets an admin dry-run a rule and activate it', { timeout: SCENARIO_TIMEOUT }, async () => {
    const { user, call } = api(h.t);
    const [admin, alice, bob] = await Promise.all([
      user(),
      user({ balance: 100_000, pin: PIN }),
      user(),
    ]);
    await h.t.services.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [admin.id]);
    // History for the dry-run: one payment the rule would catch.
    const paid = await call('POST', '/api/v1/transfers', {
      user: alice,
      body: { to: { userId: bob.id }, amount: 31_415, pin: PIN },
    });
    expect(paid.statusCode, paid.body).toBe(201);
    const page = await h.newPage('en');
    await logIn(page, admin, 'en');
    await page.goto('/admin/risk');
    await page.getByLabel('Name', { exact: true }).fill('Pi-sized payments');
    await page
      .getByLabel('Conditions (JSON)')
      .fill(JSON.stringify({ all: [{ fact: 'amount', op: 'eq', value: 31_415 }] }));
    await page.getByLabel('Action').selectOption('hold');
    await page.getByRole('button', { name: 'Create draft' }).click();
    const row = page.locator('[data-rule="Pi-sized payments"]');
    await row.getByText('draft').waitFor();
    await row.getByRole('button', { name: 'Dry-run' }).click();
    await page
      .getByRole('status', { name: 'Dry-run result' })
      .getByText(/1 of \d+ movements matched/)
      .waitFor();
    await shot(page, 'admin-risk', 'en');
    await row.getByRole('button', { name: 'Activate' }).click();
    await row.getByText('active', { exact: false }).waitFor();
    const held = await call('POST', '/api/v1/transfers', {
      user: alice,
      body: { to: { userId: bob.id }, amount: 31_415, pin: PIN },
    });
    expect(held.statusCode, held.body).toBe(202);
    // The hold shows in the console and is released from it.
    await page.reload();
    await page.getByRole('button', { name: 'Release' }).first().click();
    await page.getByText('No held payments').waitFor();
    const audit = await call('GET', '/api/v1/admin/audit', { user: admin });
    const actions = (audit.json().items as { action: string }[]).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'risk.rule.create',
        'risk.rule.dry_run',
        'risk.rule.activate',
        'risk.hold.release',
      ]),
    );
    await call(
      'POST',
      `/api/v1/admin/risk/rules/${(await call('GET', '/api/v1/admin/risk/rules', { user: admin })).json().items.find((r: { name: string }) => r.name === 'Pi-sized payments').id}/deactivate`,
      { user: admin, body: {} },
    );
  });
});
