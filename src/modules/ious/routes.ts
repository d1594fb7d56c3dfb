import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { timePage } from '../../platform/cursor.ts';
import { caller, emptyBodyAsObject, replyOnce } from '../../platform/http.ts';
import {
  Amount,
  Body,
  Currency,
  IdParams,
  ListQuery,
  Page,
  PaymentProof,
  Pin,
} from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const Status = Type.Union([
  Type.Literal('requested'),
  Type.Literal('active'),
  Type.Literal('overdue'),
  Type.Literal('repaid'),
  Type.Literal('forgiven'),
  Type.Literal('declined'),
  Type.Literal('cancelled'),
]);
const EventKind = Type.Union([
  Type.Literal('requested'),
  Type.Literal('accepted'),
  Type.Literal('declined'),
  Type.Literal('cancelled'),
  Type.Literal('repayment'),
  Type.Literal('overdue'),
  Type.Literal('repaid'),
  Type.Literal('forgiven'),
  Type.Literal('reminder'),
]);
const Minor = Type.Integer();
const When = Type.Union([Type.String(), Type.Null()]);

const Repayment = {
  id: Type.String(),
  amount: Minor,
  interestPart: Minor,
  principalPart: Minor,
  createdAt: Type.String(),
};

const IouSummary = {
  id: Type.String(),
  status: Status,
  borrowerId: Type.String(),
  borrowerNickname: Type.String(),
  lenderId: Type.String(),
  lenderNickname: Type.String(),
  currency: Type.String(),
  principal: Minor,
  annualRateBps: Type.Integer(),
  dueDate: Type.String(),
  purpose: Type.String(),
  outstanding: Minor,
  principalOutstanding: Minor,
  interestAccrued: Minor,
  interestPaid: Minor,
  forgivenAmount: Minor,
  createdAt: Type.String(),
  acceptedAt: When,
  closedAt: When,
};

const IouView = Type.Object({
  ...IouSummary,
  repayments: Type.Array(Type.Object(Repayment)),
  events: Type.Array(
    Type.Object({
      kind: EventKind,
      actorId: Type.Union([Type.String(), Type.Null()]),
      amount: Type.Union([Minor, Type.Null()]),
      createdAt: Type.String(),
    }),
  ),
});

const StatusOf = <S extends string>(status: S) =>
  Type.Object({ id: Type.String(), status: Type.Literal(status) });

const PinBody = Body({ pin: Type.Optional(Pin), ...PaymentProof });
const NoBody = Body({});

export const iouRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const limits = s.config.ious;

    app.post(
      '/ious',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['IOUs'],
          summary: 'Ask a friend for a loan (the caller is the borrower)',
          body: Body({
            lenderId: Type.String({ minLength: 1, maxLength: 64 }),
            amount: {
              ...Amount,
              description: `Principal in minor units, at most ${limits.maxAmount}`,
            },
            annualRateBps: Type.Integer({
              minimum: 0,
              maximum: limits.maxRateBps,
              description: 'Annual simple interest in basis points (2400 = 24%)',
            }),
            dueDate: Type.String({
              pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
              description: `Last day to repay (YYYY-MM-DD, ${limits.timeZone}), after today`,
            }),
            purpose: Type.String({ minLength: 1, maxLength: 100 }),
            currency: Type.Optional(Currency),
          }),
          response: { 201: StatusOf('requested') },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.ious.request(user, request.body, key),
        ),
    );

    app.post(
      '/ious/:id/accept',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['IOUs'],
          summary: 'Lend: the principal moves from the lender to the borrower',
          params: IdParams,
          body: PinBody,
          response: { 200: StatusOf('active') },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 200, (user, _key) =>
          s.ious.accept(user, request.params.id, request.body.pin, request.body),
        ),
    );

    app.post(
      '/ious/:id/decline',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['IOUs'],
          summary: 'Turn down a request (lender)',
          params: IdParams,
          body: NoBody,
          response: { 200: StatusOf('declined') },
        },
      },
      async (request) => s.ious.decline(caller(request), request.params.id),
    );

    app.post(
      '/ious/:id/cancel',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['IOUs'],
          summary: 'Withdraw a request not yet accepted (borrower)',
          params: IdParams,
          body: NoBody,
          response: { 200: StatusOf('cancelled') },
        },
      },
      async (request) => s.ious.cancel(caller(request), request.params.id),
    );

    app.post(
      '/ious/:id/repayments',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['IOUs'],
          summary: 'Repay (borrower): interest first, then principal',
          params: IdParams,
          body: Body({ amount: Amount, pin: Type.Optional(Pin), ...PaymentProof }),
          response: {
            201: Type.Object({
              ...Repayment,
              iouId: Type.String(),
              status: Status,
              outstanding: Minor,
            }),
          },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.ious.repay(user, request.params.id, request.body, key),
        ),
    );

    app.post(
      '/ious/:id/forgive',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['IOUs'],
          summary: 'Write off what is still owed (lender); no money moves',
          params: IdParams,
          body: PinBody,
          response: {
            200: Type.Object({
              id: Type.String(),
              status: Type.Literal('forgiven'),
              forgivenAmount: Minor,
            }),
          },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 200, (user, _key) =>
          s.ious.forgive(user, request.params.id, request.body.pin),
        ),
    );

    app.get(
      '/ious',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['IOUs'],
          summary: 'My IOUs, newest first: as borrower, as lender, or both',
          querystring: ListQuery({
            role: Type.Optional(Type.Union([Type.Literal('borrower'), Type.Literal('lender')])),
            status: Type.Optional(Status),
          }),
          response: { 200: Page(Type.Object(IouSummary)) },
        },
      },
      async (request) => {
        const q = request.query;
        return s.ious.list(
          caller(request).id,
          { ...(q.role ? { role: q.role } : {}), ...(q.status ? { status: q.status } : {}) },
          timePage(q),
        );
      },
    );

    app.get(
      '/ious/:id',
      {
        onRequest: app.requireUser,
        schema: { tags: ['IOUs'], params: IdParams, response: { 200: IouView } },
      },
      async (request) => s.ious.view(caller(request).id, request.params.id),
    );
  };
