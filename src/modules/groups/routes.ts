import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { invalid } from '../../platform/errors.ts';
import { caller } from '../../platform/http.ts';
import { isUuid } from '../../platform/ids.ts';
import {
  Body,
  decodeCursor,
  encodeCursor,
  IdParams,
  ListQuery,
  Page,
} from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const Role = Type.Union([Type.Literal('owner'), Type.Literal('treasurer'), Type.Literal('member')]);
const UserId = Type.String({ minLength: 1, maxLength: 64 });

const GroupView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  ownerId: Type.String(),
  members: Type.Array(
    Type.Object({
      userId: Type.String(),
      nickname: Type.String(),
      role: Role,
      joinedAt: Type.String(),
    }),
  ),
  createdAt: Type.String(),
});

const GroupSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  memberCount: Type.Integer(),
  createdAt: Type.String(),
});

/** A page boundary: the last group's creation time and id (ties in time are broken by id). */
function afterCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  const raw = decodeCursor(cursor);
  if (raw === undefined) return undefined;
  const [at, id] = raw.split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) {
    throw invalid('cursor is not one this server gave out', { field: 'cursor' });
  }
  return { createdAt, id };
}

export const groupRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/groups',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          body: Body({
            name: Type.String({ minLength: 1, maxLength: 50 }),
            memberIds: Type.Array(UserId, { maxItems: s.config.groups.maxMembers }),
          }),
          response: { 201: GroupView },
        },
      },
      async (request, reply) => {
        const group = await s.groups.create(caller(request).id, request.body);
        return reply.code(201).send(group);
      },
    );

    app.get(
      '/groups',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: "The caller's groups, newest first",
          querystring: ListQuery({}),
          response: { 200: Page(GroupSummary) },
        },
      },
      async (request) => {
        const after = afterCursor(request.query.cursor);
        const page = await s.groups.groupsOf(caller(request).id, {
          limit: request.query.limit ?? 20,
          ...(after ? { after } : {}),
        });
        return {
          items: page.items,
          nextCursor: page.next
            ? encodeCursor(`${page.next.createdAt.toISOString()}|${page.next.id}`)
            : null,
        };
      },
    );

    app.get(
      '/groups/:id',
      {
        onRequest: app.requireUser,
        schema: { tags: ['groups'], params: IdParams, response: { 200: GroupView } },
      },
      async (request) => s.groups.group(caller(request).id, request.params.id),
    );

    app.post(
      '/groups/:id/members',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: 'Add a member (owner or treasurer)',
          params: IdParams,
          body: Body({ userId: UserId }),
          response: { 201: GroupView },
        },
      },
      async (request, reply) => {
        const group = await s.groups.addMember(
          caller(request).id,
          request.params.id,
          request.body.userId,
        );
        return reply.code(201).send(group);
      },
    );
  };
