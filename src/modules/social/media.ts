import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { type Db, inTransaction, type Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, invalid, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { declaredKind, KIND_OF, type MediaKind, sniffMediaFormat } from './media-format.ts';
import { type VideoContainer, VideoRefused, type VideoTranscoder } from './video.ts';
import { postVisibleSql } from './visibility.ts';

export interface MediaLimits {
  maxImageBytes: number;
  maxVideoBytes: number;
  /** Decoded pixels an input image may have: stops decompression bombs before they allocate. */
  maxInputPixels: number;
  /** Longest side of the stored image. */
  maxDimension: number;
  thumbnailSize: number;
  /** Photos and videos one post may carry (a 3×3 grid). */
  maxPerPost: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = {
  maxImageBytes: 10 * 1024 * 1024,
  maxVideoBytes: 50 * 1024 * 1024,
  maxInputPixels: 50_000_000,
  maxDimension: 2048,
  thumbnailSize: 320,
  maxPerPost: 9,
};

export interface MediaView {
  id: string;
  kind: MediaKind;
  contentType: string;
  width?: number;
  height?: number;
  bytes: number;
  url: string;
  /** Null only for videos stored before they were re-encoded: clients draw a placeholder. */
  thumbnailUrl: string | null;
  thumbnailPlaceholder: boolean;
}

interface MediaRow {
  id: string;
  owner_id: string;
  kind: MediaKind;
  content_type: string;
  path: string;
  thumbnail_path: string | null;
  width: number | null;
  height: number | null;
  bytes: string;
  post_id: string | null;
  circle_post_id?: string | null;
}

const COLUMNS =
  'm.id, m.owner_id, m.kind, m.content_type, m.path, m.thumbnail_path, m.width, m.height, m.bytes, m.post_id';

function toView(r: MediaRow): MediaView {
  const url = `/api/v1/media/${r.id}`;
  return {
    id: r.id,
    kind: r.kind,
    contentType: r.content_type,
    ...(r.width !== null ? { width: r.width } : {}),
    ...(r.height !== null ? { height: r.height } : {}),
    bytes: Number(r.bytes),
    url,
    thumbnailUrl: r.thumbnail_path ? `${url}/thumbnail` : null,
    thumbnailPlaceholder: r.thumbnail_path === null,
  };
}

const refuse = (detail: string, reason: string) => invalid(detail, { field: 'body', reason });

interface StoredFile {
  relativePath: string;
  data: Buffer;
}

/**
 * Photos and short videos for 生活圈 posts. Images are decoded and re-encoded, which applies
 * the EXIF orientation and drops all metadata (GPS position, camera serial numbers) and anything
 * hidden after the image data. Videos are checked by their container signature, then re-encoded
 * by ffmpeg (see video.ts) into an MP4 without metadata, with a thumbnail from its first frame.
 */
export class MediaService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** `<dataDir>/media`. */
    private readonly root: string,
    readonly limits: MediaLimits = DEFAULT_MEDIA_LIMITS,
    /** null where no ffmpeg is available: video uploads are then refused with 415. */
    private readonly videos: VideoTranscoder | null = null,
  ) {}

  async upload(ownerId: string, contentType: string, body: Buffer): Promise<MediaView> {
    const declared = declaredKind(contentType);
    if (!declared) {
      throw new AppError('unsupported_media_type', `${contentType} is not an accepted upload type`);
    }
    const format = sniffMediaFormat(body);
    if (format === 'heic') {
      throw refuse('HEIC is not supported; convert to JPEG', 'heic_unsupported');
    }
    if (!format || format === 'avif') {
      throw refuse(
        'the file is not a JPEG, PNG or WebP image nor an MP4, QuickTime or WebM video',
        'unrecognised_format',
      );
    }
    // The declared family decides the size limit that was applied, so the bytes must match it.
    if (KIND_OF[format] !== declared) {
      throw refuse(
        `the file is ${KIND_OF[format]} data but was sent as ${contentType}`,
        'type_mismatch',
      );
    }
    const limit = declared === 'image' ? this.limits.maxImageBytes : this.limits.maxVideoBytes;
    if (body.length > limit) {
      throw refuse(`${declared}s may be at most ${limit / 1024 / 1024} MB`, 'too_large');
    }

    const id = newId();
    const now = this.clock.now();
    const dir = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    let row: Omit<MediaRow, 'owner_id' | 'post_id'>;
    let files: StoredFile[];
    if (format === 'mp4' || format === 'mov' || format === 'webm') {
      const video = await this.transcodeVideo(body, format);
      row = {
        id,
        kind: 'video',
        content_type: 'video/mp4',
        path: `${dir}/${id}.mp4`,
        thumbnail_path: `${dir}/${id}.thumb.webp`,
        width: video.width,
        height: video.height,
        bytes: String(video.data.length),
      };
      files = [
        { relativePath: row.path, data: video.data },
        { relativePath: row.thumbnail_path!, data: video.thumbnail },
      ];
    } else {
      const image = await this.reencode(body);
      row = {
        id,
        kind: 'image',
        content_type: 'image/webp',
        path: `${dir}/${id}.webp`,
        thumbnail_path: `${dir}/${id}.thumb.webp`,
        width: image.width,
        height: image.height,
        bytes: String(image.data.length),
      };
      files = [
        { relativePath: row.path, data: image.data },
        { relativePath: row.thumbnail_path!, data: image.thumbnail },
      ];
    }
    await Promise.all(files.map((f) => this.writeAtomically(f)));
    try {
      await this.db.query(
        `INSERT INTO media (id, owner_id, kind, content_type, path, thumbnail_path, width, height, bytes, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          id,
          ownerId,
          row.kind,
          row.content_type,
          row.path,
          row.thumbnail_path,
          row.width,
          row.height,
          row.bytes,
          now,
        ],
      );
    } catch (err) {
      await this.removeFiles(files.map((f) => f.relativePath));
      throw err;
    }
    return toView({ ...row, owner_id: ownerId, post_id: null });
  }

  private async transcodeVideo(
    body: Buffer,
    container: VideoContainer,
  ): Promise<{ data: Buffer; thumbnail: Buffer; width: number; height: number }> {
    if (!this.videos) {
      throw new AppError('unsupported_media_type', 'this server cannot process videos (no ffmpeg)');
    }
    try {
      const { video, frame } = await this.videos.transcode(body, container);
      const size = this.limits.thumbnailSize;
      const image = sharp(frame);
      // The frame's own size is the video's (after the re-encode's scaling).
      const { width, height } = await image.metadata();
      const thumbnail = await image
        .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 70 })
        .toBuffer();
      return { data: video, thumbnail, width: width!, height: height! };
    } catch (err) {
      if (err instanceof VideoRefused) throw refuse(err.message, err.reason);
      throw err;
    }
  }

  private async reencode(
    body: Buffer,
  ): Promise<{ data: Buffer; thumbnail: Buffer; width: number; height: number }> {
    try {
      // failOn 'error' (not the default 'warning'): phone JPEGs often carry harmless warnings.
      const main = await sharp(body, {
        limitInputPixels: this.limits.maxInputPixels,
        failOn: 'error',
      })
        .rotate()
        .resize({
          width: this.limits.maxDimension,
          height: this.limits.maxDimension,
          fit: 'inside',
          withoutEnlargement: true,
        })
        .webp({ quality: 82 })
        .toBuffer({ resolveWithObject: true });
      const size = this.limits.thumbnailSize;
      const thumbnail = await sharp(main.data)
        .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 70 })
        .toBuffer();
      return { data: main.data, thumbnail, width: main.info.width, height: main.info.height };
    } catch (err) {
      const message = (err as Error).message ?? '';
      if (message.includes('pixel limit')) {
        throw refuse('the image has too many pixels', 'too_many_pixels');
      }
      throw refuse('the file could not be decoded as an image', 'undecodable');
    }
  }

  private async writeAtomically(file: StoredFile): Promise<void> {
    const target = path.join(this.root, file.relativePath);
    await mkdir(path.dirname(target), { recursive: true });
    // Written under a temporary name and renamed, so a crash never leaves half a file behind
    // under a name that a row points to.
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, file.data);
    await rename(temporary, target);
  }

  /** Deletes stored files; a file already gone is not an error. */
  async removeFiles(relativePaths: string[]): Promise<void> {
    await Promise.all(
      relativePaths.map((p) => rm(path.join(this.root, p), { force: true }).catch(() => {})),
    );
  }

  /**
   * The file behind a media id, for a viewer who owns it or may see the post that uses it.
   * Everyone else gets not_found, exactly as for an id that does not exist.
   */
  async file(
    viewerId: string,
    id: string,
    variant: 'original' | 'thumbnail',
  ): Promise<{ absolutePath: string; contentType: string; bytes: number }> {
    const { rows } = await this.db.query<MediaRow>(
      `SELECT ${COLUMNS}, m.circle_post_id FROM media m LEFT JOIN posts p ON p.id = m.post_id
        WHERE m.id::text = $2 AND (m.owner_id = $1 OR (p.id IS NOT NULL AND ${postVisibleSql('p', '$1')})
              OR m.circle_post_id IS NOT NULL)`,
      [viewerId, id],
    );
    const row = rows[0];
    if (!row) throw notFound('media');
    // A circle post's photo: the circle decides (its view rules, membership, take-downs).
    if (row.circle_post_id && row.owner_id !== viewerId) {
      const may = await this.circleMediaAccess?.(viewerId, row.circle_post_id);
      if (!may) throw notFound('media');
    }
    const relative = variant === 'original' ? row.path : row.thumbnail_path;
    if (!relative) throw notFound('thumbnail');
    const absolutePath = path.join(this.root, relative);
    const info = await stat(absolutePath).catch(() => undefined);
    if (!info) throw notFound('media');
    return {
      absolutePath,
      contentType: variant === 'original' ? row.content_type : 'image/webp',
      bytes: info.size,
    };
  }

  /**
   * Gives unused uploads of `ownerId` to a post, in the given order. All or nothing: an id that
   * is someone else's, unknown, or already in a post fails the whole post.
   */
  /** Who may see a circle post's media (set by the circles module through the composition root). */
  circleMediaAccess?: (viewerId: string, circlePostId: string) => Promise<boolean>;

  async attachToPost(tx: Queryable, ownerId: string, postId: string, ids: string[]) {
    await this.attach(tx, 'post_id', ownerId, postId, ids);
  }

  /** As `attachToPost`, for a circle's post: the same uploads, the same rules. */
  async attachToCirclePost(tx: Queryable, ownerId: string, circlePostId: string, ids: string[]) {
    await this.attach(tx, 'circle_post_id', ownerId, circlePostId, ids);
  }

  private async attach(
    tx: Queryable,
    column: 'post_id' | 'circle_post_id',
    ownerId: string,
    postId: string,
    ids: string[],
  ) {
    if (ids.length === 0) return;
    if (new Set(ids).size !== ids.length) {
      throw invalid('mediaIds must not repeat an id', { field: 'mediaIds' });
    }
    if (ids.length > this.limits.maxPerPost) {
      throw invalid(`a post may carry at most ${this.limits.maxPerPost} photos or videos`, {
        field: 'mediaIds',
      });
    }
    const { rowCount } = await tx.query(
      `UPDATE media SET ${column} = $3, position = array_position($1::uuid[], id) - 1
        WHERE id = ANY($1::uuid[]) AND owner_id = $2 AND post_id IS NULL AND circle_post_id IS NULL`,
      [ids, ownerId, postId],
    );
    if (rowCount !== ids.length) {
      throw invalid('mediaIds must be your own uploads that no other post uses', {
        field: 'mediaIds',
      });
    }
  }

  /**
   * Deletes uploads that no post took within `olderThanHours` (abandoned drafts), rows first and
   * files after the commit. Safe in several processes at once: each takes rows the others skip.
   * A post attaching one of them at the same moment either wins the row lock first (the upload
   * is kept) or finds it gone and is refused like any unknown upload.
   */
  async purgeUnused(olderThanHours: number, batch = 500): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - olderThanHours * 3_600_000);
    const rows = await inTransaction(this.db, async (tx) => {
      const deleted = await tx.query<{ path: string; thumbnail_path: string | null }>(
        `DELETE FROM media WHERE id IN (
           SELECT id FROM media WHERE post_id IS NULL AND circle_post_id IS NULL AND created_at < $1
            ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING path, thumbnail_path`,
        [cutoff, batch],
      );
      return deleted.rows;
    });
    await this.removeFiles(
      rows.flatMap((r) => [r.path, ...(r.thumbnail_path ? [r.thumbnail_path] : [])]),
    );
    return rows.length;
  }

  /** Removes a post's media rows; returns their files, to delete once the transaction commits. */
  async detachFromPost(tx: Queryable, postId: string): Promise<string[]> {
    const { rows } = await tx.query<{ path: string; thumbnail_path: string | null }>(
      'DELETE FROM media WHERE post_id = $1 RETURNING path, thumbnail_path',
      [postId],
    );
    return rows.flatMap((r) => (r.thumbnail_path ? [r.path, r.thumbnail_path] : [r.path]));
  }

  /** Media of circle posts, by post, in order. */
  async forCirclePosts(postIds: string[]): Promise<Map<string, MediaView[]>> {
    const byPost = new Map<string, MediaView[]>();
    if (postIds.length === 0) return byPost;
    const { rows } = await this.db.query<MediaRow & { circle_post_id: string }>(
      `SELECT ${COLUMNS}, m.circle_post_id FROM media m WHERE m.circle_post_id = ANY($1::uuid[])
        ORDER BY m.circle_post_id, m.position`,
      [postIds],
    );
    for (const r of rows) {
      const list = byPost.get(r.circle_post_id) ?? [];
      list.push(toView(r));
      byPost.set(r.circle_post_id, list);
    }
    return byPost;
  }

  async forPosts(postIds: string[], q: Queryable = this.db): Promise<Map<string, MediaView[]>> {
    const byPost = new Map<string, MediaView[]>();
    if (postIds.length === 0) return byPost;
    const { rows } = await q.query<MediaRow>(
      `SELECT ${COLUMNS} FROM media m WHERE m.post_id = ANY($1::uuid[]) ORDER BY m.post_id, m.position`,
      [postIds],
    );
    for (const r of rows) {
      const list = byPost.get(r.post_id!) ?? [];
      list.push(toView(r));
      byPost.set(r.post_id!, list);
    }
    return byPost;
  }
}
