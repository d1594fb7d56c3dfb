import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { api, startTestApp, type TestApp, type TestUser } from '../support/app.ts';
import { chromiumPath } from '../support/chromium.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEB = path.join(ROOT, 'web');
const SHOT_DIR = path.join(ROOT, 'docs', 'screenshots');
const CHROMIUM = chromiumPath();
export const SHOTS = process.env.HEBAO_SCREENSHOTS === '1';
export const VIEWPORT = { width: 390, height: 844 };
/** The password `api(t).user()` registers its users with. */
export const API_PASSWORD = 'correct horse';
export const PIN = '258036';
// A scenario takes 15–30 s on an idle two-core machine; the limit leaves room for a busy one.
export const SCENARIO_TIMEOUT = 120_000;

export type Lang = 'zh-CN' | 'en';

/** test/support/global-setup.ts builds web/dist once per run, before any test file starts. */
function ensureWebBuild(): void {
  if (!existsSync(path.join(WEB, 'dist', 'index.html'))) {
    throw new Error('web/dist is missing: the test run builds it in its global set-up');
  }
}

export interface Harness {
  t: TestApp;
  base: string;
  /** A fresh browser context (its own cookies) with one page, in the given language. */
  newPage(lang?: Lang): Promise<Page>;
  /**
   * The test app's clock stands still unless moved; in a browser test it follows the wall clock
   * (from the start). `false` stops that, to set the clock by hand; `true` starts it again.
   */
  followWallClock(on: boolean): void;
}

/**
 * Registers the hooks of a browser test file: the server and Chromium start before its
 * scenarios; afterwards the ledger must verify. The server's clock follows the wall clock.
 */
export function useBrowserHarness(): Harness {
  let browser: Browser;
  let clockTimer: NodeJS.Timeout | undefined;
  const contexts: BrowserContext[] = [];
  const h = { base: '' } as Harness;

  h.followWallClock = (on: boolean) => {
    if (clockTimer) clearInterval(clockTimer);
    clockTimer = undefined;
    if (on) {
      h.t.clock.set(new Date());
      clockTimer = setInterval(() => h.t.clock.set(new Date()), 50);
    }
  };

  h.newPage = async (lang: Lang = 'zh-CN') => {
    const context = await browser.newContext({
      viewport: VIEWPORT,
      deviceScaleFactor: 1,
      locale: lang,
      timezoneId: 'Asia/Shanghai',
      baseURL: h.base,
    });
    if (lang === 'en') {
      await context.addInitScript(() => {
        if (!localStorage.getItem('hebao.lang')) localStorage.setItem('hebao.lang', 'en');
      });
    }
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        console.error(`[console] ${m.text()}`);
      }
    });
    page.on('pageerror', (err) => console.error(`[browser] ${err.stack ?? err.message}`));
    return page;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `The browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set HEBAO_CHROMIUM to a Chromium binary; HEBAO_REQUIRE_BROWSER=1 makes its absence a failure).`,
      );
    }
    // web/dist must exist before buildApp: static serving is decided when the app is built.
    ensureWebBuild();
    if (SHOTS) mkdirSync(SHOT_DIR, { recursive: true });
    h.t = await startTestApp();
    await h.t.services.notifications.startListening(() => {});
    await h.t.app.listen({ port: 0, host: '127.0.0.1' });
    h.base = `http://127.0.0.1:${(h.t.app.server.address() as { port: number }).port}`;
    h.followWallClock(true);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  });

  // When a scenario fails, every open page is saved for a look (the path is printed).
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [i, context] of contexts.entries()) {
      for (const [j, page] of context.pages().entries()) {
        const file = path.join(
          tmpdir(),
          `hebao-e2e-${path.basename(ctx.task.file.name)}-${i}-${j}.png`,
        );
        await page.screenshot({ path: file }).catch(() => {});
        console.error(`[e2e] ${page.url()} → ${file}`);
      }
    }
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    h.followWallClock(false);
    if (!h.t) return;
    const report = await h.t.services.ledger.verify();
    await h.t.close();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  return h;
}

/** Writes docs/screenshots/<name>.<lang>.png when HEBAO_SCREENSHOTS=1. */
export async function shot(page: Page, name: string, lang: Lang): Promise<void> {
  if (!SHOTS) return;
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.mouse.move(2, VIEWPORT.height - 2);
  await page.screenshot({
    path: path.join(SHOT_DIR, `${name}.${lang}.png`),
    animations: 'disabled',
    style: '.toasts { visibility: hidden; }',
  });
}

/** Waits (generously: two cores, shared with other test files) until `read` gives the value. */
export const poll = <T>(read: () => Promise<T>) =>
  expect.poll(read, { timeout: 20_000, interval: 100 });

export async function pressPin(page: Page, digits: string): Promise<void> {
  for (const d of digits) await page.getByRole('button', { name: d, exact: true }).click();
}

/** Logs a user made through the API in through the log-in screen, and waits for the wallet. */
export async function logIn(page: Page, user: TestUser, lang: Lang = 'zh-CN'): Promise<void> {
  const zh = lang === 'zh-CN';
  await page.goto('/login');
  await page.getByLabel(zh ? '手机号' : 'Phone number').fill(user.phone);
  await page.getByLabel(zh ? '密码' : 'Password').fill(API_PASSWORD);
  await page.getByRole('button', { name: zh ? '登录' : 'Log in' }).click();
  await page.getByText(zh ? '可用余额' : 'Available balance').waitFor();
}

/**
 * The phone step right after signing up in the app (zh-CN): asks for the code and types back
 * what the sandbox SMS channel received.
 */
export async function verifyPhoneInApp(page: Page, t: TestApp, phone: string): Promise<void> {
  await page.getByRole('heading', { name: '验证手机号' }).waitFor();
  await page.getByRole('button', { name: '获取验证码' }).click();
  await page.getByRole('button', { name: /重新发送/ }).waitFor();
  await page.getByLabel('验证码').fill(t.services.sms.lastCodeTo(phone)!);
  await page.getByRole('button', { name: '验证', exact: true }).click();
}

/** Makes two users friends through the API (a request and its acceptance). */
export async function befriend(t: TestApp, a: TestUser, b: TestUser): Promise<void> {
  const { call } = api(t);
  const sent = await call('POST', '/api/v1/friends/requests', {
    user: a,
    body: { userId: b.id },
  });
  expect(sent.statusCode, sent.body).toBe(201);
  const accepted = await call('POST', `/api/v1/friends/requests/${sent.json().id}/accept`, {
    user: b,
  });
  expect(accepted.statusCode, accepted.body).toBe(200);
}

/** Switches a signed-in page to another language (the choice the app keeps on the device). */
export async function useLanguage(page: Page, lang: Lang): Promise<void> {
  await page.evaluate((l) => localStorage.setItem('hebao.lang', l), lang);
}
