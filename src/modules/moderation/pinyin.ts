/**
 * Pinyin matching: catches homophone tricks (博彩 written 搏採, 菠菜 or "bocai") by matching
 * the pinyin of the text against the pinyin of pinyin-eligible terms, syllable by syllable.
 *
 * Speed: pinyin-pro's contextual conversion costs about 2 µs per character, too slow to run
 * on every write. So the text is first scanned as a lattice of every reading of each Han
 * character (memoised per character) with an Aho–Corasick automaton over syllable ids; the
 * rare candidate this finds is then confirmed with pinyin-pro's contextual reading of the
 * surrounding words, which rejects polyphone accidents such as 落了 (luò le, not "luoliao").
 */
import { pinyin } from 'pinyin-pro';
import type { AhoCorasick } from './matcher.ts';
import { isDigitUnit, isHanUnit, isLatinUnit, type NormalizedText } from './normalize.ts';

/** Toneless Hanyu Pinyin syllables (ü written v), as produced by pinyin-pro. */
const SYLLABLES = (
  'a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang ' +
  'cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan ' +
  'chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di dia ' +
  'dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo ' +
  'fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han ' +
  'hang hao he hei hen heng hng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao ' +
  'jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai ' +
  'kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo ' +
  'long lou lu luan lun luo lv lve m ma mai man mang mao me mei men meng mi mian miao mie min ming ' +
  'miu mo mou mu n na nai nan nang nao ne nei nen neng ng ni nian niang niao nie nin ning niu nong ' +
  'nou nu nuan nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu ' +
  'qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong ' +
  'rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei ' +
  'shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta ' +
  'tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang ' +
  'wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ' +
  'ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan ' +
  'zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong ' +
  'zou zu zuan zui zun zuo'
).split(' ');

const SYLLABLE_ID = new Map<string, number>(SYLLABLES.map((s, i) => [s, i]));
// Typed pinyin uses "ue" for ü after l/n as often as "ve".
SYLLABLE_ID.set('lue', SYLLABLE_ID.get('lve')!);
SYLLABLE_ID.set('nue', SYLLABLE_ID.get('nve')!);

/**
 * Syllables a Latin word may be split into. Interjections (m, n, ng, hng) are left out: they
 * would let ordinary English words pass as pinyin.
 */
const SPELLABLE = new Set(
  [...SYLLABLE_ID.keys()].filter((s) => !['m', 'n', 'ng', 'hng'].includes(s)),
);
const LONGEST_SYLLABLE = 6;

const TONELESS = { toneType: 'none', type: 'array', v: true } as const;

/** The syllable ids of a term, read in context (pinyin-pro), or null if some character has no pinyin. */
export function syllablesOfTerm(term: string): number[] | null {
  const readings = pinyin(term, TONELESS);
  if (readings.length !== term.length) return null;
  const ids: number[] = [];
  for (const reading of readings) {
    const id = SYLLABLE_ID.get(reading);
    if (id === undefined) return null;
    ids.push(id);
  }
  return ids;
}

const NO_READINGS = new Int32Array(0);
const readingsMemo = new Map<number, Int32Array>();

/** Every toneless reading of one Han character, memoised (a text uses a few thousand at most). */
function readingsOf(code: number): Int32Array {
  let ids = readingsMemo.get(code);
  if (ids === undefined) {
    const found = new Set<number>();
    for (const reading of pinyin(String.fromCharCode(code), { ...TONELESS, multiple: true })) {
      const id = SYLLABLE_ID.get(reading);
      if (id !== undefined) found.add(id);
    }
    ids = found.size === 0 ? NO_READINGS : Int32Array.from(found);
    readingsMemo.set(code, ids);
  }
  return ids;
}

/**
 * Splits a Latin word into pinyin syllables, fewest syllables first ("bocai" → bo·cai,
 * "xian" → xian). Returns the syllable lengths, or null when the word is not all pinyin,
 * which is how English words stay out of pinyin matching.
 */
export function splitPinyinWord(word: string): number[] | null {
  const known = splitMemo.get(word);
  if (known !== undefined) return known;
  const lengths = splitUncached(word);
  // Words repeat (names, English words): remember a bounded number of them.
  if (splitMemo.size >= SPLIT_MEMO_LIMIT) splitMemo.clear();
  splitMemo.set(word, lengths);
  return lengths;
}

const SPLIT_MEMO_LIMIT = 50_000;
const splitMemo = new Map<string, number[] | null>();

