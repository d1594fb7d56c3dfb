import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { timePage } from '../../platform/cursor.ts';
import { caller, emptyBodyAsObject, replyOnce } from '../../platform/http.ts';
import { Body, IdParams, ListQuery, Page, Pin } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const Relation = Type.Union(
  [
    Type.Literal('parent'),
    Type.Literal('child'),
    Type.Literal('partner'),
    Type.Literal('sibling'),
    Type.Literal('grandparent'),
    Type.Literal('grandchild'),
    Type.Literal('other'),
  ],
  { description: 'what the member is to the payer' },
);
const Status = Type.Union([
  Type.Literal('active'),
  Type.Literal('unlinked'),
  Type.Literal('declined'),
]);

const LinkView = Type.Object({
  id: Type.String(),
  role: Type.Union([Type.Literal('payer'), Type.Literal('member')]),
  payerId: Type.String(),
  payerNickname: Type.String(),
  memberUserId: Type.String(),
  memberNickname: Type.String(),
  relation: Relation,
  monthlyLimit: Type.Integer(),
  currency: Type.String(),
  month: Type.String({ description: 'the calendar month of the two amounts that follow' }),
  spentThisMonth: Type.Integer(),
  remainingThisMonth: Type.Integer(),
  status: Status,
  createdAt: Type.String(),
  endedAt: Type.Optional(Type.String()),
});

export const familyRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const MonthlyLimit = Type.Integer({
      minimum: 1,
      maximum: s.config.family.maxMonthlyLimit,
      description: 'Minor units the member may spend per calendar month',
    });

    app.post(
      '/family/links',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['family'],
          summary: 'Pay for a family member: they may spend from your wallet up to a monthly limit',
          body: Body({
            memberUserId: Type.String({ minLength: 1, maxLength: 64 }),
            monthlyLimit: MonthlyLimit,
            relation: Relation,
            pin: Type.Optional(Pin),
          }),
          response: { 201: LinkView },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, _key) =>
          s.family.link(user, request.body),
        ),
    );

    app.get(
      '/family/links',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['family'],
          summary: 'My family links, as payer and as member',
          querystring: ListQuery({ status: Type.Optional(Status) }),
          response: { 200: Page(LinkView) },
        },
      },
      async (request) => {
        const q = request.query;
        return s.family.list(caller(request).id, {
          ...timePage(q),
          ...(q.status ? { status: q.status } : {}),
        });
      },
    );

    app.get(
      '/family/links/:id',
      {
        onRequest: app.requireUser,
        schema: { tags: ['family'], params: IdParams, response: { 200: LinkView } },
      },
      async (request) => s.family.view(caller(request).id, request.params.id),
    );

    app.patch(
      '/family/links/:id',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['family'],
          summary: 'Change the monthly limit (the payer); it applies to the rest of this month',
          params: IdParams,
          body: Body({
            monthlyLimit: MonthlyLimit,
            pin: Type.Optional({ ...Pin, description: 'needed to raise the limit' }),
          }),
          response: { 200: LinkView },
        },
      },
      async (request) => s.family.changeLimit(caller(request), request.params.id, request.body),
    );

    app.delete(
      '/family/links/:id',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['family'],
          summary: 'End the link (the payer, or the member leaving it)',
          params: IdParams,
        },
      },
      async (request, reply) => {
        await s.family.unlink(caller(request).id, request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      '/family/links/:id/decline',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['family'],
          summary: 'Decline a link (the member)',
          params: IdParams,
          body: Body({}),
          response: { 200: LinkView },
        },
        preValidation: emptyBodyAsObject,
      },
      async (request) => s.family.decline(caller(request).id, request.params.id),
    );
  };
