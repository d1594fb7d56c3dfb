import { expect, it } from 'vitest';
import { api, useTestApp } from '../../../test/support/app.ts';
import { idNumberFor, makeAdmin, newDevice, signUp } from '../../../test/support/people.ts';

const t = await useTestApp();
const { call } = api(t);

/**
 * The story Hebao is built on, replayed: a gated circle fills with solicitation and gambling
 * spam within days; reports pile up; the operator dissolves the circle and bans the accounts
 * permanently; the banned people cannot come back, on their devices or with their ID numbers.
 */
it('a circle overrun by spam is dissolved, its spammers banned, and they cannot return', async () => {
  const ops = await makeAdmin(t, await signUp(t, { nickname: '运营' }));
  const owner = await signUp(t, { nickname: '圈主' });
  // The gate the story's circle used is refused outright…
  const abused = await call('POST', '/api/v1/circles', {
    user: owner,
    body: {
      name: '校园女生',
      description: '只有认证女大学生能发帖，信用 750 以上能评论',
      rules: {
        post: [
          { attribute: 'gender', op: 'eq', value: 'female' },
          { attribute: 'student', op: 'eq', value: true },
        ],
        comment: [{ attribute: 'creditScore', op: 'gte', value: 750 }],
      },
    },
  });
  expect(abused.statusCode).toBe(422);
  expect(abused.json().code).toBe('rule_forbidden');
  // …so it opens as a plain student circle.
  const circle = await call('POST', '/api/v1/circles', {
    user: owner,
    body: {
      name: '校园生活',
      description: '在校生发帖',
      rules: { post: [{ attribute: 'student', op: 'eq', value: true }] },
    },
  });
  expect(circle.statusCode, circle.body).toBe(201);
  const circleId = circle.json().id as string;

  // Two spammers with student cards; each has an ID number and a phone they will want back.
  const spamIds = [idNumberFor('20030512', 'female'), idNumberFor('20040203', 'male')];
  const spammers = [];
  for (const idNumber of spamIds) {
    const s = await signUp(t, { idNumber });
    const sv = await call('POST', '/api/v1/me/student-verification', {
      user: s,
      body: { school: '某大学', enrollmentYear: t.clock.now().getUTCFullYear() - 1 },
    });
    expect(sv.statusCode).toBe(200);
    expect(
      (await call('POST', `/api/v1/circles/${circleId}/members`, { user: s })).statusCode,
    ).toBe(201);
    spammers.push(s);
  }
  const spamPosts: string[] = [];
  const outcomes: number[] = [];
  for (const [i, text] of [
    '约吗 私聊 加微信 看照片',
    '高端外围 上门服务',
    '澳门娱乐城 日赚千元',
    '娱乐城',
    '加我VX看更多',
  ].entries()) {
    const p = await call('POST', `/api/v1/circles/${circleId}/posts`, {
      user: spammers[i % 2]!,
      body: { text },
    });
    outcomes.push(p.statusCode);
    if (p.statusCode === 201) spamPosts.push(p.json().id);
  }
  // The filter refuses the blatant one outright; the rest get through or are held.
  expect(outcomes).toEqual([201, 201, 422, 201, 201]);

  // Members report what they see; reports on one post merge.
  const members = [];
  for (let i = 0; i < 6; i++) {
    const m = await signUp(t);
    await call('POST', `/api/v1/circles/${circleId}/members`, { user: m });
    members.push(m);
  }
  const visible = (
    await call('GET', `/api/v1/circles/${circleId}/posts?limit=100`, { user: members[0]! })
  ).json().items as { id: string }[];
  for (const m of members) {
    for (const p of visible) {
      const r = await call('POST', '/api/v1/reports', {
        user: m,
        body: { target: { type: 'post', id: p.id }, reason: 'sexual' },
      });
      expect(r.statusCode).toBe(201);
    }
    await call('POST', '/api/v1/reports', {
      user: m,
      body: { target: { type: 'circle', id: circleId }, reason: 'spam' },
    });
  }
  const queue = await call('GET', '/api/v1/admin/reviews?limit=100', { user: ops });
  const mine = (
    queue.json().items as { target: { id: string }; reportCount: number; heldByFilter: boolean }[]
  ).filter((i) => i.target.id === circleId || spamPosts.includes(i.target.id));
  expect(mine).toHaveLength(spamPosts.length + 1);
  expect(mine.filter((i) => i.heldByFilter)).toHaveLength(1);
  expect(mine.find((i) => i.target.id === circleId)?.reportCount).toBe(6);

  // The operator dissolves the circle and bans both accounts for good.
  const dissolve = await call('POST', `/api/v1/admin/circles/${circleId}/dissolve`, {
    user: ops,
    body: { reason: 'solicitation and gambling spam' },
  });
  expect(dissolve.statusCode).toBe(200);
  for (const s of spammers) {
    const ban = await call('POST', `/api/v1/admin/users/${s.id}/bans`, {
      user: ops,
      body: { reason: 'solicitation ring' },
    });
    expect(ban.statusCode).toBe(201);
  }
  expect(
    (await call('GET', `/api/v1/circles/${circleId}/posts`, { user: members[0]! })).statusCode,
  ).toBe(410);

  // They cannot return: not signed in, not on their devices, not with their ID numbers.
  for (const [i, s] of spammers.entries()) {
    expect((await call('GET', '/api/v1/me', { user: s })).json().code).toBe('banned');
    const again = await call('POST', '/api/v1/auth/register', {
      body: { phone: `1360000${String(1000 + i)}`, password: 'correct horse', nickname: 'new' },
      headers: { 'x-device-id': s.device },
    });
    expect(again.json().code).toBe('banned');
    const elsewhere = await signUp(t, { device: newDevice(), idNumber: null });
    const verify = await call('POST', '/api/v1/me/verification', {
      user: elsewhere,
      body: { realName: '测试用户', idNumber: spamIds[i] },
    });
    expect(verify.json().code).toBe('banned');
  }
  const audit = await call('GET', '/api/v1/admin/audit?limit=50', { user: ops });
  const actions = (audit.json().items as { actorId: string; action: string }[])
    .filter((e) => e.actorId === ops.id)
    .map((e) => e.action);
  expect(actions).toEqual(['ban.create', 'ban.create', 'circle.dissolve']);
});
