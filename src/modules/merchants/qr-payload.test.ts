import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../../test/support/fast-check.ts';
import { crc16, encodeQr, parseTlv, qrKey, readQr } from './qr-payload.ts';

const key = qrKey('qr-test-secret-qr-test-secret-qr-test');
const now = new Date('2026-12-06T08:00:00Z');
const later = new Date('2026-12-06T08:05:00Z');

const dynamic = () =>
  encodeQr(key, {
    kind: 'dynamic',
    merchantId: randomUUID(),
    merchantName: '老王烧烤 Lao Wang BBQ',
    currency: 'CNY',
    amount: 1234,
    requestId: randomUUID(),
    expiresAt: later,
  });

describe('merchant QR payloads', () => {
  it('compute the CRC-16/CCITT-FALSE check value', () => {
    expect(crc16('123456789')).toBe('29B1');
  });

  it('read back what they carry, static and dynamic', () => {
    const merchantId = randomUUID();
    const payload = encodeQr(key, {
      kind: 'static',
      merchantId,
      merchantName: '便利店',
      currency: 'CNY',
    });
    expect(payload.startsWith('000201010211')).toBe(true);
    expect(readQr(key, payload, now)).toEqual({
      ok: true,
      fields: { kind: 'static', merchantId, merchantName: '便利店', currency: 'CNY' },
    });
    const requestId = randomUUID();
    const d = encodeQr(key, {
      kind: 'dynamic',
      merchantId,
      merchantName: 'Shop',
      currency: 'CNY',
      amount: 5,
      requestId,
      expiresAt: later,
    });
    expect(parseTlv(d)!.find((t) => t.tag === '54')!.value).toBe('0.05');
    expect(readQr(key, d, now)).toEqual({
      ok: true,
      fields: {
        kind: 'dynamic',
        merchantId,
        merchantName: 'Shop',
        currency: 'CNY',
        amount: 5,
        requestId,
        expiresAt: later,
      },
    });
  });

  it('refuse an expired dynamic code', () => {
    expect(readQr(key, dynamic(), later)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse a code signed with another key', () => {
    expect(readQr(qrKey('another-secret-another-secret-another'), dynamic(), now)).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('refuse any altered character, even with the CRC recomputed', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 32, max: 126 }), (at, code) => {
        const payload = dynamic();
        const i = at % (payload.length - 8);
        const c = String.fromCharCode(code);
        fc.pre(payload[i] !== c);
        const altered = payload.slice(0, i) + c + payload.slice(i + 1);
        expect(readQr(key, altered, now).ok).toBe(false);
        // A forger who fixes the CRC still meets the signature.
        const body = altered.slice(0, -4);
        expect(readQr(key, body + crc16(body), now).ok).toBe(false);
      }),
    );
  });

  it("refuse a static code turned dynamic with an amount of the forger's choosing", () => {
    const payload = encodeQr(key, {
      kind: 'static',
      merchantId: randomUUID(),
      merchantName: 'x',
      currency: 'CNY',
    });
    const forged = payload.replace('010211', '010212');
    const body = forged.slice(0, -4);
    expect(readQr(key, body + crc16(body), now)).toEqual({ ok: false, reason: 'signature' });
    expect(readQr(key, 'not a code', now)).toEqual({ ok: false, reason: 'malformed' });
  });
});
