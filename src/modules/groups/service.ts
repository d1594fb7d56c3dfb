import type { GroupConfig } from '../../config.ts';
import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { isUuid, newId } from '../../platform/ids.ts';
import type { IdentityService } from '../identity/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { SocialGraph } from '../social/graph.ts';

export type GroupRole = 'owner' | 'treasurer' | 'member';

export interface GroupMember {
  userId: string;
  nickname: string;
  role: GroupRole;
  joinedAt: string;
}

export interface GroupView {
  id: string;
  name: string;
  ownerId: string;
  members: GroupMember[];
  createdAt: string;
}

export interface GroupSummary {
  id: string;
  name: string;
  role: GroupRole;
  memberCount: number;
  createdAt: string;
}

/** Roles that manage a group: add and remove members, spend the group fund. */
const MANAGERS: readonly GroupRole[] = ['owner', 'treasurer'];

export const isManager = (role: GroupRole) => MANAGERS.includes(role);

export interface GroupsDeps {
  db: Db;
  clock: Clock;
  identity: IdentityService;
  graph: SocialGraph;
  notifications: NotificationService;
  config: GroupConfig;
  /** Moderation of a group's name: throws 422 content_rejected for a refused one. */
  screenName?: (name: string, userId: string) => Promise<void>;
}

/**
 * Groups and their current members. Other modules ask `isMember`, `roleOf` and `memberIds`
 * (inside their own transactions when they pass `q`) instead of reading the tables.
 */
export class GroupsService {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly config: GroupConfig;

  constructor(private readonly d: GroupsDeps) {
    this.db = d.db;
    this.clock = d.clock;
    this.config = d.config;
  }

  async create(ownerId: string, input: { name: string; memberIds: string[] }): Promise<GroupView> {
    const name = input.name.trim();
    if (!name) throw invalid('name must not be blank', { field: 'name' });
    await this.d.screenName?.(name, ownerId);
    const others = [...new Set(input.memberIds)].filter((id) => id !== ownerId);
    if (others.length + 1 > this.config.maxMembers) {
      throw invalid(`a group has at most ${this.config.maxMembers} members`, {
        field: 'memberIds',
      });
    }
    await this.assertCanAdd(ownerId, others);
    const id = newId();
    const now = this.clock.now();
    await inTransaction(this.db, async (tx) => {
      await tx.query(
        'INSERT INTO groups (id, name, owner_id, created_at) VALUES ($1, $2, $3, $4)',
        [id, name, ownerId, now],
      );
      await tx.query(
        `INSERT INTO group_members (group_id, user_id, role, joined_at)
         SELECT $1, u, CASE WHEN u = $2 THEN 'owner' ELSE 'member' END, $4
           FROM unnest($3::uuid[]) AS u`,
        [id, ownerId, [ownerId, ...others], now],
      );
      await this.d.notifications.notifyMany(tx, others, 'group.added', {
        groupId: id,
        groupName: name,
        byUserId: ownerId,
        byNickname: await this.d.identity.nickname(ownerId, tx),
      });
    });
    return this.group(ownerId, id);
  }

  /** A group as its members see it; to anyone else it does not exist. */
  async group(viewerId: string, groupId: string): Promise<GroupView> {
    if (!isUuid(groupId) || !(await this.isMember(this.db, groupId, viewerId))) {
      throw notFound('group');
    }
    const { rows } = await this.db.query<{
      name: string;
      owner_id: string;
      created_at: Date;
      user_id: string;
      nickname: string;
      role: GroupRole;
      joined_at: Date;
    }>(
      `SELECT g.name, g.owner_id, g.created_at, m.user_id, u.nickname, m.role, m.joined_at
         FROM groups g
         JOIN group_members m ON m.group_id = g.id AND m.left_at IS NULL
         JOIN users u ON u.id = m.user_id
        WHERE g.id = $1
        ORDER BY m.joined_at, m.user_id`,
      [groupId],
    );
    const first = rows[0]!;
    return {
      id: groupId,
      name: first.name,
      ownerId: first.owner_id,
      members: rows.map((r) => ({
        userId: r.user_id,
        nickname: r.nickname,
        role: r.role,
        joinedAt: r.joined_at.toISOString(),
      })),
      createdAt: first.created_at.toISOString(),
    };
  }

