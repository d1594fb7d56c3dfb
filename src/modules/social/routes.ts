import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { seqFromCursor, timePage } from '../../platform/cursor.ts';
import { caller } from '../../platform/http.ts';
import { Body, IdParams, ListQuery, Page } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';
import { mediaRoutes } from './media-routes.ts';
import {
  CommentBody,
  CommentSchema,
  CreatePostBody,
  FeedItemSchema,
  FriendQrSchema,
  FriendRequestBody,
  FriendSchema,
  IncomingRequestSchema,
  LikeSchema,
  PostSchema,
  PrivacyPatch,
  PrivacySchema,
  RequestOutcomeSchema,
  SentRequestSchema,
} from './schemas.ts';

/** Friend requests one user may send per minute: requests are a spam channel. */
const FRIEND_REQUESTS_PER_MINUTE = 30;

const UserIdParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 100 }) });

const seqPage = (q: { limit?: number; cursor?: string }) => {
  const beforeSeq = seqFromCursor(q.cursor);
  return { limit: q.limit ?? 20, ...(beforeSeq !== undefined ? { beforeSeq } : {}) };
};

/** Friends, blocks, privacy, the feed, 生活圈 posts with likes and comments, and media. */
export const socialRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { friends, privacy, feed, posts } = s.social;
    const auth = { onRequest: app.requireUser };

    app.get(
      '/friends/qr',
      {
        ...auth,
        schema: {
          tags: ['social'],
          summary: 'My personal QR code for friend requests (valid 24 h)',
          response: { 200: FriendQrSchema },
        },
      },
      async (request) => friends.qrCode(caller(request).id),
    );

    app.post(
      '/friends/requests',
      {
        ...auth,
        config: {
          rateLimit: {
            max: FRIEND_REQUESTS_PER_MINUTE,
            timeWindow: '1 minute',
            hook: 'preHandler',
            keyGenerator: (r: FastifyRequest) => r.user?.id ?? r.ip,
          },
        },
        schema: {
          tags: ['social'],
          summary: 'Ask someone (by userId, phone or qrToken) to be friends',
          description:
            '201 for a new request; 200 with the existing one when it was already sent, or with status "accepted" when they had asked first.',
          body: FriendRequestBody,
          response: { 200: RequestOutcomeSchema, 201: RequestOutcomeSchema },
        },
      },
      async (request, reply) => {
        const { message, ...target } = request.body;
        const outcome = await friends.sendRequest(caller(request).id, target, message);
        return reply
          .code(outcome.created ? 201 : 200)
          .send({ id: outcome.id, status: outcome.status });
      },
    );

    app.get(
      '/friends/requests',
      {
        ...auth,
        schema: {
          tags: ['social'],
          summary: 'Friend requests waiting for my answer',
          querystring: ListQuery({}),
          response: { 200: Page(IncomingRequestSchema) },
        },
      },
      async (request) => friends.incomingRequests(caller(request).id, timePage(request.query)),
    );

    app.get(
      '/friends/requests/sent',
      {
        ...auth,
        schema: {
          tags: ['social'],
          summary: 'My friend requests still waiting for an answer',
          querystring: ListQuery({}),
          response: { 200: Page(SentRequestSchema) },
        },
      },
      async (request) => friends.sentRequests(caller(request).id, timePage(request.query)),
    );

    for (const answer of ['accept', 'decline'] as const) {
      app.post(
        `/friends/requests/:id/${answer}`,
        {
          ...auth,
          schema: {
            tags: ['social'],
            summary: `${answer} a friend request sent to me`,
            params: IdParams,
            response: { 200: RequestOutcomeSchema },
          },
        },
        async (request) => friends.answerRequest(caller(request).id, request.params.id, answer),
      );
    }

    app.get(
      '/friends',
      {
        ...auth,
        schema: {
          tags: ['social'],
          summary: 'My friends, the newest first',
          querystring: ListQuery({}),
          response: { 200: Page(FriendSchema) },
        },
      },
      async (request) => friends.friends(caller(request).id, timePage(request.query)),
    );

    app.get(
      '/users/:id',
      {
        ...auth,
        schema: {
          tags: ['social'],
          summary: 'Another user: nickname and where we stand (404 if unknown or blocked)',
          params: IdParams,
          response: {
            200: Type.Object({
              id: Type.String(),
              nickname: Type.String(),
              relation: Type.Union([
                Type.Literal('self'),
                Type.Literal('friend'),
                Type.Literal('request_sent'),
                Type.Literal('request_received'),
                Type.Literal('none'),
              ]),
            }),
          },
        },
      },
      async (request) => friends.profile(caller(request).id, request.params.id),
    );

    app.delete(
      '/friends/:userId',
      {
        ...auth,
        schema: { tags: ['social'], params: UserIdParams },
      },
      async (request, reply) => {
        await friends.unfriend(caller(request).id, request.params.userId);
        return reply.code(204).send();
      },
    );

    app.post(
      '/blocks',
      {
        ...auth,
        schema: {
          tags: ['social'],
          summary: 'Block a user: ends the friendship; no requests, money or feed either way',
          body: Body({ userId: Type.String({ minLength: 1, maxLength: 100 }) }),
          response: { 201: FriendSchema },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await friends.block(caller(request).id, request.body.userId)),
    );

    app.delete(
      '/blocks/:userId',
      {
        ...auth,
        schema: { tags: ['social'], params: UserIdParams },
      },
      async (request, reply) => {
        await friends.unblock(caller(request).id, request.params.userId);
        return reply.code(204).send();
      },
    );

    app.get(
      '/blocks',
      {
        ...auth,
        schema: {
          tags: ['social'],
          summary: 'Users I blocked, the newest first',
          querystring: ListQuery({}),
          response: { 200: Page(FriendSchema) },
        },
      },
      async (request) => friends.blocks(caller(request).id, timePage(request.query)),
    );

    app.get(
      '/me/privacy',
      { ...auth, schema: { tags: ['social'], response: { 200: PrivacySchema } } },
      async (request) => privacy.settings(caller(request).id),
    );

    app.patch(
      '/me/privacy',
      {
        ...auth,
        schema: { tags: ['social'], body: PrivacyPatch, response: { 200: PrivacySchema } },
      },
      async (request) => privacy.update(caller(request).id, request.body),
    );

    app.get(
      '/feed',
      {
        ...auth,
        schema: {
          tags: ['social'],
          summary: "Friends' shared payments (never amounts) and posts, and my own; newest first",
          querystring: ListQuery({}),
          response: {
            200: Type.Object({
              items: Type.Array(FeedItemSchema),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      async (request) => feed.feed(caller(request).id, seqPage(request.query)),
    );

    app.post(
      '/posts',
      {
        ...auth,
        schema: {
          tags: ['social'],
          summary: 'Share a 生活圈 post (visibility defaults to friends)',
          body: CreatePostBody,
          response: { 201: PostSchema },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await posts.create(caller(request).id, request.body)),
    );

    app.get(
      '/posts/:id',
      { ...auth, schema: { tags: ['social'], params: IdParams, response: { 200: PostSchema } } },
      async (request) => posts.post(caller(request).id, request.params.id),
    );

    app.delete(
      '/posts/:id',
      { ...auth, schema: { tags: ['social'], params: IdParams } },
      async (request, reply) => {
        await posts.remove(caller(request).id, request.params.id);
        return reply.code(204).send();
      },
    );

    for (const [method, liked] of [
      ['PUT', true],
      ['DELETE', false],
    ] as const) {
      app.route({
        method,
        url: '/posts/:id/like',
        ...auth,
        schema: {
          tags: ['social'],
          summary: liked ? 'Like a post (idempotent)' : 'Take back a like (idempotent)',
          params: IdParams,
          response: { 200: LikeSchema },
        },
        handler: async (request) => posts.setLike(caller(request).id, request.params.id, liked),
      });
    }

    app.post(
      '/posts/:id/comments',
      {
        ...auth,
        schema: {
          tags: ['social'],
          params: IdParams,
          body: CommentBody,
          response: { 201: CommentSchema },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await posts.comment(caller(request).id, request.params.id, request.body.text)),
    );

    app.get(
      '/posts/:id/comments',
      {
        ...auth,
        schema: {
          tags: ['social'],
          params: IdParams,
          querystring: ListQuery({}),
          response: { 200: Page(CommentSchema) },
        },
      },
      async (request) =>
        posts.comments(caller(request).id, request.params.id, seqPage(request.query)),
    );

    app.delete(
      '/comments/:id',
      { ...auth, schema: { tags: ['social'], params: IdParams } },
      async (request, reply) => {
        await posts.removeComment(caller(request).id, request.params.id);
        return reply.code(204).send();
      },
    );

    await app.register(mediaRoutes(s));
  };
