import { describe, expect, it } from 'vitest';
import { api, type TestUser, useTestApp } from '../../../test/support/app.ts';

const t = await useTestApp({ HEBAO_GROUP_MAX_MEMBERS: '4' });
const { call, user, befriend } = api(t);

/** Creates a group; the owner is made friends with the members first unless `asStranger`. */
const createGroup = async (
  owner: TestUser,
  body: Record<string, unknown>,
  { asStranger = false } = {},
) => {
  if (!asStranger && Array.isArray(body.memberIds)) {
    await befriend(owner, ...body.memberIds.filter((m): m is string => typeof m === 'string'));
  }
  return call('POST', '/api/v1/groups', { user: owner, body });
};

const roles = (members: { userId: string; role: string }[]) =>
  Object.fromEntries(members.map((m) => [m.userId, m.role]));

const setRole = (actor: TestUser | undefined, groupId: string, userId: string, role: string) =>
  call('PATCH', `/api/v1/groups/${groupId}/members/${userId}`, { user: actor, body: { role } });
const removeMember = (actor: TestUser | undefined, groupId: string, userId: string) =>
  call('DELETE', `/api/v1/groups/${groupId}/members/${userId}`, { user: actor });
const rolesIn = async (viewer: TestUser, groupId: string) =>
  roles((await call('GET', `/api/v1/groups/${groupId}`, { user: viewer })).json().members as never);

async function notificationsOf(u: TestUser, kind: string): Promise<Record<string, unknown>[]> {
  const { rows } = await t.services.db.query(
    'SELECT data FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY seq',
    [u.id, kind],
  );
  return rows.map((r) => r.data);
}

/** A group of an owner, a treasurer and two plain members. */
async function staffedGroup() {
  const [owner, treasurer, member, other] = await Promise.all(
    Array.from({ length: 4 }, () => user({ verified: false })),
  );
  const res = await createGroup(owner!, {
    name: 'club',
    memberIds: [treasurer!.id, member!.id, other!.id],
  });
  const id = res.json().id as string;
  expect((await setRole(owner, id, treasurer!.id, 'treasurer')).statusCode).toBe(200);
  return { id, owner: owner!, treasurer: treasurer!, member: member!, other: other! };
}

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
    // Only their own friends (the rest of this rule: 'lets a member add only their own friends').
    const notAFriend = await call('POST', `/api/v1/groups/${id}/members`, {
      user: treasurer,
      body: { userId: newcomer!.id },
    });
    expect(notAFriend.statusCode).toBe(403);
    await befriend(treasurer!, newcomer!);
    await befriend(owner!, newcomer!, late!);
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

  it('lets a member add only their own friends, at creation and later (403 otherwise)', async () => {
    const [owner, friend, stranger, treasurer, ownersFriend] = await Promise.all(
      Array.from({ length: 5 }, () => user({ verified: false })),
    );
    await befriend(owner!, friend!, treasurer!, ownersFriend!);
    const withStranger = await createGroup(
      owner!,
      { name: 'g', memberIds: [friend!.id, stranger!.id] },
      { asStranger: true },
    );
    expect(withStranger.statusCode).toBe(403);
    expect(withStranger.json()).toMatchObject({ code: 'forbidden', userIds: [stranger!.id] });
    expect((await call('GET', '/api/v1/groups', { user: stranger })).json().items).toEqual([]);
    expect((await call('GET', '/api/v1/groups', { user: friend })).json().items).toEqual([]);

    const created = await createGroup(
      owner!,
      { name: 'g', memberIds: [friend!.id, treasurer!.id] },
      { asStranger: true },
    );
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await setRole(owner, id, treasurer!.id, 'treasurer')).statusCode).toBe(200);
    const add = (by: TestUser, who: TestUser) =>
      call('POST', `/api/v1/groups/${id}/members`, { user: by, body: { userId: who.id } });
    const byOwner = await add(owner!, stranger!);
    expect(byOwner.statusCode).toBe(403);
    expect(byOwner.json()).toMatchObject({ code: 'forbidden', userIds: [stranger!.id] });
    // The owner's friend is not the treasurer's: the treasurer cannot add them either.
    expect((await add(treasurer!, ownersFriend!)).json().code).toBe('forbidden');
    expect((await call('GET', `/api/v1/groups/${id}`, { user: stranger })).statusCode).toBe(404);
    expect(await notificationsOf(stranger!, 'group.added')).toEqual([]);
    expect((await add(owner!, ownersFriend!)).statusCode).toBe(201);
  });

  it('tells people they were added', async () => {
    const [owner, a, b] = await Promise.all(
      Array.from({ length: 3 }, () => user({ verified: false })),
    );
    const id = (await createGroup(owner!, { name: '球队', memberIds: [a!.id] })).json().id;
    await befriend(owner!, b!);
    await call('POST', `/api/v1/groups/${id}/members`, { user: owner, body: { userId: b!.id } });
    for (const u of [a!, b!]) {
      expect(await notificationsOf(u, 'group.added')).toEqual([
        {
          groupId: id,
          groupName: '球队',
          byUserId: owner!.id,
          byNickname: await t.services.identity.nickname(owner!.id),
        },
      ]);
    }
    expect(await notificationsOf(owner!, 'group.added')).toEqual([]);
  });

  it('refuses a group name that moderation rejects', async () => {
    const owner = await user({ verified: false });
    const res = await createGroup(owner, { name: '网赌充值返利', memberIds: [] });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'content_rejected', categories: ['gambling'] });
    expect((await call('GET', '/api/v1/groups', { user: owner })).json().items).toEqual([]);
  });

  it('needs a signed-in user', async () => {
    expect((await call('GET', '/api/v1/groups')).statusCode).toBe(401);
    expect(
      (await call('POST', '/api/v1/groups', { body: { name: 'g', memberIds: [] } })).statusCode,
    ).toBe(401);
  });
});

