/**
 * One `Range: bytes=...` request over a file of `size` bytes (RFC 9110 §14.1.2). Videos need
 * it: Safari will not play an MP4 from a server that cannot answer ranges. Several ranges in
 * one header are answered with the whole file, which the RFC allows.
 */
export type ByteRange = { start: number; end: number } | 'whole' | 'unsatisfiable';

export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (!header) return 'whole';
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'whole';
  if (match[1] === '') {
    // A suffix: the last N bytes.
    const length = Number(match[2]);
    if (length === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
