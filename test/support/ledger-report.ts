/** What the ledger's multi-process tests and their worker scripts exchange, and how it is checked. */
import type { TransferMode } from '../../src/modules/ledger/types.ts';

/** A transfer a worker was told was applied (ok and not a replay): it must be in the ledger once. */
export interface AppliedTransfer {
  id: string;
  mode: TransferMode;
  debit: number;
  credit: number;
  /** Decimal string: JSON has no bigint. */
  amount: string;
}

/** A request with an id both workers send at about the same time: exactly one applies it. */
export interface SharedOutcome {
  id: string;
  ok: boolean;
  replayed: boolean;
}

export interface WorkerReport {
  worker: number;
  applied: AppliedTransfer[];
  shared: SharedOutcome[];
  /** Results by outcome: 'ok', 'replayed', or the refusal code. */
  outcomes: Record<string, number>;
  /** Replays whose answer differed from the original answer; each entry says how. */
  replayMismatches: string[];
}

export interface ConcurrencyWorkerConfig {
  worker: number;
  databaseUrl: string;
  seed: number;
  callers: number;
  opsPerCaller: number;
  bankId: number;
  walletIds: number[];
  hotId: number;
  maxBatchTransfers: number;
  maxInFlightBatches: number;
}

export interface Balances {
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}

const zero = (): Balances => ({
  debitsPending: 0n,
  debitsPosted: 0n,
  creditsPending: 0n,
  creditsPosted: 0n,
});

/** The four balance columns of every account, as the applied transfers alone imply them. */
export function impliedBalances(applied: readonly AppliedTransfer[]): Map<number, Balances> {
  const out = new Map<number, Balances>();
  const of = (id: number): Balances => {
    let b = out.get(id);
    if (!b) {
      b = zero();
      out.set(id, b);
    }
    return b;
  };
  for (const t of applied) {
    const d = of(t.debit);
    const c = of(t.credit);
    const amount = BigInt(t.amount);
    switch (t.mode) {
      case 'single':
        d.debitsPosted += amount;
        c.creditsPosted += amount;
        break;
      case 'pending':
        d.debitsPending += amount;
        c.creditsPending += amount;
        break;
      case 'post':
        d.debitsPending -= amount;
        d.debitsPosted += amount;
        c.creditsPending -= amount;
        c.creditsPosted += amount;
        break;
      case 'void':
        d.debitsPending -= amount;
        c.creditsPending -= amount;
        break;
    }
  }
  return out;
}

/** A small seeded generator (mulberry32), so that a failing run can be repeated from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
