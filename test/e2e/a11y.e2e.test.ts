/**
 * Accessibility of the main screens, checked by axe-core (WCAG 2.1 A/AA rules: labels, names,
 * contrast, landmarks, ARIA) inside the real Chromium, in both languages, at 360 px; plus the
 * log-in done with the keyboard alone. A "serious" or "critical" finding fails the test and is
 * printed with the element it is about.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api } from '../support/app.ts';
import {
  API_PASSWORD,
  befriend,
  type Lang,
  logIn,
  SCENARIO_TIMEOUT,
  useBrowserHarness,
} from './harness.ts';

const h = useBrowserHarness();
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Waits for the screen to settle (no loading indicator), then runs axe on it. */
async function violations(page: Page): Promise<AxeViolation[]> {
  await page.locator('main').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('.loading'));
  await page.addScriptTag({ path: axeSource });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<unknown> } }).axe;
    const result = (await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })) as { violations: AxeViolation[] };
    return result.violations;
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const describeViolations = (path: string, lang: Lang, list: AxeViolation[]) =>
  list.flatMap((v) =>
    v.nodes.map((n) => `${lang} ${path}: ${v.id} (${v.impact}) ${v.help} — ${n.target.join(' ')}`),
  );

describe('accessibility', () => {
  it('the main screens have no serious axe findings, in Chinese and in English, at 360 px', {
    timeout: SCENARIO_TIMEOUT * 2,
  }, async () => {
    const { call, user } = api(h.t);
    const alice = await user({ balance: 100_000, nickname: '荷花' });
    const bob = await user({ balance: 10_000, nickname: '阿波' });
    await befriend(h.t, alice, bob);
    const group = await call('POST', '/api/v1/groups', {
      user: alice,
      body: { name: '周末爬山', memberIds: [bob.id] },
    });
    const groupId = group.json().id as string;
    const packet = await call('POST', '/api/v1/red-packets', {
      user: bob,
      body: { kind: 'lucky', count: 2, totalAmount: 888, greeting: '恭喜发财', to: { groupId } },
    });
    const packetId = packet.json().id as string;
    await call('POST', '/api/v1/transfers', {
      user: bob,
      body: { to: { userId: alice.id }, amount: 1234, note: '午饭 🍜' },
    });
    const post = await call('POST', '/api/v1/posts', {
      user: bob,
      body: { text: '今天天气真好', visibility: 'friends' },
    });
    const postId = post.json().id as string;
    const circle = await call('POST', '/api/v1/circles', {
      user: alice,
      body: {
        name: '读书会',
        description: '每周一本书',
        rules: { post: [{ attribute: 'student', op: 'eq', value: true }] },
      },
    });
    const circleId = circle.json().id as string;
    // An operator too, for the admin console (set-up, straight into the table).
    await h.t.services.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [alice.id]);
    const shop = await call('POST', '/api/v1/merchants', {
      user: alice,
      body: {
        name: '街角咖啡',
        category: 'coffee',
        address: '南京东路 100 号',
        location: { lat: 31.23, lng: 121.47 },
      },
    });
    const shopId = shop.json().id as string;

    const screens = [
      '/',
      '/transfer',
      '/receive',
      '/history',
      '/notifications',
      '/me',
      '/friends',
      `/users/${bob.id}`,
      '/friends/add',
      '/feed',
      `/posts/${postId}`,
      '/posts/new',
      '/red-packets',
      '/red-packets/new',
      `/red-packets/${packetId}`,
      '/groups',
      `/groups/${groupId}`,
      '/family',
      '/ious',
      '/circles',
      '/circles/new',
      `/circles/${circleId}`,
      '/me/student',
      '/admin',
      '/me/passkeys',
      '/admin/risk',
      '/chats',
      `/chats/${groupId}`,
      '/pay',
      '/purchases',
      '/nearby',
      '/merchants/mine',
      `/merchants/${shopId}`,
      `/merchants/${shopId}/dashboard`,
      '/me/credit',
    ];
    // The risk console is for operators.
    await h.t.services.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [alice.id]);
    const problems: string[] = [];
    for (const lang of ['zh-CN', 'en'] as const) {
      const page = await h.newPage(lang);
      await page.setViewportSize({ width: 360, height: 780 });
      await logIn(page, alice, lang);
      for (const path of screens) {
        await page.goto(path);
        problems.push(...describeViolations(path, lang, await violations(page)));
      }
    }
    expect(problems).toEqual([]);
  });

  it('logs in with the keyboard alone', { timeout: SCENARIO_TIMEOUT }, async () => {
    const { user } = api(h.t);
    const carol = await user({ nickname: 'Carol' });
    const page = await h.newPage('en');
    await page.goto('/login');
    const phone = page.getByLabel('Phone number');
    await phone.focus();
    await page.keyboard.type(carol.phone);
    await page.keyboard.press('Tab');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('type')))
      .toBe('password');
    await page.keyboard.type(API_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByText('Available balance').waitFor();
  });
});
