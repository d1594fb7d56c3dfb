import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  BANDS,
  DIMENSIONS,
  IOU_LIMIT_BY_BAND,
  REASON_CATALOGUE,
} from '../../src/modules/credit/model.ts';
import en from '../../web/src/i18n/en.json' with { type: 'json' };
import zh from '../../web/src/i18n/zh-CN.json' with { type: 'json' };

describe('the credit page speaks every code the server sends', () => {
  for (const [lang, words] of [
    ['zh-CN', zh.credit],
    ['en', en.credit],
  ] as const) {
    it(`${lang}: every reason with its tip, every band, every dimension`, () => {
      for (const code of Object.keys(REASON_CATALOGUE)) {
        const said = (words.reason as Record<string, { text?: string; tip?: string }>)[code];
        expect(said?.text, code).toBeTruthy();
        expect(said?.tip, code).toBeTruthy();
      }
      for (const { band } of BANDS) expect(words.band[band], band).toBeTruthy();
      for (const d of DIMENSIONS) expect(words.dimension[d], d).toBeTruthy();
    });
  }

  it('the English words are the server’s own', () => {
    for (const [code, { text, tip }] of Object.entries(REASON_CATALOGUE)) {
      expect(en.credit.reason[code as keyof typeof en.credit.reason]).toEqual({ text, tip });
    }
  });
});

describe('HEBAO_IOU_CREDIT_LIMITS', () => {
  const base = {
    HEBAO_SECRET: 'test-secret-test-secret-test-secret-0123',
    DATABASE_URL: 'postgres://x/y',
  };
  it('defaults to the documented limits, can be turned off or changed per band', () => {
    expect(loadConfig(base).ious.creditLimits).toEqual(IOU_LIMIT_BY_BAND);
    expect(loadConfig({ ...base, HEBAO_IOU_CREDIT_LIMITS: 'off' }).ious.creditLimits).toBe('off');
    expect(
      loadConfig({ ...base, HEBAO_IOU_CREDIT_LIMITS: 'poor=10000, fair=100000' }).ious.creditLimits,
    ).toEqual({ ...IOU_LIMIT_BY_BAND, poor: 10_000, fair: 100_000 });
  });

  it('refuses unknown bands, junk and a higher band with less', () => {
    for (const bad of ['awful=1', 'poor=ten', 'poor', 'fair=6000000']) {
      expect(() => loadConfig({ ...base, HEBAO_IOU_CREDIT_LIMITS: bad }), bad).toThrow(
        /HEBAO_IOU_CREDIT_LIMITS/,
      );
    }
  });
});
