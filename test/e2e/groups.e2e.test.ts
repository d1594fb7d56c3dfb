/**
 * Group money, family accounts and IOUs in a real Chromium. The organiser of a group starts a
 * collection (AA 收款) in the web app; a member opens it and pays their share with the PIN;
 * both see it paid and the organiser's wallet holds the money. A member records a shared
 * expense with its live split preview, the other settles up with the PIN, and a family member
 * pays from the payer's wallet on the transfer form (and is refused over the limit). Then the
 * money screens of a group with some history (fund, collections, shared expenses), a family
 * account and an IOU are opened and checked; with `HEBAO_SCREENSHOTS=1` they are saved in
 * Chinese and English.
 * Users, friendships and the history are set up through the API, where they are not under test.
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

/** A POST through the API that must succeed; its JSON answer. */
async function post(user: TestUser, url: string, body: unknown, method: 'POST' | 'PATCH' = 'POST') {
  const res = await api(h.t).call(method, url, { user, body });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

describe('group money in the browser', () => {
  it('the organiser starts a collection; a member pays it with the PIN; both see it paid', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { user, balance } = api(h.t);
    const alice = await user({ nickname: '荷花', pin: PIN, balance: 10_000 });
    const bob = await user({ nickname: '阿波', pin: PIN, balance: 10_000 });
    await befriend(h.t, alice, bob);
    const group = await post(alice, '/api/v1/groups', { name: '周末羽毛球', memberIds: [bob.id] });
    const aliceBefore = await balance(alice);

    // --- Alice finds the group from the Me tab and starts collecting ¥25 from each member.
    const a = await h.newPage();
    await logIn(a, alice);
    await a.getByRole('link', { name: '我的', exact: true }).click();
    await a.getByRole('link', { name: /^群聊/ }).click();
    await a.getByRole('link', { name: /^周末羽毛球/ }).click();
    await a.getByRole('heading', { name: '周末羽毛球' }).waitFor();
    await a.getByRole('link', { name: '收款', exact: true }).click();
    await a.getByText('还没有群收款').waitFor();
    await a.getByRole('link', { name: '发起收款' }).click();
    await a.getByLabel('每人金额').fill('25');
    await a.getByLabel('收款说明').fill('周五聚餐');
    // Everyone but the organiser is asked by default; the preview says what each pays.
    expect(await a.getByRole('checkbox', { name: /阿波/ }).isChecked()).toBe(true);
    expect(await a.getByRole('checkbox', { name: /荷花/ }).isChecked()).toBe(false);
    await a.getByText('1 人每人付 ¥25.00，共 ¥25.00').waitFor();
    await a.getByRole('button', { name: '发起收款' }).click();
    await a.getByRole('heading', { name: '周五聚餐' }).waitFor();
    const collectionId = new URL(a.url()).pathname.split('/').at(-1)!;
    await poll(() => a.getByTestId('collection-count').textContent()).toBe('已付 0/1 人');

    // --- Bob opens it from the group and pays his share with the PIN.
    const b = await h.newPage();
    await logIn(b, bob);
    await b.goto(`/groups/${group.id}`);
    await b.getByRole('link', { name: '收款', exact: true }).click();
    const row = b.getByRole('link', { name: /周五聚餐/ });
    await row.getByText('待付 ¥25.00').waitFor();
    await row.click();
    await b.getByRole('button', { name: '支付 ¥25.00' }).click();
    const sheet = b.getByRole('dialog', { name: '请输入支付密码' });
    await sheet.getByText('付给 荷花 的群收款').waitFor();
    await pressPin(b, PIN);
    await b.getByTestId('my-share-paid').getByText('你已支付 ¥25.00').waitFor();
    await poll(() => b.getByTestId('collection-count').textContent()).toBe('已付 1/1 人');
    expect(await b.getByRole('button', { name: /支付/ }).count()).toBe(0);

    // --- Alice's open page turns paid by itself (the live notification), and the money is hers.
    await poll(() => a.getByTestId('collection-count').textContent()).toBe('已付 1/1 人');
    await a.getByText('已收齐').waitFor();
    const bobShare = a.getByTestId('shares').getByRole('listitem').filter({ hasText: '阿波' });
    await bobShare.getByText('已付', { exact: true }).waitFor();
    expect(await a.getByTestId('collection-paid').textContent()).toContain('¥25.00');
    expect(await balance(alice)).toBe(aliceBefore + 2500);
    expect(await balance(bob)).toBe(10_000 - 2500);
    await a.getByRole('link', { name: '返回群' }).click();
    await a.getByTestId('collections').getByText('已付 1/1 人').first().waitFor();
    await a.goto('/');
    await poll(() => a.getByTestId('balance-available').textContent()).toBe('¥125.00');

    // A second payment of the same share moves nothing.
    const again = await api(h.t).call('POST', `/api/v1/collections/${collectionId}/payments`, {
      user: bob,
      body: { pin: PIN },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().reason).toBe('already_paid');
    expect(await balance(bob)).toBe(7_500);
  });

  it('records a shared expense with a live split, settles up with the PIN, pays from a family account', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { user, balance } = api(h.t);
    const alice = await user({ nickname: '荷花', pin: PIN, balance: 100_000 });
    const bob = await user({ nickname: '阿波', pin: PIN, balance: 100_000 });
    const carol = await user({ nickname: '小满', pin: PIN, balance: 100_000 });
    await befriend(h.t, alice, bob);
    await befriend(h.t, alice, carol);
    await befriend(h.t, bob, carol);
    const g = await post(alice, '/api/v1/groups', { name: '周末羽毛球', memberIds: [bob.id] });

    // --- Bob paid ¥90 for a barbecue, two shares his and one Alice's; the preview shows ¥30 hers.
    const b = await h.newPage();
    await logIn(b, bob);
    await b.goto(`/groups/${g.id}?tab=expenses`);
    await b.getByText('还没有账目').waitFor();
    await b.getByRole('link', { name: '记一笔' }).click();
    await b.getByLabel('说明').fill('烧烤');
    await b.getByLabel('金额', { exact: true }).fill('90');
    await b.getByRole('radio', { name: '按份数' }).check();
    await b.getByLabel('阿波 的份数').fill('2');
    await poll(() => b.getByTestId(`owed-${alice.id}`).textContent()).toBe('¥30.00');
    await poll(() => b.getByTestId(`owed-${bob.id}`).textContent()).toBe('¥60.00');
    await b.getByRole('button', { name: '保存' }).click();
    await b.getByTestId('expenses').getByText('烧烤').waitFor();
    await poll(() => b.getByTestId('my-net').textContent()).toBe('别人共欠你 ¥30.00');

    // --- Alice settles up from the balances: the suggested ¥30, confirmed with her PIN.
    const a = await h.newPage();
    await logIn(a, alice);
    await a.goto(`/groups/${g.id}?tab=expenses`);
    await poll(() => a.getByTestId('my-net').textContent()).toBe('你共欠 ¥30.00');
    await a.getByRole('link', { name: '去结清' }).click();
    await a.getByRole('button', { name: '付款结清' }).click();
    await a.getByRole('dialog').getByText('与 阿波 结清').waitFor();
    await pressPin(a, PIN);
    await poll(() => a.getByTestId('my-net').textContent()).toBe('你已经结清了');
    expect(await balance(alice)).toBe(100_000 - 3_000);
    expect(await balance(bob)).toBe(100_000 + 3_000);

    // --- Alice pays for Carol (¥200 a month); Carol pays Bob from it on the transfer form.
    await post(alice, '/api/v1/family/links', {
      memberUserId: carol.id,
      monthlyLimit: 20_000,
      relation: 'child',
      pin: PIN,
    });
    const c = await h.newPage();
    await logIn(c, carol);
    await c.getByRole('link', { name: '我的', exact: true }).click();
    await c.getByRole('link', { name: /亲情账户/ }).click();
    await c.getByText('本月还剩 ¥200.00').waitFor();
    await c.getByRole('link', { name: '用它付款' }).click();
    await c.getByLabel('收款人手机号').fill(bob.phone);
    expect(await c.getByRole('radio', { name: /荷花 的亲情账户/ }).isChecked()).toBe(true);
    await c.getByLabel('转账金额').fill('50');
    await c.getByRole('button', { name: '转账', exact: true }).click();
    await c
      .getByRole('dialog')
      .getByText(/由 荷花 的亲情账户支付/)
      .waitFor();
    await pressPin(c, PIN);
    await c.getByRole('heading', { name: '转账成功' }).waitFor();
    expect(await balance(carol)).toBe(100_000);
    expect(await balance(alice)).toBe(100_000 - 3_000 - 5_000);
    // Over what is left this month: refused, in words, and nothing moves.
    await c.goto('/family');
    await c.getByText('本月还剩 ¥150.00').waitFor();
    await c.getByRole('link', { name: '用它付款' }).click();
    await c.getByLabel('收款人手机号').fill(bob.phone);
    await c.getByLabel('转账金额').fill('150.01');
    await c.getByRole('button', { name: '转账', exact: true }).click();
    await pressPin(c, PIN);
    await c.getByText('超出亲情账户本月剩余额度').waitFor();
    expect(await balance(alice)).toBe(100_000 - 3_000 - 5_000);
  });

  it('shows a group with history, a family account and an IOU (and saves screenshots)', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { user } = api(h.t);
    const alice = await user({ nickname: '荷花', pin: PIN, balance: 1_000_000 });
    const bob = await user({ nickname: '阿波', pin: PIN, balance: 500_000 });
    const carol = await user({ nickname: '小满', pin: PIN, balance: 200_000 });
    const dave = await user({ nickname: '大树', pin: PIN, balance: 200_000 });
    for (const other of [bob, carol, dave]) await befriend(h.t, alice, other);
    await befriend(h.t, bob, carol);
    const g = await post(alice, '/api/v1/groups', {
      name: '周末羽毛球',
      memberIds: [bob.id, carol.id, dave.id],
    });
    const gid = g.id as string;
    await post(alice, `/api/v1/groups/${gid}/members/${bob.id}`, { role: 'treasurer' }, 'PATCH');

    // The fund: three contributions and one spend by the owner.
    await post(alice, `/api/v1/groups/${gid}/fund/contributions`, { amount: 20_000, pin: PIN });
    await post(bob, `/api/v1/groups/${gid}/fund/contributions`, { amount: 15_000, pin: PIN });
    await post(carol, `/api/v1/groups/${gid}/fund/contributions`, { amount: 10_000, pin: PIN });
    await post(alice, `/api/v1/groups/${gid}/fund/spends`, {
      amount: 12_000,
      to: { userId: bob.id },
      note: '周六场地费',
      pin: PIN,
    });
    // A collection of ¥30 each, paid by Bob so far.
    const collection = await post(alice, `/api/v1/groups/${gid}/collections`, {
      amountEach: 3_000,
      note: '买一桶新球',
    });
    await post(bob, `/api/v1/collections/${collection.id}/payments`, { pin: PIN });
    // Shared expenses split three ways.
    const expense = (paidBy: TestUser, description: string, amount: number, split: unknown) =>
      post(paidBy, `/api/v1/groups/${gid}/expenses`, {
        description,
        amount,
        paidBy: paidBy.id,
        split,
      });
    await expense(alice, '火锅聚餐', 36_000, {
      method: 'equal',
      participants: [alice, bob, carol, dave].map((u) => ({ userId: u.id })),
    });
    await expense(bob, '打车回家', 9_000, {
      method: 'exact',
      participants: [
        { userId: bob.id, value: 3_000 },
        { userId: carol.id, value: 6_000 },
      ],
    });
    await expense(carol, 'KTV', 12_000, {
      method: 'shares',
      participants: [
        { userId: alice.id, value: 1 },
        { userId: bob.id, value: 2 },
        { userId: carol.id, value: 1 },
      ],
    });
    // A family account each way for Alice, one already used this month.
    const link = await post(alice, '/api/v1/family/links', {
      memberUserId: carol.id,
      monthlyLimit: 100_000,
      relation: 'child',
      pin: PIN,
    });
    await post(carol, '/api/v1/transfers', {
      to: { userId: bob.id },
      amount: 12_345,
      note: '学习用品',
      pin: PIN,
      fundingSource: { familyLinkId: link.id },
    });
    await post(bob, '/api/v1/family/links', {
      memberUserId: alice.id,
      monthlyLimit: 50_000,
      relation: 'partner',
      pin: PIN,
    });
    // An IOU Alice lent Bob, partly repaid.
    const due = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    const iou = await post(bob, '/api/v1/ious', {
      lenderId: alice.id,
      amount: 200_000,
      annualRateBps: 550,
      dueDate: due,
      purpose: '装修房子',
    });
    await post(alice, `/api/v1/ious/${iou.id}/accept`, { pin: PIN });
    await post(bob, `/api/v1/ious/${iou.id}/repayments`, { amount: 30_000, pin: PIN });

    const a = await h.newPage();
    await logIn(a, alice);
    await visitAll(a, 'zh-CN', { gid, collectionId: collection.id, iouId: iou.id });
    if (SHOTS) {
      await useLanguage(a, 'en');
      await visitAll(a, 'en', { gid, collectionId: collection.id, iouId: iou.id });
    }
    await h.t.services.ledger.verify().then((r) => expect(r.ok).toBe(true));
  });
});

