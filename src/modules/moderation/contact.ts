/**
 * Contact details offered in a text: mainland mobile numbers (also spaced out, in full-width
 * or circled digits, or spelled in Chinese numerals), WeChat/QQ/Telegram ids after a contact
 * keyword, and URLs; and stated earnings, the other half of a job-scam advert. Alone a
 * contact is ordinary (people share numbers with family); with lures it makes the spam score.
 */
import { isDigitUnit, isLatinUnit, type NormalizedText } from './normalize.ts';
import type { ContactChannel } from './terms.ts';

export type ContactKind =
  | 'phone'
  | 'wechat'
  | 'qq'
  | 'telegram'
  | 'email'
  | 'url'
  | 'suspicious-url';

/** A contact found in the text. Spans are normalised offsets, or original ones for URLs. */
export interface ContactSpan {
  kind: ContactKind;
  start: number;
  end: number;
}

/** A digit, or a letter standing in for one inside a number ("138oo138ooo", "l38..."). */
function digitValue(code: number): number {
  if (isDigitUnit(code)) return code - 0x30;
  if (code === 0x6f) return 0; // o
  if (code === 0x69 || code === 0x6c) return 1; // i, l
  return -1;
}

const MOBILE = /^(?:86)?1[3-9]\d{9}$/;

function isDigitAt(text: string, k: number): boolean {
  return k >= 0 && k < text.length && isDigitUnit(text.charCodeAt(k));
}

/**
 * Mainland mobile numbers (11 digits, optionally after 86). A number must stand apart from
 * other digits: "13800138000" is a number, the middle of "100200300400500" is not, but
 * "138 0013 8000 139 0013 9000" holds two.
 */
export function findPhoneNumbers(norm: NormalizedText): ContactSpan[] {
  const { plain, boundary } = norm;
  const n = plain.length;
  const found: ContactSpan[] = [];
  for (let a = 0; a < n; a++) {
    if (!isDigitAt(plain, a) || (isDigitAt(plain, a - 1) && boundary[a] === 0)) continue;
    let digits = '';
    for (let b = a; b < n && b - a < 13; b++) {
      const value = digitValue(plain.charCodeAt(b));
      if (value < 0) break;
      digits += value;
      const end = b + 1;
      if (
        (digits.length === 11 || digits.length === 13) &&
        (!isDigitAt(plain, end) || boundary[end] === 1)
      ) {
        if (MOBILE.test(digits)) {
          found.push({ kind: 'phone', start: a, end });
          a = end - 1;
          break;
        }
      }
    }
  }
  return found;
}

/** How far past a contact keyword the id may start: room for 号/是/为 ("微信号是 abc123"). */
const MAX_GAP = 2;

/**
 * The id offered right after a contact keyword that ends at `from`, or null. `evasive` is
 * true when the keyword itself is a dodge (vx, 薇信, 加V): then a letters-only id counts too,
 * where after a plain "wechat" an ordinary word ("wechat tonight") must not.
 */
export function findHandleAfter(
  norm: NormalizedText,
  from: number,
  channel: ContactChannel,
  evasive: boolean,
): ContactSpan | null {
  if (channel === 'url') return null;
  const { plain, boundary } = norm;
  const n = plain.length;
  let start = from;
  while (start < n && start - from < MAX_GAP && !isIdUnit(plain.charCodeAt(start))) start++;
  if (start < n && plain.charCodeAt(start) === 0x40) start++; // "@handle"
  let end = start;
  while (end < n && isIdUnit(plain.charCodeAt(end)) && (end === start || boundary[end] === 0))
    end++;
  const id = plain.slice(start, end);
  if (id.length === 0) return null;
  let allDigits = isDigitUnit(id.charCodeAt(0));
  for (let k = 1; k < id.length && allDigits; k++) allDigits = digitValue(id.charCodeAt(k)) >= 0;
  const hasDigit = /\d/.test(id);
  const startsWithLetter = isLatinUnit(id.charCodeAt(0));
  let offered: boolean;
  switch (channel) {
    case 'qq':
      offered = allDigits && id.length >= 5 && id.length <= 11 && id[0] !== '0';
      break;
    case 'phone':
      offered = allDigits && id.length >= 7 && id.length <= 15;
      break;
    case 'telegram':
      offered = startsWithLetter && id.length >= 5 && id.length <= 32;
      break;
    case 'wechat':
      offered = allDigits
        ? id.length >= 5 && id.length <= 11
        : startsWithLetter && id.length >= 6 && id.length <= 20 && (hasDigit || evasive);
      break;
  }
  return offered ? { kind: channel, start, end } : null;
}

