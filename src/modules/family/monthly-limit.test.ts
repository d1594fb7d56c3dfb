import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.ts';
import { allowanceAdjustment, periodKey } from '../wallet/index.ts';

describe('the calendar month of a family limit', () => {
  it('follows the configured time zone', () => {
    // 16:30 UTC on 31 January is already February in Shanghai, still January in New York.
    const at = new Date('2027-01-31T16:30:00Z');
    expect(periodKey(at, 'Asia/Shanghai', 'month')).toBe('202702');
    expect(periodKey(at, 'UTC', 'month')).toBe('202701');
    expect(periodKey(at, 'America/New_York', 'month')).toBe('202701');
    expect(periodKey(at, 'Asia/Shanghai', 'day')).toBe('20270201');
    expect(periodKey(new Date('2026-12-31T16:00:00Z'), 'Asia/Shanghai', 'month')).toBe('202701');
  });

  it('is Asia/Shanghai by default, and configurable', () => {
    const base = { HEBAO_SECRET: 'x'.repeat(32), HEBAO_DATA_DIR: '/tmp/hebao-config-test' };
    expect(loadConfig(base).family).toEqual({
      maxMonthlyLimit: 2_000_000,
      timeZone: 'Asia/Shanghai',
    });
    const custom = loadConfig({
      ...base,
      HEBAO_FAMILY_TIME_ZONE: 'Europe/Berlin',
      HEBAO_FAMILY_MAX_MONTHLY_LIMIT: '5000',
    }).family;
    expect(custom).toEqual({ maxMonthlyLimit: 5_000, timeZone: 'Europe/Berlin' });
    expect(() => loadConfig({ ...base, HEBAO_FAMILY_TIME_ZONE: 'Mars/Olympus' })).toThrow(
      ConfigError,
    );
  });
});

describe('changing a limit in the middle of its month', () => {
  const amounts = fc.bigInt({ min: 0n, max: 10n ** 12n });

  it('leaves what the new limit allows after what was spent, never less than nothing', () => {
    fc.assert(
      fc.property(
        amounts,
        amounts,
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (used, left, limit) => {
          const remaining = left + allowanceAdjustment(used, left, limit);
          expect(remaining).toBeGreaterThanOrEqual(0n);
          expect(remaining).toBe(limit > used ? limit - used : 0n);
          // Spent plus what is left is the new limit, unless more than it was spent already.
          expect(used + remaining).toBe(remaining === 0n ? used : limit);
        },
      ),
    );
  });

  it('takes back no more than is left, and changes nothing for the same limit', () => {
    fc.assert(
      fc.property(amounts, amounts, (used, left) => {
        const limit = used + left;
        expect(allowanceAdjustment(used, left, limit)).toBe(0n);
        expect(-allowanceAdjustment(used, left, 1n)).toBeLessThanOrEqual(left);
      }),
    );
  });
});
