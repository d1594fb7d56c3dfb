import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { timePage } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { caller } from '../../platform/http.ts';
import { ListQuery } from '../../platform/schemas.ts';
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
          querystring: ListQuery({}),
        },
      },
      async (request) => s.moderation.queue(timePage(request.query)),
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
      async (request) => {
        let error: string | undefined;
        try {
          s.moderation.reload();
        } catch (err) {
          error = (err as Error).message;
        }
        // Audited whether or not the files were good: an operator changed what the filter reads.
        await s.audit.record(s.db, {
          actorId: caller(request).id,
          action: 'moderation.reload',
          target: { type: 'moderation_terms', id: 'all' },
          detail: error ? { reloaded: false, error } : { reloaded: true },
        });
        if (error) throw new AppError('validation_error', `term files not reloaded: ${error}`);
        return { reloaded: true };
      },
    );
  };
