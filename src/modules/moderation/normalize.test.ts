import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeTerm, normalizeText } from './normalize.ts';

const text = (input: string): string => normalizeText(input).text;
const plain = (input: string): string => normalizeText(input).plain;

describe('normalizeText', () => {
  it('turns traditional characters (standard, Hong Kong and Taiwan forms) into simplified', () => {
    expect(text('賭博網站')).toBe('赌博网站');
    expect(text('澳門線上娛樂')).toBe('澳门线上娱乐');
    expect(text('衞生 綫上')).toBe('卫生线上');
  });

  it('folds full-width letters and digits to ASCII and lower-cases', () => {
    expect(text('ＢＯＣＡＩ ＶＸ')).toBe('bocaivx');
    expect(plain('１３８')).toBe('138');
  });

  it('drops spaces, punctuation, symbols and emoji between characters', () => {
    expect(text('博 彩')).toBe('博彩');
    expect(text('博.彩!网?站')).toBe('博彩网站');
    expect(text('加🔥微🔥信')).toBe('加微信');
    expect(text('加丶微丶信')).toBe('加微信');
  });

  it('drops zero-width and other invisible characters', () => {
    expect(text('s\u200be\u200cx')).toBe('sex');
    expect(text('博\u2060彩\ufeff')).toBe('博彩');
    expect(text('博\u3164彩')).toBe('博彩');
  });

  it('strips combining marks, so accents and strike-through do not hide a word', () => {
    expect(text('café')).toBe('cafe');
    expect(text('p\u0336o\u0336r\u0336n\u0336')).toBe('porn');
  });

  it('maps Cyrillic and Greek look-alikes to Latin', () => {
    expect(text('ѕех')).toBe('sex');
    expect(text('Сasino')).toBe('casino');
    expect(text('ροrn')).toBe('porn');
  });

  it('maps leet digits and symbols inside Latin words, but leaves numbers alone', () => {
    expect(text('p0rn')).toBe('porn');
    expect(text('c4s1n0')).toBe('casino');
    expect(text('c@sino')).toBe('casino');
    expect(text('$ex')).toBe('sex');
    expect(text('13800138000')).toBe('13800138000');
    expect(text('$100')).toBe('100');
    expect(text('博@彩')).toBe('博彩');
  });

  it('folds l, I and 1 together, since fonts draw them alike', () => {
    expect(text('slut')).toBe(text('SIUT'));
    expect(text('s1ut')).toBe(text('slut'));
  });

  it('maps mathematical, circled and emoji letters and digits', () => {
    expect(text('𝐬𝐞𝐱')).toBe('sex');
    expect(text('ⓑⓞⓒⓐⓘ')).toBe('bocai');
    expect(text('🅱🅾')).toBe('bo');
    expect(plain('①③⑧⓪❶➋')).toBe('138012');
    expect(plain('1️⃣3️⃣8️⃣')).toBe('138');
  });

  it('reads plus signs as 加 (+V, ➕微 mean "add me on WeChat")', () => {
    expect(text('+V')).toBe('加v');
    expect(text('➕微')).toBe('加微');
  });

  it('spells Chinese numerals as digits in the plain view only', () => {
    const norm = normalizeText('电话一三八零零壹叁捌');
    expect(norm.plain).toBe('电话13800138');
    expect(norm.text).toBe('电话一三八零零壹叁捌');
  });

  it('maps every normalised character back to its span in the original', () => {
    const input = '加 ｖ：abc 😀 博彩';
    const norm = normalizeText(input);
    const at = norm.text.indexOf('博彩');
    expect(input.slice(norm.start[at], norm.end[at + 1])).toBe('博彩');
    const v = norm.text.indexOf('v');
    expect(input.slice(norm.start[v], norm.end[v])).toBe('ｖ');
  });

  it('marks word boundaries where a separator was removed or the script changes', () => {
    const norm = normalizeText('sex 博彩abc_123');
    // s e x | 博 彩 | a b c 1 2 3 (the underscore joins an id, it does not split it)
    expect(Array.from(norm.boundary)).toEqual([1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1]);
  });

  it('keeps offsets in bounds and in order for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (input) => {
        const norm = normalizeText(input);
        expect(norm.plain.length).toBe(norm.text.length);
        expect(norm.boundary.length).toBe(norm.text.length + 1);
        for (let i = 0; i < norm.text.length; i++) {
          expect(norm.start[i]).toBeGreaterThanOrEqual(i === 0 ? 0 : norm.start[i - 1]!);
          expect(norm.end[i]).toBeGreaterThan(norm.start[i]!);
          expect(norm.end[i]).toBeLessThanOrEqual(input.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent on the matching skeleton', () => {
    const pieces = fc.constantFrom(
      '博',
      '彩',
      '賭',
      'a',
      'B',
      'l',
      '0',
      '1',
      '3',
      ' ',
      '.',
      '@',
      '$',
      'ｖ',
      'х',
      '①',
      '🔥',
      '\u200b',
      '贝',
      '者',
      '女',
      '昌',
      '代',
      '⼥',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 20 }), (parts) => {
        const once = text(parts.join(''));
        expect(text(once)).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('folds split characters (贝者 → 赌), even with a separator between the halves', () => {
    expect(text('贝者场')).toBe('赌场');
    expect(text('贝 者场')).toBe('赌场');
    expect(text('十尃彩 衤果聊 ネ果聊 纟勺炮 亻言')).toBe('博彩裸聊裸聊约炮信');
    const norm = normalizeText('看贝者场');
    // The folded unit spans both halves in the original.
    expect([norm.start[1], norm.end[1]]).toEqual([1, 3]);
  });

  it('leaves pairs that are words alone (女票 is a girlfriend, 女子 women)', () => {
    expect(text('我女票')).toBe('我女票');
    expect(text('女子篮球')).toBe('女子篮球');
  });

  it('reads Kangxi radicals and variant characters as the characters they stand for', () => {
    expect(text('⼥昌')).toBe('娼');
    expect(text('彂票岀售')).toBe('发票出售');
  });

  it('normalises a term the same way as a text', () => {
    expect(normalizeTerm('Online Casino')).toBe(text('0nline c4sino'));
  });
});
