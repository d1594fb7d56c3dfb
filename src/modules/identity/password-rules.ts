import { dictionary } from '@zxcvbn-ts/language-common';

/** Why a password is refused; the web app words each reason. */
export type WeakPasswordReason = 'common' | 'phone' | 'repeated' | 'sequence';

// zxcvbn's list of the ~49,000 most used passwords (from leaked sets), plus pinyin favourites
// that list misses.
const COMMON = new Set([
  ...dictionary['passwords-common'],
  'woaini1314',
  'woaini520',
  'aini1314',
  'iloveyou1314',
  'a5201314',
  '5201314520',
  'qq123456',
  'qq5201314',
]);

const SEQUENCES = [
  'abcdefghijklmnopqrstuvwxyz',
  '01234567890',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'qwertyuiopasdfghjklzxcvbnm',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
];

/**
 * Refuses passwords that a guesser tries first: a common one (also with digits or symbols
 * tacked on, like `monkey2024!`), the account's phone number, one character or a short unit
 * repeated, too few different characters, or a run along the alphabet or a keyboard row.
 * Length is checked at the edge (≥ 8).
 */
export function weakPasswordReason(
  password: string,
  e164Phone?: string,
): WeakPasswordReason | undefined {
  const lower = password.toLowerCase();
  const stem = lower.replace(/[\d\W_]+$/u, '');
  if (COMMON.has(lower) || (stem.length >= 4 && COMMON.has(stem))) return 'common';
  if (e164Phone) {
    const national = e164Phone.startsWith('+86') ? e164Phone.slice(3) : e164Phone.slice(1);
    const digits = password.replace(/\D/g, '');
    if (lower.includes(national) || (digits.length >= 6 && e164Phone.endsWith(digits))) {
      return 'phone';
    }
  }
  if (/^(.{1,4})\1+$/su.test(password) || new Set(password).size < 4) return 'repeated';
  if (isSequence(lower)) return 'sequence';
  return undefined;
}

function isSequence(lower: string): boolean {
  const reversed = [...lower].reverse().join('');
  if (SEQUENCES.some((s) => s.includes(lower) || s.includes(reversed))) return true;
  // Any run with one constant step: 13579bdf, 86420…
  const step = lower.charCodeAt(1) - lower.charCodeAt(0);
  if (step === 0 || Math.abs(step) > 2) return false;
  for (let i = 2; i < lower.length; i++) {
    if (lower.charCodeAt(i) - lower.charCodeAt(i - 1) !== step) return false;
  }
  return true;
}
