import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  luckiestClaimer,
  MAX_SPLIT_TOTAL,
  type RandomInt,
  splitFixed,
  splitLucky,
} from './split.ts';

/** mulberry32: a small seeded PRNG, so statistical tests see the same numbers every run. */
function seededRandomInt(seed: number): RandomInt {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  return (min, max) => min + Math.floor(next() * (max - min));
}

/** The default limits: 200 CNY per share on average, 100 shares. */
const LIMIT_PER_SHARE = 20_000;

function expectValidSplit(shares: number[], total: number, count: number) {
  expect(shares).toHaveLength(count);
  for (const s of shares) {
    expect(Number.isSafeInteger(s)).toBe(true);
    expect(s).toBeGreaterThanOrEqual(1);
  }
  expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
}

describe('splitLucky', () => {
  it('always gives count shares of at least 1 that add up to the total exactly', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 100 })
          .chain((count) =>
            fc.tuple(
              fc.constant(count),
              fc.integer({ min: count, max: count * LIMIT_PER_SHARE }),
              fc.noShrink(fc.integer()),
            ),
          ),
        ([count, total, seed]) => {
          expectValidSplit(splitLucky(total, count, seededRandomInt(seed)), total, count);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('holds for every count from 1 to 100 at the edges of the range, with crypto randomness', () => {
    for (let count = 1; count <= 100; count++) {
      for (const total of [count, count + 1, 2 * count - 1, count * LIMIT_PER_SHARE]) {
        expectValidSplit(splitLucky(total, count), total, count);
      }
    }
  });

  it('gives exactly one minor unit each when the total equals the count', () => {
    expect(splitLucky(100, 100)).toEqual(Array.from({ length: 100 }, () => 1));
  });

  it('asks its random source only for ranges node:crypto randomInt accepts', () => {
    const checked: RandomInt = (min, max) => {
      expect(Number.isSafeInteger(min) && Number.isSafeInteger(max)).toBe(true);
      expect(max).toBeGreaterThan(min);
      expect(max - min).toBeLessThan(2 ** 48);
      return min + Math.floor((max - min) / 2);
    };
    expectValidSplit(splitLucky(MAX_SPLIT_TOTAL, 3, checked), MAX_SPLIT_TOTAL, 3);
    expectValidSplit(splitLucky(7, 7, checked), 7, 7);
  });

  it('refuses totals below one unit per share, non-integers and out-of-range totals', () => {
    expect(() => splitLucky(9, 10)).toThrow(RangeError);
    expect(() => splitLucky(10.5, 2)).toThrow(RangeError);
    expect(() => splitLucky(10, 0)).toThrow(RangeError);
    expect(() => splitLucky(MAX_SPLIT_TOTAL + 1, 2)).toThrow(RangeError);
  });

  describe('is fair: every claim position has the same expected amount', () => {
    const cases = [
      { total: 10_000, count: 10, runs: 20_000 },
      // Tight totals are where integer double-mean draws are least fair before the shuffle.
      { total: 150, count: 100, runs: 5_000 },
      { total: 20_000 * 5, count: 5, runs: 20_000 },
    ];
    it.each(cases)('$total into $count shares, $runs splits', ({ total, count, runs }) => {
      const random = seededRandomInt(20261125);
      const sums = new Array<number>(count).fill(0);
      const sumSquares = new Array<number>(count).fill(0);
      for (let r = 0; r < runs; r++) {
        const shares = splitLucky(total, count, random);
        shares.forEach((s, i) => {
          sums[i]! += s;
          sumSquares[i]! += s * s;
        });
      }
      const mean = total / count;
      for (let i = 0; i < count; i++) {
        const positionMean = sums[i]! / runs;
        const variance = sumSquares[i]! / runs - positionMean ** 2;
        // Five standard errors: a fair split fails this about once in 1.7 million positions.
        const tolerance = 5 * Math.sqrt(variance / runs);
        expect(Math.abs(positionMean - mean), `position ${i}`).toBeLessThanOrEqual(tolerance);
        // And in plain terms: within 2% of the fair share.
        expect(Math.abs(positionMean - mean) / mean, `position ${i}`).toBeLessThan(0.02);
      }
    });
  });

  it('varies: lucky shares are not all equal', () => {
    const shares = splitLucky(10_000, 10, seededRandomInt(7));
    expect(new Set(shares).size).toBeGreaterThan(1);
  });
});

describe('splitFixed', () => {
  it('gives equal shares', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: LIMIT_PER_SHARE }),
        fc.integer({ min: 1, max: 100 }),
        (each, count) => {
          const shares = splitFixed(each, count);
          expect(shares).toHaveLength(count);
          expect(shares.every((s) => s === each)).toBe(true);
        },
      ),
    );
  });

  it('refuses a zero or fractional share', () => {
    expect(() => splitFixed(0, 3)).toThrow(RangeError);
    expect(() => splitFixed(1.5, 3)).toThrow(RangeError);
  });
});

describe('luckiestClaimer', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, s));

  it('is the largest share', () => {
    expect(
      luckiestClaimer([
        { userId: 'a', amount: 5, claimedAt: at(1), position: 0 },
        { userId: 'b', amount: 9, claimedAt: at(2), position: 1 },
        { userId: 'c', amount: 3, claimedAt: at(3), position: 2 },
      ]),
    ).toBe('b');
  });

  it('goes to the earliest claim on a tie, then to the lower position', () => {
    expect(
      luckiestClaimer([
        { userId: 'late', amount: 9, claimedAt: at(5), position: 0 },
        { userId: 'early', amount: 9, claimedAt: at(1), position: 1 },
      ]),
    ).toBe('early');
    expect(
      luckiestClaimer([
        { userId: 'second', amount: 9, claimedAt: at(1), position: 4 },
        { userId: 'first', amount: 9, claimedAt: at(1), position: 2 },
      ]),
    ).toBe('first');
  });

  it('is nobody when nothing was claimed', () => {
    expect(luckiestClaimer([])).toBeUndefined();
  });
});