  /** Owners and treasurers add members; a former member who is added again rejoins. */
  async addMember(actorId: string, groupId: string, userId: string): Promise<GroupView> {
    if (!isUuid(groupId)) throw notFound('group');
    const role = await this.roleOf(this.db, groupId, actorId);
    if (!role) throw notFound('group');
    if (!isManager(role)) throw forbidden('only the owner or a treasurer adds members');
    await this.assertCanAdd(actorId, [userId]);
    const now = this.clock.now();
    await inTransaction(this.db, async (tx) => {
      // Locks the group: two concurrent additions cannot both pass the size check, and a
      // demotion or removal of the actor that committed meanwhile is seen below.
      await tx.query('SELECT 1 FROM groups WHERE id = $1 FOR UPDATE', [groupId]);
      const current = await this.roleOf(tx, groupId, actorId);
      if (!current) throw notFound('group');
      if (!isManager(current)) throw forbidden('only the owner or a treasurer adds members');
      const { rows } = await tx.query<{ n: number; present: boolean }>(
        `SELECT count(*)::int AS n, coalesce(bool_or(user_id = $2), false) AS present
           FROM group_members WHERE group_id = $1 AND left_at IS NULL`,
        [groupId, userId],
      );
      if (rows[0]!.present) throw conflict('this user is already a member');
      if (rows[0]!.n >= this.config.maxMembers) {
        throw invalid(`a group has at most ${this.config.maxMembers} members`, { field: 'userId' });
      }
      await tx.query(
        `INSERT INTO group_members (group_id, user_id, role, joined_at) VALUES ($1, $2, 'member', $3)
         ON CONFLICT (group_id, user_id) DO UPDATE
           SET role = 'member', joined_at = EXCLUDED.joined_at, left_at = NULL`,
        [groupId, userId, now],
      );
      await this.d.notifications.notify(tx, userId, 'group.added', {
        groupId,
        groupName: await this.nameOf(tx, groupId),
        byUserId: actorId,
        byNickname: await this.d.identity.nickname(actorId, tx),
      });
    });
    return this.group(actorId, groupId);
  }

  /**
   * The owner makes a member a treasurer or a plain member again, or hands ownership over
   * (`owner`: the previous owner becomes a plain member). The owner's own role changes only
   * by handing ownership over, so a group always has exactly one owner.
   */
  async changeRole(
    actorId: string,
    groupId: string,
    userId: string,
    role: GroupRole,
  ): Promise<GroupView> {
    if (!isUuid(groupId)) throw notFound('group');
    await inTransaction(this.db, async (tx) => {
      // Role changes and removals in one group run one at a time, so no two can both pass
      // their checks against the same owner.
      await tx.query('SELECT 1 FROM groups WHERE id = $1 FOR UPDATE', [groupId]);
      const actorRole = await this.roleOf(tx, groupId, actorId);
      if (!actorRole) throw notFound('group');
      if (actorRole !== 'owner') throw forbidden('only the owner changes roles');
      const current = await this.roleOf(tx, groupId, userId);
      if (!current) throw notFound('member');
      if (current === role) return;
      if (current === 'owner') {
        throw conflict(
          'the owner stays owner until they hand ownership to another member (role "owner")',
        );
      }
      if (role === 'owner') {
        await tx.query('UPDATE groups SET owner_id = $2 WHERE id = $1', [groupId, userId]);
        await this.setRole(tx, groupId, actorId, 'member');
      }
      await this.setRole(tx, groupId, userId, role);
      await this.d.notifications.notify(tx, userId, 'group.role_changed', {
        groupId,
        groupName: await this.nameOf(tx, groupId),
        role,
        byUserId: actorId,
      });
    });
    return this.group(actorId, groupId);
  }

  /**
   * Removes `userId` from the group; removing oneself is leaving. Owners remove anyone else,
   * treasurers remove plain members; the owner cannot leave until they hand ownership over.
   * What a former member did (contributions, payments) keeps its author.
   */
  async removeMember(actorId: string, groupId: string, userId: string): Promise<void> {
    if (!isUuid(groupId)) throw notFound('group');
    await inTransaction(this.db, async (tx) => {
      await tx.query('SELECT 1 FROM groups WHERE id = $1 FOR UPDATE', [groupId]);
      const actorRole = await this.roleOf(tx, groupId, actorId);
      if (!actorRole) throw notFound('group');
      const leaving = userId === actorId;
      const target = leaving ? actorRole : await this.roleOf(tx, groupId, userId);
      if (!target) throw notFound('member');
      if (!leaving) {
        if (!isManager(actorRole)) {
          throw forbidden('only the owner or a treasurer removes members');
        }
        if (target !== 'member' && actorRole !== 'owner') {
          throw forbidden('a treasurer removes plain members only, not the owner or a treasurer');
        }
      }
      if (target === 'owner') {
        throw conflict(
          'the owner cannot leave the group; hand ownership to another member first (role "owner")',
        );
      }
      // Money operations hold the member's row while they run: this waits for them.
      await tx.query(
        `UPDATE group_members SET left_at = $3, role = 'member'
          WHERE group_id = $1 AND user_id = $2 AND left_at IS NULL`,
        [groupId, userId, this.clock.now()],
      );
      if (!leaving) {
        await this.d.notifications.notify(tx, userId, 'group.removed', {
          groupId,
          groupName: await this.nameOf(tx, groupId),
          byUserId: actorId,
        });
      }
    });
  }

