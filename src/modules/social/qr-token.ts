/**
 * The personal "add me" QR code carries a signed, expiring token:
 * `hf1.<base64url(userId:expiresAtSeconds)>.<base64url(HMAC-SHA256)>`. Anyone who scans it
 * may send its owner a friend request, whatever the owner's phone privacy says; the signature
 * stops forging one for another user, the expiry bounds how long a photo of it stays useful.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'hf1';

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`friend-qr:${payload}`).digest();
}

export function createFriendQrToken(secret: string, userId: string, expiresAt: Date): string {
  const payload = `${userId}:${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${PREFIX}.${Buffer.from(payload).toString('base64url')}.${sign(secret, payload).toString('base64url')}`;
}

export type QrTokenCheck =
  | { ok: true; userId: string; expiresAt: Date }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export function readFriendQrToken(secret: string, token: string, now: Date): QrTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return { ok: false, reason: 'malformed' };
  const payload = Buffer.from(parts[1]!, 'base64url').toString('utf8');
  const match = /^([0-9a-f-]{36}):(\d{1,12})$/.exec(payload);
  if (!match) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(parts[2]!, 'base64url');
  const expected = sign(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  const expiresAt = new Date(Number(match[2]) * 1000);
  if (expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, userId: match[1]!, expiresAt };
}
