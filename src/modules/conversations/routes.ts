import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { seqFromCursor } from '../../platform/cursor.ts';
import { caller } from '../../platform/http.ts';
import { Body, encodeCursor, IdParams, ListQuery, Page } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Longest text message, in characters (WeChat's is far longer; a wallet's chat needs less). */
export const MAX_MESSAGE_LENGTH = 2000;

const Message = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  senderId: Type.String(),
  kind: Type.Union([
    Type.Literal('text'),
    Type.Literal('transfer'),
    Type.Literal('red_packet'),
    Type.Literal('collection'),
    Type.Literal('system'),
  ]),
  text: Type.Optional(Type.String()),
  refId: Type.Optional(Type.String()),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  createdAt: Type.String(),
  held: Type.Optional(Type.Literal(true)),
});

const ConversationItem = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
  peer: Type.Optional(Type.Object({ userId: Type.String(), nickname: Type.String() })),
  groupId: Type.Optional(Type.String()),
  groupName: Type.Optional(Type.String()),
  lastMessage: Nullable(Message),
  unread: Type.Integer(),
});

export const conversationRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Per user, not per address: a chat is where spam would come from one account.
    const perUser = (max: number) => ({
      rateLimit: {
        max,
        timeWindow: '1 minute',
        hook: 'preHandler' as const,
        keyGenerator: (r: FastifyRequest) => r.user?.id ?? r.ip,
      },
    });

    app.post(
      '/conversations',
      {
        onRequest: app.requireUser,
        config: perUser(s.config.conversations.opensPerMinute),
        schema: {
          tags: ['conversations'],
          summary: 'The direct conversation with a friend: 200 existing, 201 new',
          body: Body({ userId: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 200: ConversationItem, 201: ConversationItem },
        },
      },
      async (request, reply) => {
        const { created, conversation } = await s.conversations.openDirect(
          caller(request).id,
          request.body.userId,
        );
        return reply.code(created ? 201 : 200).send(conversation);
      },
    );

    app.get(
      '/conversations',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['conversations'],
          summary: "The caller's conversations, most recent first, with unread counts",
          querystring: ListQuery({}),
          response: { 200: Page(ConversationItem) },
        },
      },
      async (request) => {
        const page = await s.conversations.list(
          caller(request).id,
          request.query.limit ?? 20,
          seqFromCursor(request.query.cursor),
        );
        return {
          items: page.items,
          nextCursor: page.nextActivity === null ? null : encodeCursor(page.nextActivity),
        };
      },
    );

    app.get(
      '/conversations/:id/messages',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['conversations'],
          summary: 'Messages, newest first (members only)',
          params: IdParams,
          querystring: ListQuery({}),
          response: { 200: Page(Message) },
        },
      },
      async (request) => {
        const page = await s.conversations.messages(
          caller(request).id,
          request.params.id,
          request.query.limit ?? 20,
          seqFromCursor(request.query.cursor),
        );
        return {
          items: page.items,
          nextCursor: page.nextSeq === null ? null : encodeCursor(page.nextSeq),
        };
      },
    );

    app.post(
      '/conversations/:id/messages',
      {
        onRequest: app.requireUser,
        config: perUser(s.config.conversations.messagesPerMinute),
        schema: {
          tags: ['conversations'],
          summary: 'Send a text message (moderated like posts)',
          params: IdParams,
          body: Body({ text: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH }) }),
          response: { 201: Message },
        },
      },
      async (request, reply) => {
        const message = await s.conversations.send(
          caller(request).id,
          request.params.id,
          request.body.text,
        );
        return reply.code(201).send(message);
      },
    );

    app.post(
      '/conversations/:id/read',
      {
        onRequest: app.requireUser,
        schema: { tags: ['conversations'], summary: 'Mark everything read', params: IdParams },
      },
      async (request, reply) => {
        await s.conversations.markRead(caller(request).id, request.params.id);
        return reply.code(204).send();
      },
    );
  };