  /** The caller's current groups, newest first. */
  async groupsOf(
    userId: string,
    page: { limit: number; after?: { createdAt: Date; id: string } },
  ): Promise<{ items: GroupSummary[]; next: { createdAt: Date; id: string } | null }> {
    const { rows } = await this.db.query<{
      id: string;
      name: string;
      role: GroupRole;
      created_at: Date;
      member_count: number;
    }>(
      `SELECT g.id, g.name, m.role, g.created_at,
              (SELECT count(*)::int FROM group_members x WHERE x.group_id = g.id AND x.left_at IS NULL) AS member_count
         FROM group_members m JOIN groups g ON g.id = m.group_id
        WHERE m.user_id = $1 AND m.left_at IS NULL
          AND ($2::timestamptz IS NULL OR (g.created_at, g.id) < ($2, $3::uuid))
        ORDER BY g.created_at DESC, g.id DESC
        LIMIT $4`,
      [userId, page.after?.createdAt ?? null, page.after?.id ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({
        id: r.id,
        name: r.name,
        role: r.role,
        memberCount: r.member_count,
        createdAt: r.created_at.toISOString(),
      })),
      next: rows.length > page.limit && last ? { createdAt: last.created_at, id: last.id } : null,
    };
  }

  /**
   * The caller's role, or 404 for anyone who is not a current member. With `lock`, the
   * membership row is held (FOR SHARE) until the caller's transaction ends, so a removal or a
   * role change waits for the money operation that checked it.
   */
  async requireMember(
    q: Queryable,
    groupId: string,
    userId: string,
    lock = false,
  ): Promise<GroupRole> {
    if (!isUuid(groupId) || !isUuid(userId)) throw notFound('group');
    const { rows } = await q.query<{ role: GroupRole }>(
      `SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2 AND left_at IS NULL
       ${lock ? 'FOR SHARE' : ''}`,
      [groupId, userId],
    );
    if (!rows[0]) throw notFound('group');
    return rows[0].role;
  }

  /** Those of `userIds` who are current members, their rows held as by `requireMember`. */
  async currentMembers(
    q: Queryable,
    groupId: string,
    userIds: readonly string[],
  ): Promise<Set<string>> {
    const ids = userIds.filter(isUuid);
    if (ids.length === 0) return new Set();
    const { rows } = await q.query<{ user_id: string }>(
      `SELECT user_id FROM group_members
        WHERE group_id = $1 AND user_id = ANY($2::uuid[]) AND left_at IS NULL
        ORDER BY user_id FOR SHARE`,
      [groupId, ids],
    );
    return new Set(rows.map((r) => r.user_id));
  }

  async isMember(q: Queryable, groupId: string, userId: string): Promise<boolean> {
    return (await this.roleOf(q, groupId, userId)) !== undefined;
  }

  async roleOf(q: Queryable, groupId: string, userId: string): Promise<GroupRole | undefined> {
    if (!isUuid(groupId) || !isUuid(userId)) return undefined;
    const { rows } = await q.query<{ role: GroupRole }>(
      'SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2 AND left_at IS NULL',
      [groupId, userId],
    );
    return rows[0]?.role;
  }

  /** Everyone in the group now. */
  async memberIds(q: Queryable, groupId: string): Promise<string[]> {
    const { rows } = await q.query<{ user_id: string }>(
      'SELECT user_id FROM group_members WHERE group_id = $1 AND left_at IS NULL ORDER BY user_id',
      [groupId],
    );
    return rows.map((r) => r.user_id);
  }

  private async setRole(tx: Tx, groupId: string, userId: string, role: GroupRole): Promise<void> {
    await tx.query(
      'UPDATE group_members SET role = $3 WHERE group_id = $1 AND user_id = $2 AND left_at IS NULL',
      [groupId, userId, role],
    );
  }

  private async nameOf(q: Queryable, groupId: string): Promise<string | undefined> {
    const { rows } = await q.query<{ name: string }>('SELECT name FROM groups WHERE id = $1', [
      groupId,
    ]);
    return rows[0]?.name;
  }

  /** New members must exist, and no one can be pulled into a group with someone they blocked. */
  private async assertCanAdd(actorId: string, userIds: readonly string[]): Promise<void> {
    const malformed = userIds.find((id) => !isUuid(id));
    if (malformed !== undefined) throw notFound(`user ${malformed}`);
    const users = await this.d.identity.usersByIds(userIds);
    const unknown = userIds.find((id) => !users.has(id));
    if (unknown !== undefined) throw notFound(`user ${unknown}`);
    const blockedEitherWay = await Promise.all(
      userIds.map((id) => this.d.graph.blockedEitherWay(actorId, id)),
    );
    const blocked = userIds.filter((_, i) => blockedEitherWay[i]);
    if (blocked.length > 0) {
      throw new AppError('blocked', 'you cannot add a user who blocked you or whom you blocked', {
        userIds: blocked,
      });
    }
    // No one is put into a group, and then asked for money, by a stranger (API.md).
    const friends = await Promise.all(userIds.map((id) => this.d.graph.areFriends(actorId, id)));
    const strangers = userIds.filter((_, i) => !friends[i]);
    if (strangers.length > 0) {
      throw new AppError('forbidden', 'you can add only your own friends to a group', {
        userIds: strangers,
      });
    }
  }
}
