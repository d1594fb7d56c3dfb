import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from '@sinclair/typebox';
import { timePage } from '../../platform/cursor.ts';
import { invalid } from '../../platform/errors.ts';
import { caller, emptyBodyAsObject, replyOnce } from '../../platform/http.ts';
import { isUuid } from '../../platform/ids.ts';
import {
  Amount,
  Body,
  Currency,
  decodeCursor,
  encodeCursor,
  IdParams,
  ListQuery,
  Page,
  PaymentProof,
  Pin,
} from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const Role = Type.Union([Type.Literal('owner'), Type.Literal('treasurer'), Type.Literal('member')]);
const UserId = Type.String({ minLength: 1, maxLength: 64 });
const Note = Type.String({ maxLength: 100 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const MemberParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  userId: Type.String({ minLength: 1, maxLength: 100 }),
});

const FundEntry = Type.Object({
  id: Type.String(),
  type: Type.Union([Type.Literal('contribution'), Type.Literal('spend')]),
  amount: Type.Integer(),
  currency: Type.String(),
  userId: Type.String(),
  nickname: Type.String(),
  to: Type.Optional(Type.Object({ userId: Type.String(), nickname: Type.String() })),
  note: Nullable(Type.String()),
  createdAt: Type.String(),
});

const FundView = Type.Object({
  groupId: Type.String(),
  balance: Type.Integer(),
  currency: Type.String(),
  entries: Type.Array(FundEntry),
  nextCursor: Nullable(Type.String()),
  contributions: Type.Array(
    Type.Object({ userId: Type.String(), nickname: Type.String(), total: Type.Integer() }),
  ),
});

const CollectionBase = {
  id: Type.String(),
  groupId: Type.String(),
  organizerId: Type.String(),
  organizerNickname: Type.String(),
  note: Nullable(Type.String()),
  currency: Type.String(),
  totalAmount: Type.Integer(),
  paidAmount: Type.Integer(),
  status: Type.Union([Type.Literal('open'), Type.Literal('completed'), Type.Literal('closed')]),
  createdAt: Type.String(),
  closedAt: Nullable(Type.String()),
};

const CollectionView = Type.Object({
  ...CollectionBase,
  shares: Type.Array(
    Type.Object({
      userId: Type.String(),
      nickname: Type.String(),
      amount: Type.Integer(),
      paid: Type.Boolean(),
      paidAt: Nullable(Type.String()),
    }),
  ),
});

const CollectionSummary = Type.Object({
  ...CollectionBase,
  shareCount: Type.Integer(),
  paidCount: Type.Integer(),
  myShare: Nullable(Type.Object({ amount: Type.Integer(), paid: Type.Boolean() })),
});

const CollectionPayment = Type.Object({
  collectionId: Type.String(),
  userId: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  transferId: Type.String(),
  paidAt: Type.String(),
});

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

    app.patch(
      '/groups/:id/members/:userId',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: 'Change a member\'s role (owner only); "owner" hands ownership over',
          params: MemberParams,
          body: Body({ role: Role }),
          response: { 200: GroupView },
        },
      },
      async (request) =>
        s.groups.changeRole(
          caller(request).id,
          request.params.id,
          request.params.userId,
          request.body.role,
        ),
    );

    app.delete(
      '/groups/:id/members/:userId',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: 'Remove a member (owner, or treasurer for plain members); yourself = leave',
          params: MemberParams,
        },
      },
      async (request, reply) => {
        await s.groups.removeMember(caller(request).id, request.params.id, request.params.userId);
        return reply.code(204).send();
      },
    );

    app.post(
      '/groups/:id/fund/contributions',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: 'Contribute from your wallet to the group fund',
          params: IdParams,
          body: Body({
            amount: Amount,
            note: Type.Optional(Note),
            pin: Type.Optional(Pin),
            ...PaymentProof,
          }),
          response: { 201: FundEntry },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.groupFund.contribute(user, request.params.id, request.body, key),
        ),
    );

    app.post(
      '/groups/:id/fund/spends',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: 'Spend from the group fund to a member (owner or treasurer)',
          params: IdParams,
          body: Body({
            amount: Amount,
            to: Type.Object({ userId: UserId }, { additionalProperties: false }),
            note: Type.String({ minLength: 1, maxLength: 100 }),
            pin: Type.Optional(Pin),
            ...PaymentProof,
          }),
          response: { 201: FundEntry },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.groupFund.spend(user, request.params.id, request.body, key),
        ),
    );

    app.get(
      '/groups/:id/fund',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: 'The fund: balance, entries (newest first, paged) and totals per contributor',
          params: IdParams,
          querystring: ListQuery({}),
          response: { 200: FundView },
        },
      },
      async (request) => {
        return s.groupFund.fund(caller(request).id, request.params.id, timePage(request.query));
      },
    );

    app.post(
      '/groups/:id/collections',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: 'Collect money (AA): a fixed amount each, or a total split evenly',
          description:
            'Exactly one of amountEach and totalAmount. memberIds defaults to every current ' +
            'member but the organiser; an organiser who includes themselves has their share ' +
            'counted as paid. A total split evenly gives each ⌊total/n⌋, and the remainder one ' +
            'minor unit each to the first members by user id.',
          params: IdParams,
          body: Body({
            amountEach: Type.Optional(Amount),
            totalAmount: Type.Optional(Amount),
            memberIds: Type.Optional(
              Type.Array(UserId, { minItems: 1, maxItems: s.config.groups.maxMembers }),
            ),
            note: Type.String({ minLength: 1, maxLength: 100 }),
            currency: Type.Optional(Currency),
          }),
          response: { 201: CollectionView },
        },
      },
      async (request, reply) => {
        const view = await s.collections.create(
          caller(request).id,
          request.params.id,
          request.body,
        );
        return reply.code(201).send(view);
      },
    );

    app.get(
      '/groups/:id/collections',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: "A group's collections, newest first",
          params: IdParams,
          querystring: ListQuery({}),
          response: { 200: Page(CollectionSummary) },
        },
      },
      async (request) => {
        return s.collections.list(caller(request).id, request.params.id, timePage(request.query));
      },
    );

    app.get(
      '/collections/:id',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['groups'],
          summary: 'A collection and who has paid (members of its group only)',
          params: IdParams,
          response: { 200: CollectionView },
        },
      },
      async (request) => s.collections.view(caller(request).id, request.params.id),
    );

    app.post(
      '/collections/:id/payments',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['groups'],
          summary: 'Pay your share to the organiser (once)',
          description:
            'A second payment of the same share is 409 conflict with reason "already_paid".',
          params: IdParams,
          body: Body({ pin: Type.Optional(Pin), ...PaymentProof }),
          response: { 201: CollectionPayment },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.collections.pay(user, request.params.id, request.body, key),
        ),
    );

    app.post(
      '/collections/:id/reminders',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['groups'],
          summary: 'Remind the members who have not paid (organiser; once per interval, else 429)',
          params: IdParams,
          body: Body({}),
          response: {
            201: Type.Object({
              collectionId: Type.String(),
              remindedUserIds: Type.Array(Type.String()),
              remindedAt: Type.String(),
            }),
          },
        },
      },
      async (request, reply) => {
        const sent = await s.collections.remind(caller(request).id, request.params.id);
        return reply.code(201).send(sent);
      },
    );

    app.post(
      '/collections/:id/close',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['groups'],
          summary: 'Close a collection (organiser); unpaid shares are no longer asked for',
          params: IdParams,
          body: Body({}),
          response: { 200: CollectionView },
        },
      },
      async (request) => s.collections.close(caller(request).id, request.params.id),
    );
  };
