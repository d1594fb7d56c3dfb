import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../../test/support/app.ts';
import { idNumberFor, makeAdmin, newDevice, signUp } from '../../../test/support/people.ts';

const t = await useTestApp();
const { call } = api(t);
const DAY = 86_400_000;

async function circleWithPost(text = '周末一起去爬山吗') {
  const owner = await signUp(t);
  const c = await call('POST', '/api/v1/circles', {
    user: owner,
    body: { name: '登山', description: '周末爬山' },
  });
  expect(c.statusCode, c.body).toBe(201);
  const p = await call('POST', `/api/v1/circles/${c.json().id}/posts`, {
    user: owner,
    body: { text },
  });
  expect(p.statusCode, p.body).toBe(201);
  return { owner, circleId: c.json().id as string, postId: p.json().id as string };
}

async function joined(circleId: string) {
  const u = await signUp(t);
  const j = await call('POST', `/api/v1/circles/${circleId}/members`, { user: u });
  expect(j.statusCode, j.body).toBe(201);
  return u;
}

async function admin() {
  return makeAdmin(t, await signUp(t));
}

async function queueItem(
  adminUser: Awaited<ReturnType<typeof admin>>,
  targetId: string,
  status = 'open',
) {
  const q = await call('GET', `/api/v1/admin/reviews?status=${status}&limit=100`, {
    user: adminUser,
  });
  expect(q.statusCode, q.body).toBe(200);
  return (q.json().items as { id: string; target: { id: string } }[]).find(
    (i) => i.target.id === targetId,
  );
}

describe('devices', () => {
  it('records the device of sign-up, log-in and money requests; a new one is new', async () => {
    const u = await signUp(t);
    expect(await t.services.devices.isNew(u.id, u.device)).toBe(false);
    const phone2 = newDevice();
    expect(await t.services.devices.isNew(u.id, phone2)).toBe(true);
    t.clock.advance(3 * DAY);
    const login = await call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'correct horse' },
      headers: { 'x-device-id': phone2 },
    });
    expect(login.statusCode, login.body).toBe(200);
    // Seen since the log-in, a day has not passed: still new for the risk check.
    expect(await t.services.devices.isNew(u.id, phone2)).toBe(true);
    const laptop = newDevice();
    const top = await call('POST', '/api/v1/wallet/topups', {
      user: u,
      body: { amount: 100 },
      headers: { 'x-device-id': laptop },
    });
    expect(top.statusCode, top.body).toBe(201);
    expect(await t.services.devices.hashesOf(u.id)).toHaveLength(3);
    t.clock.advance(2 * DAY);
    expect(await t.services.devices.isNew(u.id, phone2)).toBe(false);
  });

  it('refuses a malformed X-Device-Id', async () => {
    const short = await call('POST', '/api/v1/auth/register', {
      body: { phone: '13912345678', password: 'correct horse', nickname: 'x' },
      headers: { 'x-device-id': 'abc' },
    });
    expect(short.statusCode).toBe(422);
    expect(short.json()).toMatchObject({ code: 'validation_error', field: 'X-Device-Id' });
    const long = await call('POST', '/api/v1/auth/register', {
      body: { phone: '13912345678', password: 'correct horse', nickname: 'x' },
      headers: { 'x-device-id': 'x'.repeat(129) },
    });
    expect(long.statusCode).toBe(422);
  });
});

