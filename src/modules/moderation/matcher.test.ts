import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick, type PatternMatch } from './matcher.ts';

/** Every occurrence of every pattern, overlapping ones included, the obvious way. */
function naiveMatches(patterns: readonly string[], text: string): PatternMatch[] {
  const found: PatternMatch[] = [];
  patterns.forEach((pattern, patternId) => {
    for (let at = text.indexOf(pattern); at >= 0; at = text.indexOf(pattern, at + 1)) {
      found.push({ patternId, start: at, end: at + pattern.length });
    }
  });
  return found;
}

const byPosition = (a: PatternMatch, b: PatternMatch): number =>
  a.start - b.start || a.end - b.end || a.patternId - b.patternId;

const sorted = (matches: PatternMatch[]): PatternMatch[] => [...matches].sort(byPosition);

/** A small alphabet makes overlaps and shared prefixes/suffixes frequent; 𠮷 is a surrogate pair. */
const symbol = fc.constantFrom('a', 'b', 'c', '博', '彩', '𠮷');
const word = (maxLength: number) =>
  fc.array(symbol, { minLength: 1, maxLength }).map((parts) => parts.join(''));

describe('AhoCorasick', () => {
  it('finds the same matches as a naive indexOf matcher', () => {
    fc.assert(
      fc.property(
        fc.array(word(5), { minLength: 1, maxLength: 12 }),
        word(60),
        (patterns, text) => {
          const automaton = AhoCorasick.fromStrings(patterns);
          expect(sorted(automaton.findAll(text))).toEqual(sorted(naiveMatches(patterns, text)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports overlapping and nested occurrences (he, she, his, hers)', () => {
    const automaton = AhoCorasick.fromStrings(['he', 'she', 'his', 'hers']);
    expect(sorted(automaton.findAll('ushers'))).toEqual([
      { patternId: 1, start: 1, end: 4 },
      { patternId: 0, start: 2, end: 4 },
      { patternId: 3, start: 2, end: 6 },
    ]);
  });

  it('reports each of two identical patterns', () => {
    const automaton = AhoCorasick.fromStrings(['博彩', '博彩']);
    expect(automaton.findAll('博彩').map((m) => m.patternId)).toEqual([0, 1]);
  });

  it('rejects an empty pattern, which would match everywhere', () => {
    expect(() => AhoCorasick.fromStrings(['ok', ''])).toThrow(RangeError);
  });

  it('matches symbol sequences one step at a time, as the pinyin lattice does', () => {
    const automaton = AhoCorasick.fromSequences([
      [7, 8],
      [8, 9, 10],
    ]);
    let state = 0;
    const ended: number[] = [];
    for (const symbol of [1, 7, 8, 9, 10]) {
      state = automaton.next(state, symbol);
      automaton.forEachOutput(state, (patternId) => ended.push(patternId));
    }
    expect(ended).toEqual([0, 1]);
  });

  // Speed is measured by bench/moderation.ts, not asserted here.
  it('finds every occurrence in a megabyte of text', () => {
    const terms = Array.from({ length: 500 }, (_, i) => `term${i}x`);
    const automaton = AhoCorasick.fromStrings(terms);
    const text = 'ordinary words and term42x and 博彩 mixed in. '.repeat(24_000); // ~1 MB as UTF-8
    const found = automaton.findAll(text);
    expect(found.length).toBe(24_000);
  });
});
