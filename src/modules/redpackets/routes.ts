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

const Kind = Type.Union([Type.Literal('lucky'), Type.Literal('fixed')]);
const Status = Type.Union([Type.Literal('open'), Type.Literal('emptied'), Type.Literal('expired')]);
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Audience = Type.Union([
  Type.Object({ userId: Id }, { additionalProperties: false }),
  Type.Object({ groupId: Id }, { additionalProperties: false }),
]);

const SentRedPacket = {
  id: Type.String(),
  kind: Kind,
  count: Type.Integer(),
  totalAmount: Type.Integer(),
  currency: Type.String(),
  greeting: Type.Union([Type.String(), Type.Null()]),
  status: Status,
  createdAt: Type.String(),
  expiresAt: Type.String(),
};

const RedPacketView = Type.Object({
  ...SentRedPacket,
  to: Audience,
  claimedCount: Type.Integer(),
  claimedAmount: Type.Integer(),
  refundedAmount: Type.Optional(Type.Integer()),
  sender: Type.Object({ userId: Type.String(), nickname: Type.String() }),
  claims: Type.Array(
    Type.Object({
      userId: Type.String(),
      nickname: Type.String(),
      amount: Type.Integer(),
      claimedAt: Type.String(),
      luckiest: Type.Optional(Type.Literal(true)),
    }),
  ),
});

export const redPacketRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const limits = s.config.redPackets;

    app.post(
      '/red-packets',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['red envelopes'],
          summary: 'Send a red envelope to one person or to a group',
          body: Body({
            kind: Kind,
            count: Type.Integer({ minimum: 1, maximum: limits.maxCount }),
            totalAmount: Type.Optional({ ...Amount, description: 'lucky: the amount to split' }),
            amountEach: Type.Optional({ ...Amount, description: 'fixed: the amount per share' }),
            currency: Type.Optional(Currency),
            greeting: Type.Optional(Type.String({ maxLength: 50 })),
            to: Audience,
            pin: Type.Optional(Pin),
            ...PaymentProof,
          }),
          response: { 201: Type.Object(SentRedPacket) },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.redPackets.send(user, request.body, key),
        ),
    );

    app.post(
      '/red-packets/:id/claims',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['red envelopes'],
          summary: 'Claim a share',
          params: IdParams,
          body: Body({}),
          response: {
            201: Type.Object({ amount: Type.Integer(), currency: Type.String() }),
          },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, _key) =>
          s.redPackets.claimShare(user.id, request.params.id),
        ),
    );

    app.get(
      '/red-packets',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['red envelopes'],
          summary: 'My envelopes: those I may claim (box=received, the default) or sent',
          querystring: ListQuery({
            box: Type.Optional(Type.Union([Type.Literal('received'), Type.Literal('sent')])),
          }),
          response: {
            200: Page(
              Type.Object({
                ...SentRedPacket,
                to: Audience,
                sender: Type.Object({ userId: Type.String(), nickname: Type.String() }),
                claimedCount: Type.Integer(),
                myClaim: Type.Union([Type.Object({ amount: Type.Integer() }), Type.Null()]),
              }),
            ),
          },
        },
      },
      async (request) => {
        const q = request.query;
        return s.redPackets.list(caller(request).id, q.box ?? 'received', timePage(q));
      },
    );

    app.get(
      '/red-packets/:id',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['red envelopes'],
          params: IdParams,
          response: { 200: RedPacketView },
        },
      },
      async (request) => s.redPackets.view(caller(request).id, request.params.id),
    );
  };
