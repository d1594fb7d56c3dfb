/**
 * Merchant QR payloads: EMVCo merchant-presented style tag–length–value, signed by the server.
 *
 *   00 02 "01"            payload format indicator
 *   01 02 "11" | "12"     static (the payer types the amount) | dynamic (one payment request)
 *   26 ..                 merchant account template: 00 GUID "cn.hebao", 01 merchant id
 *   53 03 "156"           currency, ISO 4217 numeric
 *   54 ..                 amount in major units, "12.34" (dynamic)
 *   58 02 "CN"            country
 *   59 ..                 merchant name (display only; the server's record is what counts)
 *   62 ..                 additional data (dynamic): 05 reference label = the payment request
 *                         id, 50 expiry in epoch seconds
 *   80 ..                 Hebao signature template: 00 key id "s1", 01 base64url HMAC-SHA256
 *                         (key HKDF-derived from HEBAO_SECRET) of every byte before tag 80
 *   63 04 CRC             CRC-16/CCITT-FALSE of everything before it, "6304" included
 *
 * The CRC only catches a misread; the signature is what makes an altered or forged code fail.
 * Lengths count UTF-16 code units, two decimal digits (≤ 99).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export const QR_GUID = 'cn.hebao';
const KEY_ID = 's1';

export interface QrFields {
  kind: 'static' | 'dynamic';
  merchantId: string;
  merchantName: string;
  currency: string;
  /** Dynamic only: minor units. */
  amount?: number;
  requestId?: string;
  expiresAt?: Date;
}

export type QrRead =
  | { ok: true; fields: Omit<QrFields, 'merchantName'> & { merchantName: string } }
  | { ok: false; reason: 'malformed' | 'crc' | 'signature' | 'expired' };

/** ISO 4217 numeric codes of the currencies a code may carry. */
const NUMERIC: Record<string, { code: string; digits: number }> = {
  CNY: { code: '156', digits: 2 },
  HKD: { code: '344', digits: 2 },
  USD: { code: '840', digits: 2 },
  EUR: { code: '978', digits: 2 },
  JPY: { code: '392', digits: 0 },
};

/** The signing key: derived from the server secret, never stored in the database. */
export function qrKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, '', 'hebao merchant qr s1', 32));
}

function tlv(tag: string, value: string): string {
  if (value.length > 99) throw new Error(`QR tag ${tag} is longer than 99`);
  return `${tag}${String(value.length).padStart(2, '0')}${value}`;
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo specifies for tag 63. */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

function mac(key: Buffer, signed: string): string {
  return createHmac('sha256', key).update(signed).digest('base64url');
}

function amountText(minor: number, digits: number): string {
  if (digits === 0) return String(minor);
  const s = String(minor).padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

function amountMinor(text: string, digits: number): number | undefined {
  const m = digits === 0 ? /^(\d{1,15})$/.exec(text) : /^(\d{1,13})\.(\d+)$/.exec(text);
  if (!m) return undefined;
  if (digits > 0 && m[2]!.length !== digits) return undefined;
  const value = Number(m[1]) * 10 ** digits + (digits > 0 ? Number(m[2]) : 0);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** The signed payload text for a merchant's static code or one payment request. */
export function encodeQr(key: Buffer, f: QrFields): string {
  const currency = NUMERIC[f.currency];
  if (!currency) throw new Error(`no QR currency code for ${f.currency}`);
  const account = tlv('00', QR_GUID) + tlv('01', f.merchantId);
  const additional =
    f.kind === 'dynamic'
      ? tlv('05', f.requestId!) + tlv('50', String(Math.floor(f.expiresAt!.getTime() / 1000)))
      : undefined;
  const body = [
    tlv('00', '01'),
    tlv('01', f.kind === 'static' ? '11' : '12'),
    tlv('26', account),
    tlv('53', currency.code),
    ...(f.kind === 'dynamic' ? [tlv('54', amountText(f.amount!, currency.digits))] : []),
    tlv('58', 'CN'),
    tlv('59', [...f.merchantName].slice(0, 25).join('')),
    ...(additional ? [tlv('62', additional)] : []),
  ].join('');
  const signed = body + tlv('80', tlv('00', KEY_ID) + tlv('01', mac(key, body)));
  const withCrcTag = `${signed}6304`;
  return withCrcTag + crc16(withCrcTag);
}

/** Splits a TLV string into tags in order; undefined if it does not parse exactly. */
export function parseTlv(
  text: string,
): { tag: string; value: string; start: number }[] | undefined {
  const out: { tag: string; value: string; start: number }[] = [];
  let i = 0;
  while (i < text.length) {
    const head = text.slice(i, i + 4);
    if (!/^\d{4}$/.test(head)) return undefined;
    const len = Number(head.slice(2));
    const value = text.slice(i + 4, i + 4 + len);
    if (value.length !== len) return undefined;
    out.push({ tag: head.slice(0, 2), value, start: i });
    i += 4 + len;
  }
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Reads a payload: CRC, then the signature over everything before tag 80, then the fields. Any
 * change to any byte fails one of the two; an expired dynamic code is refused too.
 */
export function readQr(key: Buffer, text: string, now: Date): QrRead {
  const bad = (reason: 'malformed' | 'crc' | 'signature' | 'expired'): QrRead => ({
    ok: false,
    reason,
  });
  if (text.length > 512) return bad('malformed');
  const tags = parseTlv(text);
  if (!tags || tags.length < 3) return bad('malformed');
  const crc = tags[tags.length - 1]!;
  if (crc.tag !== '63' || crc.value.length !== 4) return bad('malformed');
  if (crc16(text.slice(0, crc.start + 4)) !== crc.value.toUpperCase()) return bad('crc');
  const sig = tags[tags.length - 2]!;
  if (sig.tag !== '80') return bad('signature');
  const sigTags = parseTlv(sig.value);
  const keyId = sigTags?.find((t) => t.tag === '00')?.value;
  const given = sigTags?.find((t) => t.tag === '01')?.value ?? '';
  const expected = mac(key, text.slice(0, sig.start));
  if (
    keyId !== KEY_ID ||
    given.length !== expected.length ||
    !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
  ) {
    return bad('signature');
  }
  // Signed by us: the fields are ours, but still checked (a code from an older format).
  const field = (tag: string) => tags.find((t) => t.tag === tag)?.value;
  const kind = field('01') === '11' ? 'static' : field('01') === '12' ? 'dynamic' : undefined;
  const account = parseTlv(field('26') ?? '');
  const sub = (tag: string) => account?.find((t) => t.tag === tag)?.value;
  const currency = Object.entries(NUMERIC).find(([, c]) => c.code === field('53'));
  const merchantId = sub('01') ?? '';
  if (field('00') !== '01' || !kind || sub('00') !== QR_GUID || !UUID.test(merchantId) || !currency)
    return bad('malformed');
  const base = {
    kind,
    merchantId,
    merchantName: field('59') ?? '',
    currency: currency[0],
  } as const;
  if (kind === 'static') return { ok: true, fields: base };
  const extra = parseTlv(field('62') ?? '');
  const requestId = extra?.find((t) => t.tag === '05')?.value ?? '';
  const expires = extra?.find((t) => t.tag === '50')?.value ?? '';
  const amount = amountMinor(field('54') ?? '', currency[1].digits);
  if (!UUID.test(requestId) || !/^\d{1,12}$/.test(expires) || amount === undefined) {
    return bad('malformed');
  }
  const expiresAt = new Date(Number(expires) * 1000);
  if (expiresAt <= now) return bad('expired');
  return { ok: true, fields: { ...base, requestId, amount, expiresAt } };
}
