import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFriendQrToken, readFriendQrToken } from './qr-token.ts';

const secret = 'qr-test-secret-qr-test-secret-qr-test';
const now = new Date('2026-11-25T08:00:00Z');
const inADay = new Date(now.getTime() + 86_400_000);

describe('friend QR tokens', () => {
  it('carry the user id until they expire', () => {
    const userId = randomUUID();
    const token = createFriendQrToken(secret, userId, inADay);
    expect(token).toMatch(/^hf1\.[\w-]+\.[\w-]+$/);
    expect(readFriendQrToken(secret, token, now)).toEqual({
      ok: true,
      userId,
      expiresAt: inADay,
    });
    expect(readFriendQrToken(secret, token, inADay)).toEqual({ ok: false, reason: 'expired' });
  });

  it('cannot be forged for another user or another expiry', () => {
    const token = createFriendQrToken(secret, randomUUID(), inADay);
    const [prefix, , signature] = token.split('.');
    const otherPayload = Buffer.from(`${randomUUID()}:${Math.floor(inADay.getTime() / 1000)}`);
    const swapped = `${prefix}.${otherPayload.toString('base64url')}.${signature}`;
    expect(readFriendQrToken(secret, swapped, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(readFriendQrToken(`${secret}x`, token, now)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it.each(['', 'hf1', 'hf1..', 'hf2.a.b', 'hf1.bm90IGEgdXNlcg.AAAA', 'a.b.c.d'])(
    'refuses %j as malformed',
    (token) => {
      expect(readFriendQrToken(secret, token, now)).toEqual({ ok: false, reason: 'malformed' });
    },
  );
});
