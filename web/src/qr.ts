/** The receive code: a link that opens the transfer screen with the receiver filled in. */
export function receiveLink(userId: string, nickname: string): string {
  const url = new URL('/transfer', window.location.origin);
  url.searchParams.set('to', userId);
  url.searchParams.set('name', nickname);
  return url.toString();
}

export interface ReceiveTarget {
  userId: string;
  name: string;
}

/** Reads a receive code's text; anything else (another app's code, a random URL) is null. */
export function parseReceiveLink(text: string): ReceiveTarget | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (!/^https?:$/.test(url.protocol) || !url.pathname.endsWith('/transfer')) return null;
  const userId = url.searchParams.get('to') ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(userId)) return null;
  return { userId, name: (url.searchParams.get('name') ?? '').slice(0, 30) };
}

/** Finds a QR code in an uploaded image (jsQR, loaded only when needed). */
export async function decodeQrImage(file: Blob): Promise<string | null> {
  const { default: jsQR } = await import('jsqr');
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1200 / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const image = ctx.getImageData(0, 0, width, height);
  return jsQR(image.data, width, height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

/** A PNG data URL of a QR code for `text` (qrcode, loaded only when needed). */
export async function qrDataUrl(text: string): Promise<string> {
  const QRCode = await import('qrcode');
  return QRCode.toDataURL(text, {
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 560,
    color: { dark: '#0b3d37', light: '#ffffff' },
  });
}
