/**
 * Campaigns and green energy in a real Chromium: Alice draws a card on the Five Blessings page
 * (the odds and the seed commitment on screen) and gives it to her friend Bob; then, on the
 * energy page, she collects her ripe ball and takes a share of Bob's.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api, type TestUser } from '../support/app.ts';
import {
  befriend,
  type Lang,
  logIn,
  poll,
  SCENARIO_TIMEOUT,
  shot,
  useBrowserHarness,
  useLanguage,
} from './harness.ts';

const h = useBrowserHarness();
const DAY = 86_400_000;

const FIVE = [
  { key: 'fuqiang', name: '富强福', weight: 40 },
  { key: 'hexie', name: '和谐福', weight: 30 },
  { key: 'youshan', name: '友善福', weight: 20 },
  { key: 'aiguo', name: '爱国福', weight: 9 },
  { key: 'jingye', name: '敬业福', weight: 1 },
];

async function campaign(): Promise<string> {
  const { call, user } = api(h.t);
  const ops = await user({ nickname: '运营' });
  await h.t.services.identity.createAdmin(ops.phone);
  const now = h.t.clock.now().getTime();
  const res = await call('POST', '/api/v1/admin/campaigns', {
    user: ops,
    body: {
      name: '集五福 2027',
      cards: FIVE,
      startsAt: new Date(now - 60_000).toISOString(),
      drawAt: new Date(now + 10 * DAY).toISOString(),
      poolAmount: 50_000_000,
      drawsPerDay: 3,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function cardsOf(u: TestUser, id: string): Promise<Record<string, number>> {
  const res = await api(h.t).call('GET', `/api/v1/campaigns/${id}/me`, { user: u });
  return res.json().cards as Record<string, number>;
}

describe('Five Blessings', () => {
  it('Alice draws a card and gives it to her friend Bob', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { user } = api(h.t);
    const id = await campaign();
    const alice = await user({ nickname: '荷花' });
    const bob = await user({ nickname: '阿波' });
    await befriend(h.t, alice, bob);

    const a = await h.newPage();
    await logIn(a, alice);
    await a.getByRole('link', { name: '我的', exact: true }).click();
    await a.getByRole('link', { name: '集五福', exact: true }).click();
    await a.getByRole('link', { name: /集五福 2027/ }).click();
    await a.getByRole('heading', { name: '公布的概率' }).waitFor();
    await a.getByText('1.00%').waitFor();
    const seedHash = (await api(h.t).call('GET', `/api/v1/campaigns/${id}`, { user: alice })).json()
      .seedHash as string;
    await a.getByText(seedHash).waitFor();
    await a.getByText('今天还可以抽 3 次').waitFor();

    const drawRequest = a.waitForRequest(
      (r) => r.url().endsWith('/draws') && r.method() === 'POST',
    );
    await a.getByRole('button', { name: '抽一张福卡' }).click();
    const sent = await drawRequest;
    expect(sent.headers()['x-device-id']).toMatch(/^web-/);
    const drawnText = await a.getByRole('status').filter({ hasText: '你抽到了' }).textContent();
    const drawnName = drawnText!.replace('你抽到了', '').trim();
    const card = FIVE.find((c) => c.name === drawnName)!;
    expect(card).toBeDefined();
    await a.getByText('今天还可以抽 2 次').waitFor();
    await poll(async () => (await cardsOf(alice, id))[card.key]).toBe(1);
    await shot(a, 'campaign', 'zh-CN');

    await a.getByLabel('福卡', { exact: true }).selectOption(card.key);
    await a.getByLabel('好友', { exact: true }).selectOption(bob.id);
    await a.getByRole('button', { name: '赠送' }).click();
    await a.getByText(`已把${card.name}送给 阿波`).waitFor();
    await poll(async () => (await cardsOf(bob, id))[card.key]).toBe(1);
    await poll(async () => (await cardsOf(alice, id))[card.key]).toBe(0);

    // Bob sees the gift, and the extra draw it earned him (3 + 1).
    const b = await h.newPage('en');
    await logIn(b, bob, 'en');
    await b.goto(`/campaigns/${id}`);
    await b.getByText('4 draws left today').waitFor();
    await b.locator(`[data-card="${card.key}"]`).getByText('×1').waitFor();
    await shot(b, 'campaign', 'en');
  });
});

describe('green energy', () => {
  it('Alice collects her ripe energy and a share of her friend’s', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { user } = api(h.t);
    const alice = await user({ nickname: '森林' });
    const bob = await user({ nickname: '小树' });
    await befriend(h.t, alice, bob);
    const grow = async (u: TestUser, category: string) => {
      const client = await h.t.services.db.connect();
      try {
        return (await h.t.services.energy.onPayment(client, {
          userId: u.id,
          category,
          amount: 300,
          paymentId: crypto.randomUUID(),
        }))!;
      } finally {
        client.release();
      }
    };
    const mine = await grow(alice, 'transit');
    const unripe = await grow(alice, 'bike');
    const bobs = await grow(bob, 'transit');
    // Set-up: two balls ripened a minute ago (the delay itself is tested over HTTP).
    await h.t.services.db.query(
      `UPDATE energy_balls SET ripens_at = $2 WHERE id = ANY($1::uuid[])`,
      [[mine.ballId, bobs.ballId], new Date(Date.now() - 60_000)],
    );

    const a = await h.newPage();
    await logIn(a, alice);
    await a.goto('/energy');
    await a.getByText('能量 0 克').waitFor();
    await a.locator(`[data-ball="${unripe.ballId}"]`).getByText('成熟').waitFor();
    await shot(a, 'energy', 'zh-CN');
    await a.getByRole('button', { name: '收取 80 克' }).click();
    await a.getByText('能量 80 克').waitFor();

    await a.getByRole('link', { name: '小树' }).click();
    await a.getByRole('heading', { name: '小树 的能量' }).waitFor();
    await a.getByRole('button', { name: '收取一份' }).click();
    await a.getByRole('button', { name: '已收取' }).waitFor();
    await a.goto('/energy');
    await a.getByText('能量 88 克').waitFor();
    const board = a.locator('.en-board');
    await board.getByText('森林').waitFor();
    await useLanguage(a, 'en');
    await a.reload();
    await a.getByText('88 g of energy').waitFor();
    await shot(a, 'energy', 'en' as Lang);
  });
});

describe('the charity farm and 现场', () => {
  it('Alice feeds her hen, donates an egg, and finds a post shared nearby', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { call, user } = api(h.t);
    const ops = await user({ nickname: '公益运营' });
    await h.t.services.identity.createAdmin(ops.phone);
    const project = await call('POST', '/api/v1/admin/charity/projects', {
      user: ops,
      body: {
        name: '免费午餐',
        description: '为山区孩子提供午餐',
        sponsor: '荷包公益基金',
        pledgePerEgg: 50,
      },
    });
    expect(project.statusCode, project.body).toBe(201);
    const alice = await user({ nickname: '庄园主' });
    // Set-up: two payments' feed and one egg already laid (earning and laying are tested over HTTP).
    const client = await h.t.services.db.connect();
    try {
      for (const source of ['e2e-pay-1', 'e2e-pay-2']) {
        await h.t.services.farm.earnFeedIn(client, alice.id, source, new Date());
      }
    } finally {
      client.release();
    }
    await h.t.services.db.query('UPDATE farms SET eggs = 1, eggs_laid = 1 WHERE user_id = $1', [
      alice.id,
    ]);

    const a = await h.newPage();
    await logIn(a, alice);
    await a.goto('/farm');
    await a.getByText('饲料：360 克 · 爱心蛋：1 个').waitFor();
    await a.getByRole('button', { name: '喂小鸡（180 克）' }).click();
    await a.getByText(/小鸡正在吃饭/).waitFor();
    await a.getByRole('button', { name: '捐蛋' }).click();
    await a.getByText('已收到 1 个蛋，共 ¥0.50').waitFor();
    await shot(a, 'farm', 'zh-CN');
    await poll(async () => (await h.t.services.farm.farm(alice.id)).eggsDonated).toBe(1);

    const author = await user({ nickname: '西湖边' });
    const posted = await call('POST', '/api/v1/posts', {
      user: author,
      body: {
        text: '断桥边的荷花开了 #西湖',
        visibility: 'public',
        location: { lat: 30.2631, lng: 120.1567 },
      },
    });
    expect(posted.statusCode, posted.body).toBe(201);
    await a.goto('/discover');
    await a.getByRole('tab', { name: '现场' }).click();
    await a.getByLabel('地点（纬度,经度）').fill('30.2590,120.1550');
    await a.getByRole('button', { name: '看看这附近的动态' }).click();
    const item = a.locator(`[data-item="${posted.json().id}"]`);
    await item.getByText('断桥边的荷花开了').waitFor();
    await item.getByText('附近').waitFor();
    await item.getByText(/距离 \d+00 米/).waitFor();
    await shot(a, 'discover-live', 'zh-CN');
  });
});

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Serious or critical axe findings (WCAG 2.1 A/AA) on the settled screen, as in a11y.e2e. */
async function seriousFindings(page: Page): Promise<string[]> {
  await page.waitForFunction(() => !document.querySelector('.loading'));
  await page.addScriptTag({ path: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<unknown> } }).axe;
    const result = (await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })) as {
      violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
    };
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  });
}

describe('accessibility of the campaign screens', () => {
  it('has no serious axe findings, in Chinese and in English', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { user } = api(h.t);
    const id = await campaign();
    const alice = await user({ nickname: '无障碍' });
    const found: string[] = [];
    for (const lang of ['zh-CN', 'en'] as const) {
      const page = await h.newPage(lang);
      await logIn(page, alice, lang);
      for (const path of [
        `/campaigns/${id}`,
        '/energy',
        '/farm',
        '/discover',
        '/discover?tab=live',
      ]) {
        await page.goto(path);
        await page.locator('main h1').first().waitFor();
        found.push(...(await seriousFindings(page)).map((f) => `${lang} ${path} ${f}`));
      }
    }
    expect(found).toEqual([]);
  });
});
