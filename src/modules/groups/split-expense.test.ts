import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import {
  BASIS_POINTS,
  MAX_SHARES,
  type SplitMethod,
  type SplitParticipant,
  splitExpense,
} from './split-expense.ts';

const userIds = fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 40 });
const total = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

/** Basis points for n participants, each at least 1, adding up to 10,000. */
const basisPoints = (n: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: BASIS_POINTS - 1 }), {
      minLength: n - 1,
      maxLength: n - 1,
    })
    .map((cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), BASIS_POINTS];
      return points.slice(1).map((p, i) => p - points[i]!);
    });

interface SplitCase {
  amount: number;
  method: SplitMethod;
  participants: SplitParticipant[];
}

/** A valid split of every proportional kind (equal, shares, percent). */
const validSplit: fc.Arbitrary<SplitCase> = fc.oneof(
  fc.tuple(total, userIds).map(([amount, ids]) => ({
    amount,
    method: 'equal' as SplitMethod,
    participants: ids.map((userId) => ({ userId })),
  })),
  fc
    .tuple(total, userIds)
    .chain(([amount, ids]) =>
      fc.tuple(
        fc.constant(amount),
        fc.constant(ids),
        fc.array(fc.integer({ min: 1, max: MAX_SHARES }), {
          minLength: ids.length,
          maxLength: ids.length,
        }),
      ),
    )
    .map(([amount, ids, shares]) => ({
      amount,
      method: 'shares' as SplitMethod,
      participants: ids.map((userId, i) => ({ userId, value: shares[i]! })),
    })),
  fc
    .tuple(total, fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 40 }))
    .chain(([amount, ids]) =>
      fc.tuple(fc.constant(amount), fc.constant(ids), basisPoints(ids.length)),
    )
    .map(([amount, ids, points]) => ({
      amount,
      method: 'percent' as SplitMethod,
      participants: ids.map((userId, i) => ({ userId, value: points[i]! })),
    })),
);

const sumOf = (xs: { owed: number }[]) => xs.reduce((s, x) => s + BigInt(x.owed), 0n);

function expectRefused(run: () => unknown, detail: RegExp) {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('validation_error');
    expect((err as AppError).message).toMatch(detail);
    return;
  }
  throw new Error('expected the split to be refused');
}

