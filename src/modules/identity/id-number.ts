/**
 * PRC resident identity numbers (GB 11643-1999): 6-digit region code, 8-digit birth date,
 * 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';
// First two digits of a region code: the provinces, Taiwan, Hong Kong and Macau.
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
  53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
]);

export type IdNumberResult =
  | { ok: true; normalized: string; birthDate: string; gender: 'male' | 'female' }
  | { ok: false; reason: 'format' | 'region' | 'date' | 'check_digit' };

export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

export function parseIdNumber(raw: string, today: Date): IdNumberResult {
  const normalized = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(normalized)) return { ok: false, reason: 'format' };
  const province = Number(normalized.slice(0, 2));
  if (!PROVINCES.has(province) || normalized.slice(2, 6) === '0000') {
    return { ok: false, reason: 'region' };
  }
  const y = Number(normalized.slice(6, 10));
  const m = Number(normalized.slice(10, 12));
  const d = Number(normalized.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  const real =
    date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  if (!real || y < 1900 || date.getTime() > today.getTime()) return { ok: false, reason: 'date' };
  if (checkCharacter(normalized.slice(0, 17)) !== normalized[17]) {
    return { ok: false, reason: 'check_digit' };
  }
  return {
    ok: true,
    normalized,
    birthDate: `${normalized.slice(6, 10)}-${normalized.slice(10, 12)}-${normalized.slice(12, 14)}`,
    gender: Number(normalized[16]) % 2 === 1 ? 'male' : 'female',
  };
}

/** `110101199003074518` → `1101**********4518` */
export function maskIdNumber(normalized: string): string {
  return `${normalized.slice(0, 4)}${'*'.repeat(normalized.length - 8)}${normalized.slice(-4)}`;
}

/** `张三丰` → `**丰`; a name is shown by its last character only. */
export function maskRealName(name: string): string {
  const chars = [...name];
  return `${'*'.repeat(Math.max(1, chars.length - 1))}${chars[chars.length - 1] ?? ''}`;
}
