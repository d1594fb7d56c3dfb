import type { ReportTargetHandler } from './targets.ts';

/**
 * Users and red envelopes as report targets. Neither can be taken down (a user is banned; an
 * envelope's money is the ledger's), so they have no `takeDown`.
 */
export const userTarget: ReportTargetHandler = {
  async find(q, id) {
    const { rows } = await q.query<{ id: string; nickname: string; created_at: Date }>(
      'SELECT id, nickname, created_at FROM users WHERE id = $1',
      [id],
    );
    const u = rows[0];
    if (!u) return undefined;
    return {
      authorId: u.id,
      content: { kind: 'user', nickname: u.nickname, createdAt: u.created_at.toISOString() },
    };
  },
};

/** An envelope its reporter could see: they sent it, it was for them, or for their group. */
export const redPacketTarget: ReportTargetHandler = {
  async find(q, id, viewerId) {
    const { rows } = await q.query<{
      sender_id: string;
      nickname: string;
      greeting: string | null;
      to_group_id: string | null;
      created_at: Date;
    }>(
      `SELECT r.sender_id, u.nickname, r.greeting, r.to_group_id, r.created_at
         FROM red_packets r JOIN users u ON u.id = r.sender_id
        WHERE r.id = $1 AND ($2::uuid IS NULL OR r.sender_id = $2 OR r.to_user_id = $2
              OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = r.to_group_id
                          AND m.user_id = $2))`,
      [id, viewerId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      authorId: r.sender_id,
      content: {
        kind: 'red_packet',
        text: r.greeting ?? '',
        author: { userId: r.sender_id, nickname: r.nickname },
        ...(r.to_group_id ? { groupId: r.to_group_id } : {}),
        createdAt: r.created_at.toISOString(),
      },
    };
  },
};
