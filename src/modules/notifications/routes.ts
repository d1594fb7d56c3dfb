import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { seqFromCursor } from '../../platform/cursor.ts';
import { invalid } from '../../platform/errors.ts';
import { caller } from '../../platform/http.ts';
import { Body, encodeCursor } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

export const notificationRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Open event streams never end on their own: at shutdown they are closed (clients
    // reconnect with Last-Event-ID elsewhere) so that closing waits only for real requests.
    const streams = new Set<import('node:http').ServerResponse>();
    app.addHook('preClose', async () => {
      for (const res of streams) res.end();
    });
    app.get(
      '/notifications',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['notifications'],
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
              cursor: Type.Optional(Type.String({ maxLength: 100 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const userId = caller(request).id;
        const page = await s.notifications.list(
          userId,
          request.query.limit ?? 20,
          seqFromCursor(request.query.cursor),
        );
        return {
          items: page.items,
          nextCursor: page.nextSeq === null ? null : encodeCursor(page.nextSeq),
          unread: await s.notifications.unreadCount(userId),
        };
      },
    );

    app.get(
      '/notifications/unread-count',
      { onRequest: app.requireUser, schema: { tags: ['notifications'] } },
      async (request) => ({
        unread: await s.notifications.unreadCount(caller(request).id),
      }),
    );

    app.post(
      '/notifications/read',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['notifications'],
          summary: 'Mark some (ids) or all notifications read',
          body: Body({
            ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
            all: Type.Optional(Type.Boolean()),
          }),
        },
      },
      async (request) => {
        const { ids, all } = request.body;
        if (!ids && !all) throw invalid('give ids or all: true');
        const userId = caller(request).id;
        await s.notifications.markRead(userId, all ? 'all' : ids!);
        return { unread: await s.notifications.unreadCount(userId) };
      },
    );

    // Server-Sent Events. On (re)connect, Last-Event-ID (or ?after=) replays what was missed.
    app.get(
      '/notifications/stream',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['notifications'],
          summary: 'Live notifications (text/event-stream)',
          querystring: Type.Object(
            { after: Type.Optional(Type.Integer({ minimum: 0 })) },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const userId = caller(request).id;
        const header = request.headers['last-event-id'];
        let cursor = Number(
          typeof header === 'string' && /^\d+$/.test(header) ? header : (request.query.after ?? -1),
        );
        if (cursor < 0) {
          const latest = await s.notifications.list(userId, 1);
          cursor = latest.items[0]?.seq ?? 0;
        }
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        let sending = Promise.resolve();
        const flush = () => {
          sending = sending
            .then(async () => {
              const missed = await s.notifications.since(userId, cursor);
              for (const n of missed) {
                res.write(`id: ${n.seq}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`);
                cursor = n.seq;
              }
              if (missed.length) {
                res.write(
                  `event: unread\ndata: ${JSON.stringify({ unread: await s.notifications.unreadCount(userId) })}\n\n`,
                );
              }
            })
            .catch((err) => request.log.warn({ err }, 'notification stream write failed'));
        };
        const unsubscribe = s.notifications.subscribe(userId, flush);
        // Other live events (a conversation's messages) carry no id: Last-Event-ID stays the
        // last notification's, which is what a reconnect replays from.
        const unsubscribeEvents = s.notifications.subscribeEvents(userId, (event, data) => {
          res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        });
        streams.add(res);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
        res.write(`retry: 3000\n\n`);
        flush();
        request.raw.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
          unsubscribeEvents();
          streams.delete(res);
        });
      },
    );
  };
