import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharesOfEach, splitEvenly } from './collection-split.ts';

const memberIds = fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 60 });
/** Members and a total that gives each at least one minor unit. */
const splitCase = memberIds.chain((ids) =>
  fc.tuple(fc.constant(ids), fc.integer({ min: ids.length, max: Number.MAX_SAFE_INTEGER })),
);

describe('splitting a collection total evenly', () => {
  it('adds up to the total exactly, every share at least 1, differing by at most 1', () => {
    fc.assert(
      fc.property(splitCase, ([ids, total]) => {
        const shares = splitEvenly(total, ids);
        expect(shares).toHaveLength(ids.length);
        expect(shares.reduce((sum, s) => sum + s.amount, 0)).toBe(total);
        const amounts = shares.map((s) => s.amount);
        expect(Math.min(...amounts)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...amounts) - Math.min(...amounts)).toBeLessThanOrEqual(1);
        expect(new Set(shares.map((s) => s.userId))).toEqual(new Set(ids));
      }),
    );
  });

  it('gives the remainder to the first members by user id, whatever order the ids came in', () => {
    fc.assert(
      fc.property(
        splitCase.chain(([ids, total]) =>
          fc.tuple(
            fc.constant(total),
            fc.constant(ids),
            fc.shuffledSubarray(ids, { minLength: ids.length }),
          ),
        ),
        ([total, ids, shuffled]) => {
          const shares = splitEvenly(total, ids);
          expect(splitEvenly(total, shuffled)).toEqual(shares);
          const sorted = [...ids].sort();
          const extra = total % ids.length;
          const base = Math.floor(total / ids.length);
          for (const [i, userId] of sorted.entries()) {
            expect(shares.find((s) => s.userId === userId)!.amount).toBe(
              base + (i < extra ? 1 : 0),
            );
          }
        },
      ),
    );
  });

  it('splits 100 fen three ways as 34, 33, 33', () => {
    expect(splitEvenly(100, ['c', 'a', 'b'])).toEqual([
      { userId: 'a', amount: 34 },
      { userId: 'b', amount: 33 },
      { userId: 'c', amount: 33 },
    ]);
  });

  it('refuses a total smaller than one unit per member, or no members', () => {
    expect(() => splitEvenly(2, ['a', 'b', 'c'])).toThrow(RangeError);
    expect(() => splitEvenly(5, [])).toThrow(RangeError);
    expect(() => splitEvenly(2.5, ['a'])).toThrow(RangeError);
  });
});

describe('a fixed amount each', () => {
  it('asks everyone for the same amount', () => {
    expect(sharesOfEach(500, ['b', 'a'])).toEqual([
      { userId: 'a', amount: 500 },
      { userId: 'b', amount: 500 },
    ]);
  });
});
