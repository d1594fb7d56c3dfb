import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { TestUser } from '../../../test/support/app.ts';
import { socialApi, useSocialTestApp } from './testing.ts';
import { findFfmpeg } from './video.ts';

const t = await useSocialTestApp();
const { call, user, befriend, post } = socialApi(t);
const mediaRoot = path.join(t.config.dataDir, 'media');
const ffmpeg = findFfmpeg() ?? 'ffmpeg';
const GPS_TAG = '+39.9042+116.4074/';

const upload = (who: TestUser, contentType: string, body: Buffer) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/media',
    headers: { ...who.auth, 'content-type': contentType },
    payload: body,
  });

const download = (who: TestUser, url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url, headers: { ...who.auth, ...headers } });

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3366cc' } });

/** True if the EXIF block's first directory points to a GPS directory (tag 0x8825). */
function hasGpsDirectory(exif: Buffer): boolean {
  const tiff = exif.subarray(exif.indexOf('Exif\0\0') + 6);
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const ifd0 = little ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4);
  const entries = u16(ifd0);
  for (let i = 0; i < entries; i++) if (u16(ifd0 + 2 + i * 12) === 0x8825) return true;
  return false;
}

// ISO base media (MP4, QuickTime, HEIC) and Matroska headers, as cameras and browsers write them.
const ftyp = (major: string, ...compatible: string[]) => {
  const box = Buffer.alloc(16 + compatible.length * 4);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(major, 8, 'latin1');
  for (const [i, brand] of compatible.entries()) box.write(brand, 16 + i * 4, 'latin1');
  return Buffer.concat([box, Buffer.from('\0\0\0\x08free\0\0\0\x10mdat0123456789ab', 'latin1')]);
};
const webm = Buffer.concat([
  Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01]),
  Buffer.from([0x42, 0xf2, 0x81, 0x04, 0x42, 0xf3, 0x81, 0x08, 0x42, 0x82, 0x84]),
  Buffer.from('webm'),
  Buffer.from([0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02, 0x18, 0x53, 0x80, 0x67]),
]);

