/**
 * Circles and the safety desk in a real Chromium. A verified adult joins a circle whose posting
 * is for students of 18 and over, is told exactly why they cannot post, verifies as a student and
 * posts. An operator works the review queue (reports merged into one item, the content in its
 * circle), bans the author, and the author's open app turns into the banned screen.
 */
import { describe, expect, it } from 'vitest';
import { api } from '../support/app.ts';
import { idNumberFor, makeAdmin, signUp } from '../support/people.ts';
import { logIn, poll, SCENARIO_TIMEOUT, shot, useBrowserHarness } from './harness.ts';

// The database is shared with the other test files: this run's circles carry their own names.
const run = Math.random().toString(36).slice(2, 6);
const BOOK_CLUB = `大学生读书会 ${run}`;
const HIKES = `Weekend hikes ${run}`;
const SPAMMER = `Lucky Girl ${run}`;

const h = useBrowserHarness();

describe('circles', () => {
  it('join a circle, be told why you cannot post, verify as a student, then post', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { call } = api(h.t);
    const owner = await signUp(h.t, {
      nickname: '书虫',
      idNumber: idNumberFor(`${new Date().getFullYear() - 22}0601`, 'male'),
    });
    // The owner is held to the circle's rules like everyone: a student of 18 or over.
    await call('POST', '/api/v1/me/student-verification', {
      user: owner,
      body: { school: '复旦大学', enrollmentYear: new Date().getFullYear() - 2 },
    });
    const circle = await call('POST', '/api/v1/circles', {
      user: owner,
      body: {
        name: BOOK_CLUB,
        description: '每周一本书。浏览不限，18 岁以上的在校生可以发帖。',
        tags: ['读书', '校园'],
        rules: {
          post: [
            { attribute: 'age', op: 'gte', value: 18 },
            { attribute: 'student', op: 'eq', value: true },
          ],
        },
      },
    });
    expect(circle.statusCode, circle.body).toBe(201);
    const first = await call('POST', `/api/v1/circles/${circle.json().id}/posts`, {
      user: owner,
      body: { text: '这周读余华的《活着》，周五晚上线上讨论。' },
    });
    expect(first.statusCode, first.body).toBe(201);
    const lin = await signUp(h.t, {
      nickname: '小林',
      idNumber: idNumberFor(`${new Date().getFullYear() - 21}0315`, 'female'),
    });

    const p = await h.newPage('zh-CN');
    await logIn(p, lin);
    await p.getByRole('link', { name: '我的', exact: true }).click();
    await p.getByRole('link', { name: /圈子/ }).click();
    await p.getByRole('link', { name: new RegExp(BOOK_CLUB) }).click();
    await p.getByRole('heading', { name: BOOK_CLUB }).waitFor();
    // The rules are shown before joining.
    await p.getByText('年满 18 岁').waitFor();
    await p.getByText('认证在校学生').waitFor();
    await p.getByRole('button', { name: '加入圈子' }).click();
    await p.getByRole('button', { name: '退出圈子' }).waitFor();
    await p.getByText('这周读余华的《活着》').waitFor();
    // Why I cannot post: the one condition I do not meet, with where to fix it.
    const why = p.getByRole('note').filter({ hasText: '你暂时不能在这里发帖' });
    await why.getByText('需要完成学生认证').waitFor();
    expect(await why.textContent()).not.toContain('年满');
    await shot(p, 'circle-why-not', 'zh-CN');

    await why.getByRole('link', { name: '去学生认证' }).click();
    await p.getByLabel('学校').fill('复旦大学');
    await p.getByRole('button', { name: '提交认证' }).click();
    await p.getByRole('heading', { name: BOOK_CLUB }).waitFor();
    await p.getByLabel('帖子内容').fill('我读完了，最后一章太难过了。');
    await p.getByRole('button', { name: '发布', exact: true }).click();
    await p.getByText('我读完了，最后一章太难过了。').waitFor();
    await poll(() => p.getByRole('note').filter({ hasText: '你暂时不能在这里发帖' }).count()).toBe(
      0,
    );
    await shot(p, 'circle', 'zh-CN');
  });

  it('an operator works the review queue, bans the author, and the author sees the banned state', {
    timeout: SCENARIO_TIMEOUT,
  }, async () => {
    const { call } = api(h.t);
    const owner = await signUp(h.t, { nickname: 'Hikers' });
    const circle = await call('POST', '/api/v1/circles', {
      user: owner,
      body: { name: HIKES, description: 'Trails around Shanghai' },
    });
    const circleId = circle.json().id as string;
    const spammer = await signUp(h.t, { nickname: SPAMMER });
    await call('POST', `/api/v1/circles/${circleId}/members`, { user: spammer });
    const spam = await call('POST', `/api/v1/circles/${circleId}/posts`, {
      user: spammer,
      body: { text: '约吗 私聊 加微信 看照片' },
    });
    expect(spam.statusCode, spam.body).toBe(201);
    for (const reason of ['sexual', 'sexual', 'spam']) {
      const m = await signUp(h.t);
      await call('POST', `/api/v1/circles/${circleId}/members`, { user: m });
      const r = await call('POST', '/api/v1/reports', {
        user: m,
        body: { target: { type: 'post', id: spam.json().id }, reason },
      });
      expect(r.statusCode).toBe(201);
    }

    // The spammer has the app open.
    const s = await h.newPage('en');
    await logIn(s, spammer, 'en');

    const ops = await makeAdmin(h.t, await signUp(h.t, { nickname: 'Ops' }));
    const a = await h.newPage('en');
    await logIn(a, ops, 'en');
    await a.getByRole('link', { name: 'Me', exact: true }).click();
    await a.getByRole('link', { name: /Admin console/ }).click();
    const item = a
      .getByRole('listitem')
      .filter({ hasText: '约吗 私聊 加微信 看照片' })
      .filter({ hasText: `Circle “${HIKES}”` });
    await item.getByText('3 reports').waitFor();
    await item.getByText('Sexual content × 2').waitFor();
    await item.getByText('Spam or ads × 1').waitFor();
    await item.getByText(`Circle “${HIKES}” · ${SPAMMER}`).waitFor();
    await shot(a, 'admin-review-queue', 'en');

    await item.getByRole('button', { name: 'Decide' }).click();
    await a.getByLabel('Ban the author and take down').check();
    await a.getByLabel('Note').fill('Solicitation');
    await a.getByRole('button', { name: 'Confirm' }).click();
    await poll(() => item.count()).toBe(0);

    await a.getByRole('tab', { name: 'Bans' }).click();
    await a.locator('.ban-card').filter({ hasText: SPAMMER }).getByText('Permanent').waitFor();
    await shot(a, 'admin-bans', 'en');
    await a.getByRole('tab', { name: 'Audit log' }).click();
    await a.getByText('Banned an author').first().waitFor();

    // The author's next request meets the ban: the app says so instead of failing half-way.
    await s.reload();
    await s.getByRole('heading', { name: 'This account is banned' }).waitFor();
    await shot(s, 'banned', 'en');
    const gone = await call('GET', `/api/v1/circles/${circleId}/posts/${spam.json().id}`, {
      user: owner,
    });
    expect(gone.statusCode).toBe(410);
  });
});
