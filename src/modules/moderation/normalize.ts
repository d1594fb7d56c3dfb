/**
 * Normalisation for matching: folds away the tricks people use to slip a word past a filter
 * (traditional characters, full-width forms, inserted spaces/symbols/emoji/zero-width
 * characters, look-alike letters and digits) while remembering where each normalised
 * character came from, so matches can be reported against the original text.
 */
import { Converter } from 'opencc-js';

export interface NormalizedText {
  /**
   * The matching skeleton: simplified Chinese, lower-case Latin, separators removed,
   * look-alikes folded (i/l/1 → `i`, leet digits inside Latin words → letters).
   * Terms are normalised with the same function, so they meet the text in this form.
   */
  readonly text: string;
  /**
   * Same positions as `text`, without the look-alike folding: Latin letters as written
   * (lower-cased), digits as digits, Chinese numerals (一二三, 壹贰叁) as digits, and `@`/`$`
   * kept. Contact detection and pinyin spelling read this view.
   */
  readonly plain: string;
  /** `start[i]`/`end[i]`: the original UTF-16 span that produced normalised unit `i`. */
  readonly start: Int32Array;
  readonly end: Int32Array;
  /**
   * `boundary[i]` (0 ≤ i ≤ length) is 1 when a word boundary lies just before unit `i`:
   * the edges of the text, a removed separator, or a change of script (Latin/digits vs Han).
   */
  readonly boundary: Uint8Array;
}

/** Word classes: a boundary is implied wherever the class changes. */
const CLASS_ALNUM = 1;
const CLASS_HAN = 2;
const CLASS_OTHER = 3;

type ConvertText = (text: string) => string;

let simplifyConverter: ConvertText | undefined;
/** Simplified form of each BMP code point, filled on first sight (-1 = not yet asked). */
let simplifiedBmp: Int32Array | undefined;
const simplifiedAstral = new Map<number, number>();

/**
 * Traditional (Hong Kong, Taiwan and standard variants) → simplified, one code point at a
 * time through a memo. Converting whole strings lets OpenCC use phrase context (乾隆 vs
 * 乾淨), but costs a trie walk per character on every write; terms and texts go through
 * this same function, so they still meet.
 */
function toSimplified(cp: number): number {
  if (cp < 0x2e80) return cp; // nothing below the CJK blocks changes
  if (cp < 0x10000) {
    simplifiedBmp ??= new Int32Array(0x10000).fill(-1);
    let simplified = simplifiedBmp[cp]!;
    if (simplified < 0) {
      simplified = convertOne(cp);
      simplifiedBmp[cp] = simplified;
    }
    return simplified;
  }
  let simplified = simplifiedAstral.get(cp);
  if (simplified === undefined) {
    simplified = convertOne(cp);
    simplifiedAstral.set(cp, simplified);
  }
  return simplified;
}

function convertOne(cp: number): number {
  if (simplifyConverter === undefined) {
    // Annotated: opencc-js's bundled declarations import './core' without an extension,
    // which NodeNext cannot resolve, so the call would otherwise be typed `any`.
    const created: ConvertText = Converter({ from: 'hk', to: 'cn' });
    simplifyConverter = created;
  }
  const converted = simplifyConverter(String.fromCodePoint(cp));
  const first = converted.codePointAt(0);
  // A conversion to more than one code point would break the offset map; keep the original.
  return first !== undefined && converted.length === (first > 0xffff ? 2 : 1) ? first : cp;
}

/** Cyrillic and Greek letters that render like Latin ones (after lower-casing). */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  з: '3',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  п: 'n',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ӏ: 'l',
  α: 'a',
  β: 'b',
  γ: 'y',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  μ: 'u',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
};

/** Leet digits, applied only to short digit runs touching Latin letters (so `p0rn`, not `13800138000`). */
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
};

