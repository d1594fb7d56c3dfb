import { describe, expect, it } from 'vitest';
import { checkCharacter, maskIdNumber, maskRealName, parseIdNumber } from './id-number.ts';
import { maskPhone, normalizePhone } from './phone.ts';
import { weakPinReason } from './pin-rules.ts';

const today = new Date('2026-11-25T00:00:00Z');

describe('ID numbers (GB 11643-1999)', () => {
  it('accepts a valid number and derives birth date and gender', () => {
    expect(parseIdNumber('11010519491231002X', today)).toEqual({
      ok: true,
      normalized: '11010519491231002X',
      birthDate: '1949-12-31',
      gender: 'female',
    });
    const male = parseIdNumber('110101199003074514', today);
    expect(male).toMatchObject({ ok: true, gender: 'male', birthDate: '1990-03-07' });
  });
  it('accepts a lower-case x check character', () => {
    expect(parseIdNumber('11010519491231002x', today)).toMatchObject({ ok: true });
  });
  it('refuses a wrong check digit', () => {
    expect(parseIdNumber('110101199003074518', today)).toEqual({
      ok: false,
      reason: 'check_digit',
    });
  });
  it('refuses impossible and future dates', () => {
    const feb30 = `11010120000230123`;
    expect(parseIdNumber(feb30 + checkCharacter(feb30), today)).toEqual({
      ok: false,
      reason: 'date',
    });
    const future = `11010120270101123`;
    expect(parseIdNumber(future + checkCharacter(future), today)).toEqual({
      ok: false,
      reason: 'date',
    });
  });
  it('refuses unknown regions and bad formats', () => {
    const region = `99010119900307451`;
    expect(parseIdNumber(region + checkCharacter(region), today)).toEqual({
      ok: false,
      reason: 'region',
    });
    expect(parseIdNumber('1101011990030745', today)).toEqual({ ok: false, reason: 'format' });
    expect(parseIdNumber('11010119900307451Y', today)).toEqual({ ok: false, reason: 'format' });
  });
  it('masks for display', () => {
    expect(maskIdNumber('110101199003074518')).toBe('1101**********4518');
    expect(maskRealName('张三丰')).toBe('**丰');
    expect(maskRealName('李四')).toBe('*四');
  });
});

describe('phones', () => {
  it('normalises mainland numbers to E.164', () => {
    expect(normalizePhone('13800138000')).toBe('+8613800138000');
    expect(normalizePhone('+86 138-0013-8000')).toBe('+8613800138000');
    expect(normalizePhone('+447700900123')).toBe('+447700900123');
    expect(normalizePhone('12345')).toBeUndefined();
    expect(normalizePhone('+8612345678901')).toBeUndefined();
  });
  it('masks', () => {
    expect(maskPhone('+8613800138000')).toBe('138****8000');
  });
});

describe('PIN rules', () => {
  it('refuses weak PINs', () => {
    for (const pin of [
      '111111',
      '123456',
      '654321',
      '890123',
      '123123',
      '121212',
      '12345',
      'abcdef',
    ]) {
      expect(weakPinReason(pin), pin).toBeDefined();
    }
  });
  it('accepts ordinary PINs', () => {
    for (const pin of ['739104', '280517', '902846'])
      expect(weakPinReason(pin), pin).toBeUndefined();
  });
});
