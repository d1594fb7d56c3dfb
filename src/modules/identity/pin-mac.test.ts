import { describe, expect, it } from 'vitest';
import { PinKeyring, pinKeyring } from './pin-mac.ts';

const SECRET = 'test-secret-test-secret-test-secret-0123';
const USER = '0b7f3c1e-2d4a-4e8b-9c6f-1a2b3c4d5e6f';

describe('PIN MACs', () => {
  it('verifies the right PIN only, bound to its user', () => {
    const ring = pinKeyring(SECRET);
    const stored = ring.seal(USER, '739104');
    expect(PinKeyring.isMac(stored)).toBe(true);
    expect(ring.verify(stored, USER, '739104')).toBe('match');
    expect(ring.verify(stored, USER, '739105')).toBe('mismatch');
    expect(ring.verify(stored, '1b7f3c1e-2d4a-4e8b-9c6f-1a2b3c4d5e6f', '739104')).toBe('mismatch');
  });

  it('depends on the key: another secret cannot check it', () => {
    const stored = pinKeyring(SECRET).seal(USER, '739104');
    const other = pinKeyring('another-secret-another-secret-another-00');
    expect(other.verify(stored, USER, '739104')).toBe('mismatch');
  });

  it('seals under the first key and still verifies the older ones', () => {
    const old = pinKeyring(SECRET);
    const rotated = pinKeyring(SECRET, [{ id: 'k1', secret: 'x'.repeat(32) }]);
    expect(rotated.currentId).toBe('k1');
    expect(rotated.verify(old.seal(USER, '739104'), USER, '739104')).toBe('match_old_key');
    const fresh = rotated.seal(USER, '739104');
    expect(fresh.startsWith('hmac-sha256$k1$')).toBe(true);
    expect(rotated.verify(fresh, USER, '739104')).toBe('match');
    expect(() => old.verify(fresh, USER, '739104')).toThrow(/not configured/);
  });
});
