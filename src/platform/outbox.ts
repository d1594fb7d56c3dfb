import { type Db, inTransaction, type Queryable, type Tx } from '../db/pool.ts';

/** One piece of follow-up work, written in the transaction of the change it follows. */
export interface OutboxMessage {
  topic: string;
  payload: Record<string, unknown>;
}

/**
 * Carries out messages of one topic inside the transaction that deletes them (all that one
 * claim found, in order); must not commit on its own.
 */
export type OutboxHandler = (tx: Tx, payloads: Record<string, unknown>[]) => Promise<void>;

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
      failures.length = 0; // a retried transaction starts afresh
      const { rows } = await tx.query<Claimed>(
        `SELECT id, topic, payload, attempts FROM outbox
          WHERE available_at <= now() AND attempts < $2
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batch, this.options.maxAttempts],
      );
      const done: string[] = [];
      const byTopic = new Map<string, Claimed[]>();
      for (const m of rows) {
        const list = byTopic.get(m.topic) ?? [];
        if (list.length === 0) byTopic.set(m.topic, list);
        list.push(m);
      }
      for (const [topic, messages] of byTopic) {
        const handler = this.handlers.get(topic);
        if (!handler) {
          for (const m of messages) failures.push({ id: m.id, error: `no handler for ${topic}` });
          continue;
        }
        // All of a topic's messages at once; if that fails, each alone, so that one bad
        // message is retried later by itself and does not hold the others back.
        if (
          await attempt(tx, () =>
            handler(
              tx,
              messages.map((m) => m.payload),
            ),
          )
        ) {
          done.push(...messages.map((m) => m.id));
          continue;
        }
        for (const m of messages) {
          const error = await attempt(tx, () => handler(tx, [m.payload]), true);
          if (error === true) done.push(m.id);
          else failures.push({ id: m.id, error });
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

/** Runs `work` in a savepoint: true if it went through, else rolled back (with its error). */
async function attempt(tx: Tx, work: () => Promise<void>, withError?: false): Promise<boolean>;
async function attempt(tx: Tx, work: () => Promise<void>, withError: true): Promise<true | string>;
async function attempt(
  tx: Tx,
  work: () => Promise<void>,
  withError = false,
): Promise<boolean | string> {
  await tx.query('SAVEPOINT outbox_delivery');
  try {
    await work();
    await tx.query('RELEASE SAVEPOINT outbox_delivery');
    return true;
  } catch (err) {
    await tx.query('ROLLBACK TO SAVEPOINT outbox_delivery');
    return withError ? String((err as Error)?.message ?? err) : false;
  }
}
