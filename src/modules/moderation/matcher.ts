/**
 * A hand-written Aho–Corasick automaton over integer symbols.
 *
 * Strings are matched by UTF-16 code unit (a term and a text normalised the same way agree
 * unit by unit, surrogate pairs included); pinyin is matched by syllable id. Both use one
 * structure so the hot loop is written once.
 */

/** Symbols are below this bound: every UTF-16 code unit, and every pinyin syllable id. */
const ALPHABET = 0x10000;

export interface PatternMatch {
  /** Index of the pattern in the list the automaton was built from. */
  patternId: number;
  /** Offset of the first symbol of the occurrence. */
  start: number;
  /** Offset just past the last symbol (exclusive). */
  end: number;
}

export type OnPatternMatch = (patternId: number, start: number, end: number) => void;

export class AhoCorasick {
  /** Number of patterns the automaton was built from (ids are 0..patternCount-1). */
  readonly patternCount: number;
  /** Transitions out of the root, dense: the root is where almost every symbol of ordinary text lands. */
  private readonly rootNext: Int32Array;
  /** Other transitions, keyed by `state * ALPHABET + symbol`. */
  private readonly edges: Map<number, number>;
  private readonly fail: Int32Array;
  /** Outputs of state s (own patterns and those inherited through failure links): outputs[outStart[s]..outStart[s+1]). */
  private readonly outStart: Int32Array;
  private readonly outputs: Int32Array;
  private readonly patternLength: Int32Array;

  private constructor(patterns: readonly ArrayLike<number>[]) {
    this.patternCount = patterns.length;
    this.patternLength = new Int32Array(patterns.length);
    const edges = new Map<number, number>();
    const own: number[][] = [[]];
    let stateCount = 1;

    patterns.forEach((pattern, id) => {
      if (pattern.length === 0) throw new RangeError(`pattern ${id} is empty`);
      this.patternLength[id] = pattern.length;
      let state = 0;
      for (let i = 0; i < pattern.length; i++) {
        const symbol = pattern[i]!;
        if (!(symbol >= 0 && symbol < ALPHABET))
          throw new RangeError(`symbol ${symbol} out of range`);
        const key = state * ALPHABET + symbol;
        let next = edges.get(key);
        if (next === undefined) {
          next = stateCount++;
          edges.set(key, next);
          own.push([]);
        }
        state = next;
      }
      own[state]!.push(id);
    });

    // Children per state, so the breadth-first pass below visits each edge once.
    const children: number[][] = Array.from({ length: stateCount }, () => []);
    for (const [key, child] of edges) {
      const parent = Math.floor(key / ALPHABET);
      children[parent]!.push(key - parent * ALPHABET, child);
    }

    const rootNext = new Int32Array(ALPHABET);
    const fail = new Int32Array(stateCount);
    const rootChildren = children[0]!;
    for (let i = 0; i < rootChildren.length; i += 2)
      rootNext[rootChildren[i]!] = rootChildren[i + 1]!;
    this.rootNext = rootNext;
    this.edges = edges;
    this.fail = fail;

    // Breadth-first: a state's failure target is shallower, so it is final when we need it.
    const order: number[] = [0];
    for (let head = 0; head < order.length; head++) {
      const parent = order[head]!;
      const list = children[parent]!;
      for (let i = 0; i < list.length; i += 2) {
        const symbol = list[i]!;
        const child = list[i + 1]!;
        fail[child] = parent === 0 ? 0 : this.next(fail[parent]!, symbol);
        order.push(child);
      }
    }

    const merged: number[][] = new Array(stateCount);
    for (const state of order) {
      const inherited = state === 0 ? [] : merged[fail[state]!]!;
      merged[state] = inherited.length === 0 ? own[state]! : own[state]!.concat(inherited);
    }
    this.outStart = new Int32Array(stateCount + 1);
    let total = 0;
    for (let s = 0; s < stateCount; s++) {
      this.outStart[s] = total;
      total += merged[s]!.length;
    }
    this.outStart[stateCount] = total;
    this.outputs = new Int32Array(total);
    for (let s = 0; s < stateCount; s++) this.outputs.set(merged[s]!, this.outStart[s]!);
  }

  /** Builds an automaton whose symbols are the UTF-16 code units of each pattern. */
  static fromStrings(patterns: readonly string[]): AhoCorasick {
    return new AhoCorasick(
      patterns.map((p) => {
        const units = new Uint16Array(p.length);
        for (let i = 0; i < p.length; i++) units[i] = p.charCodeAt(i);
        return units;
      }),
    );
  }

  /** Builds an automaton over arbitrary symbol sequences (each symbol in 0..65535). */
  static fromSequences(patterns: readonly ArrayLike<number>[]): AhoCorasick {
    return new AhoCorasick(patterns);
  }

  /** The state reached from `state` on `symbol` (following failure links as needed). */
  next(state: number, symbol: number): number {
    let s = state;
    for (;;) {
      if (s === 0) return this.rootNext[symbol] ?? 0;
      const target = this.edges.get(s * ALPHABET + symbol);
      if (target !== undefined) return target;
      s = this.fail[s]!;
    }
  }

  /** Calls `onOutput(patternId, patternLength)` for each pattern that ends in `state`. */
  forEachOutput(state: number, onOutput: (patternId: number, length: number) => void): void {
    const stop = this.outStart[state + 1]!;
    for (let k = this.outStart[state]!; k < stop; k++) {
      const id = this.outputs[k]!;
      onOutput(id, this.patternLength[id]!);
    }
  }

  /** Reports every occurrence (overlapping ones included) of every pattern in one pass over `text`. */
  forEachMatch(text: string, onMatch: OnPatternMatch): void {
    const { rootNext, edges, fail, outStart, outputs, patternLength } = this;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const symbol = text.charCodeAt(i);
      // Inlined `next`: this loop runs once per character of every write.
      for (;;) {
        if (state === 0) {
          state = rootNext[symbol]!;
          break;
        }
        const target = edges.get(state * ALPHABET + symbol);
        if (target !== undefined) {
          state = target;
          break;
        }
        state = fail[state]!;
      }
      const stop = outStart[state + 1]!;
      for (let k = outStart[state]!; k < stop; k++) {
        const id = outputs[k]!;
        onMatch(id, i + 1 - patternLength[id]!, i + 1);
      }
    }
  }

  findAll(text: string): PatternMatch[] {
    const found: PatternMatch[] = [];
    this.forEachMatch(text, (patternId, start, end) => found.push({ patternId, start, end }));
    return found;
  }
}