function isIdUnit(code: number): boolean {
  return isLatinUnit(code) || isDigitUnit(code);
}

/**
 * Top-level domains that are cheap, throwaway or made for betting: most links to them in a
 * social feed are spam. Ordinary domains still count as a contact, just a weaker one.
 */
const SUSPICIOUS_TLDS = new Set([
  'xyz',
  'top',
  'vip',
  'cc',
  'club',
  'bet',
  'casino',
  'win',
  'loan',
  'icu',
  'buzz',
  'site',
  'online',
  'fun',
  'tk',
  'ml',
  'ga',
  'cf',
  'gq',
  'pw',
  'click',
  'work',
  'rest',
  'bid',
  'men',
  'porn',
  'sex',
  'xxx',
  'adult',
  'poker',
  'lol',
]);
/** Link shorteners hide the destination; t.me opens a Telegram chat. */
const SUSPICIOUS_HOSTS = new Set([
  'bit.ly',
  't.cn',
  'tinyurl.com',
  'dwz.cn',
  'suo.im',
  'url.cn',
  'is.gd',
  'goo.gl',
  'rebrand.ly',
  'cutt.ly',
  't.me',
  'telegram.me',
  'wa.me',
]);

const URL_PATTERN =
  /(?:https?:\/\/|www[.。])[^\s<>"'，。！？、）)\]]+|(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?[.。])+[a-z]{2,10}(?:\/[^\s<>"'，。！？、）)\]]*)?/giu;
const EMAIL_PATTERN = /[a-z0-9._%+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,10}/giu;
/** Top-level domains we accept for a bare "name.tld" (without http:// or www), so "a.b" in prose is not a link. */
const BARE_TLDS = new Set([
  ...SUSPICIOUS_TLDS,
  'com',
  'cn',
  'net',
  'org',
  'io',
  'me',
  'app',
  'info',
  'biz',
  'co',
  'hk',
  'tw',
  'tv',
  'ly',
  'gl',
  'im',
  'link',
  'live',
  'shop',
  'store',
  'asia',
  'cloud',
  'dev',
  'ai',
]);

/** A dot (any width) between letters or digits, or an at-sign: necessary for a link or address. */
const MAY_HOLD_LINK = /[\p{L}\p{N}][.。．｡][\p{L}\p{N}]|[@＠]/u;

function hostOf(url: string): string {
  return url
    .replace(/^https?:\/\//i, '')
    .replace(/。/g, '.')
    .split(/[/?#:]/)[0]!
    .toLowerCase();
}

/**
 * URLs and e-mail addresses in the original text (NFKC first, so full-width "ｗｗｗ．" counts).
 * Offsets are into the original when NFKC kept its length, which it does for nearly all text.
 */
export function findLinks(original: string): ContactSpan[] {
  // Most posts hold no link at all; this scan is far cheaper than NFKC and the patterns below.
  if (!MAY_HOLD_LINK.test(original)) return [];
  const text = original.normalize('NFKC');
  const found: ContactSpan[] = [];
  const emails: [number, number][] = [];
  for (const m of text.matchAll(EMAIL_PATTERN)) {
    emails.push([m.index, m.index + m[0].length]);
    found.push({ kind: 'email', start: m.index, end: m.index + m[0].length });
  }
  for (const m of text.matchAll(URL_PATTERN)) {
    const start = m.index;
    const end = start + m[0].length;
    if (emails.some(([s, e]) => start >= s && end <= e)) continue;
    const host = hostOf(m[0]);
    const tld = host.split('.').pop() ?? '';
    const explicit = /^(?:https?:\/\/|www)/i.test(m[0]);
    if (!explicit && !BARE_TLDS.has(tld)) continue;
    const suspicious =
      SUSPICIOUS_TLDS.has(tld) ||
      SUSPICIOUS_HOSTS.has(host) ||
      /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) ||
      host.startsWith('xn--');
    found.push({ kind: suspicious ? 'suspicious-url' : 'url', start, end });
  }
  if (text.length !== original.length) {
    // Offsets would point at the wrong characters: report the kinds without a span.
    return found.map((c) => ({ kind: c.kind, start: -1, end: -1 }));
  }
  return found;
}

/**
 * A stated income per day or month ("日赚三百", "一天两三百", "月入十万", "$500 per day"): the
 * other half of a job-scam advert. Chinese is read from `text` (numerals intact), English
 * from `plain` (letters unfolded). 日结 and 周结 say when pay comes, not how much is earned
 * ("超市促销员，日结一百五" is an ordinary job), and 日结 is a lure of its own.
 */
const EARNINGS_ZH =
  /(?:一天|每天|天天|日赚|日入|日收入|月入|月赚|月收入|每月|一个月)(?:轻松|稳|至少|最少|多达|能|可|就|赚|挣|收入|入|有|结){0,3}(?:[0-9]{2,}|[零一二两三四五六七八九十几]+[百千万])/;
const EARNINGS_EN = /[0-9]{2,}k?(?:perday|aday|daily|perweek|aweek|permonth|amonth|perhour|anhour)/;

export function findEarningsClaim(norm: NormalizedText): { start: number; end: number } | null {
  const zh = EARNINGS_ZH.exec(norm.text);
  if (zh !== null) return { start: zh.index, end: zh.index + zh[0].length };
  const en = EARNINGS_EN.exec(norm.plain);
  if (en !== null) return { start: en.index, end: en.index + en[0].length };
  return null;
}

/** Ways of writing a dot so a link filter misses it: 点, 點, (dot), [dot], full stops. */
const SPELLED_DOT = /\(dot\)|\[dot\]|\{dot\}|[点點。．｡]/giu;
/** Everything that is not part of a link once the dots are restored: spaces, emoji, zero-width. */
const NOT_IN_LINK = /[^\p{L}\p{N}./:-]/gu;

/**
 * Links spelled out to get past link detection — "w w w . a m 8 8 . c c", "www点zq8点top",
 * "ｗ🔥ｗ🔥ｗ.x(dot)com" — found by dropping what was inserted and reading the text again. Only
 * links that start with www or http count (a bare "a.b" rejoined from prose is not a link),
 * and only those the plain reading did not see: the spelling is the tell, so each is a
 * suspicious URL. Offsets are unknown after the rejoin (-1).
 */
export function findSpelledLinks(original: string, norm: NormalizedText): ContactSpan[] {
  const found: ContactSpan[] = [];
  // The skeleton has already dropped spaces and symbols, so "www" and "http" show there; only
  // a window of the original after each is rejoined and read, keeping long texts linear.
  for (const marker of ['www', 'http']) {
    let windowEnd = -1;
    for (let at = norm.plain.indexOf(marker); at >= 0; at = norm.plain.indexOf(marker, at + 1)) {
      const from = norm.start[at]!;
      if (from < windowEnd) continue;
      windowEnd = Math.min(original.length, from + SPELLED_LINK_WINDOW);
      if (spelledLinkAt(original.slice(from, windowEnd))) {
        found.push({ kind: 'suspicious-url', start: -1, end: -1 });
        return found; // one is enough: each kind of contact counts once
      }
    }
  }
  return found;
}

/** How much of the original, from the "w" of www, may hold a spelled-out link. */
const SPELLED_LINK_WINDOW = 120;

/** Whether `window` (starting at www or http) rejoins into a link it did not plainly hold. */
function spelledLinkAt(window: string): boolean {
  const folded = window.normalize('NFKC').toLowerCase();
  const rejoined = folded.replace(SPELLED_DOT, '.').replace(NOT_IN_LINK, '');
  const m = /^(?:https?:\/\/|www\.)[^\s<>"'，。！？、）)\]]+/u.exec(rejoined);
  if (m === null) return false;
  const host = asciiHost(m[0]);
  if (host.split('.').filter(Boolean).length < (host.startsWith('www.') ? 3 : 2)) return false;
  const plain = /^(?:https?:\/\/|www[.。])[^\s<>"'，。！？、）)\]]+/u.exec(folded);
  return plain === null || asciiHost(plain[0]) !== host;
}

/** The host's leading ASCII part: once spaces are gone, the text after a link runs into it. */
function asciiHost(url: string): string {
  return /^[a-z0-9.-]*/.exec(hostOf(url))![0];
}

/**
 * A price list of sexual services ("快餐三百 全套五百", "快餐 300 包夜 1000"): two or more of
 * the euphemisms each followed by a price. One priced word is a lunch ("快餐二十块一份").
 */
const SERVICE_PRICE = /(快餐|全套|半套|包夜|过夜|包时|一次)(?:[0-9]{2,5}|[0-9]{1,2}[十百千])/g; // plain: 三百 reads 3百

export function findServicePriceList(norm: NormalizedText): { start: number; end: number } | null {
  if (!norm.text.includes('快餐') && !norm.text.includes('套') && !norm.text.includes('夜'))
    return null;
  const services = new Set<string>();
  let start = -1;
  let end = -1;
  for (const m of norm.plain.matchAll(SERVICE_PRICE)) {
    services.add(m[1]!);
    if (start < 0) start = m.index;
    end = m.index + m[0].length;
  }
  return services.size >= 2 ? { start, end } : null;
}