/** Chinese numerals as written out to dodge number filters (电话一三八…, 壹叁捌…), for `plain`. */
const CHINESE_DIGITS: Readonly<Record<string, number>> = {
  〇: 0,
  零: 0,
  洞: 0,
  一: 1,
  壹: 1,
  幺: 1,
  二: 2,
  贰: 2,
  两: 2,
  三: 3,
  叁: 3,
  四: 4,
  肆: 4,
  五: 5,
  伍: 5,
  六: 6,
  陆: 6,
  七: 7,
  柒: 7,
  八: 8,
  捌: 8,
  九: 9,
  玖: 9,
};

/** The same as a table by code unit: the ASCII digit, or 0 when the character is not a numeral. */
const DIGIT_OF_NUMERAL = (() => {
  const table = new Uint8Array(0x10000);
  for (const [numeral, digit] of Object.entries(CHINESE_DIGITS))
    table[numeral.charCodeAt(0)] = 0x30 + digit;
  return table;
})();

/** Leet digits as a table by code unit (0 = not leet): 0→o 1→i 3→e 4→a 5→s 7→t 8→b. */
const LEET_LETTER = (() => {
  const table = new Uint8Array(0x3a);
  for (const [digit, letter] of Object.entries(LEET))
    table[digit.charCodeAt(0)] = letter.charCodeAt(0);
  return table;
})();

const PLUS = '加'; // "+V", "➕微" mean 加V / 加微 (add me on WeChat)

/** Code points with no Unicode decomposition that people still use as letters or digits. */
function foldWithoutDecomposition(cp: number): string | undefined {
  if (cp >= 0x1f150 && cp <= 0x1f169) return String.fromCharCode(0x61 + cp - 0x1f150); // 🅐
  if (cp >= 0x1f170 && cp <= 0x1f189) return String.fromCharCode(0x61 + cp - 0x1f170); // 🅰
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) return String.fromCharCode(0x61 + cp - 0x1f1e6); // 🇦
  if (cp >= 0x2776 && cp <= 0x277f) return String(cp - 0x2776 + 1); // ❶
  if (cp >= 0x2780 && cp <= 0x2789) return String(cp - 0x2780 + 1); // ➀
  if (cp >= 0x278a && cp <= 0x2793) return String(cp - 0x278a + 1); // ➊
  if (cp >= 0x24eb && cp <= 0x24f4) return String(cp - 0x24eb + 11); // ⓫
  if (cp >= 0x24f5 && cp <= 0x24fe) return String(cp - 0x24f5 + 1); // ⓵
  if (cp === 0x24ff || cp === 0x1f10c) return '0'; // ⓿ 🄌
  if (cp === 0x2795 || cp === 0xff0b || cp === 0x2b) return PLUS;
  // Invisible "letters" (Hangul fillers, braille blank) and the 丶/丿 strokes used as dots.
  if (cp === 0x3164 || cp === 0x115f || cp === 0x1160 || cp === 0xffa0 || cp === 0x2800) return '';
  if (cp === 0x4e36 || cp === 0x4e3f) return '';
  return undefined;
}

/**
 * Split characters (拆字): a character written as its two components side by side, the
 * left (or top) one first — 贝者 for 赌, 女昌 for 娼, 亻言 for 信 — so a filter looking for the
 * whole character misses it. Only pairs that are not themselves words are listed: 女票 is
 * slang for a girlfriend and 女子 means women, so neither is folded.
 */
const COMPONENT_PAIRS: Readonly<Record<string, string>> = {
  贝者: '赌',
  十尃: '博',
  采彡: '彩',
  女昌: '娼',
  女支: '妓',
  衤果: '裸',
  ネ果: '裸',
  纟勺: '约',
  火包: '炮',
  钅戋: '钱',
  钅艮: '银',
  马扁: '骗',
  贝兼: '赚',
  代贝: '贷',
  覀示: '票',
  耳卯: '聊',
  石马: '码',
  亻言: '信',
  扌喿: '操',
  氵㸒: '淫',
};

