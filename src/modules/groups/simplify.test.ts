import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EXACT_LIMIT,
  type MemberBalance,
  type SettlingTransfer,
  simplifyDebts,
} from './simplify.ts';

/**
 * The fewest transfers by exhaustive search, independent of the subset DP: the first member
 * who is not square settles fully with each member of the other sign in turn, recursively
 * (the classic "optimal account balancing" search; exponential, fine up to 7 members).
 */
function bruteForceMinTransfers(nets: readonly number[]): number {
  const debts = nets.filter((x) => x !== 0);
  const search = (start: number): number => {
    while (start < debts.length && debts[start] === 0) start++;
    if (start === debts.length) return 0;
    let fewest = Number.POSITIVE_INFINITY;
    for (let i = start + 1; i < debts.length; i++) {
      if (Math.sign(debts[i]!) === -Math.sign(debts[start]!)) {
        debts[i]! += debts[start]!;
        fewest = Math.min(fewest, 1 + search(start + 1));
        debts[i]! -= debts[start]!;
      }
    }
    return fewest;
  };
  return search(0);
}

/** Balances that add up to zero: n − 1 drawn, the last one making up the difference. */
const balancesOf = (values: fc.Arbitrary<number>, minLength: number, maxLength: number) =>
  fc.array(values, { minLength: minLength - 1, maxLength: maxLength - 1 }).map((nets) => {
    const all = [...nets, -nets.reduce((a, b) => a + b, 0)];
    return all.map((net, i) => ({ userId: `u${String(i).padStart(2, '0')}`, net }));
  });

/** Small values make zero-sum subsets (the interesting cases) common. */
const smallCases = balancesOf(fc.integer({ min: -30, max: 30 }), 2, 7);

function expectSettles(balances: readonly MemberBalance[], transfers: readonly SettlingTransfer[]) {
  const left = new Map(balances.map((b) => [b.userId, b.net]));
  for (const t of transfers) {
    expect(Number.isSafeInteger(t.amount) && t.amount > 0).toBe(true);
    expect(t.from).not.toBe(t.to);
    // Debtors pay and creditors receive: nobody is asked to pass money through.
    expect(left.get(t.from)!).toBeLessThan(0);
    expect(left.get(t.to)!).toBeGreaterThan(0);
    left.set(t.from, left.get(t.from)! + t.amount);
    left.set(t.to, left.get(t.to)! - t.amount);
  }
  expect([...left.values()].every((net) => net === 0)).toBe(true);
}

describe('simplifyDebts', () => {
  it('uses as few transfers as an exhaustive search, and settles everyone (sizes 2–7)', () => {
    fc.assert(
      fc.property(smallCases, (balances) => {
        const transfers = simplifyDebts(balances);
        expectSettles(balances, transfers);
        expect(transfers.length).toBe(bruteForceMinTransfers(balances.map((b) => b.net)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('matches the exhaustive search on large amounts too', () => {
    fc.assert(
      fc.property(balancesOf(fc.integer({ min: -1e12, max: 1e12 }), 2, 7), (balances) => {
        const transfers = simplifyDebts(balances);
        expectSettles(balances, transfers);
        expect(transfers.length).toBe(bruteForceMinTransfers(balances.map((b) => b.net)));
      }),
      { numRuns: 300 },
    );
  });

  it('finds hidden zero-sum groups that largest-first matching misses', () => {
    // Greedy would take 5 transfers here; {a, b, c} and {d, e, f} each settle in 2.
    const balances = [
      { userId: 'a', net: 5 },
      { userId: 'b', net: -3 },
      { userId: 'c', net: -2 },
      { userId: 'd', net: 4 },
      { userId: 'e', net: 3 },
      { userId: 'f', net: -7 },
    ];
    const transfers = simplifyDebts(balances);
    expectSettles(balances, transfers);
    expect(transfers).toHaveLength(4);
  });

  it('pays equal and opposite balances directly', () => {
    expect(
      simplifyDebts([
        { userId: 'b', net: -250 },
        { userId: 'a', net: 250 },
        { userId: 'c', net: 0 },
      ]),
    ).toEqual([{ from: 'b', to: 'a', amount: 250 }]);
    expect(simplifyDebts([])).toEqual([]);
    expect(simplifyDebts([{ userId: 'a', net: 0 }])).toEqual([]);
  });

  it('gives the same answer whatever order the balances come in', () => {
    fc.assert(
      fc.property(
        smallCases.chain((b) =>
          fc.tuple(fc.constant(b), fc.shuffledSubarray(b, { minLength: b.length })),
        ),
        ([balances, shuffled]) => {
          expect(simplifyDebts(shuffled)).toEqual(simplifyDebts(balances));
        },
      ),
    );
  });

  it('is exact at its limit of members', () => {
    // 18 distinct balances (no opposites to pair off) in 6 hidden zero-sum triples: 12 transfers.
    const balances = Array.from({ length: 6 }, (_, i) => [
      { userId: `t${i}a`, net: 100 + i * 7 },
      { userId: `t${i}b`, net: 1000 + i * 11 },
      { userId: `t${i}c`, net: -(1100 + i * 18) },
    ]).flat();
    expect(balances).toHaveLength(EXACT_LIMIT);
    const transfers = simplifyDebts(balances);
    expectSettles(balances, transfers);
    expect(transfers).toHaveLength(12);
  });

  it('falls back to greedy beyond the limit: still settles everyone in at most n − 1', () => {
    fc.assert(
      fc.property(
        balancesOf(fc.integer({ min: -1e6, max: 1e6 }), EXACT_LIMIT + 2, 60),
        (balances) => {
          const transfers = simplifyDebts(balances);
          expectSettles(balances, transfers);
          const nonZero = balances.filter((b) => b.net !== 0).length;
          expect(transfers.length).toBeLessThanOrEqual(Math.max(0, nonZero - 1));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses balances that do not add up to zero', () => {
    expect(() => simplifyDebts([{ userId: 'a', net: 1 }])).toThrow(RangeError);
    expect(() =>
      simplifyDebts([
        { userId: 'a', net: 0.5 },
        { userId: 'b', net: -0.5 },
      ]),
    ).toThrow(RangeError);
  });
});