describe('splitting an expense', () => {
  it('owes the total exactly, never a negative amount, within one unit of the exact share', () => {
    fc.assert(
      fc.property(validSplit, ({ amount, method, participants }) => {
        const owed = splitExpense(amount, method, participants);
        expect(owed).toHaveLength(participants.length);
        expect(sumOf(owed)).toBe(BigInt(amount));
        const weights = new Map(participants.map((p) => [p.userId, BigInt(p.value ?? 1)]));
        const whole = [...weights.values()].reduce((a, b) => a + b, 0n);
        for (const o of owed) {
          expect(Number.isSafeInteger(o.owed) && o.owed >= 0).toBe(true);
          // |owed − amount · w / W| < 1, kept in integers.
          const exactTimesWhole = BigInt(amount) * weights.get(o.userId)!;
          const diff = BigInt(o.owed) * whole - exactTimesWhole;
          expect(diff < whole && diff > -whole).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('splits equally to within one unit, extra units to the first user ids', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), userIds, (amount, ids) => {
        const owed = splitExpense(
          amount,
          'equal',
          ids.map((userId) => ({ userId })),
        );
        const amounts = owed.map((o) => o.owed);
        expect(Math.max(...amounts) - Math.min(...amounts)).toBeLessThanOrEqual(1);
        expect(owed.map((o) => o.userId)).toEqual([...ids].sort());
        // Sorted by user id, the larger amounts come first.
        expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);
      }),
    );
  });

  it('does not depend on the order participants are listed in', () => {
    fc.assert(
      fc.property(
        validSplit.chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.shuffledSubarray(s.participants, { minLength: s.participants.length }),
          ),
        ),
        ([{ amount, method, participants }, shuffled]) => {
          expect(splitExpense(amount, method, shuffled)).toEqual(
            splitExpense(amount, method, participants),
          );
        },
      ),
    );
  });

  it('splits 100 fen three ways as 34, 33, 33 and lets a small total leave some at 0', () => {
    expect(splitExpense(100, 'equal', [{ userId: 'c' }, { userId: 'a' }, { userId: 'b' }])).toEqual(
      [
        { userId: 'a', value: null, owed: 34 },
        { userId: 'b', value: null, owed: 33 },
        { userId: 'c', value: null, owed: 33 },
      ],
    );
    expect(splitExpense(1, 'equal', [{ userId: 'b' }, { userId: 'a' }]).map((o) => o.owed)).toEqual(
      [1, 0],
    );
  });

  it('gives the leftover units to the largest remainders', () => {
    // 1000 by shares 1:1:1:3 → 166.67, 166.67, 166.67, 500: two units go to the first two by id.
    expect(
      splitExpense(1000, 'shares', [
        { userId: 'd', value: 3 },
        { userId: 'a', value: 1 },
        { userId: 'c', value: 1 },
        { userId: 'b', value: 1 },
      ]).map((o) => o.owed),
    ).toEqual([167, 167, 166, 500]);
    // 999 at 33.33% / 33.33% / 33.34% → 332.97, 332.97, 333.07: the leftover two go to a and b.
    expect(
      splitExpense(999, 'percent', [
        { userId: 'a', value: 3333 },
        { userId: 'b', value: 3333 },
        { userId: 'c', value: 3334 },
      ]).map((o) => o.owed),
    ).toEqual([333, 333, 333]);
    expect(
      splitExpense(10, 'percent', [
        { userId: 'a', value: 2500 },
        { userId: 'b', value: 7500 },
      ]).map((o) => o.owed),
    ).toEqual([3, 7]);
  });

  it('takes exact amounts as given when they add up', () => {
    expect(
      splitExpense(500, 'exact', [
        { userId: 'b', value: 0 },
        { userId: 'a', value: 500 },
      ]),
    ).toEqual([
      { userId: 'a', value: 500, owed: 500 },
      { userId: 'b', value: 0, owed: 0 },
    ]);
  });

  it('refuses splits that cannot be applied', () => {
    const a = 'a';
    const b = 'b';
    expectRefused(
      () =>
        splitExpense(100, 'exact', [
          { userId: a, value: 60 },
          { userId: b, value: 30 },
        ]),
      /add up to 90/,
    );
    expectRefused(
      () =>
        splitExpense(100, 'exact', [
          { userId: a, value: 120 },
          { userId: b, value: -20 },
        ]),
      /at least 0/,
    );
    expectRefused(
      () => splitExpense(100, 'exact', [{ userId: a, value: 100 }, { userId: b }]),
      /needs a value/,
    );
    expectRefused(
      () =>
        splitExpense(100, 'percent', [
          { userId: a, value: 5000 },
          { userId: b, value: 4000 },
        ]),
      /9000 basis points/,
    );
    expectRefused(
      () => splitExpense(100, 'percent', [{ userId: a, value: 10_001 }]),
      /basis points from 1/,
    );
    expectRefused(
      () =>
        splitExpense(100, 'percent', [
          { userId: a, value: 0 },
          { userId: b, value: 10_000 },
        ]),
      /basis points from 1/,
    );
    expectRefused(() => splitExpense(100, 'shares', [{ userId: a, value: 0 }]), /whole numbers/);
    expectRefused(() => splitExpense(100, 'shares', [{ userId: a, value: 1.5 }]), /integers/);
    expectRefused(
      () => splitExpense(100, 'shares', [{ userId: a, value: MAX_SHARES + 1 }]),
      /whole numbers/,
    );
    expectRefused(() => splitExpense(100, 'equal', [{ userId: a, value: 1 }]), /no values/);
    expectRefused(() => splitExpense(100, 'equal', [{ userId: a }, { userId: a }]), /listed twice/);
    expectRefused(() => splitExpense(100, 'equal', []), /needs participants/);
    expectRefused(() => splitExpense(0, 'equal', [{ userId: a }]), /positive integer/);
  });
});