describe('roles', () => {
  it('lets the owner make a member a treasurer and back, and tells them', async () => {
    const g = await staffedGroup();
    expect((await rolesIn(g.member, g.id))[g.treasurer.id]).toBe('treasurer');
    const back = await setRole(g.owner, g.id, g.treasurer.id, 'member');
    expect(back.statusCode, back.body).toBe(200);
    expect(roles(back.json().members as never)[g.treasurer.id]).toBe('member');
    expect(await notificationsOf(g.treasurer, 'group.role_changed')).toEqual([
      { groupId: g.id, groupName: 'club', role: 'treasurer', byUserId: g.owner.id },
      { groupId: g.id, groupName: 'club', role: 'member', byUserId: g.owner.id },
    ]);
    // The same role again changes nothing and tells no one.
    expect((await setRole(g.owner, g.id, g.treasurer.id, 'member')).statusCode).toBe(200);
    expect(await notificationsOf(g.treasurer, 'group.role_changed')).toHaveLength(2);
  });

  it('lets only the owner change roles; strangers and former members see no group', async () => {
    const g = await staffedGroup();
    const stranger = await user({ verified: false });
    for (const actor of [g.treasurer, g.member]) {
      const res = await setRole(actor, g.id, g.other.id, 'treasurer');
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('forbidden');
    }
    expect((await removeMember(g.other, g.id, g.other.id)).statusCode).toBe(204);
    for (const actor of [stranger, g.other]) {
      const res = await setRole(actor, g.id, g.member.id, 'treasurer');
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    expect((await setRole(g.owner, 'not-a-uuid', g.member.id, 'treasurer')).statusCode).toBe(404);
    // Only current members can be given a role.
    for (const target of [stranger.id, g.other.id, 'not-a-uuid']) {
      expect((await setRole(g.owner, g.id, target, 'treasurer')).statusCode).toBe(404);
    }
    expect((await setRole(undefined, g.id, g.member.id, 'treasurer')).statusCode).toBe(401);
    for (const body of [{ role: 'admin' }, {}, { role: 'member', extra: 1 }]) {
      const res = await call('PATCH', `/api/v1/groups/${g.id}/members/${g.member.id}`, {
        user: g.owner,
        body,
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('validation_error');
    }
    expect(await rolesIn(g.owner, g.id)).toEqual({
      [g.owner.id]: 'owner',
      [g.treasurer.id]: 'treasurer',
      [g.member.id]: 'member',
    });
  });

  it('hands ownership over; the owner cannot just step down', async () => {
    const g = await staffedGroup();
    const down = await setRole(g.owner, g.id, g.owner.id, 'member');
    expect(down.statusCode).toBe(409);
    expect(down.json().code).toBe('conflict');
    const handed = await setRole(g.owner, g.id, g.treasurer.id, 'owner');
    expect(handed.statusCode, handed.body).toBe(200);
    expect(handed.json().ownerId).toBe(g.treasurer.id);
    expect(roles(handed.json().members as never)).toMatchObject({
      [g.owner.id]: 'member',
      [g.treasurer.id]: 'owner',
    });
    // The former owner has no owner's rights left, and may now leave.
    expect((await setRole(g.owner, g.id, g.member.id, 'treasurer')).statusCode).toBe(403);
    expect((await removeMember(g.owner, g.id, g.owner.id)).statusCode).toBe(204);
  });
});

describe('leaving and removing', () => {
  it('lets a member leave; they no longer see the group', async () => {
    const g = await staffedGroup();
    const left = await removeMember(g.member, g.id, g.member.id);
    expect(left.statusCode, left.body).toBe(204);
    expect((await call('GET', `/api/v1/groups/${g.id}`, { user: g.member })).statusCode).toBe(404);
    expect(await t.services.groups.isMember(t.services.db, g.id, g.member.id)).toBe(false);
    expect((await removeMember(g.member, g.id, g.member.id)).statusCode).toBe(404);
    // Leaving is one's own choice: nobody is notified of it as a removal.
    expect(await notificationsOf(g.member, 'group.removed')).toEqual([]);
  });

  it('keeps the owner until ownership is handed over', async () => {
    const g = await staffedGroup();
    const res = await removeMember(g.owner, g.id, g.owner.id);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'conflict' });
    expect(res.json().detail).toMatch(/owner/);
    const byTreasurer = await removeMember(g.treasurer, g.id, g.owner.id);
    expect(byTreasurer.statusCode).toBe(403);
    expect(byTreasurer.json().code).toBe('forbidden');
    expect((await rolesIn(g.member, g.id))[g.owner.id]).toBe('owner');
  });

  it('lets the owner remove anyone, treasurers plain members only, members no one', async () => {
    const g = await staffedGroup();
    const stranger = await user({ verified: false });
    const cases: [TestUser, TestUser, number][] = [
      [g.member, g.other, 403],
      [stranger, g.member, 404],
    ];
    for (const [actor, target, status] of cases) {
      expect((await removeMember(actor, g.id, target.id)).statusCode).toBe(status);
    }
    expect((await setRole(g.owner, g.id, g.other.id, 'treasurer')).statusCode).toBe(200);
    expect((await removeMember(g.treasurer, g.id, g.other.id)).statusCode).toBe(403);
    expect((await removeMember(g.treasurer, g.id, stranger.id)).statusCode).toBe(404);
    expect((await removeMember(g.treasurer, g.id, g.member.id)).statusCode).toBe(204);
    expect((await removeMember(g.owner, g.id, g.other.id)).statusCode).toBe(204);
    expect(await rolesIn(g.owner, g.id)).toEqual({
      [g.owner.id]: 'owner',
      [g.treasurer.id]: 'treasurer',
    });
    expect(await notificationsOf(g.member, 'group.removed')).toEqual([
      { groupId: g.id, groupName: 'club', byUserId: g.treasurer.id },
    ]);
    expect((await call('GET', `/api/v1/groups/${g.id}`, { user: g.other })).statusCode).toBe(404);
    expect((await removeMember(undefined, g.id, g.member.id)).statusCode).toBe(401);
  });

  it('lets a removed treasurer rejoin as a plain member', async () => {
    const g = await staffedGroup();
    expect((await removeMember(g.owner, g.id, g.treasurer.id)).statusCode).toBe(204);
    const back = await call('POST', `/api/v1/groups/${g.id}/members`, {
      user: g.owner,
      body: { userId: g.treasurer.id },
    });
    expect(back.statusCode, back.body).toBe(201);
    expect(roles(back.json().members as never)[g.treasurer.id]).toBe('member');
  });
});
