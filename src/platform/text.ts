/**
 * User text at the edge, for every route at once (a preValidation hook in app.ts): what can
 * never be meant is refused, what only serves to spoof a display is removed.
 *
 * Refused (422 validation_error naming the field; 404 for a path parameter): NUL and the other
 * C0/C1 control characters except tab, line feed and carriage return, and lone surrogates
 * (PostgreSQL cannot store either, and neither has a legitimate use in a nickname or a note).
 *
 * Normalised: NFC, then bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F,
 * U+061C) and zero-width characters (U+200B, U+200C, U+2060, U+FEFF, U+2061–U+2064) are
 * removed, and so is U+200D except between two emoji, where it joins a ZWJ sequence (👨‍👩‍👧).
 * Removing rather than refusing: such characters arrive unseen in pasted text, and without
 * them the stored text reads exactly as it looks.
 *
 * Secrets (fields whose name ends in "password" or "pin") are never changed: only refused when
 * they hold a character that could not be stored or hashed reliably.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B\u200C\u2060-\u2064\uFEFF]/g;
// A ZWJ stays only after an emoji (or its modifier / variation selector) and before another.
const STRAY_ZWJ =
  /(?<!\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F)\u200D|\u200D(?!\p{Extended_Pictographic})/gu;
const SECRET_FIELD = /(password|pin)$/i;
// With the u flag a surrogate pair is one code point, so this finds only unpaired halves.
const LONE_SURROGATE = /\p{Cs}/u;

export type TextProblem = { field: string; reason: string };

function problemIn(value: string): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'contains an unpaired surrogate';
  const c = FORBIDDEN.exec(value);
  if (c) {
    const code = c[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `contains a control character (U+${code})`;
  }
  return undefined;
}

/** Normalised user text: NFC, without bidirectional controls or stray zero-width characters. */
export function normaliseText(value: string): string {
  const nfc = value.normalize('NFC');
  return nfc.replace(INVISIBLE, '').replace(STRAY_ZWJ, '');
}

/**
 * Checks and normalises every string in a parsed JSON body, query or parameter object, in
 * place. Returns the first problem (its dotted field path), or undefined.
 */
export function cleanInput(input: unknown, path = ''): TextProblem | undefined {
  if (input === null || typeof input !== 'object' || Buffer.isBuffer(input)) return undefined;
  const entries: [string | number, unknown][] = Array.isArray(input)
    ? input.map((v, i) => [i, v])
    : Object.entries(input);
  for (const [key, value] of entries) {
    const field = path ? `${path}.${key}` : String(key);
    if (typeof value === 'string') {
      const reason = problemIn(value);
      if (reason) return { field, reason };
      if (typeof key === 'string' && SECRET_FIELD.test(key)) continue;
      const clean = normaliseText(value);
      if (clean !== value) (input as Record<string | number, unknown>)[key] = clean;
    } else if (typeof value === 'object') {
      const inner = cleanInput(value, field);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Whether a path parameter holds something no id or name can contain. */
export function unusableParam(params: unknown): boolean {
  if (params === null || typeof params !== 'object') return false;
  return Object.values(params).some(
    (v) => typeof v === 'string' && (problemIn(v) !== undefined || /[\r\n\t]/.test(v)),
  );
}
