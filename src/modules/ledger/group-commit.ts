/**
 * Group commit: requests that arrive while a batch is being written wait and go together in
 * the next one, so one database transaction (one fsync) serves many callers. Each caller
 * still gets its own results, and a failing transfer fails alone (the engine isolates it).
 */
import { type Db, inTransaction, isRetryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import type { EngineRequest } from './engine.ts';
import { applyInTransaction } from './store.ts';
import type { TransferResult } from './types.ts';

/**
 * A row that must commit with a caller's transfers (its idempotency record, an outbox message,
 * a notification), written by the batch writer registered under `writer`.
 */
export interface BatchRow {
  writer: string;
  row: unknown;
}

/** Builds a submission's rows from its results, inside the batch's transaction. */
export type BatchEffects = (results: TransferResult[]) => BatchRow[];

/** Writes all of one batch's rows for one writer: one statement for the whole batch. */
export type BatchWriter = (tx: Tx, rows: unknown[]) => Promise<void>;

interface Submission {
  chains: EngineRequest[][];
  size: number;
  effects: BatchEffects | undefined;
  resolve: (results: TransferResult[]) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  maxBatchTransfers: number;
  maxInFlightBatches: number;
  onBatch?: (transfers: number, seconds: number) => void;
}

const UNIQUE_VIOLATION = '23505';

export class GroupCommitter {
  private queue: Submission[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly writers = new Map<string, BatchWriter>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: GroupCommitOptions,
  ) {}

  registerWriter(name: string, writer: BatchWriter): void {
    this.writers.set(name, writer);
  }

  /**
   * `effects` turns this submission's results into rows that commit in the same transaction:
   * a caller is answered only once its transfers and its rows are durable together.
   */
  submit(chains: EngineRequest[][], effects?: BatchEffects): Promise<TransferResult[]> {
    const size = chains.reduce((n, c) => n + c.length, 0);
    if (size === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ chains, size, effects, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every submitted batch has committed or failed (at shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0 || this.scheduled) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlightBatches) return;
    if (this.queue.length === 0) return;
    this.scheduled = true;
    // Let callers of the same tick join the batch before it leaves.
    setImmediate(() => {
      this.scheduled = false;
      this.launch();
    });
  }

  private launch(): void {
    while (this.inFlight < this.options.maxInFlightBatches && this.queue.length > 0) {
      const batch: Submission[] = [];
      let size = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0]!;
        if (batch.length > 0 && size + next.size > this.options.maxBatchTransfers) break;
        batch.push(this.queue.shift()!);
        size += next.size;
      }
      this.inFlight++;
      this.run(batch).finally(() => {
        this.inFlight--;
        this.schedule();
      });
      // With more batches allowed in flight, only split the queue if it is large.
      if (this.queue.length === 0) break;
    }
  }

  private async run(batch: Submission[]): Promise<void> {
    const started = performance.now();
    try {
      const results = await this.commit(batch);
      let offset = 0;
      for (const s of batch) {
        s.resolve(results.slice(offset, offset + s.size));
        offset += s.size;
      }
      this.options.onBatch?.(offset, (performance.now() - started) / 1000);
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // An unexpected database error: split the batch so that it hits only its cause.
      const half = Math.ceil(batch.length / 2);
      await Promise.all([this.run(batch.slice(0, half)), this.run(batch.slice(half))]);
    }
  }

  private async commit(batch: Submission[]): Promise<TransferResult[]> {
    const chains = batch.flatMap((s) => s.chains);
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.db, async (tx) => {
          const results = await applyInTransaction(tx, chains, this.clock.now());
          await this.writeEffects(tx, batch, results);
          return results;
        });
      } catch (err) {
        // Another process committed the same new id between our read and our insert:
        // running again finds it and answers as a replay.
        const code = (err as { code?: string }).code;
        if (attempt < 3 && (code === UNIQUE_VIOLATION || isRetryable(err))) continue;
        throw err;
      }
    }
  }

  private async writeEffects(
    tx: Tx,
    batch: Submission[],
    results: TransferResult[],
  ): Promise<void> {
    const rows: BatchRow[] = [];
    let offset = 0;
    for (const s of batch) {
      const own = results.slice(offset, offset + s.size);
      offset += s.size;
      rows.push(...(s.effects?.(own) ?? []));
    }
    await this.writeRows(tx, rows);
  }

  /** Writes rows with their writers, one call per writer (inside a caller's transaction too). */
  async writeRows(tx: Tx, rows: readonly BatchRow[]): Promise<void> {
    const byWriter = new Map<string, unknown[]>();
    for (const { writer, row } of rows) {
      const list = byWriter.get(writer) ?? [];
      if (list.length === 0) byWriter.set(writer, list);
      list.push(row);
    }
    for (const [name, list] of byWriter) {
      const writer = this.writers.get(name);
      if (!writer) throw new Error(`no batch writer named ${name}`);
      await writer(tx, list);
    }
  }
}
