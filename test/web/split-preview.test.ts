/**
 * The web app's live preview of a shared expense's split (web/src/components/split.ts) must say
 * exactly what the server will record (src/modules/groups/split-expense.ts): the same owed
 * amount for every participant, for every method, whatever order the members are listed in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitExpense } from '../../src/modules/groups/split-expense.ts';
import { BASIS_POINTS, previewSplit } from '../../web/src/components/split.ts';

/** Positive integers that add up to `total`, one per participant. */
const composition = (total: number, n: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: total - 1 }), { minLength: n - 1, maxLength: n - 1 })
    .map((cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), total];
      return points.slice(1).map((p, i) => p - points[i]!);
    });

const ids = (n: number) => fc.uniqueArray(fc.uuid(), { minLength: n, maxLength: n });

const scenario = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.record({
    userIds: ids(n),
    total: fc.integer({ min: Math.max(n, 2), max: 1_000_000_000_000 }),
    method: fc.constantFrom('equal', 'exact', 'shares', 'percent' as const),
    shares: fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: n, maxLength: n }),
    percents: n === 1 ? fc.constant([BASIS_POINTS]) : composition(BASIS_POINTS, n),
    exactCuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
  }),
);

/** Amounts ≥ 0 that add up to `total`, from fractions of it. */
function exactValues(total: number, cuts: number[]): number[] {
  const values = cuts.slice(0, -1).map(() => 0);
  let left = total;
  for (let i = 0; i < cuts.length - 1; i++) {
    values[i] = Math.floor(left * cuts[i]!);
    left -= values[i]!;
  }
  return [...values, left];
}

describe('the split preview', () => {
  it('owes every participant exactly what the server records, for every method', () => {
    fc.assert(
      fc.property(scenario, ({ userIds, total, method, shares, percents, exactCuts }) => {
        const values =
          method === 'shares'
            ? shares
            : method === 'percent'
              ? percents
              : method === 'exact'
                ? exactValues(total, exactCuts)
                : undefined;
        const participants = userIds.map((userId, i) => ({
          userId,
          ...(values ? { value: values[i]! } : {}),
        }));
        const preview = previewSplit(total, method, participants);
        expect(preview.problem).toBeNull();
        const server = new Map(
          splitExpense(total, method, participants).map((s) => [s.userId, s.owed]),
        );
        expect(preview.owed).toEqual(userIds.map((id) => server.get(id)));
        expect(preview.owed.reduce<number>((s, x) => s + (x ?? 0), 0)).toBe(total);
      }),
      { numRuns: 500 },
    );
  });

  it('flags percentages that do not add up to 100% and exact amounts that miss the total', () => {
    const a = { userId: 'a' };
    const b = { userId: 'b' };
    expect(
      previewSplit(1000, 'percent', [
        { ...a, value: 5000 },
        { ...b, value: 4000 },
      ]).problem,
    ).toEqual({ kind: 'percent_sum', bps: 9000 });
    expect(
      previewSplit(1000, 'exact', [
        { ...a, value: 300 },
        { ...b, value: 600 },
      ]).problem,
    ).toEqual({ kind: 'exact_sum', assigned: 900, total: 1000 });
    expect(previewSplit(1000, 'shares', [a, { ...b, value: 1 }]).problem).toEqual({
      kind: 'missing',
    });
  });
});
