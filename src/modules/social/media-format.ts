/**
 * What an uploaded file really is, from its first bytes (never from the Content-Type header,
 * which the client chooses). Pure: no I/O, tested directly.
 */

export type MediaFormat = 'jpeg' | 'png' | 'webp' | 'heic' | 'avif' | 'mp4' | 'mov' | 'webm';
export type MediaKind = 'image' | 'video';

export const KIND_OF: Record<MediaFormat, MediaKind> = {
  jpeg: 'image',
  png: 'image',
  webp: 'image',
  heic: 'image',
  avif: 'image',
  mp4: 'video',
  mov: 'video',
  webm: 'video',
};

/** Content types the upload endpoint takes, by the size limit that applies to them. */
export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic'];
export const VIDEO_CONTENT_TYPES = ['video/mp4', 'video/quicktime', 'video/webm'];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

// ISO base media file format brands (the `ftyp` box). HEIF stills and AVIF share the
// container with MP4 and QuickTime; only the brand tells them apart.
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const MP4_BRANDS = new Set([
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'mp41',
  'mp42',
  'mp71',
  'avc1',
  'M4V ',
  'M4VH',
  'M4VP',
  'dash',
  'MSNV',
  'mmp4',
  '3gp4',
  '3gp5',
  '3gp6',
]);

function ascii(buf: Buffer, start: number, end: number): string {
  return buf.subarray(start, end).toString('latin1');
}

function ftypBrands(buf: Buffer): string[] | undefined {
  if (buf.length < 16 || ascii(buf, 4, 8) !== 'ftyp') return undefined;
  const boxSize = buf.readUInt32BE(0);
  if (boxSize < 16 || boxSize > 4096) return undefined;
  const end = Math.min(boxSize, buf.length);
  // major brand, minor version, then compatible brands.
  const brands = [ascii(buf, 8, 12)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(buf, at, at + 4));
  return brands;
}

function isoFormat(buf: Buffer): MediaFormat | undefined {
  const brands = ftypBrands(buf);
  if (!brands) return undefined;
  const [major] = brands;
  // The major brand decides; compatible brands only help when the major one is generic.
  if (major === 'qt  ') return 'mov';
  if (HEIF_BRANDS.has(major!)) return 'heic';
  if (AVIF_BRANDS.has(major!)) return 'avif';
  if (brands.some((b) => HEIF_BRANDS.has(b)) && !brands.some((b) => MP4_BRANDS.has(b))) {
    return 'heic';
  }
  if (brands.some((b) => MP4_BRANDS.has(b))) return 'mp4';
  return undefined;
}

/** WebM is Matroska with the DocType "webm"; a plain .mkv is not accepted. */
function isWebm(buf: Buffer): boolean {
  if (!buf.subarray(0, 4).equals(EBML_MAGIC)) return false;
  const header = buf.subarray(4, 4 + 64);
  // DocType element: id 0x4282, a one-byte size (0x84 = 4), then the string.
  const at = header.indexOf(Buffer.from([0x42, 0x82]));
  return at >= 0 && header.subarray(at + 2, at + 8).includes(Buffer.from('webm'));
}

/** The format the bytes start with, or undefined when they are none that Hebao takes. */
export function sniffMediaFormat(buf: Buffer): MediaFormat | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (buf.length >= 12 && ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') {
    return 'webp';
  }
  if (isWebm(buf)) return 'webm';
  return isoFormat(buf);
}

/** The family a declared Content-Type promises; the bytes must keep that promise. */
export function declaredKind(contentType: string): MediaKind | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (IMAGE_CONTENT_TYPES.includes(type)) return 'image';
  if (VIDEO_CONTENT_TYPES.includes(type)) return 'video';
  return undefined;
}