function splitUncached(word: string): number[] | null {
  const n = word.length;
  const best = new Int32Array(n + 1).fill(-1);
  const step = new Int32Array(n + 1);
  best[0] = 0;
  for (let i = 0; i < n; i++) {
    if (best[i]! < 0) continue;
    for (let len = 1; len <= LONGEST_SYLLABLE && i + len <= n; len++) {
      if (!SPELLABLE.has(word.slice(i, i + len))) continue;
      const count = best[i]! + 1;
      if (best[i + len]! < 0 || count < best[i + len]!) {
        best[i + len] = count;
        step[i + len] = len;
      }
    }
  }
  if (best[n]! < 0) return null;
  const lengths: number[] = [];
  for (let i = n; i > 0; i -= step[i]!) lengths.push(step[i]!);
  return lengths.reverse();
}

/** Leet digits inside a Latin word spelled in pinyin ("b0cai"). */
const LEET_IN_WORD: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
};

/**
 * Receives the lattice slots in order: one per Han character, one per syllable of a Latin
 * word that is entirely pinyin. `start` is -1 for anything else, which breaks a match.
 * `spelled` is true when the reading is certain (a typed Latin syllable); Han readings are
 * confirmed in context later.
 */
type OnSlot = (start: number, end: number, readings: ArrayLike<number>, spelled: boolean) => void;

const BREAK: ArrayLike<number> = [];

const RELEVANCE_UNKNOWN = 0;
const RELEVANT = 1;
const IRRELEVANT = 2;

/** Per set of patterns: which syllables they use, and (filled lazily) which Han characters can say one. */
const relevanceOf = new WeakMap<PinyinPatterns, { used: Uint8Array; hanUsed: Uint8Array }>();

function relevance(patterns: PinyinPatterns): { used: Uint8Array; hanUsed: Uint8Array } {
  let known = relevanceOf.get(patterns);
  if (known === undefined) {
    const used = new Uint8Array(SYLLABLES.length);
    for (const sequence of patterns.syllables) for (const id of sequence) used[id] = 1;
    known = { used, hanUsed: new Uint8Array(0x10000) };
    relevanceOf.set(patterns, known);
  }
  return known;
}

function forEachSlot(
  norm: NormalizedText,
  hanUsed: Uint8Array,
  used: Uint8Array,
  onSlot: OnSlot,
): void {
  const { text, plain, boundary } = norm;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (isHanUnit(code)) {
      // Most characters have no reading that any pattern uses: they only break a match, and
      // knowing so (once per character) spares the reading lookup and the automaton steps.
      let relevance = hanUsed[code]!;
      if (relevance === RELEVANCE_UNKNOWN) {
        relevance = readingsOf(code).some((id) => used[id] === 1) ? RELEVANT : IRRELEVANT;
        hanUsed[code] = relevance;
      }
      if (relevance === IRRELEVANT) {
        onSlot(-1, -1, BREAK, false);
        i++;
        continue;
      }
      const readings = readingsOf(code);
      if (readings.length > 0) onSlot(i, i + 1, readings, false);
      else onSlot(-1, -1, BREAK, false);
      i++;
      continue;
    }
    const pcode = plain.charCodeAt(i);
    if (!isLatinUnit(pcode) && !isDigitUnit(pcode) && pcode !== 0x40) {
      onSlot(-1, -1, BREAK, false);
      i++;
      continue;
    }
    // A Latin word: up to the next boundary (spaces, punctuation, a switch to Han).
    let wordEnd = i + 1;
    while (wordEnd < n && boundary[wordEnd] === 0) wordEnd++;
    let word = '';
    let letters = 0;
    for (let k = i; k < wordEnd; k++) {
      const ch = plain[k]!;
      const mapped = isLatinUnit(ch.charCodeAt(0)) ? ch : LEET_IN_WORD[ch];
      if (mapped === undefined) break;
      if (mapped === ch) letters++;
      word += mapped;
    }
    const lengths = letters > 0 && word.length === wordEnd - i ? splitPinyinWord(word) : null;
    if (lengths === null) {
      onSlot(-1, -1, BREAK, false);
    } else {
      let at = i;
      for (const len of lengths) {
        onSlot(at, at + len, [SYLLABLE_ID.get(word.slice(at - i, at - i + len))!], true);
        at += len;
      }
    }
    i = wordEnd;
  }
}

/** Bounds the lattice's set of live automaton states; long runs of polyphones are rare. */
const MAX_LIVE_STATES = 64;
/** Han characters of context on each side handed to pinyin-pro when confirming a candidate. */
const CONFIRM_CONTEXT = 6;

export interface PinyinPatterns {
  automaton: AhoCorasick;
  /** Syllable ids of each pattern, for confirmation. */
  syllables: readonly (readonly number[])[];
  /** The Han spelling of each pattern: a span spelled so is a literal hit, reported elsewhere. */
  spellings: readonly string[];
  /** The longest pattern, in syllables: how many recent slots must be remembered. */
  longest: number;
}

/** The most recent lattice slots, enough to recover the span of the longest pattern. */
class SlotWindow {
  start = new Int32Array(16);
  end = new Int32Array(16);
  spelled = new Uint8Array(16);
  capacity = 16;
  count = 0;

