import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, invalid } from '../../platform/errors.ts';
import { caller } from '../../platform/http.ts';
import { IdParams } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';
import { parseByteRange } from './byte-range.ts';
import { declaredKind, IMAGE_CONTENT_TYPES, VIDEO_CONTENT_TYPES } from './media-format.ts';
import { MediaViewSchema } from './schemas.ts';

/** Uploads one user may start per minute: media costs disk and CPU (re-encoding). */
const UPLOADS_PER_MINUTE = 60;

async function sendMediaFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: { absolutePath: string; contentType: string; bytes: number },
) {
  // Private: the file is for this signed-in viewer; an id's bytes never change.
  reply
    .header('cache-control', 'private, max-age=3600')
    .header('x-content-type-options', 'nosniff')
    .header('accept-ranges', 'bytes')
    .type(file.contentType);
  const range = parseByteRange(request.headers.range, file.bytes);
  if (range === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${file.bytes}`).send();
  }
  if (range === 'whole') {
    return reply.header('content-length', file.bytes).send(createReadStream(file.absolutePath));
  }
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${file.bytes}`)
    .header('content-length', range.end - range.start + 1)
    .send(createReadStream(file.absolutePath, { start: range.start, end: range.end }));
}

/**
 * Media upload and download. A child plugin, so its raw-body parsers for image and video
 * types apply to these routes only; everywhere else the API stays JSON-only.
 */
export const mediaRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const limits = s.social.media.limits;
    const keepBuffer = (_req: FastifyRequest, body: Buffer, done: (e: null, b: Buffer) => void) =>
      done(null, body);
    app.addContentTypeParser(
      IMAGE_CONTENT_TYPES,
      { parseAs: 'buffer', bodyLimit: limits.maxImageBytes },
      keepBuffer,
    );
    app.addContentTypeParser(
      VIDEO_CONTENT_TYPES,
      { parseAs: 'buffer', bodyLimit: limits.maxVideoBytes },
      keepBuffer,
    );
    // Errors thrown here go on to the app's handler, which writes the problem document.
    app.setErrorHandler((err: FastifyError, request) => {
      if (err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw err;
      const kind = declaredKind(request.headers['content-type'] ?? '') ?? 'image';
      const max = kind === 'video' ? limits.maxVideoBytes : limits.maxImageBytes;
      throw invalid(`${kind}s may be at most ${max / 1024 / 1024} MB`, {
        field: 'body',
        reason: 'too_large',
        maxBytes: max,
      });
    });

    app.post(
      '/media',
      {
        onRequest: app.requireUser,
        config: {
          rateLimit: {
            max: UPLOADS_PER_MINUTE,
            timeWindow: '1 minute',
            // Before the body is read, so a limited client cannot make us buffer 50 MB.
            hook: 'preParsing',
            keyGenerator: (r: FastifyRequest) => r.user?.id ?? r.ip,
          },
        },
        schema: {
          tags: ['social'],
          summary: 'Upload a photo or short video (the raw file as the body)',
          description: `Content-Type: ${[...IMAGE_CONTENT_TYPES, ...VIDEO_CONTENT_TYPES].join(', ')}. Images up to ${limits.maxImageBytes / 1048576} MB are re-encoded (orientation applied, metadata removed, at most ${limits.maxDimension} px); videos up to ${limits.maxVideoBytes / 1048576} MB and 60 s are re-encoded to H.264 MP4 without metadata, with a thumbnail. HEIC is refused.`,
          response: { 201: MediaViewSchema },
        },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body)) {
          throw new AppError(
            'unsupported_media_type',
            `send the file itself with one of: ${[...IMAGE_CONTENT_TYPES, ...VIDEO_CONTENT_TYPES].join(', ')}`,
          );
        }
        const view = await s.social.media.upload(
          caller(request).id,
          request.headers['content-type'] ?? '',
          request.body,
        );
        return reply.code(201).send(view);
      },
    );

    for (const variant of ['original', 'thumbnail'] as const) {
      app.get(
        variant === 'original' ? '/media/:id' : '/media/:id/thumbnail',
        {
          onRequest: app.requireUser,
          schema: {
            tags: ['social'],
            summary:
              variant === 'original'
                ? 'A photo or video, for its owner and whoever may see its post'
                : 'A 320 px WebP thumbnail: the photo, or a video’s first frame',
            params: IdParams,
          },
        },
        async (request, reply) =>
          sendMediaFile(
            request,
            reply,
            await s.social.media.file(caller(request).id, request.params.id, variant),
          ),
      );
    }
  };
