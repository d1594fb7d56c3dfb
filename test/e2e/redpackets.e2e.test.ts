/**
 * Red envelopes in a real Chromium, two people in two browsers: Alice sends a lucky envelope
 * to her group from the web app (with the PIN); Bob gets the notification live, opens the
 * envelope (the 開 button), sees his share; Alice grabs one too; when the last share goes the
 * claims list marks the luckiest. Then the states: all gone, already opened, the inbox.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api, type TestUser } from '../support/app.ts';
import {
  befriend,
  type Lang,
  logIn,
  PIN,
  poll,
  pressPin,
  SCENARIO_TIMEOUT,
  SHOTS,
  shot,
  useBrowserHarness,
  useLanguage,
} from './harness.ts';

const h = useBrowserHarness();

const cny = (minor: number) => `¥${(minor / 100).toFixed(2)}`;

describe('red envelopes', () => {
  it('A sends a lucky envelope to a group; B opens it in another browser; A sees the claims and the luckiest', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { call, user, balance } = api(h.t);
    const alice = await user({ nickname: '荷花', pin: PIN, balance: 50_000 });
    const bob = await user({ nickname: '阿波' });
    const carol = await user({ nickname: '小满' });
    await befriend(h.t, alice, bob);
    await befriend(h.t, alice, carol);
    const created = await call('POST', '/api/v1/groups', {
      user: alice,
      body: { name: '周末爬山小分队', memberIds: [bob.id, carol.id] },
    });
    expect(created.statusCode, created.body).toBe(201);

    // --- Bob waits on his wallet (the live stream is open).
    const b = await h.newPage();
    await logIn(b, bob);

    // --- Alice: Friends → Groups → the group's red-envelope button → the form.
    const a = await h.newPage();
    await logIn(a, alice);
    await a.getByRole('link', { name: '好友', exact: true }).click();
    await a.getByRole('link', { name: '群聊' }).click();
    await a.getByRole('link', { name: '在 周末爬山小分队 发红包' }).click();
    await a.getByRole('heading', { name: '发红包' }).waitFor();
    await a.getByText('3 人', { exact: false }).first().waitFor();
    // Too many shares for the group is caught before anything is sent.
    await a.getByLabel('红包个数').fill('5');
    await a.getByLabel('总金额').fill('8.88');
    await a.getByRole('button', { name: '塞钱进红包' }).click();
    await a.getByText('红包个数需要在 1 到 3 之间').waitFor();
    await a.getByLabel('红包个数').fill('3');
    await a.getByLabel('祝福语').fill('爬山辛苦啦');
    await a.getByText('¥8.88').first().waitFor();
    await shot(a, 'redpacket-send', 'zh-CN');
    const sendRequest = a.waitForRequest(
      (r) => r.url().endsWith('/api/v1/red-packets') && r.method() === 'POST',
    );
    await a.getByRole('button', { name: '塞钱进红包' }).click();
    const sheet = a.getByRole('dialog', { name: '请输入支付密码' });
    await sheet.getByText('¥8.88').waitFor();
    await pressPin(a, PIN);
    const sent = await sendRequest;
    expect(sent.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(sent.postData() ?? '{}')).toMatchObject({
      kind: 'lucky',
      count: 3,
      totalAmount: 888,
      greeting: '爬山辛苦啦',
      to: { groupId: created.json().id },
      pin: PIN,
    });
    // The sender lands on the details: nothing claimed yet.
    await a.getByText('已领取 0/3 个，共 ¥0.00/¥8.88').waitFor();
    expect(await balance(alice)).toBe(50_000 - 888);
    const packetId = new URL(a.url()).pathname.split('/').pop()!;

    // --- Bob: the notification arrives live (a toast, the bell) and opens the envelope.
    await b.getByRole('status').filter({ hasText: '荷花 发来一个红包' }).waitFor();
    await b.getByTestId('unread-badge').waitFor();
    await b.getByRole('link', { name: /消息/ }).click();
    await b.getByRole('link', { name: /荷花 发来一个红包/ }).click();
    const envelope = b.getByTestId('red-envelope');
    await envelope.getByText('爬山辛苦啦').waitFor();
    await shot(b, 'redpacket-open', 'zh-CN');
    await envelope.getByRole('button', { name: '开' }).click();
    const got = await envelope.getByTestId('claimed-amount').textContent();
    const bobAmount = Math.round(Number(got!.replace(/[^\d.]/g, '')) * 100);
    expect(bobAmount).toBeGreaterThan(0);
    // After the animation, the details: Bob's share on top and in the list.
    expect(await b.getByTestId('my-claim').textContent()).toBe(cny(bobAmount));
    await b.getByTestId('claims').getByText('我').waitFor();
    expect(await balance(bob)).toBe(bobAmount);

    // --- Alice grabs a share of her own envelope (senders of group envelopes may). She prefers
    // reduced motion: no animation runs, so the details must follow without waiting for one.
    await a.emulateMedia({ reducedMotion: 'reduce' });
    await a.getByRole('button', { name: '我也抢一个' }).click();
    await a.getByTestId('red-envelope').getByRole('button', { name: '开' }).click();
    await a.getByTestId('my-claim').waitFor();
    await a.getByText('已领取 2/3 个', { exact: false }).waitFor();

    // --- Carol takes the last share (through the API); Alice's screen updates live.
    const last = await call('POST', `/api/v1/red-packets/${packetId}/claims`, {
      user: carol,
      headers: { 'idempotency-key': 'carol-claim-1' },
    });
    expect(last.statusCode, last.body).toBe(201);
    await a.getByText('3 个红包共 ¥8.88，已被领完').waitFor();
    const claims = a.getByTestId('claims');
    await poll(() => claims.locator('li').count()).toBe(3);
    await claims.getByText('手气最佳').waitFor();
    const view = (await call('GET', `/api/v1/red-packets/${packetId}`, { user: alice })).json();
    const luckiest = view.claims.find((c: { luckiest?: boolean }) => c.luckiest);
    expect(view.claims.reduce((s: number, c: { amount: number }) => s + c.amount, 0)).toBe(888);
    expect(await claims.locator('li', { hasText: '手气最佳' }).textContent()).toContain(
      cny(luckiest.amount),
    );
    await shot(a, 'redpacket-detail', 'zh-CN');

    // --- States: a one-share envelope Carol empties first is "all gone" for Bob.
    const fixed = await call('POST', '/api/v1/red-packets', {
      user: alice,
      headers: { 'idempotency-key': 'fixed-1' },
      body: {
        kind: 'fixed',
        count: 1,
        amountEach: 100,
        to: { groupId: created.json().id },
        pin: PIN,
      },
    });
    expect(fixed.statusCode, fixed.body).toBe(201);
    await call('POST', `/api/v1/red-packets/${fixed.json().id}/claims`, {
      user: carol,
      headers: { 'idempotency-key': 'carol-claim-2' },
    });
    await b.goto('/red-packets');
    await b.getByRole('tab', { name: '收到的红包' }).waitFor();
    const rows = b.locator('.rp-row');
    await poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toContain(cny(bobAmount));
    await rows.nth(0).getByText('已领完').waitFor();
    await rows.nth(0).click();
    // Emptied before Bob came: the details, not the envelope.
    await b.getByText('1 个红包共 ¥1.00，已被领完').waitFor();
    expect(await b.getByTestId('red-envelope').count()).toBe(0);
    // The sent box is Alice's.
    await b.getByRole('button', { name: '返回' }).click();
    await b.getByRole('tab', { name: '发出的红包' }).click();
    await b.getByText('还没有发过红包').waitFor();

    // Money: every share reached a wallet; the ledger balances (checked after the file too).
    expect(await balance(alice)).toBe(
      50_000 -
        888 -
        100 +
        (view.claims.find((c: { userId: string }) => c.userId === alice.id)?.amount ?? 0),
    );
    const report = await h.t.services.ledger.verify();
    expect(report.ok).toBe(true);

    if (SHOTS) await englishShots(a, b, alice, created.json().id, packetId);
  });
});

/** The three screens in English, for the docs: a fresh envelope for Bob to see closed. */
async function englishShots(a: Page, b: Page, alice: TestUser, groupId: string, packetId: string) {
  const lang: Lang = 'en';
  const { call } = api(h.t);
  const fresh = await call('POST', '/api/v1/red-packets', {
    user: alice,
    headers: { 'idempotency-key': 'english-1' },
    body: {
      kind: 'lucky',
      count: 2,
      totalAmount: 666,
      greeting: 'Great hike, everyone!',
      to: { groupId },
      pin: PIN,
    },
  });
  expect(fresh.statusCode, fresh.body).toBe(201);
  await useLanguage(b, lang);
  await b.goto(`/red-packets/${fresh.json().id}`);
  await b.getByText('Great hike, everyone!').waitFor();
  await shot(b, 'redpacket-open', lang);
  await useLanguage(a, lang);
  await a.goto(
    `/red-packets/new?${new URLSearchParams({ group: groupId, name: '周末爬山小分队' })}`,
  );
  await a.getByLabel('Number of shares').fill('3');
  await a.getByLabel('Total amount').fill('8.88');
  await a.getByLabel('Greeting').fill('Great hike, everyone!');
  await a.getByText('¥8.88').first().waitFor();
  await shot(a, 'redpacket-send', lang);
  await a.goto(`/red-packets/${packetId}`);
  await a.getByText('Luckiest').waitFor();
  await shot(a, 'redpacket-detail', lang);
}