/** Variant forms that opencc leaves alone but that read as the common character (彂 for 发). */
const VARIANTS: Readonly<Record<string, string>> = { 彂: '发', 岀: '出', 氺: '水', 冋: '回' };

/** `pairKey(left, right)` → the composed code unit; `RIGHT_PART[c]` is 1 when c ends some pair. */
const pairKey = (left: number, right: number): number => left * 0x10000 + right;
const COMPOSED = new Map<number, number>();
const RIGHT_PART = new Uint8Array(0x10000);
for (const [pair, whole] of Object.entries(COMPONENT_PAIRS)) {
  const right = pair.charCodeAt(1);
  COMPOSED.set(pairKey(pair.charCodeAt(0), right), whole.charCodeAt(0));
  RIGHT_PART[right] = 1;
}
const VARIANT_OF = new Map<number, number>(
  Object.entries(VARIANTS).map(([v, c]) => [v.charCodeAt(0), c.charCodeAt(0)]),
);

const isMark = /\p{M}/u;
const isLetterOrNumber = /[\p{L}\p{N}]/u;

/** A dropped character that does not split a word: combining marks, zero-width and other format characters. */
const SILENT = 0;
type Folded = string | typeof SILENT;

const isSilent = /[\p{M}\p{Cf}]/u;

/** What one code point contributes to the normalised text ('' = dropped, a word boundary). */
function foldCodePoint(cp: number): Folded {
  const special = foldWithoutDecomposition(cp);
  if (special !== undefined) return special;
  const original = String.fromCodePoint(cp);
  if (isSilent.test(original)) return SILENT;
  const decomposed = original.normalize('NFKD').toLowerCase().normalize('NFKD');
  let out = '';
  for (const ch of decomposed) {
    if (isMark.test(ch)) continue;
    const glyph = HOMOGLYPHS[ch];
    if (glyph !== undefined) out += glyph;
    else if (ch === '@' || ch === '$') out += ch;
    else if (ch === '+') out += PLUS;
    else if (isLetterOrNumber.test(ch)) out += ch;
  }
  return out;
}

const foldCache = new Map<number, Folded>();

function foldCached(cp: number): Folded {
  let folded = foldCache.get(cp);
  if (folded === undefined) {
    folded = foldCodePoint(cp);
    foldCache.set(cp, folded);
  }
  return folded;
}

/**
 * ASCII folded by table: the code unit kept (lower-cased), or -1 for a separator.
 * '_' and '-' join the parts of an id ("abc_123") instead of splitting words, so they are SILENT_ASCII.
 */
const SILENT_ASCII = -2;
const ASCII_FOLD = (() => {
  const table = new Int32Array(128).fill(-1);
  for (let c = 0x30; c <= 0x39; c++) table[c] = c;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = c;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = c + 32;
  table[0x40] = 0x40;
  table[0x24] = 0x24;
  table[0x2b] = PLUS.charCodeAt(0);
  table[0x5f] = SILENT_ASCII;
  table[0x2d] = SILENT_ASCII;
  return table;
})();

/** Whether the character at `offset` in `input` folds to something starting with a Latin letter. */
function startsLatinWordAt(input: string, offset: number): boolean {
  if (offset >= input.length) return false;
  const cp = input.codePointAt(offset)!;
  if (cp < 0x80) return isLatin(ASCII_FOLD[cp]!);
  const folded = foldCached(cp);
  return folded !== SILENT && folded.length > 0 && isLatin(folded.charCodeAt(0));
}

function isHan(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || code === 0x3007
  );
}

