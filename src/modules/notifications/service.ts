import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Db, Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { newId } from '../../platform/ids.ts';

export interface Notification {
  id: string;
  seq: number;
  kind: string;
  data: Record<string, unknown>;
  createdAt: string;
  read: boolean;
}

interface Row {
  seq: string;
  id: string;
  kind: string;
  data: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

const CHANNEL = 'hebao_notifications';

export interface NotificationRow {
  userId: string;
  kind: string;
  data: Record<string, unknown>;
}

function toNotification(r: Row): Notification {
  return {
    id: r.id,
    seq: Number(r.seq),
    kind: r.kind,
    data: r.data,
    createdAt: r.created_at.toISOString(),
    read: r.read_at !== null,
  };
}

/**
 * Notifications are rows (so nothing is missed while a user is away) plus a PostgreSQL NOTIFY
 * sent with the same commit, which every Hebao process hears and pushes to its open streams.
 */
export class NotificationService {
  private readonly live = new EventEmitter();
  private listener: pg.Client | undefined;
  private listening = false;
  private everConnected = false;
  private retry: NodeJS.Timeout | undefined;
  /** Other channels heard on the same connection; `null` after a reconnect (maybe missed some). */
  private readonly channels = new Map<string, (payload: string | null) => void>();
  /** Events other than notifications (a conversation's new message), per user, this process. */
  private readonly events = new EventEmitter();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly databaseUrl: string | undefined,
  ) {
    this.live.setMaxListeners(0);
    this.events.setMaxListeners(0);
  }

  /** Records a notification; inside a transaction it is sent only if that transaction commits. */
  async notify(
    q: Queryable,
    userId: string,
    kind: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    // One statement: the row and its NOTIFY commit together, in one round trip.
    await q.query(
      `WITH n AS (
         INSERT INTO notifications (id, user_id, kind, data, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING seq
       )
       SELECT pg_notify($6, json_build_object('userId', $2::text, 'seq', n.seq)::text) FROM n`,
      [newId(), userId, kind, JSON.stringify(data), this.clock.now(), CHANNEL],
    );
  }

  /** As `notify`, for many users at once (a group's members): one statement however many. */
  async notifyMany(
    q: Queryable,
    userIds: readonly string[],
    kind: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    if (userIds.length === 0) return;
    await q.query(
      `WITH ins AS (
         INSERT INTO notifications (id, user_id, kind, data, created_at)
         SELECT v.id, v.user_id, $3, $4, $5 FROM unnest($1::uuid[], $2::uuid[]) AS v(id, user_id)
         RETURNING user_id, seq
       )
       SELECT pg_notify($6, json_build_object('userId', user_id, 'seq', seq)::text) FROM ins`,
      [userIds.map(() => newId()), userIds, kind, JSON.stringify(data), this.clock.now(), CHANNEL],
    );
  }

  /**
   * Rows of many notifications of different kinds in one statement: what the ledger's group
   * commit writes for every request of a batch (`NotificationService.batchWriter`).
   */
  async notifyRows(q: Queryable, rows: readonly NotificationRow[]): Promise<void> {
    if (rows.length === 0) return;
    await q.query(
      `WITH ins AS (
         INSERT INTO notifications (id, user_id, kind, data, created_at)
         SELECT v.id, v.user_id, v.kind, v.data, $5 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[]) AS v(id, user_id, kind, data)
         RETURNING user_id, seq
       )
       SELECT pg_notify($6, json_build_object('userId', user_id, 'seq', seq)::text) FROM ins`,
      [
        rows.map(() => newId()),
        rows.map((r) => r.userId),
        rows.map((r) => r.kind),
        rows.map((r) => JSON.stringify(r.data)),
        this.clock.now(),
        CHANNEL,
      ],
    );
  }