describe('reports and the review queue', () => {
  it('merges mass reports into one queue item with counts per reason, and takes nothing down', async () => {
    const { circleId, postId } = await circleWithPost('约吗 私聊 加微信 看照片');
    const reasons = ['spam', 'spam', 'sexual', 'sexual', 'sexual', 'fraud', 'other', 'spam'];
    const first = await joined(circleId);
    const r1 = await call('POST', '/api/v1/reports', {
      user: first,
      body: { target: { type: 'post', id: postId }, reason: 'sexual', detail: '招嫖' },
    });
    expect(r1.statusCode, r1.body).toBe(201);
    expect(r1.json()).toMatchObject({ status: 'open' });
    // The same reporter again: the first report, not a second count.
    const again = await call('POST', '/api/v1/reports', {
      user: first,
      body: { target: { type: 'post', id: postId }, reason: 'spam' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(r1.json().id);
    for (const reason of reasons) {
      const u = await joined(circleId);
      const r = await call('POST', '/api/v1/reports', {
        user: u,
        body: { target: { type: 'post', id: postId }, reason },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const ops = await admin();
    const item = (await queueItem(ops, postId)) as unknown as Record<string, unknown>;
    expect(item).toMatchObject({
      target: { type: 'post', id: postId },
      reportCount: 9,
      reasons: { spam: 3, sexual: 4, fraud: 1, other: 1 },
      heldByFilter: false,
      content: { text: '约吗 私聊 加微信 看照片', circle: { id: circleId } },
    });
    const items = (await call('GET', '/api/v1/admin/reviews?limit=100', { user: ops })).json()
      .items as { target: { id: string } }[];
    expect(items.filter((i) => i.target.id === postId)).toHaveLength(1);
    // However many reports, the post is still there until an operator decides.
    const reader = await joined(circleId);
    const read = await call('GET', `/api/v1/circles/${circleId}/posts/${postId}`, { user: reader });
    expect(read.statusCode).toBe(200);
  });

  it('reports arriving at once still make one item with every report counted once', async () => {
    const { circleId, postId } = await circleWithPost('加我VX看更多');
    const reporters = [];
    for (let i = 0; i < 12; i++) reporters.push(await joined(circleId));
    // Each reporter sends twice, all at the same moment.
    const answers = await Promise.all(
      [...reporters, ...reporters].map((u, i) =>
        call('POST', '/api/v1/reports', {
          user: u,
          body: { target: { type: 'post', id: postId }, reason: i % 2 ? 'spam' : 'fraud' },
        }),
      ),
    );
    expect(answers.every((r) => r.statusCode === 201 || r.statusCode === 200)).toBe(true);
    expect(answers.filter((r) => r.statusCode === 201)).toHaveLength(12);
    const ops = await admin();
    const item = (await queueItem(ops, postId)) as unknown as {
      reportCount: number;
      reasons: Record<string, number>;
    };
    expect(item.reportCount).toBe(12);
    expect(Object.values(item.reasons).reduce((a, b) => a + b, 0)).toBe(12);
    const { rows } = await t.services.db.query(
      `SELECT count(*)::int AS n FROM review_items WHERE target_id = $1`,
      [postId],
    );
    expect(rows[0].n).toBe(1);
  });

  it('orders the queue most-reported first and keeps it from non-admins', async () => {
    const ops = await admin();
    const plain = await signUp(t);
    expect((await call('GET', '/api/v1/admin/reviews', { user: plain })).statusCode).toBe(403);
    const q = await call('GET', '/api/v1/admin/reviews?limit=100', { user: ops });
    const counts = (q.json().items as { reportCount: number }[]).map((i) => i.reportCount);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('refuses reports of what the reporter cannot see, of unknown types, and of oneself', async () => {
    const { postId } = await circleWithPost();
    const stranger = await signUp(t);
    const hidden = await call('POST', '/api/v1/reports', {
      user: stranger,
      body: { target: { type: 'post', id: postId }, reason: 'spam' },
    });
    expect(hidden.statusCode).toBe(404);
    const unknown = await call('POST', '/api/v1/reports', {
      user: stranger,
      body: { target: { type: 'spaceship', id: postId }, reason: 'spam' },
    });
    expect(unknown.statusCode).toBe(422);
    const self = await call('POST', '/api/v1/reports', {
      user: stranger,
      body: { target: { type: 'user', id: stranger.id }, reason: 'spam' },
    });
    expect(self.statusCode).toBe(422);
    const extra = await call('POST', '/api/v1/reports', {
      user: stranger,
      body: { target: { type: 'user', id: postId }, reason: 'spam', weight: 100 },
    });
    expect(extra.statusCode).toBe(422);
  });

  it('takes a post down: 410 gone for every reader, its author included', async () => {
    const { owner, circleId, postId } = await circleWithPost('约吗 私聊 加微信 看照片');
    const member = await joined(circleId);
    await call('POST', '/api/v1/reports', {
      user: member,
      body: { target: { type: 'post', id: postId }, reason: 'sexual' },
    });
    const ops = await admin();
    const item = await queueItem(ops, postId);
    const decided = await call('POST', `/api/v1/admin/reviews/${item!.id}/decision`, {
      user: ops,
      body: { action: 'take_down', note: 'solicitation' },
    });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({ status: 'closed', decision: { action: 'take_down' } });
    for (const who of [member, owner]) {
      const read = await call('GET', `/api/v1/circles/${circleId}/posts/${postId}`, { user: who });
      expect(read.statusCode).toBe(410);
      expect(read.json().code).toBe('gone');
      const list = await call('GET', `/api/v1/circles/${circleId}/posts`, { user: who });
      expect((list.json().items as { id: string }[]).map((p) => p.id)).not.toContain(postId);
    }
    const twice = await call('POST', `/api/v1/admin/reviews/${item!.id}/decision`, {
      user: ops,
      body: { action: 'dismiss', note: 'again' },
    });
    expect(twice.statusCode).toBe(409);
    expect(await queueItem(ops, postId, 'closed')).toBeDefined();
  });

  it('puts held content in the same queue; dismissing publishes it', async () => {
    const { circleId } = await circleWithPost();
    const member = await joined(circleId);
    const held = await call('POST', `/api/v1/circles/${circleId}/posts`, {
      user: member,
      body: { text: '娱乐城' },
    });
    expect(held.statusCode, held.body).toBe(201);
    expect(held.json().status).toBe('held');
    const postId = held.json().id as string;
    const other = await joined(circleId);
    expect(
      (await call('GET', `/api/v1/circles/${circleId}/posts/${postId}`, { user: other }))
        .statusCode,
    ).toBe(404);
    await call('POST', '/api/v1/reports', {
      user: member,
      body: { target: { type: 'post', id: postId }, reason: 'other' },
    });
    const ops = await admin();
    const item = (await queueItem(ops, postId)) as unknown as Record<string, unknown>;
    expect(item).toMatchObject({ heldByFilter: true, reportCount: 1, reasons: { other: 1 } });
    const ok = await call('POST', `/api/v1/admin/reviews/${item.id}/decision`, {
      user: ops,
      body: { action: 'dismiss', note: 'a place name' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const read = await call('GET', `/api/v1/circles/${circleId}/posts/${postId}`, { user: other });
    expect(read.statusCode).toBe(200);
    expect(read.json().status).toBe('visible');
  });

  it('puts 生活圈 posts the filter held in the queue too', async () => {
    const author = await signUp(t);
    const friend = await signUp(t);
    await api(t).befriend(author, friend);
    const p = await call('POST', '/api/v1/posts', { user: author, body: { text: '娱乐城' } });
    expect(p.json().moderationStatus).toBe('held');
    expect((await call('GET', `/api/v1/posts/${p.json().id}`, { user: friend })).statusCode).toBe(
      404,
    );
    const ops = await admin();
    const item = (await queueItem(ops, p.json().id)) as unknown as Record<string, unknown>;
    expect(item).toMatchObject({
      heldByFilter: true,
      reportCount: 0,
      content: { where: 'moments' },
    });
    await call('POST', `/api/v1/admin/reviews/${item.id}/decision`, {
      user: ops,
      body: { action: 'dismiss', note: 'a place name' },
    });
    expect((await call('GET', `/api/v1/posts/${p.json().id}`, { user: friend })).statusCode).toBe(
      200,
    );
  });

  it('reports 生活圈 posts too, and takes them down for their author as well', async () => {
    const author = await signUp(t);
    const friend = await signUp(t);
    await api(t).befriend(author, friend);
    const p = await call('POST', '/api/v1/posts', { user: author, body: { text: '加我VX看更多' } });
    expect(p.statusCode, p.body).toBe(201);
    const r = await call('POST', '/api/v1/reports', {
      user: friend,
      body: { target: { type: 'post', id: p.json().id }, reason: 'spam' },
    });
    expect(r.statusCode, r.body).toBe(201);
    const ops = await admin();
    const item = await queueItem(ops, p.json().id);
    expect((item as unknown as { content: { where: string } }).content.where).toBe('moments');
    await call('POST', `/api/v1/admin/reviews/${item!.id}/decision`, {
      user: ops,
      body: { action: 'take_down', note: 'spam' },
    });
    for (const who of [author, friend]) {
      expect((await call('GET', `/api/v1/posts/${p.json().id}`, { user: who })).statusCode).toBe(
        410,
      );
    }
  });
});

describe('bans', () => {
  it('a permanently banned person cannot come back: not on the same device, not with the same ID', async () => {
    const idNumber = idNumberFor('19960315', 'male');
    const bad = await signUp(t, { idNumber });
    const ops = await admin();
    const ban = await call('POST', `/api/v1/admin/users/${bad.id}/bans`, {
      user: ops,
      body: { reason: 'solicitation' },
    });
    expect(ban.statusCode, ban.body).toBe(201);
    expect(ban.json()).toMatchObject({ permanent: true });
    expect(ban.json().until).toBeUndefined();

    // Sessions end at once, and every request says why.
    const me = await call('GET', '/api/v1/me', { user: bad });
    expect(me.statusCode).toBe(403);
    expect(me.json().code).toBe('banned');
    const login = await call('POST', '/api/v1/auth/login', {
      body: { phone: bad.phone, password: 'correct horse' },
    });
    expect(login.statusCode).toBe(403);
    expect(login.json().code).toBe('banned');

    // A new phone number on the same device.
    const sameDevice = await call('POST', '/api/v1/auth/register', {
      body: { phone: '13700000001', password: 'correct horse', nickname: 'again' },
      headers: { 'x-device-id': bad.device },
    });
    expect(sameDevice.statusCode).toBe(403);
    expect(sameDevice.json().code).toBe('banned');

    // A new phone on a new device, but the same ID number.
    const fresh = await signUp(t, { idNumber: null });
    const verify = await call('POST', '/api/v1/me/verification', {
      user: fresh,
      body: { realName: '测试用户', idNumber },
    });
    expect(verify.statusCode).toBe(403);
    expect(verify.json().code).toBe('banned');
    // The same account with someone's own ID is fine: the ban is on the person, not the device.
    const honest = await call('POST', '/api/v1/me/verification', {
      user: fresh,
      body: { realName: '测试用户', idNumber: idNumberFor('19970101', 'female') },
    });
    expect(honest.statusCode).toBe(200);
  });

  it('a temporary ban ends by itself', async () => {
    const u = await signUp(t);
    const ops = await admin();
    const ban = await call('POST', `/api/v1/admin/users/${u.id}/bans`, {
      user: ops,
      body: { days: 3, reason: 'cool off' },
    });
    expect(ban.statusCode).toBe(201);
    expect(ban.json()).toMatchObject({ permanent: false });
    expect(new Date(ban.json().until).getTime()).toBe(t.clock.now().getTime() + 3 * DAY);
    const login = () =>
      call('POST', '/api/v1/auth/login', { body: { phone: u.phone, password: 'correct horse' } });
    expect((await login()).statusCode).toBe(403);
    t.clock.advance(3 * DAY - 60_000);
    expect((await login()).statusCode).toBe(403);
    // A temporary ban never covered the device: a friend may sign up on it.
    const friendOnDevice = await call('POST', '/api/v1/auth/register', {
      body: { phone: '13700000002', password: 'correct horse', nickname: 'friend' },
      headers: { 'x-device-id': u.device },
    });
    expect(friendOnDevice.statusCode).toBe(201);
    t.clock.advance(120_000);
    const back = await login();
    expect(back.statusCode, back.body).toBe(200);
    const me = await call('GET', '/api/v1/me', {
      headers: { authorization: `Bearer ${back.json().token}` },
    });
    expect(me.statusCode).toBe(200);
  });

  it('lifting a ban lets the person back and is audited; only admins ban', async () => {
    const u = await signUp(t);
    const ops = await admin();
    const plain = await signUp(t);
    const notAdmin = await call('POST', `/api/v1/admin/users/${u.id}/bans`, {
      user: plain,
      body: { reason: 'x' },
    });
    expect(notAdmin.statusCode).toBe(403);
    const ban = await call('POST', `/api/v1/admin/users/${u.id}/bans`, {
      user: ops,
      body: { reason: 'mistake' },
    });
    const lift = await call('DELETE', `/api/v1/admin/bans/${ban.json().id}`, { user: ops });
    expect(lift.statusCode).toBe(204);
    expect(
      (await call('DELETE', `/api/v1/admin/bans/${ban.json().id}`, { user: ops })).statusCode,
    ).toBe(409);
    const login = await call('POST', '/api/v1/auth/login', {
      body: { phone: u.phone, password: 'correct horse' },
    });
    expect(login.statusCode).toBe(200);
    // Lifted: the device and identity are free again too.
    const onDevice = await call('POST', '/api/v1/auth/register', {
      body: { phone: '13700000003', password: 'correct horse', nickname: 'later' },
      headers: { 'x-device-id': u.device },
    });
    expect(onDevice.statusCode).toBe(201);
    const audit = await call('GET', '/api/v1/admin/audit?limit=100', { user: ops });
    const actions = (audit.json().items as { action: string; target: { id: string } }[])
      .filter((e) => e.target.id === u.id)
      .map((e) => e.action);
    expect(actions).toEqual(['ban.lift', 'ban.create']);
  });

  it('ban_author bans and takes down in one decision', async () => {
    const { circleId, postId, owner } = await circleWithPost('高端外围 上门服务');
    const member = await joined(circleId);
    await call('POST', '/api/v1/reports', {
      user: member,
      body: { target: { type: 'post', id: postId }, reason: 'sexual' },
    });
    const ops = await admin();
    const item = await queueItem(ops, postId);
    const d = await call('POST', `/api/v1/admin/reviews/${item!.id}/decision`, {
      user: ops,
      body: { action: 'ban_author', banDays: 7, note: 'solicitation' },
    });
    expect(d.statusCode, d.body).toBe(200);
    expect((await call('GET', '/api/v1/me', { user: owner })).json().code).toBe('banned');
    expect(
      (await call('GET', `/api/v1/circles/${circleId}/posts/${postId}`, { user: member }))
        .statusCode,
    ).toBe(410);
  });
});

describe('the audit log', () => {
  it('holds every operator action, newest first, for operators only', async () => {
    const ops = await admin();
    const { circleId, postId } = await circleWithPost('约吗 私聊 加微信 看照片');
    const member = await joined(circleId);
    await call('POST', '/api/v1/reports', {
      user: member,
      body: { target: { type: 'post', id: postId }, reason: 'spam' },
    });
    const item = await queueItem(ops, postId);
    await call('POST', `/api/v1/admin/reviews/${item!.id}/decision`, {
      user: ops,
      body: { action: 'take_down', note: 'spam' },
    });
    await call('POST', `/api/v1/admin/users/${member.id}/bans`, {
      user: ops,
      body: { days: 1, reason: 'test' },
    });
    await call('PUT', '/api/v1/admin/circles/policy', {
      user: ops,
      body: { forbiddenAttributes: ['gender', 'creditScore'] },
    });
    await call('POST', `/api/v1/admin/circles/${circleId}/dissolve`, {
      user: ops,
      body: { reason: 'spam ring' },
    });
    const audit = await call('GET', '/api/v1/admin/audit?limit=100', { user: ops });
    expect(audit.statusCode).toBe(200);
    const mine = (
      audit.json().items as { actorId: string; action: string; target: unknown; detail: unknown }[]
    ).filter((e) => e.actorId === ops.id);
    expect(mine.map((e) => e.action)).toEqual([
      'circle.dissolve',
      'circles.policy',
      'ban.create',
      'review.take_down',
    ]);
    expect(mine[0]).toMatchObject({
      target: { type: 'circle', id: circleId },
      detail: { reason: 'spam ring' },
    });
    expect(mine[3]).toMatchObject({
      target: { type: 'post', id: postId },
      detail: { note: 'spam' },
    });
    expect((await call('GET', '/api/v1/admin/audit', { user: member })).statusCode).toBe(403);
  });
});
