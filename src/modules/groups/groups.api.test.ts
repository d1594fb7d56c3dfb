import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';

const t = await useTestApp({ HEBAO_GROUP_MAX_MEMBERS: '4' });
const { call, user } = api(t);

const createGroup = (owner: TestUser, body: Record<string, unknown>) =>
  call('POST', '/api/v1/groups', { user: owner, body });

const roles = (members: { userId: string; role: string }[]) =>
  Object.fromEntries(members.map((m) => [m.userId, m.role]));

describe('groups', () => {
  it('creates a group with its owner and members', async () => {
    const [owner, a, b] = await Promise.all([
      user({ verified: false }),
      user({ verified: false }),
      user({ verified: false }),
    ]);
    const res = await createGroup(owner, {
      name: ' 周末羽毛球 ',
      // Duplicates and the owner's own id are taken once.
      memberIds: [a.id, b.id, a.id, owner.id],
    });
    expect(res.statusCode, res.body).toBe(201);
    const group = res.json();
    expect(group).toMatchObject({ name: '周末羽毛球', ownerId: owner.id });
    expect(roles(group.members as never)).toEqual({
      [owner.id]: 'owner',
      [a.id]: 'member',
      [b.id]: 'member',
    });
    const seen = await call('GET', `/api/v1/groups/${group.id}`, { user: a });
    expect(seen.statusCode).toBe(200);
    expect(seen.json()).toEqual(group);
    expect(await t.services.groups.isMember(t.services.db, group.id as string, b.id)).toBe(true);
    expect(await t.services.groups.isMember(t.services.db, group.id as string, 'nope')).toBe(false);
  });

  it('is invisible to non-members', async () => {
    const [owner, stranger] = await Promise.all([
      user({ verified: false }),
      user({ verified: false }),
    ]);
    const id = (await createGroup(owner, { name: 'g', memberIds: [] })).json().id;
    for (const url of [`/api/v1/groups/${id}`, '/api/v1/groups/not-a-uuid']) {
      const res = await call('GET', url, { user: stranger });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    const add = await call('POST', `/api/v1/groups/${id}/members`, {
      user: stranger,
      body: { userId: stranger.id },
    });
    expect(add.statusCode).toBe(404);
    expect(await t.services.groups.isMember(t.services.db, id, stranger.id)).toBe(false);
  });

  it('lets the owner (and treasurers) add members, not plain members', async () => {
    const [owner, member, treasurer, newcomer, late] = await Promise.all(
      Array.from({ length: 5 }, () => user({ verified: false })),
    );
    const id = (
      await createGroup(owner!, { name: 'fund', memberIds: [member!.id, treasurer!.id] })
    ).json().id;
    await t.services.db.query(
      `UPDATE group_members SET role = 'treasurer' WHERE group_id = $1 AND user_id = $2`,
      [id, treasurer!.id],
    );
    const byMember = await call('POST', `/api/v1/groups/${id}/members`, {
      user: member,
      body: { userId: newcomer!.id },
    });
    expect(byMember.statusCode).toBe(403);
    expect(byMember.json().code).toBe('forbidden');
    const byTreasurer = await call('POST', `/api/v1/groups/${id}/members`, {
      user: treasurer,
      body: { userId: newcomer!.id },
    });
    expect(byTreasurer.statusCode, byTreasurer.body).toBe(201);
    expect(roles(byTreasurer.json().members)[newcomer!.id]).toBe('member');
    const again = await call('POST', `/api/v1/groups/${id}/members`, {
      user: owner,
      body: { userId: newcomer!.id },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
    // Four members is this file's configured maximum.
    const full = await call('POST', `/api/v1/groups/${id}/members`, {
      user: owner,
      body: { userId: late!.id },
    });
    expect(full.statusCode).toBe(422);
    expect((await call('GET', `/api/v1/groups/${id}`, { user: newcomer })).statusCode).toBe(200);
  });

  it('lists my groups, newest first, with a cursor', async () => {
    const [me, other] = await Promise.all([user({ verified: false }), user({ verified: false })]);
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      ids.push((await createGroup(other, { name, memberIds: [me.id] })).json().id);
      t.clock.advance(1000);
    }
    await createGroup(other, { name: 'not mine', memberIds: [] });
    const first = await call('GET', '/api/v1/groups?limit=2', { user: me });
    expect(first.statusCode).toBe(200);
    const page1 = first.json() as {
      items: { id: string; name: string; role: string; memberCount: number }[];
      nextCursor: string;
    };
    expect(page1.items.map((g) => g.name)).toEqual(['three', 'two']);
    expect(page1.items[0]).toMatchObject({ role: 'member', memberCount: 2 });
    const page2 = (
      await call('GET', `/api/v1/groups?limit=2&cursor=${page1.nextCursor}`, { user: me })
    ).json();
    expect(page2).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    const bad = await call('GET', '/api/v1/groups?cursor=bm9wZQ', { user: me });
    expect(bad.statusCode).toBe(422);
  });

  it('refuses bad input, unknown users and blocked users', async () => {
    const [owner, friend, blocker] = await Promise.all(
      Array.from({ length: 3 }, () => user({ verified: false })),
    );
    const bodies: [string, unknown][] = [
      ['missing name', { memberIds: [] }],
      ['blank name', { name: '', memberIds: [] }],
      ['long name', { name: 'x'.repeat(51), memberIds: [] }],
      ['members not a list', { name: 'g', memberIds: friend!.id }],
      ['member not a string', { name: 'g', memberIds: [42] }],
      ['unknown field', { name: 'g', memberIds: [], public: true }],
      ['too many members', { name: 'g', memberIds: ['a', 'b', 'c', 'd', 'e'] }],
    ];
    for (const [why, body] of bodies) {
      const res = await createGroup(owner!, body as Record<string, unknown>);
      expect(res.statusCode, why).toBe(422);
      expect(res.json().code, why).toBe('validation_error');
    }
    const blank = await createGroup(owner!, { name: '   ', memberIds: [] });
    expect(blank.statusCode).toBe(422);
    const unknown = await createGroup(owner!, {
      name: 'g',
      memberIds: [friend!.id, '00000000-0000-4000-8000-000000000000'],
    });
    expect(unknown.statusCode).toBe(404);
    await t.services.db.query('INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)', [
      blocker!.id,
      owner!.id,
    ]);
    const blocked = await createGroup(owner!, { name: 'g', memberIds: [friend!.id, blocker!.id] });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json()).toMatchObject({ code: 'blocked', userIds: [blocker!.id] });
    expect((await call('GET', '/api/v1/groups', { user: friend })).json().items).toEqual([]);
  });

  it('needs a signed-in user', async () => {
    expect((await call('GET', '/api/v1/groups')).statusCode).toBe(401);
    expect(
      (await call('POST', '/api/v1/groups', { body: { name: 'g', memberIds: [] } })).statusCode,
    ).toBe(401);
  });
});
