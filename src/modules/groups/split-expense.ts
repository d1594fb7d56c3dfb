/**
 * How a shared expense is divided among its participants: pure, over integer minor units.
 *
 * Methods, and what a participant's `value` means:
 * - `equal`: no value; everyone owes the same, within one minor unit.
 * - `exact`: the amount owed (≥ 0); the values must add up to the total.
 * - `shares`: a positive whole number of shares (1 to MAX_SHARES); owed in proportion.
 * - `percent`: basis points (1 to 10,000; 2550 = 25.5%); they must add up to 10,000.
 *
 * Remainder rule (equal, shares, percent): each participant owes ⌊total · w / W⌋ for weight w
 * out of W; the k minor units left over (k < number of participants) go one each to the k
 * participants with the largest remainders (total · w mod W), ties to the lower user id. An
 * equal split therefore gives its extra units to the first participants by user id.
 */
import { invalid } from '../../platform/errors.ts';

export type SplitMethod = 'equal' | 'exact' | 'shares' | 'percent';

export interface SplitParticipant {
  userId: string;
  value?: number;
}

export interface OwedShare {
  userId: string;
  /** What the participant was given as `value` (null for an equal split). */
  value: number | null;
  owed: number;
}

/** A whole in basis points: percentages are given in hundredths of a percent. */
export const BASIS_POINTS = 10_000;
/** Most shares one participant may hold, so that proportions stay meaningful. */
export const MAX_SHARES = 1_000_000;

const byUserId = (a: { userId: string }, b: { userId: string }) =>
  a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;

const FIELD = 'split.participants';

/**
 * Who owes what of `total`, sorted by user id. Throws 422 validation_error for a split that
 * cannot be applied (a duplicate participant, a missing or extra value, sums that do not add up).
 */
export function splitExpense(
  total: number,
  method: SplitMethod,
  participants: readonly SplitParticipant[],
): OwedShare[] {
  if (!Number.isSafeInteger(total) || total <= 0) {
    throw invalid('amount must be a positive integer', { field: 'amount' });
  }
  if (participants.length === 0) throw invalid('a split needs participants', { field: FIELD });
  const sorted = [...participants].sort(byUserId);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.userId === sorted[i - 1]!.userId) {
      throw invalid(`${sorted[i]!.userId} is listed twice`, { field: FIELD });
    }
  }
  if (method === 'equal') {
    if (sorted.some((p) => p.value !== undefined)) {
      throw invalid('an equal split takes no values', { field: FIELD });
    }
    return proportional(
      total,
      sorted.map((p) => ({ userId: p.userId, weight: 1n, value: null })),
    );
  }
  const values = sorted.map((p) => {
    if (p.value === undefined) {
      throw invalid(`a ${method} split needs a value for every participant`, { field: FIELD });
    }
    if (!Number.isSafeInteger(p.value)) throw invalid('values are integers', { field: FIELD });
    return { userId: p.userId, value: p.value };
  });
  const sum = values.reduce((s, p) => s + BigInt(p.value), 0n);
  if (method === 'exact') {
    if (values.some((p) => p.value < 0)) {
      throw invalid('exact amounts are at least 0', { field: FIELD });
    }
    if (sum !== BigInt(total)) {
      throw invalid(`exact amounts add up to ${sum}, not to the amount ${total}`, {
        field: FIELD,
      });
    }
    return values.map((p) => ({ userId: p.userId, value: p.value, owed: p.value }));
  }
  if (method === 'shares') {
    if (values.some((p) => p.value < 1 || p.value > MAX_SHARES)) {
      throw invalid(`shares are whole numbers from 1 to ${MAX_SHARES}`, { field: FIELD });
    }
  } else {
    if (values.some((p) => p.value < 1 || p.value > BASIS_POINTS)) {
      throw invalid(`percentages are basis points from 1 to ${BASIS_POINTS}`, { field: FIELD });
    }
    if (sum !== BigInt(BASIS_POINTS)) {
      throw invalid(`percentages add up to ${sum} basis points, not ${BASIS_POINTS}`, {
        field: FIELD,
      });
    }
  }
  return proportional(
    total,
    values.map((p) => ({ userId: p.userId, weight: BigInt(p.value), value: p.value })),
  );
}

/** Largest-remainder apportionment; `weighted` is sorted by user id. BigInt: total · w can pass 2^53. */
function proportional(
  total: number,
  weighted: readonly { userId: string; weight: bigint; value: number | null }[],
): OwedShare[] {
  const whole = BigInt(total);
  const sumOfWeights = weighted.reduce((s, p) => s + p.weight, 0n);
  const parts = weighted.map((p, index) => ({
    index,
    floor: (whole * p.weight) / sumOfWeights,
    remainder: (whole * p.weight) % sumOfWeights,
  }));
  let left = whole - parts.reduce((s, p) => s + p.floor, 0n);
  // Stable sort: equal remainders keep user-id order.
  const byRemainder = [...parts].sort((a, b) =>
    a.remainder === b.remainder ? 0 : a.remainder > b.remainder ? -1 : 1,
  );
  for (const part of byRemainder) {
    if (left === 0n) break;
    part.floor += 1n;
    left -= 1n;
  }
  return weighted.map((p, i) => ({
    userId: p.userId,
    value: p.value,
    owed: Number(parts[i]!.floor),
  }));
}
