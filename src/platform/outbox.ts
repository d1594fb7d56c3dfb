import { type Db, inTransaction, type Queryable, type Tx } from '../db/pool.ts';

/** One piece of follow-up work, written in the transaction of the change it follows. */
export interface OutboxMessage {
  topic: string;
  payload: Record<string, unknown>;
}

/** Carries out one message inside the transaction that deletes it; must not commit on its own. */
export type OutboxHandler = (tx: Tx, payload: Record<string, unknown>) => Promise<void>;

export interface OutboxOptions {
  /** How often each process looks for due messages when nothing woke it. */
  pollMs: number;
  /** Messages claimed per transaction. */
  batch: number;
  /** A message that keeps failing is retried with backoff, then left with its last error. */
  maxAttempts: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = { pollMs: 500, batch: 100, maxAttempts: 20 };

/** Writes messages in the caller's transaction: one statement however many. */
export async function enqueue(q: Queryable, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await q.query(
    `INSERT INTO outbox (topic, payload)
     SELECT t, p FROM unnest($1::text[], $2::jsonb[]) AS m(t, p)`,
    [messages.map((m) => m.topic), messages.map((m) => JSON.stringify(m.payload))],
  );
}

interface Claimed {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/**
 * Delivers outbox messages after their transaction commits: every process runs one, and
 * `FOR UPDATE SKIP LOCKED` hands each message to exactly one of them. A message is deleted in
 * the same transaction as its handler's writes, so it takes effect exactly once, across
 * restarts and crashes (a crash rolls both back and the message is claimed again).
 *
 * Written by hand rather than with graphile-worker or pg-boss: the messages must be inserted
 * by the ledger's group commit in bulk (one statement per batch), and their handlers must
 * write in the claiming transaction; both are one SQL statement here, and a job queue would
 * add its own schema, worker loop and JSON encoding around the same SKIP LOCKED query.
 */
export class OutboxDispatcher {
  private readonly handlers = new Map<string, OutboxHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private onError: (err: unknown) => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly options: OutboxOptions = DEFAULT_OUTBOX_OPTIONS,
  ) {}

  on(topic: string, handler: OutboxHandler): void {
    this.handlers.set(topic, handler);
  }

  /** Polls from now on; without it, messages go only when `kick` or `drain` is called. */
  start(onError: (err: unknown) => void): void {
    this.onError = onError;
    if (this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
  }

  /** Look for work now (called after this process commits messages, so they go at once). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliverAll()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /**
   * Delivers everything due now, after any delivery this process has under way: resolves when
   * the outbox holds nothing due that another process is not delivering at this moment.
   */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    await this.deliverAll();
  }

  private async deliverAll(): Promise<void> {
    for (;;) {
      const delivered = await this.deliverBatch();
      if (delivered < this.options.batch) return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async deliverBatch(): Promise<number> {
    const failures: { id: string; error: string }[] = [];
    const claimedCount = await inTransaction(this.db, async (tx) => {
      const { rows } = await tx.query<Claimed>(
        `SELECT id, topic, payload, attempts FROM outbox
          WHERE available_at <= now() AND attempts < $2
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batch, this.options.maxAttempts],
      );
      const done: string[] = [];
      for (const m of rows) {
        const handler = this.handlers.get(m.topic);
        if (!handler) {
          failures.push({ id: m.id, error: `no handler for ${m.topic}` });
          continue;
        }
        // Each message in a savepoint: one that fails is retried later, alone.
        await tx.query('SAVEPOINT outbox_message');
        try {
          await handler(tx, m.payload);
          await tx.query('RELEASE SAVEPOINT outbox_message');
          done.push(m.id);
        } catch (err) {
          await tx.query('ROLLBACK TO SAVEPOINT outbox_message');
          failures.push({ id: m.id, error: String((err as Error)?.message ?? err) });
        }
      }
      if (done.length > 0) await tx.query('DELETE FROM outbox WHERE id = ANY($1)', [done]);
      if (failures.length > 0) {
        await tx.query(
          `UPDATE outbox o SET attempts = o.attempts + 1, last_error = f.error,
                  available_at = now() + make_interval(secs => least(300, 2 ^ o.attempts))
             FROM unnest($1::bigint[], $2::text[]) AS f(id, error) WHERE o.id = f.id`,
          [failures.map((f) => f.id), failures.map((f) => f.error)],
        );
      }
      return rows.length;
    });
    for (const f of failures) this.onError(new Error(`outbox message ${f.id}: ${f.error}`));
    return claimedCount;
  }
}
