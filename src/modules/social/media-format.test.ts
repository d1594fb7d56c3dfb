import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseByteRange } from './byte-range.ts';
import { declaredKind, sniffMediaFormat } from './media-format.ts';

const bytes = (...parts: (number[] | string)[]) =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );

const ftyp = (major: string, ...compatible: string[]) => {
  const box = Buffer.alloc(16 + compatible.length * 4);
  box.writeUInt32BE(box.length, 0);
  box.write(`ftyp${major}`, 4, 'latin1');
  for (const [i, brand] of compatible.entries()) box.write(brand, 16 + i * 4, 'latin1');
  return box;
};

describe('sniffMediaFormat', () => {
  it.each([
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF')],
    ['png', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
    ['webp', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ')],
    ['heic', ftyp('heic', 'mif1', 'heic')],
    ['heic', ftyp('mif1', 'heic')],
    ['avif', ftyp('avif', 'mif1', 'avif')],
    ['mp4', ftyp('isom', 'isom', 'avc1')],
    ['mp4', ftyp('mp42', 'mp41')],
    ['mov', ftyp('qt  ', 'qt  ')],
    [
      'webm',
      bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm'),
    ],
  ])('recognises %s', (format, buf) => {
    expect(sniffMediaFormat(buf)).toBe(format);
  });

  it.each([
    ['text', bytes('hello, this is not an image')],
    ['svg', bytes('<svg xmlns="http://www.w3.org/2000/svg"></svg>')],
    ['gif', bytes('GIF89a', [1, 0, 1, 0])],
    [
      'matroska that is not webm',
      bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88], 'matroska'),
    ],
    ['an unknown ftyp brand', ftyp('zzzz', 'yyyy')],
    [
      'a lying ftyp size',
      Buffer.concat([bytes([0xff, 0xff, 0xff, 0xff]), ftyp('isom').subarray(4)]),
    ],
    ['a RIFF that is not WebP', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt ')],
    ['nothing', Buffer.alloc(0)],
  ])('refuses %s', (_name, buf) => {
    expect(sniffMediaFormat(buf)).toBeUndefined();
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (arr) => {
        sniffMediaFormat(Buffer.from(arr));
      }),
    );
  });
});

describe('declaredKind', () => {
  it('maps accepted content types to their family, ignoring parameters and case', () => {
    expect(declaredKind('image/JPEG; q=1')).toBe('image');
    expect(declaredKind('video/quicktime')).toBe('video');
    expect(declaredKind('image/gif')).toBeUndefined();
    expect(declaredKind('application/json')).toBeUndefined();
  });
});

describe('parseByteRange', () => {
  it('reads the forms players send', () => {
    expect(parseByteRange(undefined, 100)).toBe('whole');
    expect(parseByteRange('bytes=0-', 100)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseByteRange('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=20-10', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=0-1,5-6', 100)).toBe('whole');
    expect(parseByteRange('items=0-1', 100)).toBe('whole');
  });

  it('always stays inside the file', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.option(fc.nat(2e6)),
        fc.option(fc.nat(2e6)),
        (size, from, to) => {
          const r = parseByteRange(`bytes=${from ?? ''}-${to ?? ''}`, size);
          if (typeof r === 'object') {
            expect(r.start).toBeGreaterThanOrEqual(0);
            expect(r.end).toBeLessThan(size);
            expect(r.start).toBeLessThanOrEqual(r.end);
          }
        },
      ),
    );
  });
});