  reset(capacity: number): void {
    if (capacity > this.start.length) {
      this.start = new Int32Array(capacity);
      this.end = new Int32Array(capacity);
      this.spelled = new Uint8Array(capacity);
    }
    this.capacity = capacity;
    this.count = 0;
  }

  push(start: number, end: number, spelled: boolean): void {
    const k = this.count++ % this.capacity;
    this.start[k] = start;
    this.end[k] = end;
    this.spelled[k] = spelled ? 1 : 0;
  }

  /** Index into the arrays of the slot `back` positions before the newest (0 = newest). */
  at(back: number): number {
    return (this.count - 1 - back) % this.capacity;
  }
}

/** Scratch state reused across calls (matching is synchronous and never re-entered). */
const slots = new SlotWindow();
let live = new Int32Array(MAX_LIVE_STATES);
let nextLive = new Int32Array(MAX_LIVE_STATES);
const candidates: number[] = []; // pairs: patternId, length

/**
 * Reports each occurrence of a pinyin pattern in the text, aligned to whole syllables,
 * as a normalised span. Spans whose Han characters, read in context, do not say the
 * pattern's syllables are dropped.
 */
export function forEachPinyinMatch(
  norm: NormalizedText,
  patterns: PinyinPatterns,
  onMatch: (patternId: number, start: number, end: number) => void,
  /** Spans the caller would drop anyway (inside an allow-listed 菠菜): not worth confirming. */
  skip?: (start: number, end: number) => boolean,
): void {
  const { automaton } = patterns;
  slots.reset(Math.max(1, patterns.longest));
  let liveCount = 1;
  live[0] = 0;
  candidates.length = 0;

  const { used, hanUsed } = relevance(patterns);
  forEachSlot(norm, hanUsed, used, (start, end, readings, spelled) => {
    if (start < 0) {
      liveCount = 1;
      live[0] = 0;
      return;
    }
    slots.push(start, end, spelled);
    let count = 0;
    for (let s = 0; s < liveCount; s++) {
      for (let r = 0; r < readings.length; r++) {
        const target = automaton.next(live[s]!, readings[r]!);
        let seen = false;
        for (let k = 0; k < count && !seen; k++) seen = nextLive[k] === target;
        if (!seen && count < MAX_LIVE_STATES) nextLive[count++] = target;
      }
    }
    const swap = live;
    live = nextLive;
    nextLive = swap;
    liveCount = count;
    for (let s = 0; s < liveCount; s++) {
      automaton.forEachOutput(live[s]!, (patternId, length) => candidates.push(patternId, length));
    }
    for (let c = 0; c < candidates.length; c += 2) {
      const patternId = candidates[c]!;
      const length = candidates[c + 1]!;
      const matchStart = slots.start[slots.at(length - 1)]!;
      if (
        norm.text.startsWith(patterns.spellings[patternId]!, matchStart) &&
        end - matchStart === length
      )
        continue;
      if (skip?.(matchStart, end)) continue;
      if (confirmReading(norm.text, slots, length, patterns.syllables[patternId]!)) {
        onMatch(patternId, matchStart, end);
      }
    }
    candidates.length = 0;
  });
}

/** Whether the Han characters among the newest `length` slots, read in context, say `expected`. */
function confirmReading(
  text: string,
  slots: SlotWindow,
  length: number,
  expected: readonly number[],
): boolean {
  // The run of Han characters around the candidate, so pinyin-pro sees the words it sits in.
  let from = slots.start[slots.at(length - 1)]!;
  let to = slots.end[slots.at(0)]!;
  for (let k = 0; k < CONFIRM_CONTEXT && from > 0 && isHanUnit(text.charCodeAt(from - 1)); k++)
    from--;
  for (let k = 0; k < CONFIRM_CONTEXT && to < text.length && isHanUnit(text.charCodeAt(to)); k++)
    to++;
  let context: string[] | undefined;
  for (let back = length - 1; back >= 0; back--) {
    const slot = slots.at(back);
    if (slots.spelled[slot] === 1) continue;
    context ??= pinyin(hanOnly(text, from, to), TONELESS);
    const reading = context[hanIndex(text, from, slots.start[slot]!)];
    if (reading === undefined || SYLLABLE_ID.get(reading) !== expected[length - 1 - back])
      return false;
  }
  return true;
}

/** The Han characters of text[from, to), everything else dropped, so indices line up with pinyin-pro's output. */
function hanOnly(text: string, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) if (isHanUnit(text.charCodeAt(i))) out += text[i];
  return out;
}

function hanIndex(text: string, from: number, at: number): number {
  let index = 0;
  for (let i = from; i < at; i++) if (isHanUnit(text.charCodeAt(i))) index++;
  return index;
}