const TEXT = {
  'zh-CN': {
    members: '群成员（4）',
    treasurer: '管理员',
    fund: '¥330.00',
    fundEntry: '我 支出给 阿波',
    collection: '已付 1/3 人',
    balances: '欠款情况',
    simplify: '简化债务',
    settle: '去结清',
    family: '本月还剩 ¥876.55',
    familyOther: '谁为我付',
    iou: '借给 阿波',
    repayment: '本金',
  },
  en: {
    members: '4 members',
    treasurer: 'Treasurer',
    fund: '¥330.00',
    fundEntry: 'You paid 阿波',
    collection: '1 of 3 paid',
    balances: 'Balances',
    simplify: 'Simplify debts',
    settle: 'Settle up',
    family: '¥876.55 left this month',
    familyOther: 'Pays for me',
    iou: 'Lent to 阿波',
    repayment: 'Principal',
  },
} as const;

/** Opens each money screen, waits for what it must show, and saves it when asked to. */
async function visitAll(
  a: Page,
  lang: Lang,
  ids: { gid: string; collectionId: string; iouId: string },
): Promise<void> {
  const x = TEXT[lang];
  await a.goto(`/groups/${ids.gid}?tab=members`);
  await a.getByRole('heading', { name: x.members }).waitFor();
  await a.getByTestId('members').getByText(x.treasurer).waitFor();
  await shot(a, 'group-members', lang);

  await a.goto(`/groups/${ids.gid}?tab=fund`);
  await poll(() => a.getByTestId('fund-balance').textContent()).toBe(x.fund);
  await a.getByTestId('fund-entries').getByText(x.fundEntry).waitFor();
  await shot(a, 'group-fund', lang);

  await a.goto(`/collections/${ids.collectionId}`);
  await poll(() => a.getByTestId('collection-count').textContent()).toBe(x.collection);
  await shot(a, 'group-collection', lang);

  await a.goto(`/groups/${ids.gid}?tab=expenses`);
  await a.getByRole('heading', { name: x.balances }).waitFor();
  await a.getByTestId('expenses').getByText('KTV').waitFor();
  await a.getByRole('button', { name: x.simplify }).click();
  await a.getByTestId('simplified').waitFor();
  await shot(a, 'group-expenses', lang);

  await a.goto('/family');
  await a.getByText(x.family).waitFor();
  await a.getByRole('heading', { name: x.familyOther }).waitFor();
  await shot(a, 'family', lang);

  await a.goto(`/ious/${ids.iouId}`);
  await a.getByRole('heading', { name: x.iou }).waitFor();
  await a.getByTestId('repayments').getByText(new RegExp(x.repayment)).waitFor();
  await shot(a, 'iou', lang);
}
