/**
 * Term lists: the data moderators edit (`terms/*.json`, plus an operator directory), validated
 * and compiled into automata. Compilation is pure; `loadTermFiles` is the only I/O.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AhoCorasick } from './matcher.ts';
import { isHanUnit, normalizeTerm } from './normalize.ts';
import { type PinyinPatterns, syllablesOfTerm } from './pinyin.ts';

export const CATEGORIES = ['gambling', 'pornography', 'fraud', 'ads'] as const;
export type Category = (typeof CATEGORIES)[number];

export type TermAction = 'reject' | 'review';

/** A contact keyword: what kind of id or number to look for just after it. */
export const CONTACT_CHANNELS = ['wechat', 'qq', 'telegram', 'phone', 'url'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

/** One term as written in a term file. */
export interface TermEntry {
  term: string;
  /** Stable id for decision logs; defaults to a hash of the normalised term. */
  id?: string;
  /** Overrides the file's category. */
  category?: Category;
  /** A hit alone holds the text for review or rejects it. */
  action?: TermAction;
  /** Instead of an action: adds this much to the spam score (lures such as 兼职, 日结). */
  weight?: number;
  /** Also match homophones through pinyin (only for terms of two or more Han characters). */
  pinyin?: boolean;
  /** Match only as a whole word (default for Latin terms: "sex" must not hit "Essex"). */
  wholeWord?: boolean;
  /** Marks a contact keyword (微信, vx, 扣扣, tg): the id or number after it is a contact signal. */
  channel?: ContactChannel;
  /**
   * A lure that counts only beside another hit of its category that is not supporting: 同城
   * and 上门 are words of a massage-parlour advert and of a locksmith's, 发票 and 银行卡 of a
   * scam and of an expense claim. Alone, or with a phone number, they weigh nothing.
   */
  supporting?: boolean;
  /** A moderator's remark; ignored. */
  note?: string;
}

export interface TermFile {
  category?: Category;
  defaults?: Pick<TermEntry, 'action' | 'weight' | 'pinyin' | 'wholeWord'>;
  terms?: (string | TermEntry)[];
  /** Phrases whose span suppresses any match inside it (澳门旅游, 葡京酒店). */
  allow?: string[];
  /**
   * Words of reporting and warning (警方, 破获, 谨防): each lowers the score by its weight
   * (default 2), up to a cap, in texts that offer no contact. News about a gambling ring is
   * not an advert for one; an advert always gives a way to reach the seller.
   */
  mitigate?: (string | MitigationEntry)[];
}

export interface MitigationEntry {
  term: string;
  weight?: number;
  /**
   * The categories this word may excuse (default: all). Scammers pose as the police, so
   * 公安 and 民警 must not excuse fraud, though they excuse a news item about a gambling ring.
   */
  excuses?: Category[];
}

export interface CompiledMitigation {
  weight: number;
  excuses: ReadonlySet<Category>;
}

/** A term file and where it came from, for error messages. */
export interface SourcedTermFile {
  source: string;
  file: TermFile;
}

export interface Thresholds {
  /** Score at which a text is held for review; a `review` term weighs this much. */
  review: number;
  /** Score at which a text is rejected; a `reject` term weighs this much. */
  reject: number;
}

export interface CompiledTerm {
  termId: string;
  category: Category;
  weight: number;
  /**
   * Weighted terms (lures, brand names) add up within a category; action terms do not (卖淫
   * and 嫖娼 in one sentence are one concern, not two): the strongest one counts.
   */
  accumulates: boolean;
  wholeWord: boolean;
  channel: ContactChannel | undefined;
  /** See `TermEntry.supporting`. */
  supporting: boolean;
}

export interface CompiledRules {
  terms: readonly CompiledTerm[];
  /**
   * Over normalised text. Patterns [0, terms.length) are terms, the next `allowCount` are
   * allow-list phrases, and the rest mitigating words (weights in `mitigations`).
   */
  literal: AhoCorasick;
  allowCount: number;
  mitigations: readonly CompiledMitigation[];
  /** Over pinyin syllables; `pinyinTerm[p]` is the term index of pinyin pattern p. */
  pinyin: PinyinPatterns | null;
  pinyinTerm: Int32Array;
}

export class TermFileError extends Error {
  readonly code = 'invalid_term_file';
}

/** Reads every `*.json` in `dir`, in name order; a missing directory holds no files. */
export function loadTermFiles(dir: string): SourcedTermFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.sort().map((name) => {
    const source = join(dir, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(source, 'utf8'));
    } catch (error) {
      throw new TermFileError(`${source}: ${(error as Error).message}`);
    }
    return { source, file: parseTermFile(parsed, source) };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCategory(value: unknown): value is Category {
  return (CATEGORIES as readonly unknown[]).includes(value);
}

const ENTRY_KEYS = new Set([
  'term',
  'id',
  'category',
  'action',
  'weight',
  'pinyin',
  'wholeWord',
  'channel',
  'supporting',
  'note',
]);
const FILE_KEYS = new Set(['category', 'defaults', 'terms', 'allow', 'mitigate', 'note']);

/** Checks the shape of a parsed term file; a typo should fail loudly, not silently drop a term. */
export function parseTermFile(value: unknown, source: string): TermFile {
  const fail = (message: string): never => {
    throw new TermFileError(`${source}: ${message}`);
  };
  if (!isRecord(value)) return fail('expected an object');
  for (const key of Object.keys(value)) if (!FILE_KEYS.has(key)) fail(`unknown key "${key}"`);
  const { category, defaults, terms, allow, mitigate } = value;
  if (category !== undefined && !isCategory(category))
    fail(`unknown category ${JSON.stringify(category)}`);
  if (defaults !== undefined && !isRecord(defaults)) fail('"defaults" must be an object');
  if (terms !== undefined && !Array.isArray(terms)) fail('"terms" must be an array');
  if (
    allow !== undefined &&
    (!Array.isArray(allow) || !allow.every((a) => typeof a === 'string'))
  ) {
    fail('"allow" must be an array of strings');
  }
  if (mitigate !== undefined) {
    const valid =
      Array.isArray(mitigate) &&
      mitigate.every(
        (m) =>
          typeof m === 'string' ||
          (isRecord(m) &&
            typeof m.term === 'string' &&
            (m.weight === undefined || (typeof m.weight === 'number' && m.weight >= 0)) &&
            (m.excuses === undefined || (Array.isArray(m.excuses) && m.excuses.every(isCategory)))),
      );
    if (!valid) fail('"mitigate" must be an array of strings or { "term", "weight", "excuses" }');
  }
  const checkEntry = (entry: Record<string, unknown>, where: string): void => {
    for (const key of Object.keys(entry))
      if (!ENTRY_KEYS.has(key)) fail(`${where}: unknown key "${key}"`);
    if (entry.action !== undefined && entry.action !== 'reject' && entry.action !== 'review') {
      fail(`${where}: action must be "reject" or "review"`);
    }
    if (entry.weight !== undefined && (typeof entry.weight !== 'number' || !(entry.weight >= 0))) {
      fail(`${where}: weight must be a non-negative number`);
    }
    for (const flag of ['pinyin', 'wholeWord', 'supporting'] as const) {
      if (entry[flag] !== undefined && typeof entry[flag] !== 'boolean')
        fail(`${where}: ${flag} must be true or false`);
    }
    if (
      entry.channel !== undefined &&
      !(CONTACT_CHANNELS as readonly unknown[]).includes(entry.channel)
    ) {
      fail(`${where}: unknown channel ${JSON.stringify(entry.channel)}`);
    }
    if (entry.category !== undefined && !isCategory(entry.category)) {
      fail(`${where}: unknown category ${JSON.stringify(entry.category)}`);
    }
  };
  if (isRecord(defaults)) checkEntry(defaults, 'defaults');
  for (const [index, entry] of ((terms as unknown[] | undefined) ?? []).entries()) {
    const where = `terms[${index}]`;
    if (typeof entry === 'string') continue;
    if (!isRecord(entry) || typeof entry.term !== 'string')
      fail(`${where}: expected a string or { "term": ... }`);
    else checkEntry(entry, where);
  }
  return value as TermFile;
}

const DEFAULT_MITIGATION = 2;

/** FNV-1a, base 36: a short, stable id that does not spell out the term in logs. */
function hashId(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

function isAllHan(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isHanUnit(text.charCodeAt(i))) return false;
  return true;
}

function isAllLatin(text: string): boolean {
  return /^[a-z0-9]+$/.test(text);
}

interface PendingTerm extends CompiledTerm {
  normalized: string;
  pinyin: boolean;
}

/**
 * Compiles term files into automata. Later files override earlier ones term by term (same
 * category and normalised form), so an operator file can soften or silence a default term
 * (`"weight": 0`).
 */
export function compileRules(
  files: readonly SourcedTermFile[],
  thresholds: Thresholds,
): CompiledRules {
  const byId = new Map<string, PendingTerm>();
  const allow = new Set<string>();
  const mitigation = new Map<string, CompiledMitigation>();

  for (const { source, file } of files) {
    for (const phrase of file.allow ?? []) {
      const normalized = normalizeTerm(phrase);
      if (normalized.length > 0) allow.add(normalized);
    }
    for (const entry of file.mitigate ?? []) {
      const {
        term,
        weight = DEFAULT_MITIGATION,
        excuses = CATEGORIES,
      } = typeof entry === 'string' ? { term: entry } : entry;
      const normalized = normalizeTerm(term);
      if (normalized.length > 0) mitigation.set(normalized, { weight, excuses: new Set(excuses) });
    }
    (file.terms ?? []).forEach((raw, index) => {
      const own: TermEntry = typeof raw === 'string' ? { term: raw } : raw;
      const entry: TermEntry = { ...file.defaults, ...own };
      const where = `${source}: terms[${index}] (${JSON.stringify(entry.term)})`;
      const category = entry.category ?? file.category;
      if (category === undefined) throw new TermFileError(`${where}: no category`);
      const normalized = normalizeTerm(entry.term);
      if (normalized.length === 0)
        throw new TermFileError(`${where}: nothing left after normalisation`);
      if (own.action !== undefined && own.weight !== undefined) {
        throw new TermFileError(`${where}: give an action or a weight, not both`);
      }
      // The entry's own action or weight wins over the file's default of either kind.
      const action = own.weight !== undefined ? undefined : (own.action ?? file.defaults?.action);
      const actionWeight =
        action === 'reject'
          ? thresholds.reject
          : action === 'review'
            ? thresholds.review
            : undefined;
      const weight = own.weight ?? actionWeight ?? file.defaults?.weight;
      if (weight === undefined && entry.channel === undefined) {
        throw new TermFileError(`${where}: needs an action, a weight or a channel`);
      }
      // Pinyin only for Han terms of two syllables or more: one syllable has too many homophones.
      const pinyinEligible =
        entry.pinyin === true && normalized.length >= 2 && isAllHan(normalized);
      if (entry.pinyin === true && !pinyinEligible) {
        throw new TermFileError(`${where}: pinyin needs a term of two or more Han characters`);
      }
      const termId = `${category}:${entry.id ?? hashId(normalized)}`;
      byId.set(termId, {
        termId,
        category,
        weight: weight ?? 0,
        accumulates: action === undefined,
        wholeWord: entry.wholeWord ?? isAllLatin(normalized),
        channel: entry.channel,
        supporting: entry.supporting === true && action === undefined,
        normalized,
        pinyin: pinyinEligible,
      });
    });
  }

  const terms = [...byId.values()];
  const literal = AhoCorasick.fromStrings([
    ...terms.map((t) => t.normalized),
    ...allow,
    ...mitigation.keys(),
  ]);

  const pinyinSequences: number[][] = [];
  const pinyinSpellings: string[] = [];
  const pinyinTerm: number[] = [];
  terms.forEach((term, index) => {
    if (!term.pinyin) return;
    const syllables = syllablesOfTerm(term.normalized);
    if (syllables === null) return;
    pinyinSequences.push(syllables);
    pinyinSpellings.push(term.normalized);
    pinyinTerm.push(index);
  });
  const pinyin =
    pinyinSequences.length === 0
      ? null
      : {
          automaton: AhoCorasick.fromSequences(pinyinSequences),
          syllables: pinyinSequences,
          spellings: pinyinSpellings,
          longest: Math.max(...pinyinSequences.map((s) => s.length)),
        };

  return {
    terms: terms.map(
      ({ termId, category, weight, accumulates, wholeWord, channel, supporting }) => ({
        termId,
        category,
        weight,
        accumulates,
        wholeWord,
        channel,
        supporting,
      }),
    ),
    literal,
    allowCount: allow.size,
    mitigations: [...mitigation.values()],
    pinyin,
    pinyinTerm: Int32Array.from(pinyinTerm),
  };
}
