import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { seqFromCursor } from '../../platform/cursor.ts';
import { invalid } from '../../platform/errors.ts';
import { caller } from '../../platform/http.ts';
import { decodeCursor, encodeCursor, IdParams, ListQuery } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';
import { REPORT_REASONS } from './reviews.ts';

const Reason = Type.Union(REPORT_REASONS.map((r) => Type.Literal(r)));
const Note = Type.String({ minLength: 1, maxLength: 500 });
const BanDays = Type.Integer({ minimum: 1, maximum: 3650 });

/** Reports (users), the review queue, bans and the audit log (operators). */
export const safetyRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const admin = [app.requireUser, app.requireAdmin];

    app.post(
      '/reports',
      {
        onRequest: app.requireUser,
        // Reports cost an operator's attention: a user files a few a minute at most.
        config: {
          rateLimit: {
            max: 20,
            timeWindow: '1 minute',
            hook: 'preHandler',
            keyGenerator: (r: FastifyRequest) => r.user?.id ?? r.ip,
          },
        },
        schema: {
          tags: ['safety'],
          summary: 'Report a post, comment, circle, user or red envelope',
          body: Type.Object(
            {
              target: Type.Object(
                {
                  type: Type.String({
                    pattern: '^[a-z][a-z_]{0,31}$',
                    description:
                      'post | comment | circle | user | red_packet (and types modules add)',
                  }),
                  id: Type.String({ minLength: 1, maxLength: 100 }),
                },
                { additionalProperties: false },
              ),
              reason: Reason,
              detail: Type.Optional(Type.String({ maxLength: 500 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ id: Type.String(), status: Type.String() }),
            201: Type.Object({ id: Type.String(), status: Type.String() }),
          },
        },
      },
      async (request, reply) => {
        const { target, reason, detail } = request.body;
        const result = await s.reviews.report(caller(request).id, {
          target,
          reason,
          ...(detail ? { detail } : {}),
        });
        return reply.code(result.created ? 201 : 200).send(result.report);
      },
    );

    app.get(
      '/admin/reviews',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'The review queue: one item per target, most reported first',
          querystring: ListQuery({
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])),
          }),
        },
      },
      async (request) => {
        const { status = 'open', limit = 20, cursor } = request.query;
        return s.reviews.queue(status, { limit, ...(cursor ? { cursor } : {}) });
      },
    );

    app.post(
      '/admin/reviews/:id/decision',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Dismiss, take down, or ban the author',
          params: IdParams,
          body: Type.Object(
            {
              action: Type.Union([
                Type.Literal('dismiss'),
                Type.Literal('take_down'),
                Type.Literal('ban_author'),
              ]),
              banDays: Type.Optional(BanDays),
              note: Note,
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const { action, banDays, note } = request.body;
        return s.reviews.decide(caller(request).id, request.params.id, {
          action,
          note,
          ...(banDays !== undefined ? { banDays } : {}),
        });
      },
    );

    app.post(
      '/admin/users/:id/bans',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Ban a user: for `days`, or permanently (identity and devices too)',
          params: IdParams,
          body: Type.Object(
            { days: Type.Optional(BanDays), reason: Note },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({
              id: Type.String(),
              permanent: Type.Boolean(),
              until: Type.Optional(Type.String()),
            }),
          },
        },
      },
      async (request, reply) => {
        const { days, reason } = request.body;
        const ban = await s.bans.ban(caller(request).id, request.params.id, {
          reason,
          ...(days !== undefined ? { days } : {}),
        });
        return reply.code(201).send(ban);
      },
    );

    app.delete(
      '/admin/bans/:id',
      {
        onRequest: admin,
        schema: { tags: ['admin'], summary: 'Lift a ban', params: IdParams },
      },
      async (request, reply) => {
        await s.bans.lift(caller(request).id, request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/admin/bans',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Bans, newest first (active only by default)',
          querystring: ListQuery({
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('all')])),
          }),
        },
      },
      async (request) => {
        const { status = 'active', limit = 20, cursor } = request.query;
        const raw = decodeCursor(cursor);
        if (raw !== undefined && !/^\d{1,7}$/.test(raw)) {
          throw invalid('cursor is not one this server gave out', { field: 'cursor' });
        }
        const offset = Number(raw ?? 0);
        const { rows } = await s.bans.list({ active: status === 'active', limit, offset });
        return {
          items: rows.slice(0, limit),
          nextCursor: rows.length > limit ? encodeCursor(offset + limit) : null,
        };
      },
    );

    app.get(
      '/admin/audit',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'The audit log of operator actions, newest first',
          querystring: ListQuery({ action: Type.Optional(Type.String({ maxLength: 60 })) }),
        },
      },
      async (request) => {
        const { action, limit = 20, cursor } = request.query;
        const before = seqFromCursor(cursor);
        return s.audit.list({
          limit,
          ...(before !== undefined ? { before } : {}),
          ...(action ? { action } : {}),
        });
      },
    );
  };
