/** How a collection (AA 收款) asks its members for money: pure, over integer minor units. */
import { splitExpense } from './split-expense.ts';

export interface CollectionShare {
  userId: string;
  amount: number;
}

/** Members in the order that decides who carries a remainder: by user id, as plain strings. */
const byUserId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Everyone pays `amountEach`. */
export function sharesOfEach(amountEach: number, userIds: readonly string[]): CollectionShare[] {
  return [...userIds].sort(byUserId).map((userId) => ({ userId, amount: amountEach }));
}

/**
 * `total` split evenly: everyone owes ⌊total / n⌋, and the r = total mod n minor units left
 * over go one each to the first r members by user id. The shares add up to `total` exactly,
 * differ by at most one unit, and do not depend on the order the ids were given in.
 */
export function splitEvenly(total: number, userIds: readonly string[]): CollectionShare[] {
  const n = userIds.length;
  if (n === 0) throw new RangeError('a split needs at least one member');
  if (!Number.isSafeInteger(total) || total < n) {
    throw new RangeError(`cannot split ${total} into ${n} shares of at least 1`);
  }
  // The shared-expense equal split: one remainder rule for the whole groups module.
  return splitExpense(
    total,
    'equal',
    userIds.map((userId) => ({ userId })),
  ).map((share) => ({ userId: share.userId, amount: share.owed }));
}
