import { describe, expect, it } from 'vitest';
import { IOU_LIMIT_BY_BAND } from '../../src/modules/credit/model.ts';
import { calendarDay, formatIsoDate } from '../../src/modules/ious/interest.ts';
import en from '../../web/src/i18n/en.json' with { type: 'json' };
import zh from '../../web/src/i18n/zh-CN.json' with { type: 'json' };
import { api, type TestUser } from '../support/app.ts';
import { logIn, PIN, SCENARIO_TIMEOUT, shot, useBrowserHarness } from './harness.ts';

const h = useBrowserHarness();
const DAY = 86_400_000;

/**
 * Three weeks of a borrower's life, made through the API with the server's clock set back: an
 * IOU that fell overdue and was repaid late, then one repaid on time. Each step moves the
 * score, so the chart has a history to draw.
 */
async function seedBorrower(): Promise<{ borrower: TestUser; lender: TestUser }> {
  const { call, user } = api(h.t);
  const clock = h.t.clock;
  const now = Date.now();
  const dateIn = (days: number) => formatIsoDate(calendarDay(clock.now(), 'Asia/Shanghai') + days);
  h.followWallClock(false);
  try {
    clock.set(new Date(now - 24 * DAY));
    const lender = await user({ pin: PIN, balance: 500_000, nickname: '荷花' });
    const borrower = await user({ pin: PIN, balance: 30_000, nickname: '小满' });
    await h.t.services.db.query(
      `INSERT INTO friendships (user_id, friend_id, created_at) VALUES ($1, $2, $3), ($2, $1, $3)`,
      [lender.id, borrower.id, clock.now()],
    );
    const borrow = async (amount: number, dueInDays: number) => {
      const req = await call('POST', '/api/v1/ious', {
        user: borrower,
        body: {
          lenderId: lender.id,
          amount,
          annualRateBps: 0,
          dueDate: dateIn(dueInDays),
          purpose: '周转',
        },
      });
      expect(req.statusCode, req.body).toBe(201);
      const id = req.json().id as string;
      const ok = await call('POST', `/api/v1/ious/${id}/accept`, {
        user: lender,
        body: { pin: PIN },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      return id;
    };
    const repay = async (id: string, amount: number) => {
      const res = await call('POST', `/api/v1/ious/${id}/repayments`, {
        user: borrower,
        body: { amount, pin: PIN },
      });
      expect(res.statusCode, res.body).toBe(201);
    };
    const readScore = () => call('GET', '/api/v1/me/credit', { user: borrower });

    const late = await borrow(20_000, 4);
    await readScore();
    clock.set(new Date(now - 17 * DAY));
    await h.t.services.ious.runScheduledWork();
    await readScore();
    clock.set(new Date(now - 14 * DAY));
    await repay(late, 20_000);
    await readScore();
    clock.set(new Date(now - 9 * DAY));
    const onTime = await borrow(10_000, 5);
    clock.set(new Date(now - 6 * DAY));
    await repay(onTime, 10_000);
    await readScore();
    return { borrower, lender };
  } finally {
    h.followWallClock(true);
  }
}

describe('credit score in the web app', () => {
  it(
    'a user sees their credit score, its band, the reasons that lower it with tips, and its history; an IOU over their band is refused with the limit',
    async () => {
      const { borrower, lender } = await seedBorrower();
      const credit = await h.t.services.credit.current(borrower.id);
      const history = await h.t.services.credit.history(borrower.id, { limit: 100 });
      expect(history.items.length).toBeGreaterThanOrEqual(3);
      expect(credit.reasons.length).toBeGreaterThan(0);

      for (const lang of ['zh-CN', 'en'] as const) {
        const words = lang === 'zh-CN' ? zh.credit : en.credit;
        const page = await h.newPage(lang);
        await logIn(page, borrower, lang);
        await page.goto('/me');
        await page.getByRole('link', { name: words.menu }).click();
        await page.getByRole('heading', { name: words.title, exact: true }).waitFor();
        await expect
          .poll(() => page.getByTestId('credit-score').textContent())
          .toBe(String(credit.score));
        expect(await page.getByTestId('credit-band').textContent()).toBe(words.band[credit.band]);
        const reasons = page.getByTestId('credit-reasons').getByRole('listitem');
        expect(await reasons.count()).toBe(credit.reasons.length);
        const first = credit.reasons[0]!;
        const said = words.reason[first.code as keyof typeof words.reason];
        await expect.poll(() => reasons.first().textContent()).toContain(said.text);
        expect(await reasons.first().textContent()).toContain(said.tip);
        expect(await reasons.first().textContent()).toContain(`−${first.impact}`);
        // The chart is drawn, with its points said in words for screen readers.
        const chart = page.getByRole('img', { name: new RegExp(words.historyTitle) });
        await chart.waitFor();
        expect(await chart.getAttribute('aria-label')).toContain(String(credit.score));
        await shot(page, 'credit', lang);
        await chart.scrollIntoViewIfNeeded();
        await shot(page, 'credit-history', lang);
        if (lang === 'zh-CN') {
          // Asking for more than the band allows is refused with the limit, in words.
          const limit = IOU_LIMIT_BY_BAND[credit.band];
          await page.goto('/ious/new');
          await page.getByLabel('向谁借').selectOption(lender.id);
          await page.getByLabel('借款金额').fill(String(limit / 100 + 1));
          await page.getByLabel('年利率').fill('0');
          await page.getByLabel('借款用途').fill('买电脑');
          await page.getByRole('button', { name: '发送借条' }).click();
          await page
            .getByText(`按你的信用分（${zh.credit.band[credit.band]}），单笔借条最多`)
            .waitFor();
        }
        await page.close();
      }
    },
    SCENARIO_TIMEOUT,
  );
});