function isLatin(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

/** Latin letters, and the @ and $ that stand for letters once kept (they only are inside words). */
function isLetterInText(code: number): boolean {
  return isLatin(code) || code === 0x40 || code === 0x24;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function classOf(code: number): number {
  if (isLatin(code) || isDigit(code) || code === 0x40 || code === 0x24) return CLASS_ALNUM;
  if (isHan(code) || (code >= 0xd800 && code <= 0xdfff)) return CLASS_HAN;
  return CLASS_OTHER;
}

/**
 * Growable parallel arrays for the first pass, and the boundary state between pushes. One
 * instance is reused across calls (normalisation is synchronous and never re-entered):
 * allocating typed arrays per post cost more than the normalising itself.
 */
class Units {
  length = 0;
  codes = new Uint16Array(256);
  start = new Int32Array(256);
  end = new Int32Array(256);
  boundary = new Uint8Array(257);
  /** Second-pass outputs, same length as `codes`. */
  text = new Uint16Array(256);
  plain = new Uint16Array(256);
  /** Something that splits words (a space, punctuation, an emoji) was dropped since the last push. */
  pendingBoundary = true;
  private previousClass = 0;

  reset(capacity: number): void {
    if (capacity > this.codes.length) this.allocate(capacity, false);
    this.length = 0;
    this.pendingBoundary = true;
    this.previousClass = 0;
  }

  push(code: number, start: number, end: number): void {
    if (this.length === this.codes.length) this.allocate(this.codes.length * 2, true);
    const i = this.length++;
    const cls = classOf(code);
    this.codes[i] = code;
    this.start[i] = start;
    this.end[i] = end;
    this.boundary[i] =
      this.pendingBoundary || (this.previousClass !== 0 && cls !== this.previousClass) ? 1 : 0;
    this.previousClass = cls;
    this.pendingBoundary = false;
  }

  /**
   * Folds the last unit and `code` (a split character's second component) into `whole`.
   * Separators between the two halves (贝 者) are dropped with them: the halves alone mean nothing.
   */
  composeLast(whole: number, end: number): void {
    const last = this.length - 1;
    this.codes[last] = whole;
    this.end[last] = end;
    this.previousClass = CLASS_HAN;
    this.pendingBoundary = false;
  }

  private allocate(capacity: number, keep: boolean): void {
    const codes = new Uint16Array(capacity);
    const start = new Int32Array(capacity);
    const end = new Int32Array(capacity);
    const boundary = new Uint8Array(capacity + 1);
    if (keep) {
      codes.set(this.codes);
      start.set(this.start);
      end.set(this.end);
      boundary.set(this.boundary);
    }
    this.codes = codes;
    this.start = start;
    this.end = end;
    this.boundary = boundary;
    this.text = new Uint16Array(capacity);
    this.plain = new Uint16Array(capacity);
  }
}

const scratch = new Units();

const utf16 = new TextDecoder('utf-16le');

function unitsToString(units: Uint16Array): string {
  // TextDecoder has a fixed cost per call that dominates for post-sized text.
  if (units.length <= 2048) return String.fromCharCode.apply(null, units as unknown as number[]);
  return utf16.decode(units);
}

/**
 * Normalises `input` for matching. Linear in the input; allocation is a handful of typed
 * arrays. Offsets in the result are UTF-16 offsets into `input`.
 */
export function normalizeText(input: string): NormalizedText {
  const units = scratch;
  units.reset(input.length + 8);
  let i = 0;
  while (i < input.length) {
    let cp = input.charCodeAt(i);
    let originalEnd = i + 1;
    if (cp >= 0xd800 && cp <= 0xdbff && originalEnd < input.length) {
      const low = input.charCodeAt(originalEnd);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        originalEnd++;
      }
    }
    cp = toSimplified(cp);

    // Fast paths for the common cases (ASCII, Han) push one unit; the rest goes through the memo.
    let single = -1;
    let folded: Folded = '';
    if (cp < 0x80) {
      single = ASCII_FOLD[cp]!;
      if (single === SILENT_ASCII) folded = SILENT;
    } else if (cp >= 0x4e00 && cp <= 0x9fff && cp !== 0x4e36 && cp !== 0x4e3f) {
      single = VARIANT_OF.get(cp) ?? cp;
    } else {
      folded = foldCached(cp);
      if (folded !== SILENT && folded.length === 1) single = folded.charCodeAt(0);
    }

    if (single === 0x40 || single === 0x24) {
      // An at-sign or a dollar sign is a letter only inside a Latin word ("c@sino", "$ex");
      // elsewhere ("博@彩", "$100") it is punctuation.
      const previousIsLatin = units.length > 0 && isLatin(units.codes[units.length - 1]!);
      if (!previousIsLatin && !startsLatinWordAt(input, originalEnd)) single = -1;
    }

    if (single >= 0 && single < 0x10000 && RIGHT_PART[single] === 1 && units.length > 0) {
      const whole = COMPOSED.get(pairKey(units.codes[units.length - 1]!, single));
      if (whole !== undefined) {
        units.composeLast(whole, originalEnd);
        i = originalEnd;
        continue;
      }
    }
    if (single >= 0) {
      units.push(single, i, originalEnd);
    } else if (folded === SILENT) {
      // dropped without splitting the word
    } else if (folded.length > 1) {
      for (let k = 0; k < folded.length; k++) units.push(folded.charCodeAt(k), i, originalEnd);
    } else {
      units.pendingBoundary = true;
    }
    i = originalEnd;
  }
  const n = units.length;
  units.boundary[n] = 1;
  units.boundary[0] = 1;

  const codes = units.codes;
  const text = units.text;
  const plain = units.plain;
  for (let k = 0; k < n; k++) {
    const code = codes[k]!;
    let t = code;
    let p = code;
    if (code === 0x6c) {
      t = 0x69; // l → i: "l", "I" and "1" look alike, so all three meet at "i"
    } else if (code === 0x40) {
      t = 0x61; // @ → a
    } else if (code === 0x24) {
      t = 0x73; // $ → s
    } else if (code >= 0x3007) {
      const digit = DIGIT_OF_NUMERAL[code]!;
      if (digit !== 0) p = digit;
    }
    text[k] = t;
    plain[k] = p;
  }
  // Leet: a run of one or two digits touching a Latin letter is part of a word ("p0rn", "b0c41").
  for (let k = 0; k < n; ) {
    if (!isDigit(codes[k]!)) {
      k++;
      continue;
    }
    let runEnd = k;
    while (runEnd < n && isDigit(codes[runEnd]!)) runEnd++;
    const touchesLatin =
      (k > 0 && isLetterInText(codes[k - 1]!)) || (runEnd < n && isLetterInText(codes[runEnd]!));
    if (touchesLatin && runEnd - k <= 2) {
      for (let d = k; d < runEnd; d++) {
        const letter = LEET_LETTER[codes[d]!]!;
        if (letter !== 0) text[d] = letter;
      }
    }
    k = runEnd;
  }

  // The offsets outlive the scratch buffers: copy them into one allocation.
  const buffer = new ArrayBuffer(8 * n + n + 1);
  const start = new Int32Array(buffer, 0, n);
  const end = new Int32Array(buffer, 4 * n, n);
  const boundary = new Uint8Array(buffer, 8 * n, n + 1);
  start.set(units.start.subarray(0, n));
  end.set(units.end.subarray(0, n));
  boundary.set(units.boundary.subarray(0, n + 1));
  return {
    text: unitsToString(text.subarray(0, n)),
    plain: unitsToString(plain.subarray(0, n)),
    start,
    end,
    boundary,
  };
}

/** The form a term takes in the matching skeleton (see `NormalizedText.text`). */
export function normalizeTerm(term: string): string {
  return normalizeText(term).text;
}

/** True for code units of the Han ideographs that carry pinyin. */
export function isHanUnit(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf);
}

export { isDigit as isDigitUnit, isLatin as isLatinUnit };
