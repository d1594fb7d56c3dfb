import { type Db, inTransaction, type Queryable } from '../../db/pool.ts';
import type { CacheBus } from '../../platform/cache-bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { conflict, invalid, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { AuditLog } from '../audit/index.ts';
import type { DeviceService } from '../devices/index.ts';

export interface BanView {
  id: string;
  userId: string;
  nickname: string;
  permanent: boolean;
  until?: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  liftedAt?: string;
  active: boolean;
  covers: { identity: boolean; devices: number };
}

interface BanRow {
  id: string;
  user_id: string;
  nickname: string;
  permanent: boolean;
  until: Date | null;
  reason: string;
  created_by: string;
  created_at: Date;
  lifted_at: Date | null;
  identity: boolean;
  devices: number;
}

const BAN_COLUMNS = `b.id, b.user_id, u.nickname, b.permanent, b.until, b.reason, b.created_by,
  b.created_at, b.lifted_at,
  EXISTS (SELECT 1 FROM bans x WHERE x.ban_id = b.id AND x.kind = 'identity') AS identity,
  (SELECT count(*)::int FROM bans x WHERE x.ban_id = b.id AND x.kind = 'device') AS devices`;

/**
 * Bans. A ban is a `user_bans` row plus the `bans` rows it covers, which the existing checks
 * read: kind `user` (sessions, log-in), and for a permanent ban `identity` (the keyed hash of
 * the ID number: verifying any account with it) and `device` (each device the user used:
 * registering from it). Sessions are revoked in the ban's transaction; the cache triggers on
 * `sessions` and `bans` make every process forget them as it commits.
 */
export class BanService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: { audit: AuditLog; devices: DeviceService; cacheBus?: CacheBus },
  ) {}

  async ban(
    actorId: string,
    userId: string,
    input: { days?: number; reason: string },
    q?: Queryable,
  ): Promise<{ id: string; permanent: boolean; until?: string }> {
    if (actorId === userId) throw invalid('operators cannot ban themselves', { field: 'userId' });
    const run = async (tx: Queryable) => {
      const { rows } = await tx.query<{ id_hash: string | null }>(
        `SELECT encode(id_number_hash, 'hex') AS id_hash FROM users WHERE id::text = $1 FOR UPDATE`,
        [userId],
      );
      if (!rows[0]) throw notFound('user');
      const now = this.clock.now();
      const permanent = input.days === undefined;
      const until = permanent ? null : new Date(now.getTime() + input.days! * 86_400_000);
      const id = newId();
      await tx.query(
        `INSERT INTO user_bans (id, user_id, permanent, until, reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, userId, permanent, until, input.reason, actorId, now],
      );
      const subjects: [string, string][] = [['user', userId]];
      if (permanent) {
        if (rows[0].id_hash) subjects.push(['identity', rows[0].id_hash]);
        for (const h of await this.deps.devices.hashesOf(userId, tx)) subjects.push(['device', h]);
      }
      await tx.query(
        `INSERT INTO bans (id, kind, subject, reason, expires_at, created_by, created_at, ban_id)
         SELECT gen_random_uuid(), s.kind, s.subject, $3, $4, $5, $6, $7
           FROM unnest($1::text[], $2::text[]) AS s(kind, subject)`,
        [
          subjects.map((s) => s[0]),
          subjects.map((s) => s[1]),
          input.reason,
          until,
          actorId,
          now,
          id,
        ],
      );
      await tx.query(
        'UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL',
        [userId, now],
      );
      await this.deps.audit.record(tx, {
        actorId,
        action: 'ban.create',
        target: { type: 'user', id: userId },
        detail: {
          banId: id,
          permanent,
          ...(until ? { until: until.toISOString() } : {}),
          reason: input.reason,
          covers: subjects.map((s) => s[0]),
        },
      });
      return { id, permanent, ...(until ? { until: until.toISOString() } : {}) };
    };
    const result = q ? await run(q) : await inTransaction(this.db, run);
    // This process forgets at once; the others hear the triggers' NOTIFY as it commits.
    this.deps.cacheBus?.evict('user', userId);
    return result;
  }

  /** Lifts a ban: what it covers stops applying now; the rows stay for the record. */
  async lift(actorId: string, banId: string): Promise<void> {
    const userId = await inTransaction(this.db, async (tx) => {
      const { rows } = await tx.query<{ user_id: string; lifted_at: Date | null }>(
        'SELECT user_id, lifted_at FROM user_bans WHERE id::text = $1 FOR UPDATE',
        [banId],
      );
      const ban = rows[0];
      if (!ban) throw notFound('ban');
      if (ban.lifted_at) throw conflict('this ban was already lifted');
      const now = this.clock.now();
      await tx.query('UPDATE user_bans SET lifted_at = $2, lifted_by = $3 WHERE id = $1', [
        banId,
        now,
        actorId,
      ]);
      await tx.query(
        `UPDATE bans SET expires_at = $2 WHERE ban_id = $1 AND (expires_at IS NULL OR expires_at > $2)`,
        [banId, now],
      );
      await this.deps.audit.record(tx, {
        actorId,
        action: 'ban.lift',
        target: { type: 'user', id: ban.user_id },
        detail: { banId },
      });
      return ban.user_id;
    });
    this.deps.cacheBus?.evict('user', userId);
  }

  /** Bans, newest first: `active` ones (not lifted, not expired) or all. */
  async list(filter: { active: boolean; limit: number; offset: number }) {
    const now = this.clock.now();
    const { rows } = await this.db.query<BanRow>(
      `SELECT ${BAN_COLUMNS} FROM user_bans b JOIN users u ON u.id = b.user_id
        WHERE NOT $1::boolean OR (b.lifted_at IS NULL AND (b.until IS NULL OR b.until > $2))
        ORDER BY b.created_at DESC, b.id DESC LIMIT $3 OFFSET $4`,
      [filter.active, now, filter.limit + 1, filter.offset],
    );
    return { rows: rows.map((r) => this.view(r, now)) };
  }

  private view(r: BanRow, now: Date): BanView {
    return {
      id: r.id,
      userId: r.user_id,
      nickname: r.nickname,
      permanent: r.permanent,
      ...(r.until ? { until: r.until.toISOString() } : {}),
      reason: r.reason,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      ...(r.lifted_at ? { liftedAt: r.lifted_at.toISOString() } : {}),
      active: !r.lifted_at && (!r.until || r.until > now),
      covers: { identity: r.identity, devices: r.devices },
    };
  }
}
