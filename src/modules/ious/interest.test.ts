import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accrue,
  applyRepayment,
  calendarDay,
  formatIsoDate,
  interestAccrued,
  interestDue,
  interestUnits,
  type LoanBalance,
  outstanding,
  parseIsoDate,
  UNITS_PER_MINOR,
} from './interest.ts';

const START = parseIsoDate('2026-03-01')!;

const loan = (principal: bigint): LoanBalance => ({
  principalOutstanding: principal,
  accruedUnits: 0n,
  accruedThrough: START,
  interestCleared: 0n,
});

const principalArb = fc.bigInt({ min: 1n, max: BigInt(Number.MAX_SAFE_INTEGER) });
const rateArb = fc.integer({ min: 0, max: 2400 });
const daysArb = fc.integer({ min: 0, max: 3 * 365 });

describe('interest accrual', () => {
  it('matches the worked example: ¥1,000 at 24% for 30 days is 1972 fen (1972.60 rounded down)', () => {
    const b = accrue(loan(100_000n), 2400, START + 30);
    expect(interestAccrued(b)).toBe(1972n);
    expect(outstanding(b)).toBe(101_972n);
  });

  it('never exceeds the exact value, never falls a whole fen short of it, never negative', () => {
    fc.assert(
      fc.property(principalArb, rateArb, daysArb, (principal, bps, days) => {
        const shown = interestAccrued(accrue(loan(principal), bps, START + days));
        const exactTimesDenominator = principal * BigInt(bps) * BigInt(days);
        expect(shown).toBeGreaterThanOrEqual(0n);
        // shown ≤ exact < shown + 1, both sides multiplied by the denominator.
        expect(shown * UNITS_PER_MINOR).toBeLessThanOrEqual(exactTimesDenominator);
        expect(exactTimesDenominator).toBeLessThan((shown + 1n) * UNITS_PER_MINOR);
      }),
    );
  });

  it('is monotone in days', () => {
    fc.assert(
      fc.property(principalArb, rateArb, daysArb, daysArb, (principal, bps, d1, d2) => {
        const [early, late] = d1 <= d2 ? [d1, d2] : [d2, d1];
        const a = interestAccrued(accrue(loan(principal), bps, START + early));
        const b = interestAccrued(accrue(loan(principal), bps, START + late));
        expect(a).toBeLessThanOrEqual(b);
      }),
    );
  });

  it('comes to the same total however the days are split into accrual steps', () => {
    fc.assert(
      fc.property(
        principalArb,
        rateArb,
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 20 }),
        (principal, bps, steps) => {
          let b = loan(principal);
          let day = START;
          for (const s of steps) {
            day += s;
            b = accrue(b, bps, day);
          }
          expect(b.accruedUnits).toBe(interestUnits(principal, bps, day - START));
        },
      ),
    );
  });

  it('does nothing for a day already accrued or earlier', () => {
    const b = accrue(loan(100_000n), 2400, START + 10);
    expect(accrue(b, 2400, START + 10)).toBe(b);
    expect(accrue(b, 2400, START + 3)).toBe(b);
  });

  it('charges no interest at a zero rate', () => {
    expect(outstanding(accrue(loan(123_456n), 0, START + 365))).toBe(123_456n);
  });
});

describe('repayments', () => {
  it('pay interest first, then principal', () => {
    const b = accrue(loan(100_000n), 2400, START + 30); // 1972 interest due
    const partial = applyRepayment(b, 1_000n);
    expect(partial).toMatchObject({ interestPart: 1_000n, principalPart: 0n });
    expect(interestDue(partial.balance)).toBe(972n);
    const more = applyRepayment(partial.balance, 50_972n);
    expect(more).toMatchObject({ interestPart: 972n, principalPart: 50_000n });
    expect(more.balance.principalOutstanding).toBe(50_000n);
    expect(outstanding(more.balance)).toBe(50_000n);
  });

  it('split every amount exactly and lower what is owed by exactly that amount', () => {
    fc.assert(
      fc.property(
        principalArb,
        rateArb,
        daysArb,
        fc.bigInt({ min: 1n, max: 1n << 62n }),
        (principal, bps, days, seed) => {
          const b = accrue(loan(principal), bps, START + days);
          const owed = outstanding(b);
          const amount = (seed % owed) + 1n;
          const { interestPart, principalPart, balance } = applyRepayment(b, amount);
          expect(interestPart + principalPart).toBe(amount);
          expect(interestPart).toBeGreaterThanOrEqual(0n);
          expect(principalPart).toBeGreaterThanOrEqual(0n);
          // Principal is touched only once the interest due is paid in full.
          if (principalPart > 0n) expect(interestPart).toBe(interestDue(b));
          expect(outstanding(balance)).toBe(owed - amount);
          expect(interestDue(balance)).toBeGreaterThanOrEqual(0n);
        },
      ),
    );
  });

  it('leave nothing owed, and nothing more accruing, once the whole outstanding is paid', () => {
    fc.assert(
      fc.property(principalArb, rateArb, daysArb, daysArb, (principal, bps, days, later) => {
        const b = accrue(loan(principal), bps, START + days);
        const { balance } = applyRepayment(b, outstanding(b));
        expect(outstanding(balance)).toBe(0n);
        expect(outstanding(accrue(balance, bps, START + days + later))).toBe(0n);
      }),
    );
  });

  it('accrue on the principal left after a repayment', () => {
    // ¥1,000 at 24%: 10 days (657.53 → 657), pay 50,657, then ¥500 for 10 days (328.76 → 328).
    const tenDays = accrue(loan(100_000n), 2400, START + 10);
    expect(interestDue(tenDays)).toBe(657n);
    const { balance } = applyRepayment(tenDays, 50_657n);
    const later = accrue(balance, 2400, START + 20);
    // The sub-fen remainders of both periods add up before rounding: 657.53 + 328.77 = 986.30.
    expect(interestAccrued(later)).toBe(986n);
    expect(interestDue(later)).toBe(329n);
  });

  it('refuse more than is owed, and nothing', () => {
    const b = accrue(loan(1_000n), 2400, START + 1);
    expect(() => applyRepayment(b, outstanding(b) + 1n)).toThrow(RangeError);
    expect(() => applyRepayment(b, 0n)).toThrow(RangeError);
  });
});

describe('calendar days', () => {
  it('parses only real dates', () => {
    expect(parseIsoDate('2026-02-28')).toBe(parseIsoDate('2026-03-01')! - 1);
    expect(parseIsoDate('2026-02-29')).toBeUndefined();
    expect(parseIsoDate('2028-02-29')).toBeDefined();
    expect(parseIsoDate('2026-13-01')).toBeUndefined();
    expect(parseIsoDate('2026-1-01')).toBeUndefined();
    expect(formatIsoDate(parseIsoDate('2026-12-31')!)).toBe('2026-12-31');
  });

  it('counts days on the Shanghai calendar: 16:00 UTC is already the next day there', () => {
    expect(formatIsoDate(calendarDay(new Date('2026-03-01T15:59:59Z'), 'Asia/Shanghai'))).toBe(
      '2026-03-01',
    );
    expect(formatIsoDate(calendarDay(new Date('2026-03-01T16:00:00Z'), 'Asia/Shanghai'))).toBe(
      '2026-03-02',
    );
  });
});