  async list(
    userId: string,
    limit: number,
    beforeSeq?: number,
  ): Promise<{ items: Notification[]; nextSeq: number | null }> {
    const { rows } = await this.db.query<Row>(
      `SELECT seq, id, kind, data, created_at, read_at FROM notifications
        WHERE user_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`,
      [userId, beforeSeq ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map(toNotification);
    return { items, nextSeq: rows.length > limit ? items[items.length - 1]!.seq : null };
  }

  /** Everything after `afterSeq`, oldest first: what a reconnecting stream missed. */
  async since(userId: string, afterSeq: number): Promise<Notification[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT seq, id, kind, data, created_at, read_at FROM notifications
        WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT 500`,
      [userId, afterSeq],
    );
    return rows.map(toNotification);
  }

  async unreadCount(userId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL',
      [userId],
    );
    return rows[0]!.n;
  }

  async markRead(userId: string, ids: string[] | 'all'): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL
         AND ($3::text[] IS NULL OR id::text = ANY($3))`,
      [userId, this.clock.now(), ids === 'all' ? null : ids],
    );
    return rowCount ?? 0;
  }

  /** Calls `onSeq` whenever a notification for `userId` commits, in any process. */
  subscribe(userId: string, onSeq: (seq: number) => void): () => void {
    const handler = (seq: number) => onSeq(seq);
    this.live.on(userId, handler);
    return () => this.live.off(userId, handler);
  }

  /**
   * Hears `channel` on the notifications' LISTEN connection too (one connection per process,
   * reconnected with it); the handler gets `null` after a reconnect: payloads may have been lost.
   */
  onChannel(channel: string, handler: (payload: string | null) => void): void {
    this.channels.set(channel, handler);
    this.listener?.query(`LISTEN ${channel}`).catch(() => {});
  }

  /** Users with an open stream in this process (to whom `push` can deliver). */
  streamingUsers(): ReadonlySet<string> {
    return new Set(this.events.eventNames() as string[]);
  }

  /** Sends an event to `userId`'s open streams in this process (not stored, not replayed). */
  push(userId: string, event: string, data: unknown): void {
    this.events.emit(userId, event, data);
  }

  /** What an open stream subscribes to besides notifications. */
  subscribeEvents(userId: string, onEvent: (event: string, data: unknown) => void): () => void {
    this.events.on(userId, onEvent);
    return () => this.events.off(userId, onEvent);
  }

  /**
   * LISTENs on a connection of its own (to the pool's database unless told another URL, so in
   * both database modes) and keeps it: a lost connection is re-opened with backoff, then every
   * open stream is poked to catch up on what committed while nobody listened.
   */
  async startListening(onError: (err: unknown) => void): Promise<void> {
    if (this.listening) return;
    this.listening = true;
    await this.connectListener(onError);
  }

  private async connectListener(onError: (err: unknown) => void, attempt = 0): Promise<void> {
    if (!this.listening) return;
    const connectionString = this.databaseUrl ?? this.db.options.connectionString;
    const client = new pg.Client(
      connectionString ? { connectionString } : { ...this.db.options, application_name: 'hebao' },
    );
    let lost = false;
    let connected = false;
    const reconnect = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => {});
      if (!this.listening) return;
      if (err) onError(err);
      const next = connected ? 0 : attempt + 1;
      this.retry = setTimeout(
        () => {
          this.connectListener(onError, next).catch(onError);
        },
        Math.min(250 * 2 ** next, 10_000),
      );
      this.retry.unref();
    };
    client.on('error', reconnect);
    client.on('end', () => reconnect());
    client.on('notification', (msg) => {
      const other = this.channels.get(msg.channel);
      if (other) {
        if (msg.payload) other(msg.payload);
        return;
      }
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        const { userId, seq } = JSON.parse(msg.payload) as { userId: string; seq: number };
        this.live.emit(userId, seq);
      } catch (err) {
        onError(err);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      reconnect(err);
      return;
    }
    connected = true;
    this.listener = client;
    if (this.everConnected) {
      for (const userId of this.live.eventNames()) this.live.emit(userId, 0);
      for (const handler of this.channels.values()) handler(null);
    }
    this.everConnected = true;
  }

  async stop(): Promise<void> {
    this.listening = false;
    if (this.retry) clearTimeout(this.retry);
    await this.listener?.end().catch(() => {});
    this.listener = undefined;
  }
}
