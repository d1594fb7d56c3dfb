/** Phones are stored in E.164. An 11-digit mainland mobile number is taken as +86. */
export function normalizePhone(raw: string): string | undefined {
  const compact = raw.replace(/[\s-]/g, '');
  if (/^1[3-9]\d{9}$/.test(compact)) return `+86${compact}`;
  if (/^\+861[3-9]\d{9}$/.test(compact)) return compact;
  if (/^\+86/.test(compact)) return undefined;
  if (/^\+[1-9]\d{6,14}$/.test(compact)) return compact;
  return undefined;
}

/** `+8613800138000` → `138****8000`; other countries keep their code: `+44 77****0123`. */
export function maskPhone(e164: string): string {
  const national = e164.startsWith('+86') ? e164.slice(3) : e164.slice(1);
  const masked = `${national.slice(0, 3)}****${national.slice(-4)}`;
  return e164.startsWith('+86') ? masked : `+${masked}`;
}
