/**
 * How a red envelope's money is divided. Decided once, when the envelope is sent, so that a
 * claim only has to take the next share. Pure: the randomness is a parameter (node:crypto's
 * `randomInt` unless a test passes a seeded one). Amounts are integer minor units.
 */
import { randomInt as cryptoRandomInt } from 'node:crypto';

/** An integer in [min, max): node:crypto `randomInt`'s signature. */
export type RandomInt = (min: number, max: number) => number;

/** `randomInt` needs max − min < 2^48; the double-mean draw spans up to twice the total. */
export const MAX_SPLIT_TOTAL = 2 ** 46;

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`count must be a positive integer, got ${count}`);
  }
}

/** 普通红包: `count` equal shares of `amountEach`. */
export function splitFixed(amountEach: number, count: number): number[] {
  checkCount(count);
  if (!Number.isSafeInteger(amountEach) || amountEach < 1) {
    throw new RangeError(`amountEach must be a positive integer, got ${amountEach}`);
  }
  return Array.from({ length: count }, () => amountEach);
}

/**
 * 拼手气红包: `total` split at random into `count` shares, each ≥ 1, summing to `total` exactly.
 *
 * Shares are drawn by the double-mean method: each draw is uniform in [1, 2 × the remaining
 * mean), so no share dwarfs the others, and the last takes what is left. In integers that
 * sequence is only nearly fair (floors shave the early draws, the remainder favours the last
 * claimer), so the drawn shares are then shuffled: positions become exchangeable and every
 * claim position has exactly the same distribution, hence the same expected amount.
 */
export function splitLucky(
  total: number,
  count: number,
  random: RandomInt = cryptoRandomInt,
): number[] {
  checkCount(count);
  if (!Number.isSafeInteger(total) || total < count || total > MAX_SPLIT_TOTAL) {
    throw new RangeError(`total must be an integer from ${count} to ${MAX_SPLIT_TOTAL}: ${total}`);
  }
  const shares: number[] = [];
  let remaining = total;
  for (let left = count; left > 1; left--) {
    // remaining ≥ left holds throughout, so the bound is ≥ 1 and each later share keeps ≥ 1.
    const max = Math.min(remaining - (left - 1), Math.floor((2 * remaining) / left) - 1);
    const share = random(1, max + 1);
    shares.push(share);
    remaining -= share;
  }
  shares.push(remaining);
  // Fisher–Yates.
  for (let i = shares.length - 1; i > 0; i--) {
    const j = random(0, i + 1);
    const held = shares[i]!;
    shares[i] = shares[j]!;
    shares[j] = held;
  }
  return shares;
}

export interface ClaimedShare {
  userId: string;
  amount: number;
  claimedAt: Date;
  position: number;
}

/**
 * Who is marked luckiest once a lucky envelope is empty: the largest share; on a tie, the
 * earliest claim. Claims take the lowest free position, so position breaks ties in time.
 */
export function luckiestClaimer(claims: readonly ClaimedShare[]): string | undefined {
  let best: ClaimedShare | undefined;
  for (const c of claims) {
    if (
      !best ||
      c.amount > best.amount ||
      (c.amount === best.amount &&
        (c.claimedAt < best.claimedAt ||
          (c.claimedAt.getTime() === best.claimedAt.getTime() && c.position < best.position)))
    ) {
      best = c;
    }
  }
  return best?.userId;
}
