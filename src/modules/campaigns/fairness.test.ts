import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cardAt, drawCard, seedHashOf, setsHeld, splitPool } from './fairness.ts';

const cards = [
  { key: 'fuqiang', name: '富强福', weight: 40 },
  { key: 'hexie', name: '和谐福', weight: 30 },
  { key: 'youshan', name: '友善福', weight: 20 },
  { key: 'aiguo', name: '爱国福', weight: 9 },
  { key: 'jingye', name: '敬业福', weight: 1 },
];

describe('card draws', () => {
  it('follow the published odds over many draws from a fixed seed (chi-square, p = 0.001)', () => {
    const seed = Buffer.alloc(32, 7);
    const counts = new Map<string, number>();
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const user = `user-${i % 500}`;
      const card = drawCard(seed, 'campaign-1', user, Math.floor(i / 500) + 1, cards);
      counts.set(card.key, (counts.get(card.key) ?? 0) + 1);
    }
    let chi2 = 0;
    for (const c of cards) {
      const expected = (n * c.weight) / 100;
      chi2 += ((counts.get(c.key) ?? 0) - expected) ** 2 / expected;
    }
    // 4 degrees of freedom: 18.47 is exceeded by chance once in a thousand seeds.
    expect(chi2).toBeLessThan(18.47);
    expect(counts.get('jingye')).toBeGreaterThan(0);
  });

  it('are the documented recipe: HMAC-SHA256(seed, prefix|campaign|user|n), 8 bytes, mod W', () => {
    const seed = Buffer.alloc(32, 0).fill(1, 31);
    const mac = createHmac('sha256', seed).update('hebao-card-draw/v1|c|u|3').digest();
    const r = mac.readBigUInt64BE(0) % 100n;
    expect(drawCard(seed, 'c', 'u', 3, cards)).toEqual(cardAt(cards, r));
    expect(seedHashOf(seed)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('give every card its exact share of the weight range', () => {
    expect(cardAt(cards, 0n).key).toBe('fuqiang');
    expect(cardAt(cards, 39n).key).toBe('fuqiang');
    expect(cardAt(cards, 40n).key).toBe('hexie');
    expect(cardAt(cards, 99n).key).toBe('jingye');
    expect(() => cardAt(cards, 100n)).toThrow(RangeError);
  });
});

describe('the pool split', () => {
  it('pays every complete set the same and returns the remainder: shares + remainder = pool', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.array(fc.nat({ max: 5 }), { maxLength: 60 }),
        (pool, sets) => {
          const split = splitPool(
            pool,
            sets.map((s, i) => ({ userId: `u${i}`, sets: s })),
          );
          const paid = split.payouts.reduce((sum, p) => sum + p.amount, 0n);
          expect(paid + split.remainder).toBe(pool);
          const total = sets.reduce((a, b) => a + b, 0);
          expect(split.sets).toBe(total);
          if (total > 0) {
            expect(split.remainder < BigInt(total)).toBe(true);
            for (const p of split.payouts)
              expect(p.amount).toBe(split.shareAmount * BigInt(p.sets));
          } else {
            expect(split.remainder).toBe(pool);
          }
        },
      ),
    );
  });

  it('counts a holder’s complete sets by their scarcest card', () => {
    expect(setsHeld(['a', 'b'], { a: 3, b: 2 })).toBe(2);
    expect(setsHeld(['a', 'b'], { a: 3 })).toBe(0);
  });
});
