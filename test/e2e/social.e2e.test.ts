/**
 * Friends and the feed in a real Chromium: a new user signs up, verifies, tops up, becomes
 * friends with someone through the web app (request, the badge, accept), pays them from their
 * profile; the friend sees the payment in the feed (never the amount) and in the history.
 * Then a post with a photo, a like and a comment, the notification that links to it, and a
 * friend request by scanning the personal QR code, then blocking and unblocking.
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { api, freshIdNumber, freshPhone } from '../support/app.ts';
import {
  type Lang,
  logIn,
  poll,
  SCENARIO_TIMEOUT,
  SHOTS,
  shot,
  useBrowserHarness,
  useLanguage,
  verifyPhoneInApp,
} from './harness.ts';

const h = useBrowserHarness();

/** A small landscape picture to post (a real PNG: the server decodes and re-encodes it). */
function landscapePng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#9fd3e8"/><stop offset="1" stop-color="#f6e7d2"/></linearGradient></defs>
    <rect width="800" height="600" fill="url(#sky)"/>
    <circle cx="620" cy="150" r="60" fill="#f7c86b"/>
    <path d="M0 430 L180 250 L330 400 L470 220 L800 470 L800 600 L0 600 Z" fill="#4f8f7d"/>
    <path d="M0 500 L260 380 L520 520 L800 420 L800 600 L0 600 Z" fill="#2f6b5c"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function amountsIn(page: Page, selector: string): Promise<string[]> {
  return page
    .locator(selector)
    .evaluateAll((els) => els.flatMap((el) => (el.textContent ?? '').match(/¥\s?[\d,.]+/g) ?? []));
}