describe('image uploads', () => {
  it('re-encode a real PNG or JPEG to WebP with a 320 px thumbnail, stored under media/yyyy/mm', async () => {
    const a = await user();
    const png = await solid(4000, 1000).png().toBuffer();
    const res = await upload(a, 'image/png', png);
    expect(res.statusCode, res.body).toBe(201);
    const view = res.json();
    expect(view).toMatchObject({
      kind: 'image',
      contentType: 'image/webp',
      width: 2048,
      height: 512,
      url: `/api/v1/media/${view.id}`,
      thumbnailUrl: `/api/v1/media/${view.id}/thumbnail`,
      thumbnailPlaceholder: false,
    });
    const now = t.clock.now();
    const month = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(existsSync(path.join(mediaRoot, month, `${view.id}.webp`))).toBe(true);

    const thumb = await download(a, view.thumbnailUrl);
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    const meta = await sharp(thumb.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 320, 80]);

    // A PNG labelled as JPEG is fine: the bytes decide, and they are an image.
    expect((await upload(a, 'image/jpeg', png)).statusCode).toBe(201);
  });

  it('strip EXIF (GPS position included) and apply its orientation', async () => {
    const a = await user();
    const jpeg = await solid(40, 20)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({
        IFD0: { Make: 'TestCam' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '39/1 54/1 1234/100',
          GPSLongitudeRef: 'E',
          GPSLongitude: '116/1 23/1 0/1',
        },
      })
      .toBuffer();
    const sent = await sharp(jpeg).metadata();
    expect(hasGpsDirectory(sent.exif!)).toBe(true);
    expect(sent.orientation).toBe(6);

    const res = await upload(a, 'image/jpeg', jpeg);
    expect(res.statusCode, res.body).toBe(201);
    // Rotated a quarter turn as the camera asked: 40×20 becomes 20×40.
    expect(res.json()).toMatchObject({ width: 20, height: 40 });
    const stored = (await download(a, res.json().url)).rawPayload;
    const meta = await sharp(stored).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(stored.includes(Buffer.from('TestCam'))).toBe(false);
    expect(stored.includes(Buffer.from('Exif'))).toBe(false);
  });

  it('refuse what is not an image by its bytes, whatever the label says', async () => {
    const a = await user();
    const pngHeader = (await solid(2, 2).png().toBuffer()).subarray(0, 16);
    const cases: [string, Buffer, string][] = [
      ['image/png', Buffer.from('just some text, not a picture'), 'unrecognised_format'],
      [
        'image/jpeg',
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
        'unrecognised_format',
      ],
      ['image/png', Buffer.concat([pngHeader, Buffer.alloc(64, 7)]), 'undecodable'],
      ['image/jpeg', ftyp('mp42', 'isom'), 'type_mismatch'],
      ['video/mp4', await solid(2, 2).png().toBuffer(), 'type_mismatch'],
      ['image/jpeg', ftyp('avif', 'mif1'), 'unrecognised_format'],
    ];
    for (const [type, body, reason] of cases) {
      const res = await upload(a, type, body);
      expect(res.statusCode, `${type} ${reason}`).toBe(422);
      expect(res.json()).toMatchObject({ code: 'validation_error', reason });
    }
  });

  it('refuse HEIC, detected by its bytes, with a clear message', async () => {
    const a = await user();
    for (const type of ['image/heic', 'image/jpeg']) {
      const res = await upload(a, type, ftyp('heic', 'mif1', 'heic'));
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({
        code: 'validation_error',
        reason: 'heic_unsupported',
        detail: 'HEIC is not supported; convert to JPEG',
      });
    }
  });

  it('limit images to 10 MB and videos to 50 MB; other types and JSON are refused', async () => {
    const a = await user();
    const bigImage = await upload(a, 'image/png', Buffer.alloc(10 * 1024 * 1024 + 1));
    expect(bigImage.statusCode).toBe(422);
    expect(bigImage.json()).toMatchObject({ reason: 'too_large', maxBytes: 10 * 1024 * 1024 });
    expect(bigImage.json().detail).toContain('10 MB');
    const bigVideo = await upload(
      a,
      'video/mp4',
      Buffer.concat([ftyp('isom'), Buffer.alloc(50 * 1024 * 1024)]),
    );
    expect(bigVideo.statusCode).toBe(422);
    expect(bigVideo.json().detail).toContain('50 MB');
    expect((await upload(a, 'image/gif', Buffer.from('GIF89a'))).statusCode).toBe(415);
    const json = await call('POST', '/api/v1/media', { user: a, body: { file: 'x' } });
    expect(json.statusCode).toBe(415);
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/media',
      headers: { 'content-type': 'image/png' },
      payload: await solid(2, 2).png().toBuffer(),
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

/** A real clip made by the same ffmpeg the server uses: moving test pattern, a tone, a GPS tag. */
async function clip(
  format: 'mp4' | 'mov' | 'webm',
  opts: { seconds?: number; size?: string; audio?: boolean } = {},
): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hebao-clip-'));
  const out = path.join(dir, `clip.${format}`);
  const seconds = String(opts.seconds ?? 1);
  const args = [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc=size=${opts.size ?? '320x240'}:rate=10:duration=${seconds}`],
    ...(opts.audio === false
      ? []
      : ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`]),
    ...(format === 'webm'
      ? ['-c:v', 'libvpx', '-b:v', '200k', '-c:a', 'libvorbis']
      : ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac']),
    // As phones do: the recording's position in a location tag (mp4 needs to be asked).
    ...(format === 'webm'
      ? []
      : ['-movflags', 'use_metadata_tags', '-metadata', `location=${GPS_TAG}`]),
    ...['-metadata', 'title=Hebao test clip', out],
  ];
  execFileSync(ffmpeg, args);
  const data = await readFile(out);
  await rm(dir, { recursive: true, force: true });
  return data;
}

describe('video uploads', () => {
  it('re-encode MP4, QuickTime and WebM to an MP4 without metadata, with a first-frame thumbnail', async () => {
    const a = await user();
    for (const [type, format] of [
      ['video/mp4', 'mp4'],
      ['video/quicktime', 'mov'],
      ['video/webm', 'webm'],
    ] as const) {
      const body = await clip(format);
      if (format !== 'webm') expect(body.includes(GPS_TAG)).toBe(true);
      const res = await upload(a, type, body);
      expect(res.statusCode, `${type} ${res.body}`).toBe(201);
      const view = res.json();
      expect(view).toMatchObject({
        kind: 'video',
        contentType: 'video/mp4',
        width: 320,
        height: 240,
        thumbnailPlaceholder: false,
      });
      const back = await download(a, view.url);
      expect(back.headers['content-type']).toBe('video/mp4');
      expect(back.rawPayload.length).toBe(view.bytes);
      expect(back.rawPayload.toString('latin1', 4, 8)).toBe('ftyp');
      // Location and title are gone; what remains is the encoder's own stream.
      expect(back.rawPayload.includes(GPS_TAG)).toBe(false);
      expect(back.rawPayload.includes('Hebao test clip')).toBe(false);
      const thumb = await download(a, view.thumbnailUrl);
      expect(thumb.headers['content-type']).toBe('image/webp');
      expect(await sharp(thumb.rawPayload).metadata()).toMatchObject({ width: 320, height: 240 });
    }
  });

  it('shrink large frames to 1280 px and keep silent clips silent', async () => {
    const a = await user();
    const res = await upload(
      a,
      'video/mp4',
      await clip('mp4', { size: '1920x1080', audio: false }),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ width: 1280, height: 720 });
  });

  it('refuse clips longer than 60 s, files that only look like videos, and audio alone', async () => {
    const a = await user();
    const long = await upload(a, 'video/mp4', await clip('mp4', { seconds: 61, size: '64x48' }));
    expect(long.statusCode).toBe(422);
    expect(long.json()).toMatchObject({ code: 'validation_error', reason: 'too_long' });
    expect(long.json().detail).toContain('60 seconds');
    for (const [type, fake] of [
      ['video/mp4', ftyp('isom', 'isom', 'avc1', 'mp41')],
      ['video/quicktime', ftyp('qt  ', 'qt  ')],
      ['video/webm', webm],
    ] as const) {
      const res = await upload(a, type, fake);
      expect(res.statusCode, `${type} ${res.body}`).toBe(422);
      expect(res.json().reason).toBe('undecodable');
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hebao-audio-'));
    execFileSync(ffmpeg, [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=duration=1'],
      ...['-c:a', 'aac', path.join(dir, 'tone.mp4')],
    ]);
    const audioOnly = await upload(a, 'video/mp4', await readFile(path.join(dir, 'tone.mp4')));
    await rm(dir, { recursive: true, force: true });
    expect(audioOnly.json()).toMatchObject({ reason: 'no_video_stream' });
    const matroska = Buffer.from(webm);
    matroska.write('mkvx', webm.indexOf('webm'), 'latin1');
    expect((await upload(a, 'video/webm', matroska)).json().reason).toBe('unrecognised_format');
    expect((await upload(a, 'video/mp4', Buffer.from('not a video at all'))).statusCode).toBe(422);
    const { rows } = await t.services.db.query(
      `SELECT count(*)::int AS n FROM media WHERE owner_id = $1`,
      [a.id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('answer byte ranges, as video players ask', async () => {
    const a = await user();
    const { url } = (await upload(a, 'video/mp4', await clip('mp4'))).json();
    const body = (await download(a, url)).rawPayload;
    const part = await download(a, url, { range: 'bytes=4-11' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 4-11/${body.length}`);
    expect(part.rawPayload.equals(body.subarray(4, 12))).toBe(true);
    const tail = await download(a, url, { range: 'bytes=-4' });
    expect(tail.rawPayload.equals(body.subarray(-4))).toBe(true);
    const beyond = await download(a, url, { range: `bytes=${body.length}-` });
    expect(beyond.statusCode).toBe(416);
  });
});

describe('unused uploads', () => {
  it('are deleted with their files a day later; those in posts and recent ones stay', async () => {
    const a = await user();
    const png = await solid(20, 20).png().toBuffer();
    const abandoned = (await upload(a, 'image/png', png)).json();
    const used = (await upload(a, 'image/png', png)).json();
    await post(a, { text: '留下', mediaIds: [used.id] });
    const filesOf = async (id: string) => {
      const { rows } = await t.services.db.query(
        'SELECT path, thumbnail_path FROM media WHERE id = $1',
        [id],
      );
      return rows.length ? [rows[0].path, rows[0].thumbnail_path] : [];
    };
    const abandonedFiles = await filesOf(abandoned.id);
    t.clock.advance(25 * 3_600_000);
    const fresh = (await upload(a, 'image/png', png)).json();
    expect(await t.services.social.media.purgeUnused(24)).toBeGreaterThanOrEqual(1);
    expect(await filesOf(abandoned.id)).toEqual([]);
    for (const f of abandonedFiles) expect(existsSync(path.join(mediaRoot, f))).toBe(false);
    expect((await download(a, abandoned.url)).statusCode).toBe(404);
    for (const id of [used.id, fresh.id]) {
      for (const f of await filesOf(id)) expect(existsSync(path.join(mediaRoot, f))).toBe(true);
    }
    // Too late to use it in a post.
    const late = await call('POST', '/api/v1/posts', {
      user: a,
      body: { text: '晚了', mediaIds: [abandoned.id] },
    });
    expect(late.statusCode).toBe(422);
  });
});

describe('media in posts', () => {
  it('is served to the owner, and to whoever may see its post; everyone else gets 404', async () => {
    const author = await user();
    const friend = await user();
    const stranger = await user();
    const exFriend = await user();
    await befriend(author, friend);
    await befriend(author, exFriend);
    const photo = (await upload(author, 'image/png', await solid(30, 30).png().toBuffer())).json();

    // Unused uploads are their owner's alone.
    expect((await download(author, photo.url)).statusCode).toBe(200);
    expect((await download(friend, photo.url)).statusCode).toBe(404);

    const p = await post(author, { text: '看照片', mediaIds: [photo.id] });
    expect(p.media).toEqual([expect.objectContaining({ id: photo.id, width: 30 })]);
    await call('DELETE', `/api/v1/friends/${author.id}`, { user: exFriend });
    for (const url of [photo.url, photo.thumbnailUrl]) {
      expect((await download(friend, url)).statusCode).toBe(200);
      for (const outsider of [stranger, exFriend]) {
        expect((await download(outsider, url)).statusCode).toBe(404);
      }
    }
    expect((await download(friend, '/api/v1/media/not-an-id')).statusCode).toBe(404);
    expect((await download(friend, `/api/v1/media/${crypto.randomUUID()}`)).statusCode).toBe(404);
  });

  it('must be the poster’s own, unused uploads; deleting the post deletes the files', async () => {
    const a = await user();
    const b = await user();
    const png = await solid(8, 8).png().toBuffer();
    const mine = (await upload(a, 'image/png', png)).json();
    const theirs = (await upload(b, 'image/png', png)).json();
    const other = (await upload(a, 'image/png', png)).json();

    const stolen = await call('POST', '/api/v1/posts', {
      user: a,
      body: { text: 'x', mediaIds: [mine.id, theirs.id] },
    });
    expect(stolen.statusCode).toBe(422);
    expect(stolen.json().field).toBe('mediaIds');
    // The refused post left the upload free.
    const p = await post(a, { text: '', mediaIds: [other.id, mine.id] });
    expect((p.media as { id: string }[]).map((m) => m.id)).toEqual([other.id, mine.id]);
    const reuse = await call('POST', '/api/v1/posts', {
      user: a,
      body: { text: 'again', mediaIds: [mine.id] },
    });
    expect(reuse.statusCode).toBe(422);
    const twice = await call('POST', '/api/v1/posts', {
      user: b,
      body: { text: 'dup', mediaIds: [theirs.id, theirs.id] },
    });
    expect(twice.statusCode).toBe(422);

    const { rows } = await t.services.db.query('SELECT path FROM media WHERE id = $1', [mine.id]);
    const file = path.join(mediaRoot, rows[0].path);
    expect(existsSync(file)).toBe(true);
    expect((await call('DELETE', `/api/v1/posts/${p.id}`, { user: a })).statusCode).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect((await download(a, mine.url)).statusCode).toBe(404);
  });
});
