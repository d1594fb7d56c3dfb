/**
 * Conversations in a real Chromium, two people in two browser contexts: Alice sends a red
 * envelope from her group's thread (the composer's red-envelope action, with the PIN) and comes
 * back to the thread; Bob, who has the same thread open, sees the envelope arrive live and
 * opens it there. Then text both ways, the unread badge, a transfer card, English at 360 px.
 */
import { describe, expect, it } from 'vitest';
import { api } from '../support/app.ts';
import {
  befriend,
  logIn,
  PIN,
  poll,
  pressPin,
  SCENARIO_TIMEOUT,
  shot,
  useBrowserHarness,
} from './harness.ts';

const h = useBrowserHarness();

describe('conversations', () => {
  it('a red envelope sent in a group thread arrives live in a friend’s browser and is opened there', {
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
    const groupId = created.json().id as string;
    await call('POST', `/api/v1/conversations/${groupId}/messages`, {
      user: carol,
      body: { text: '周六早上八点，山脚见' },
    });

    // --- Bob: the Chats tab → the group's thread, and waits there.
    const b = await h.newPage();
    await logIn(b, bob);
    await b.getByRole('link', { name: /^聊天/ }).click();
    await b.getByRole('link', { name: /周末爬山小分队/ }).click();
    await b.getByText('周六早上八点，山脚见').waitFor();

    // --- Alice: the same thread; the composer's "+" → red envelope → the form → the PIN.
    const a = await h.newPage();
    await logIn(a, alice);
    await a.goto(`/chats/${groupId}`);
    await a.getByText('周六早上八点，山脚见').waitFor();
    await a.getByRole('textbox', { name: '输入消息' }).fill('红包来了，先到先得');
    await a.getByRole('button', { name: '发送' }).click();
    await b.getByText('红包来了，先到先得').waitFor();
    await a.getByRole('button', { name: '更多：转账、红包' }).click();
    await a.getByRole('link', { name: '红包' }).click();
    await a.getByRole('heading', { name: '发红包' }).waitFor();
    await a.getByLabel('红包个数').fill('2');
    await a.getByLabel('总金额').fill('6.66');
    await a.getByLabel('祝福语').fill('登顶快乐');
    await a.getByRole('button', { name: '塞钱进红包' }).click();
    await a.getByRole('dialog', { name: '请输入支付密码' }).getByText('¥6.66').waitFor();
    await pressPin(a, PIN);
    // Back in the thread, with the envelope as a card.
    await a.waitForURL(`**/chats/${groupId}`);
    await a.getByTestId('red-packet-card').getByText('登顶快乐').waitFor();
    expect(await balance(alice)).toBe(50_000 - 666);

    // --- Bob: the card arrives live (no reload) and opens in place.
    const card = b.getByTestId('red-packet-card');
    await card.getByText('登顶快乐').waitFor();
    await shot(b, 'chat-group', 'zh-CN');
    await card.click();
    const envelope = b.getByTestId('red-envelope');
    await envelope.getByText('登顶快乐').waitFor();
    await shot(b, 'chat-redpacket-open', 'zh-CN');
    await envelope.getByRole('button', { name: '开' }).click();
    const got = await envelope.getByTestId('claimed-amount').textContent();
    const bobAmount = Math.round(Number(got!.replace(/[^\d.]/g, '')) * 100);
    expect(bobAmount).toBeGreaterThan(0);
    await poll(() => balance(bob)).toBe(bobAmount);
    await b.getByRole('button', { name: '关闭' }).click();
    await card.getByText(/已领取/).waitFor();
    expect(b.url()).toContain(`/chats/${groupId}`);

    // --- The Chats tab lists the thread with its last message; Alice's unread badge counts Bob's text.
    await b.getByRole('textbox', { name: '输入消息' }).fill('谢谢老板！');
    await b.getByRole('button', { name: '发送' }).click();
    await a.getByText('谢谢老板！').waitFor();
    await b.goto('/chats');
    await b.getByTestId('conversations').getByText('谢谢老板！').waitFor();
    await shot(b, 'chats', 'zh-CN');
  });

  it('a transfer between friends shows as a card in their thread; English at 360 px', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { call, user } = api(h.t);
    const alice = await user({ nickname: 'Lotus', balance: 20_000 });
    const bob = await user({ nickname: 'Bo' });
    await befriend(h.t, alice, bob);
    const b = await h.newPage('en');
    await b.setViewportSize({ width: 360, height: 740 });
    await logIn(b, bob, 'en');
    // Bob opens the conversation from Alice's profile.
    await b.goto(`/users/${alice.id}`);
    await b.getByRole('button', { name: 'Message' }).click();
    await b.getByText('Say hello').waitFor();
    const sent = await call('POST', '/api/v1/transfers', {
      user: alice,
      body: { to: { userId: bob.id }, amount: 1_288, note: 'dinner' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const card = b.getByTestId('transfer-card');
    await card.getByText('¥12.88').waitFor();
    await card.getByText('Lotus sent you money').waitFor();
    await card.getByText('dinner').waitFor();
    // Nothing sticks out sideways at 360 px.
    const overflow = await b.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(b, 'chat-direct', 'en');
    await card.click();
    await b.waitForURL(`**/transactions/${sent.json().id}`);
  });

  it('a collection in the group thread is paid in place, and the payment shows under it', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { call, user, balance } = api(h.t);
    const organizer = await user({ nickname: '阿青', balance: 1_000 });
    const payer = await user({ nickname: '小林', balance: 10_000 });
    await befriend(h.t, organizer, payer);
    const group = await call('POST', '/api/v1/groups', {
      user: organizer,
      body: { name: '露营', memberIds: [payer.id] },
    });
    const groupId = group.json().id as string;
    const created = await call('POST', `/api/v1/groups/${groupId}/collections`, {
      user: organizer,
      body: { amountEach: 2_500, note: '营地费' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const p = await h.newPage();
    await logIn(p, payer);
    await p.goto(`/chats/${groupId}`);
    const card = p.getByTestId('collection-card');
    await card.getByText('营地费').waitFor();
    await card.getByRole('button', { name: '支付 ¥25.00' }).click();
    await card.getByText('你已付款').waitFor();
    await p.getByText('我 付款 ¥25.00').waitFor();
    await poll(() => balance(payer)).toBe(7_500);
    await shot(p, 'chat-collection', 'zh-CN');
  });
});