describe('friends and the feed', () => {
  it('sign-up → verify → top-up → befriend in the app → pay → the friend sees it in the feed and history', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { call, user, balance } = api(h.t);
    const bob = await user({ nickname: '阿波' });
    const alicePhone = freshPhone();

    // --- Bob is signed in and waiting (his notification stream is open).
    const b = await h.newPage();
    await logIn(b, bob);

    // --- Alice signs up, verifies her phone and identity, skips the PIN for now, tops up ¥100.
    const a = await h.newPage();
    await a.goto('/register');
    await a.getByLabel('手机号').fill(alicePhone);
    await a.getByLabel('昵称').fill('荷花');
    await a.getByLabel('密码', { exact: true }).fill('lotus-pond-2024');
    await a.getByRole('button', { name: '注册' }).click();
    await verifyPhoneInApp(a, h.t, alicePhone);
    await a.getByLabel('真实姓名').fill('王小荷');
    await a.getByLabel('身份证号码').fill(freshIdNumber());
    await a.getByRole('button', { name: '提交认证' }).click();
    await a.getByRole('heading', { name: '请设置新的支付密码' }).waitFor();
    await a.getByRole('link', { name: '稍后再说' }).click();
    await a.getByRole('link', { name: '充值' }).first().click();
    await a.getByLabel('充值金额').fill('100');
    await a.getByRole('button', { name: '确认充值' }).click();
    await poll(() => a.getByTestId('balance-available').textContent()).toBe('¥100.00');

    // --- The Friends tab starts empty; Alice adds Bob by phone number.
    await a.getByRole('link', { name: '好友', exact: true }).click();
    await a.getByText('还没有好友').waitFor();
    await a.getByRole('link', { name: '添加好友' }).first().click();
    await a.getByLabel('对方手机号').fill(bob.phone);
    await a.getByLabel('验证消息（选填）').fill('我是荷花');
    await a.getByRole('button', { name: '发送好友请求' }).click();
    await a.getByRole('heading', { name: '新的朋友' }).waitFor();
    await a.getByRole('link', { name: /阿波/ }).getByText('等待确认').waitFor();

    // --- Bob: the Friends tab's badge shows the request live; he accepts it.
    await poll(() => b.getByTestId('friends-badge').textContent()).toBe('1');
    await b.getByRole('link', { name: /^好友/ }).click();
    await b.getByRole('link', { name: /新的朋友/ }).click();
    await b.getByText('“我是荷花”').waitFor();
    await b.getByRole('button', { name: '接受 荷花 的好友请求' }).click();
    await b.getByText('没有新的好友请求').waitFor();
    await poll(() => b.getByTestId('friends-badge').count()).toBe(0);

    // --- Alice: Bob appears in her list (her screen refreshes on the acceptance).
    await a.getByRole('button', { name: '返回' }).click();
    const bobRow = a.getByRole('link', { name: /阿波/ });
    await bobRow.waitFor();
    await shot(a, 'friends', 'zh-CN');

    // --- Alice pays Bob from his profile; the transfer form knows the receiver.
    await bobRow.click();
    await a.getByRole('heading', { name: '阿波' }).waitFor();
    await a.getByRole('link', { name: '转账', exact: true }).click();
    await a.locator('.recipient-name').getByText('阿波').waitFor();
    await a.getByLabel('转账金额').fill('12.34');
    await a.getByLabel('备注（选填）').fill('电影票');
    await a.getByRole('button', { name: '转账', exact: true }).click();
    await a.getByRole('heading', { name: '转账成功' }).waitFor();
    expect(await balance(bob)).toBe(1234);

    // --- Bob: the payment in his feed, "荷花 付款给 我 · 电影票", with no amount anywhere.
    await b.getByRole('button', { name: '返回' }).click();
    await b.getByRole('link', { name: '动态', exact: true }).click();
    const payment = b.getByRole('article', { name: '一笔转账' }).first();
    await payment.getByText('电影票').waitFor();
    expect(await payment.textContent()).toMatch(/荷花\s*付款给\s*我/);
    expect(await amountsIn(b, '.feed-list')).toEqual([]);
    // … and in his history, with the amount.
    await b.getByRole('link', { name: '钱包', exact: true }).click();
    await b.getByRole('link', { name: '账单', exact: true }).click();
    const row = b.getByRole('link', { name: /来自 荷花 的转账/ });
    expect(await row.textContent()).toContain('+¥12.34');
    expect(await row.textContent()).toContain('电影票');

    // --- Alice shares a post with a photo (the upload shows its preview and progress first).
    await a.goto('/feed');
    await a.getByRole('link', { name: /分享生活的点滴/ }).click();
    await a.getByLabel('说点什么').fill('周末去爬山，风景真好');
    await a.getByTestId('media-input').setInputFiles({
      name: 'hike.png',
      mimeType: 'image/png',
      buffer: await landscapePng(),
    });
    await a.getByRole('button', { name: '发表' }).waitFor();
    await expect.poll(() => a.getByRole('button', { name: '发表' }).isEnabled()).toBe(true);
    await shot(a, 'compose', 'zh-CN');
    await a.getByRole('button', { name: '发表' }).click();
    const myPost = a.getByRole('article').filter({ hasText: '周末去爬山' });
    await myPost.waitFor();
    await myPost.locator('.media-thumb img').evaluate(async (img) => {
      const image = img as HTMLImageElement;
      if (!image.complete) await new Promise((r) => image.addEventListener('load', r));
    });
    await shot(a, 'feed', 'zh-CN');

    // --- Bob likes it and comments; the post's photo opens full size.
    await b.goto('/feed');
    const post = b.getByRole('article').filter({ hasText: '周末去爬山' });
    await post.getByRole('button', { name: /赞/ }).click();
    await poll(() => post.getByRole('button', { name: /赞/ }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await post.getByRole('button', { name: /查看 荷花 的第 1 张照片/ }).click();
    const viewer = b.getByRole('dialog', { name: '第 1/1 张' });
    await viewer.getByRole('img').waitFor();
    await b.keyboard.press('Escape');
    await post.getByRole('link', { name: '评论 0' }).click();
    await b.getByLabel('写评论').fill('好美！下次带上我');
    await b.getByRole('button', { name: '发送' }).click();
    await b.getByRole('heading', { name: '1 条评论' }).waitFor();

    // --- Alice: the bell counts Bob's acceptance, like and comment; the comment opens the post.
    await a.goto('/feed');
    await poll(() => a.getByTestId('unread-badge').textContent()).toBe('3');
    await a.getByRole('link', { name: /消息/ }).click();
    await a.getByText('阿波 赞了你的动态').waitFor();
    await a.getByRole('link', { name: /阿波 评论了你的动态/ }).click();
    await a.getByText('好美！下次带上我').waitFor();

    // --- Carol adds Alice by scanning her QR code (an image of it), whatever phone privacy says.
    await a.goto('/friends/privacy');
    await a.getByRole('switch', { name: /允许通过手机号找到我/ }).uncheck();
    await a.getByText('已保存').first().waitFor();
    await a.goto('/friends/qr');
    const qr = a.getByRole('img', { name: '荷花 的好友二维码' });
    await a.getByTestId('qr-expiry').waitFor();
    await shot(a, 'friend-qr', 'zh-CN');
    const qrImage = (await qr.getAttribute('src'))!;
    const carol = await user({ nickname: '小满' });
    const c = await h.newPage();
    await logIn(c, carol);
    await c.goto('/friends/add');
    await c.getByLabel('对方手机号').fill(alicePhone);
    await c.getByRole('button', { name: '发送好友请求' }).click();
    await c.getByText('没有找到这个手机号，或对方不允许通过手机号找到他').waitFor();
    await c.getByTestId('qr-image-input').setInputFiles({
      name: 'alice.png',
      mimeType: 'image/png',
      buffer: Buffer.from(qrImage.split(',')[1]!, 'base64'),
    });
    await c.getByRole('heading', { name: '新的朋友' }).waitFor();
    await c.getByRole('link', { name: /荷花/ }).getByText('等待确认').waitFor();

    // --- Alice blocks Carol from the request (confirmation first); then unblocks her.
    await a.goto('/friends/requests');
    await a.getByRole('link', { name: '小满' }).click();
    await a.getByText('对方想加你为好友').waitFor();
    await a.getByRole('button', { name: '加入黑名单' }).click();
    await a
      .getByRole('dialog', { name: '把 小满 加入黑名单？' })
      .getByRole('button', { name: '加入黑名单' })
      .click();
    await a.getByRole('heading', { name: '黑名单' }).waitFor();
    await a.getByRole('button', { name: '把 小满 移出黑名单' }).click();
    await a.getByRole('dialog').getByRole('button', { name: '移出黑名单' }).click();
    await a.getByText('黑名单是空的').waitFor();
    // Blocking ended Carol's request; unblocking did not bring it back.
    const sent = await call('GET', '/api/v1/friends/requests/sent', { user: carol });
    expect(sent.json().items).toEqual([]);

    if (SHOTS) await englishShots(a);
  });
});

/** The same screens in English, for the docs. */
async function englishShots(a: Page) {
  const lang: Lang = 'en';
  await useLanguage(a, lang);
  await a.goto('/friends');
  await a.getByRole('link', { name: /阿波/ }).waitFor();
  await shot(a, 'friends', lang);
  await a.goto('/friends/qr');
  await a.getByTestId('qr-expiry').waitFor();
  await shot(a, 'friend-qr', lang);
  await a.goto('/feed');
  await a.getByRole('article').filter({ hasText: '周末去爬山' }).waitFor();
  await shot(a, 'feed', lang);
  await a.goto('/posts/new');
  await a.getByLabel("What's on your mind").fill('Sunday hike — what a view');
  await a.getByTestId('media-input').setInputFiles({
    name: 'hike.png',
    mimeType: 'image/png',
    buffer: await landscapePng(),
  });
  await expect
    .poll(() => a.getByRole('button', { name: 'Post', exact: true }).isEnabled())
    .toBe(true);
  await shot(a, 'compose', lang);
}
