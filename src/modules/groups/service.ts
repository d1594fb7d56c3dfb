import type { GroupConfig } from '../../config.ts';
import { type Db, inTransaction, type Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { isUuid, newId } from '../../platform/ids.ts';
import type { IdentityService } from '../identity/index.ts';
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

/** Roles that manage a group: add members now; spend the group fund later. */
const MANAGERS: readonly GroupRole[] = ['owner', 'treasurer'];

/**
 * Groups and their current members. Other modules ask `isMember`, `roleOf` and `memberIds`
 * (inside their own transactions when they pass `q`) instead of reading the tables.
 */
export class GroupsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly identity: IdentityService,
    private readonly graph: SocialGraph,
    private readonly config: GroupConfig,
  ) {}

  async create(ownerId: string, input: { name: string; memberIds: string[] }): Promise<GroupView> {
    const name = input.name.trim();
    if (!name) throw invalid('name must not be blank', { field: 'name' });
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
    if (!MANAGERS.includes(role)) throw forbidden('only the owner or a treasurer adds members');
    await this.assertCanAdd(actorId, [userId]);
    const now = this.clock.now();
    await inTransaction(this.db, async (tx) => {
      // Locks the group so that two concurrent additions cannot both pass the size check.
      await tx.query('SELECT 1 FROM groups WHERE id = $1 FOR UPDATE', [groupId]);
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
    });
    return this.group(actorId, groupId);
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

  /** New members must exist, and no one can be pulled into a group with someone they blocked. */
  private async assertCanAdd(actorId: string, userIds: readonly string[]): Promise<void> {
    const malformed = userIds.find((id) => !isUuid(id));
    if (malformed !== undefined) throw notFound(`user ${malformed}`);
    const users = await this.identity.usersByIds(userIds);
    const unknown = userIds.find((id) => !users.has(id));
    if (unknown !== undefined) throw notFound(`user ${unknown}`);
    const blockedEitherWay = await Promise.all(
      userIds.map((id) => this.graph.blockedEitherWay(actorId, id)),
    );
    const blocked = userIds.filter((_, i) => blockedEitherWay[i]);
    if (blocked.length > 0) {
      throw new AppError('blocked', 'you cannot add a user who blocked you or whom you blocked', {
        userIds: blocked,
      });
    }
  }
}
