import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FX_RATES, limitValue } from '../../platform/money.ts';
import { allowanceAdjustment, periodKey } from './daily-allowance.ts';

describe('limitValue', () => {
  it('counts CNY as itself and other currencies at their rate, rounded up', () => {
    expect(limitValue(DEFAULT_FX_RATES, 'CNY', 12_345n)).toBe(12_345n);
    // USD 1.00 at 7.5 = ¥7.50.
    expect(limitValue(DEFAULT_FX_RATES, 'USD', 100n)).toBe(750n);
    expect(limitValue(DEFAULT_FX_RATES, 'USD', 1n)).toBe(8n);
    // JPY has no minor unit: ¥1 (JPY) at 0.06 = 6 fen.
    expect(limitValue(DEFAULT_FX_RATES, 'JPY', 100n)).toBe(600n);
    expect(limitValue({ ...DEFAULT_FX_RATES, JPY: 1n }, 'JPY', 1n)).toBe(1n);
    expect(limitValue({ ...DEFAULT_FX_RATES, EUR: 7_900_001n }, 'EUR', 1_000_000n)).toBe(
      7_900_001n,
    );
  });

  it('never rounds down and never exceeds 2^62', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('CNY', 'USD', 'EUR', 'HKD', 'JPY'),
        fc.bigInt({ min: 1n, max: 2n ** 53n }),
        fc.bigInt({ min: 1n, max: 10_000_000_000n }),
        (currency, amount, rate) => {
          const rates = { ...DEFAULT_FX_RATES, [currency]: rate };
          const value = limitValue(rates, currency, amount);
          const exponent = currency === 'JPY' ? 1n : 100n;
          const exact = amount * rate * 100n;
          const scale = exponent * 1_000_000n;
          expect(value).toBeLessThanOrEqual(2n ** 62n);
          if (value < 2n ** 62n) {
            expect(value * scale).toBeGreaterThanOrEqual(exact);
            expect((value - 1n) * scale).toBeLessThan(exact);
          }
        },
      ),
    );
    expect(limitValue({ ...DEFAULT_FX_RATES, USD: 10n ** 12n }, 'USD', 2n ** 53n)).toBe(2n ** 62n);
  });

  it('refuses a currency without a rate', () => {
    expect(() => limitValue({ CNY: 1_000_000n }, 'USD', 1n)).toThrow(RangeError);
    expect(() => limitValue(DEFAULT_FX_RATES, 'XXX', 1n)).toThrow(RangeError);
  });
});

describe('allowanceAdjustment', () => {
  it('brings what is left to max(0, newLimit − used)', () => {
    expect(allowanceAdjustment(30n, 70n, 150n)).toBe(50n);
    expect(allowanceAdjustment(30n, 70n, 50n)).toBe(-50n);
    expect(allowanceAdjustment(30n, 70n, 30n)).toBe(-70n);
    expect(allowanceAdjustment(30n, 70n, 10n)).toBe(-70n);
    expect(allowanceAdjustment(30n, 70n, 100n)).toBe(0n);
    expect(allowanceAdjustment(0n, 0n, 1n)).toBe(1n);
  });
});

describe('periodKey', () => {
  it('names the day and month in the given time zone', () => {
    const at = new Date('2026-12-31T16:30:00Z');
    expect(periodKey(at, 'Asia/Shanghai', 'day')).toBe('20270101');
    expect(periodKey(at, 'UTC', 'day')).toBe('20261231');
    expect(periodKey(at, 'Asia/Shanghai', 'month')).toBe('202701');
    expect(periodKey(at, 'UTC', 'month')).toBe('202612');
  });
});
