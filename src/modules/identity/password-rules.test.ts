import { describe, expect, it } from 'vitest';
import { loginDelaySeconds } from './login-throttle.ts';
import { weakPasswordReason } from './password-rules.ts';

describe('password rules', () => {
  it('refuses the most used passwords, also with digits or symbols tacked on', () => {
    for (const p of [
      'password',
      'iloveyou1',
      'Sunshine',
      'monkey2024!',
      'woaini1314',
      'qq123456',
    ]) {
      expect(weakPasswordReason(p), p).toBe('common');
    }
  });
  it('refuses the phone number, or its last eight digits', () => {
    expect(weakPasswordReason('13912345678', '+8613912345678')).toBe('phone');
    expect(weakPasswordReason('hb13912345678', '+8613912345678')).toBe('phone');
    expect(weakPasswordReason('x12345678', '+8613912345678')).toBe('phone');
    expect(weakPasswordReason('447700900123', '+447700900123')).toBe('phone');
  });
  it('refuses repeated characters and repeated short units', () => {
    for (const p of ['zzzzzzzz', 'xyzxyzxyz', 'k9k9k9k9', 'ggggtttt', 'ab1ab1ab1']) {
      expect(weakPasswordReason(p), p).toBe('repeated');
    }
  });
  it('refuses runs along the alphabet, the digits or a keyboard row', () => {
    for (const p of ['hijklmnop', '98765432', 'sdfghjkl', 'poiuytrewq', 'acegikmo']) {
      expect(weakPasswordReason(p), p).toBe('sequence');
    }
  });
  it('accepts passphrases and ordinary strong passwords', () => {
    for (const p of ['correct horse', 'lotus-pond-2024', 'Tq8#vLm2pX', '荷包里的月亮2026']) {
      expect(weakPasswordReason(p, '+8613912345678'), p).toBeUndefined();
    }
  });
});

describe('log-in backoff', () => {
  const policy = { freeTries: 5, baseDelaySeconds: 30, maxDelaySeconds: 3600 };
  it('is free for the first tries, then doubles from the base up to the maximum', () => {
    expect([1, 4].map((f) => loginDelaySeconds(f, policy))).toEqual([0, 0]);
    expect([5, 6, 7, 8].map((f) => loginDelaySeconds(f, policy))).toEqual([30, 60, 120, 240]);
    expect(loginDelaySeconds(12, policy)).toBe(3600);
    expect(loginDelaySeconds(10_000, policy)).toBe(3600);
  });
});
