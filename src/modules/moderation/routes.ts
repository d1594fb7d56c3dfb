import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../platform/errors.ts';
import type { Services } from '../../services.ts';

export const moderationRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const admin = [app.requireUser, app.requireAdmin];
    app.get(
      '/admin/moderation/decisions',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Held and refused texts, newest first',
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
              before: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => ({
        items: await s.moderation.queue(request.query.limit ?? 50, request.query.before),
      }),
    );
    app.post(
      '/admin/moderation/reload',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Re-read the term lists (bundled and <dataDir>/moderation)',
        },
      },
      async () => {
        try {
          s.moderation.reload();
        } catch (err) {
          throw new AppError(
            'validation_error',
            `term files not reloaded: ${(err as Error).message}`,
          );
        }
        return { reloaded: true };
      },
    );
  };
