import { useTranslation } from 'react-i18next';
import { formatMoney } from './money.ts';

/** Formatters bound to the current language. */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  return {
    locale,
    money: (minor: number, currency = 'CNY', sign?: 'auto' | 'always') =>
      formatMoney(minor, currency, locale, sign ? { sign } : {}),
    dateTime: (iso: string) =>
      new Intl.DateTimeFormat(locale, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso)),
    shortDateTime: (iso: string) =>
      new Intl.DateTimeFormat(locale, {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso)),
    month: (yyyyMm: string, style: 'short' | 'long' = 'long') => {
      const [y, m] = yyyyMm.split('-').map(Number) as [number, number];
      return new Intl.DateTimeFormat(locale, {
        year: style === 'long' ? 'numeric' : undefined,
        month: style === 'long' ? 'long' : 'short',
      }).format(new Date(y, m - 1, 1));
    },
  };
}

/** `YYYY-MM` of a local date. */
export function monthKey(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

/** The `count` months up to and including this one, oldest first. */
export function lastMonths(count: number, now = new Date()): string[] {
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--)
    out.push(monthKey(new Date(now.getFullYear(), now.getMonth() - i, 1)));
  return out;
}

/** Local midnight at the start of a `YYYY-MM-DD` day, as an ISO instant. */
export function dayStartIso(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** `13800138000` or `+8613800138000` → `138****8000` (for showing what the user typed). */
export function maskPhone(raw: string): string {
  const digits = raw.replace(/[\s-]/g, '').replace(/^\+86/, '');
  if (digits.length < 7) return digits;
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}
