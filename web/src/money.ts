/**
 * Money in the web app is always an integer number of minor units (fen for CNY), exactly as the
 * API speaks it. User input is turned into minor units with string arithmetic, never floats.
 */

const MAX_SAFE = '9007199254740991';

/** Minor-unit digits of a currency (CNY 2, JPY 0), as Intl knows them. */
export function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2
    );
  } catch {
    return 2;
  }
}

/** `1234` → `"12.34"` (CNY), `-5` → `"-0.05"`, `500` → `"500"` (JPY). */
export function toDecimalString(minor: number, currency = 'CNY'): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount: ${minor}`);
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor));
  if (digits === 0) return sign + abs;
  const padded = abs.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** `1234` → `¥12.34` in the given locale; `sign: 'always'` gives `+¥12.34` / `-¥12.34`. */
export function formatMoney(
  minor: number,
  currency = 'CNY',
  locale = 'zh-CN',
  options: { sign?: 'auto' | 'always' } = {},
): string {
  const key = `${locale}|${currency}|${options.sign ?? 'auto'}`;
  let f = formatters.get(key);
  if (!f) {
    const digits = minorDigits(currency);
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      signDisplay: options.sign === 'always' ? 'exceptZero' : 'auto',
    });
    formatters.set(key, f);
  }
  // Intl formats a decimal string exactly (no binary floating point on the way).
  return f.format(toDecimalString(minor, currency) as `${number}`);
}

export type AmountError = 'empty' | 'invalid' | 'too_many_decimals' | 'zero' | 'too_large';
export type ParsedAmount = { ok: true; value: number } | { ok: false; error: AmountError };

const FULL_WIDTH = /[０-９．。]/g;

/**
 * `"12.34"` → `{ ok: true, value: 1234 }`. Accepts a leading ¥, spaces, thousands separators
 * ("1,234.50") and full-width digits from Chinese input methods; refuses more decimals than the
 * currency has, zero, negatives and anything beyond Number.MAX_SAFE_INTEGER minor units.
 */
export function parseAmount(input: string, currency = 'CNY'): ParsedAmount {
  const digits = minorDigits(currency);
  let s = input
    .replace(FULL_WIDTH, (c) =>
      c === '．' || c === '。' ? '.' : String.fromCharCode(c.charCodeAt(0) - 0xfee0),
    )
    .replace(/\s+/g, '')
    .replace(/^[¥￥]/, '');
  if (s === '') return { ok: false, error: 'empty' };
  if (/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) s = s.replaceAll(',', '');
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
    return { ok: false, error: 'invalid' };
  }
  const whole = m[1] ?? '';
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return { ok: false, error: 'too_many_decimals' };
  const minor = `${whole}${fraction.padEnd(digits, '0')}`.replace(/^0+/, '');
  if (minor === '') return { ok: false, error: 'zero' };
  if (minor.length > MAX_SAFE.length || (minor.length === MAX_SAFE.length && minor > MAX_SAFE)) {
    return { ok: false, error: 'too_large' };
  }
  return { ok: true, value: Number(minor) };
}

/** `¥` for CNY, `$` for USD (narrow symbol). */
export function currencySymbol(currency = 'CNY', locale = 'zh-CN'): string {
  try {
    return (
      new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        currencyDisplay: 'narrowSymbol',
      })
        .formatToParts(0)
        .find((p) => p.type === 'currency')?.value ?? currency
    );
  } catch {
    return currency;
  }
}
