import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { seqFromCursor, timePage } from '../../platform/cursor.ts';
import { caller, replyOnce } from '../../platform/http.ts';
import { DEFAULT_CURRENCY } from '../../platform/money.ts';
import {
  Amount,
  Body,
  Currency,
  encodeCursor,
  IdParams,
  IsoDate,
  ListQuery,
  Page,
  PaymentProof,
  Pin,
} from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const UserId = Type.String({ minLength: 1, maxLength: 64 });
const Method = Type.Union([
  Type.Literal('equal'),
  Type.Literal('exact'),
  Type.Literal('shares'),
  Type.Literal('percent'),
]);
const Description = Type.String({ minLength: 1, maxLength: 100 });

const SplitInput = (maxParticipants: number) =>
  Type.Object(
    {
      method: Method,
      participants: Type.Array(
        Type.Object(
          {
            userId: UserId,
            value: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: Number.MAX_SAFE_INTEGER,
                description:
                  'exact: minor units owed; shares: a whole number of shares; percent: basis points (2550 = 25.5%, all adding up to 10000); equal: none',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: maxParticipants },
      ),
    },
    { additionalProperties: false },
  );

const Snapshot = {
  description: Type.Union([Type.String(), Type.Null()], {
    description: 'null while held for review, except for the member who wrote it',
  }),
  descriptionHeld: Type.Boolean(),
  amount: Type.Integer(),
  currency: Type.String(),
  paidBy: Type.String(),
  split: Type.Object({
    method: Method,
    participants: Type.Array(
      Type.Object({
        userId: Type.String(),
        value: Type.Optional(Type.Integer()),
        owed: Type.Integer(),
      }),
    ),
  }),
  occurredAt: Type.String(),
};

const ExpenseView = Type.Object({
  id: Type.String(),
  groupId: Type.String(),
  ...Snapshot,
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  version: Type.Integer(),
  deletedAt: Type.Union([Type.String(), Type.Null()]),
});

const ExpenseEvent = Type.Object({
  version: Type.Integer(),
  action: Type.Union([Type.Literal('created'), Type.Literal('edited'), Type.Literal('deleted')]),
  actorId: Type.String(),
  at: Type.String(),
  before: Type.Union([Type.Object(Snapshot), Type.Null()]),
  after: Type.Union([Type.Object(Snapshot), Type.Null()]),
});

const SettlementView = Type.Object({
  id: Type.String(),
  groupId: Type.String(),
  from: Type.Object({ userId: Type.String() }),
  to: Type.Object({ userId: Type.String() }),
  amount: Type.Integer(),
  currency: Type.String(),
  transferId: Type.String(),
  createdAt: Type.String(),
});

const Balances = Type.Object({
  currency: Type.String(),
  balances: Type.Array(
    Type.Object({
      userId: Type.String(),
      nickname: Type.String(),
      net: Type.Integer({ description: 'positive: is owed; negative: owes' }),
    }),
  ),
  simplified: Type.Array(
    Type.Object({ from: Type.String(), to: Type.String(), amount: Type.Integer() }),
  ),
});

/** Shared expenses, balances and settle-ups of a group (see expenses.ts for the rules). */
export const expenseRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const split = SplitInput(s.config.groups.maxMembers);
    const tags = ['group expenses'];

    app.post(
      '/groups/:id/expenses',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'Record an expense paid by one member for some members (moves no money)',
          params: IdParams,
          body: Body({
            description: Description,
            amount: Amount,
            currency: Type.Optional(Currency),
            paidBy: UserId,
            split,
            occurredAt: Type.Optional(IsoDate),
          }),
          response: { 201: ExpenseView },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.expenses.record(user.id, request.params.id, request.body, key),
        ),
    );

    app.get(
      '/groups/:id/expenses',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: "A group's expenses, newest recorded first",
          params: IdParams,
          querystring: ListQuery({ includeDeleted: Type.Optional(Type.Boolean()) }),
          response: { 200: Page(ExpenseView) },
        },
      },
      async (request) => {
        const q = request.query;
        return s.expenses.list(caller(request).id, request.params.id, {
          ...timePage(q),
          ...(q.includeDeleted ? { includeDeleted: true } : {}),
        });
      },
    );

    app.get(
      '/expenses/:id',
      {
        onRequest: app.requireUser,
        schema: { tags, params: IdParams, response: { 200: ExpenseView } },
      },
      async (request) => s.expenses.expense(caller(request).id, request.params.id),
    );

    app.patch(
      '/expenses/:id',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'Edit an expense (who recorded it, who paid it, the owner or a treasurer)',
          params: IdParams,
          body: Type.Object(
            {
              description: Type.Optional(Description),
              amount: Type.Optional(Amount),
              currency: Type.Optional(Currency),
              paidBy: Type.Optional(UserId),
              split: Type.Optional(split),
              occurredAt: Type.Optional(IsoDate),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: ExpenseView },
        },
      },
      async (request) => s.expenses.edit(caller(request).id, request.params.id, request.body),
    );

    app.delete(
      '/expenses/:id',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'Delete an expense (soft: its history stays)',
          params: IdParams,
        },
      },
      async (request, reply) => {
        await s.expenses.remove(caller(request).id, request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/expenses/:id/history',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: "An expense's audit trail (created, edited, deleted), newest first",
          params: IdParams,
          querystring: ListQuery({}),
          response: { 200: Page(ExpenseEvent) },
        },
      },
      async (request) => {
        const before = seqFromCursor(request.query.cursor);
        const page = await s.expenses.history(caller(request).id, request.params.id, {
          limit: request.query.limit ?? 20,
          ...(before !== undefined ? { before } : {}),
        });
        return {
          items: page.items,
          nextCursor: page.next === null ? null : encodeCursor(page.next),
        };
      },
    );

    app.get(
      '/groups/:id/balances',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'Net balances (positive: is owed) and the fewest transfers that settle them',
          params: IdParams,
          querystring: Type.Object(
            { currency: Type.Optional(Currency) },
            { additionalProperties: false },
          ),
          response: { 200: Balances },
        },
      },
      async (request) =>
        s.expenses.balances(
          caller(request).id,
          request.params.id,
          request.query.currency ?? DEFAULT_CURRENCY,
        ),
    );

    app.post(
      '/groups/:id/settlements',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'Settle up: pay a member what you owe them in the group, from your wallet',
          params: IdParams,
          body: Body({
            to: UserId,
            amount: Amount,
            currency: Type.Optional(Currency),
            pin: Type.Optional(Pin),
            ...PaymentProof,
          }),
          response: { 201: SettlementView },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.expenses.settle(user, request.params.id, request.body, key),
        ),
    );

    app.get(
      '/groups/:id/settlements',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: "A group's settle-ups, newest first",
          params: IdParams,
          querystring: ListQuery({}),
          response: { 200: Page(SettlementView) },
        },
      },
      async (request) => {
        return s.expenses.settlements(
          caller(request).id,
          request.params.id,
          timePage(request.query),
        );
      },
    );
  };
