import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { timePage } from '../../platform/cursor.ts';
import { invalid } from '../../platform/errors.ts';
import { caller, emptyBodyAsObject, replyOnce } from '../../platform/http.ts';
import {
  Amount,
  Body,
  IdParams,
  ListQuery,
  Page,
  PaymentProof,
  Pin,
} from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const Nullable = <T extends import('@sinclair/typebox').TSchema>(t: T) =>
  Type.Union([t, Type.Null()]);
const Rating = Type.Object({ average: Nullable(Type.Number()), count: Type.Integer() });
const Location = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lng: Type.Number({ minimum: -180, maximum: 180 }),
  },
  { additionalProperties: false },
);
const Category = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[a-z][a-z0-9_]*$',
  description: 'e.g. food, coffee, grocery, transit, bike, utilities, services, retail',
});
const PaymentStatus = Type.Union([
  Type.Literal('completed'),
  Type.Literal('escrowed'),
  Type.Literal('disputed'),
  Type.Literal('resolved'),
]);

const Merchant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  category: Type.String(),
  address: Type.String(),
  location: Type.Object({ lat: Type.Number(), lng: Type.Number() }),
  status: Type.Union([Type.Literal('active'), Type.Literal('closed')]),
  currency: Type.String(),
  rating: Rating,
  ownerId: Type.String(),
  createdAt: Type.String(),
});

const Payment = Type.Object({
  id: Type.String(),
  status: PaymentStatus,
  escrow: Type.Boolean(),
  amount: Type.Integer(),
  discount: Type.Integer(),
  paid: Type.Integer(),
  currency: Type.String(),
  merchant: Type.Object({ id: Type.String(), name: Type.String() }),
  payer: Type.Object({ userId: Type.String(), nickname: Type.String() }),
  paymentRequestId: Nullable(Type.String()),
  couponId: Nullable(Type.String()),
  note: Nullable(Type.String()),
  refunded: Type.Integer(),
  refundable: Type.Integer(),
  releaseAt: Nullable(Type.String()),
  releasedAt: Nullable(Type.String()),
  dispute: Nullable(
    Type.Object({
      id: Type.String(),
      status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
    }),
  ),
  reviewed: Type.Boolean(),
  createdAt: Type.String(),
});

const Dispute = Type.Object({
  id: Type.String(),
  paymentId: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  reason: Type.String(),
  refundAmount: Nullable(Type.Integer()),
  note: Nullable(Type.String()),
  payment: Payment,
  createdAt: Type.String(),
  resolvedAt: Nullable(Type.String()),
});

const Review = Type.Object({
  id: Type.String(),
  merchantId: Type.String(),
  paymentId: Type.String(),
  author: Type.Object({ userId: Type.String(), nickname: Type.String() }),
  rating: Type.Integer(),
  text: Type.String(),
  status: Type.Union([Type.Literal('published'), Type.Literal('held'), Type.Literal('taken_down')]),
  createdAt: Type.String(),
});

const Coupon = Type.Object({
  id: Type.String(),
  merchantId: Type.String(),
  merchantName: Type.String(),
  title: Type.String(),
  discount: Type.Integer(),
  minSpend: Type.Integer(),
  quantity: Type.Integer(),
  claimed: Type.Integer(),
  remaining: Type.Integer(),
  currency: Type.String(),
  validUntil: Type.String(),
  createdAt: Type.String(),
  myClaim: Type.Optional(
    Nullable(Type.Object({ claimedAt: Type.String(), usedPaymentId: Nullable(Type.String()) })),
  ),
});

const Money = Type.Object({
  id: Type.String(),
  merchantId: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  createdAt: Type.String(),
});

const Refund = Type.Object({
  id: Type.String(),
  paymentId: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  createdAt: Type.String(),
});

const DayTotals = Type.Object({
  date: Type.String(),
  received: Type.Integer(),
  refunded: Type.Integer(),
  count: Type.Integer(),
});

const Nearby = Type.Object({
  id: Type.String(),
  name: Type.String(),
  category: Type.String(),
  address: Type.String(),
  location: Type.Object({ lat: Type.Number(), lng: Type.Number() }),
  distanceM: Type.Integer(),
  rating: Rating,
});

/** `near=lat,lng` as the API writes it. */
function parseNear(near: string): { lat: number; lng: number } {
  const m = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(near);
  const lat = Number(m?.[1]);
  const lng = Number(m?.[2]);
  if (!m || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
    throw invalid('near must be "lat,lng" in degrees', { field: 'query.near' });
  }
  return { lat, lng };
}

export const merchantRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const perUser = (max: number) => ({
      rateLimit: {
        max,
        timeWindow: '1 minute',
        hook: 'preHandler' as const,
        keyGenerator: (r: FastifyRequest) => r.user?.id ?? r.ip,
      },
    });
    const admin = [app.requireUser, app.requireAdmin];
    const tags = ['merchants'];

    app.post(
      '/merchants',
      {
        onRequest: app.requireUser,
        config: perUser(10),
        schema: {
          tags,
          summary: 'Register a merchant (verified users); it gets its own ledger account',
          body: Body({
            name: Type.String({ minLength: 1, maxLength: 40 }),
            category: Category,
            address: Type.String({ minLength: 1, maxLength: 200 }),
            location: Location,
          }),
          response: { 201: Merchant },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await s.merchants.register(caller(request), request.body)),
    );

    app.get(
      '/merchants',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'Merchants near a point, nearest first, with distance and rating',
          querystring: Type.Object(
            {
              near: Type.String({ maxLength: 60, description: 'lat,lng' }),
              radiusM: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000, default: 3000 })),
              category: Type.Optional(Category),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Page(Nearby) },
        },
      },
      async (request) => {
        const q = request.query;
        const items = await s.localLife.nearby({
          ...parseNear(q.near),
          radiusM: q.radiusM ?? 3000,
          ...(q.category ? { category: q.category } : {}),
          limit: q.limit ?? 20,
        });
        // Ordered by distance, not time: one page of the nearest, no cursor.
        return { items, nextCursor: null };
      },
    );

    app.get(
      '/merchants/mine',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'The merchants I own',
          response: { 200: Type.Object({ items: Type.Array(Merchant) }) },
        },
      },
      async (request) => ({ items: await s.merchants.mine(caller(request).id) }),
    );

    app.get(
      '/merchants/:id',
      {
        onRequest: app.requireUser,
        schema: { tags, params: IdParams, response: { 200: Merchant } },
      },
      async (request) => s.merchants.view(request.params.id),
    );

    app.get(
      '/merchants/:id/qr',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: "The merchant's static code: the payer types the amount",
          params: IdParams,
          response: { 200: Type.Object({ payload: Type.String() }) },
        },
      },
      async (request) => s.merchants.staticQr(request.params.id),
    );

    app.post(
      '/merchants/:id/payment-requests',
      {
        onRequest: app.requireUser,
        config: perUser(120),
        schema: {
          tags,
          summary: 'A dynamic code (owner): a fixed amount, paid once, that expires',
          params: IdParams,
          body: Body({
            amount: Amount,
            note: Type.Optional(Type.String({ maxLength: 60 })),
            expiresInSeconds: Type.Optional(Type.Integer({ minimum: 10 })),
          }),
          response: {
            201: Type.Object({
              id: Type.String(),
              payload: Type.String(),
              amount: Type.Integer(),
              currency: Type.String(),
              expiresAt: Type.String(),
            }),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await s.merchants.createRequest(caller(request).id, request.params.id, request.body),
          ),
    );

    app.post(
      '/qr/resolve',
      {
        onRequest: app.requireUser,
        config: perUser(120),
        schema: {
          tags,
          summary: 'What a scanned payment code asks for; altered or expired → 422 qr_invalid',
          body: Body({ payload: Type.String({ minLength: 1, maxLength: 512 }) }),
          response: {
            200: Type.Object({
              merchant: Type.Object({
                id: Type.String(),
                name: Type.String(),
                category: Type.String(),
              }),
              currency: Type.String(),
              amount: Type.Optional(Type.Integer()),
              paymentRequestId: Type.Optional(Type.String()),
              expiresAt: Type.Optional(Type.String()),
              note: Type.Optional(Nullable(Type.String())),
            }),
          },
        },
      },
      async (request) => {
        const resolved = await s.merchants.resolve(request.body.payload);
        // A genuine code scanned is the day's scan action for card campaigns (the first counts).
        await s.campaigns.recordAction(
          s.db,
          caller(request).id,
          'scan',
          resolved.paymentRequestId ?? resolved.merchant.id,
          s.clock.now(),
        );
        return resolved;
      },
    );

    app.post(
      '/payments',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'Pay a merchant by code or id; with escrow the money waits until confirmed',
          body: Body({
            payload: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
            merchantId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            amount: Type.Optional(Amount),
            couponId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            escrow: Type.Optional(Type.Boolean()),
            note: Type.Optional(Type.String({ maxLength: 60 })),
            pin: Type.Optional(Pin),
            ...PaymentProof,
            fundingSource: Type.Optional(
              Type.Object(
                { familyLinkId: Type.String({ minLength: 1, maxLength: 64 }) },
                { additionalProperties: false },
              ),
            ),
          }),
          response: { 201: Payment },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.merchants.pay(user, request.body, key),
        ),
    );

    app.get(
      '/payments',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'My merchant payments (purchases), newest first',
          querystring: ListQuery({ status: Type.Optional(PaymentStatus) }),
          response: { 200: Page(Payment) },
        },
      },
      async (request) =>
        s.merchants.purchases(caller(request).id, {
          ...timePage(request.query),
          ...(request.query.status ? { status: request.query.status } : {}),
        }),
    );

    app.get(
      '/payments/:id',
      {
        onRequest: app.requireUser,
        schema: { tags, params: IdParams, response: { 200: Payment } },
      },
      async (request) => s.merchants.payment(caller(request).id, request.params.id),
    );

    app.post(
      '/payments/:id/confirm',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags,
          summary: 'The payer confirms receipt: the escrow goes to the merchant',
          params: IdParams,
          body: Body({}),
          response: { 200: Payment },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 200, (user) =>
          s.escrow.confirm(user, request.params.id),
        ),
    );

    app.post(
      '/payments/:id/disputes',
      {
        onRequest: app.requireUser,
        config: perUser(10),
        schema: {
          tags,
          summary: 'The payer disputes an escrowed payment before release: it is frozen',
          params: IdParams,
          body: Body({ reason: Type.String({ minLength: 1, maxLength: 500 }) }),
          response: { 201: Dispute },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await s.escrow.dispute(caller(request), request.params.id, request.body.reason)),
    );

    app.get(
      '/disputes/:id',
      {
        onRequest: app.requireUser,
        schema: { tags, params: IdParams, response: { 200: Dispute } },
      },
      async (request) => s.escrow.disputeFor(caller(request), request.params.id),
    );

    app.post(
      '/payments/:id/refunds',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: "The merchant's owner refunds part or all of a payment",
          params: IdParams,
          body: Body({ amount: Amount, pin: Type.Optional(Pin) }),
          response: {
            201: Type.Object({
              id: Type.String(),
              paymentId: Type.String(),
              amount: Type.Integer(),
              currency: Type.String(),
              payment: Payment,
              createdAt: Type.String(),
            }),
          },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.escrow.refund(user, request.params.id, request.body, key),
        ),
    );

    app.get(
      '/admin/disputes',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Disputed escrows, oldest first',
          querystring: ListQuery({
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
          }),
          response: { 200: Page(Dispute) },
        },
      },
      async (request) => s.escrow.disputes(request.query.status ?? 'open', timePage(request.query)),
    );

    app.post(
      '/admin/disputes/:id/resolve',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Split a disputed escrow: refundAmount to the payer, the rest to the merchant',
          params: IdParams,
          body: Body({
            refundAmount: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
            note: Type.Optional(Type.String({ maxLength: 500 })),
          }),
          response: { 200: Dispute },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 200, (user) =>
          s.escrow.resolve(user, request.params.id, request.body),
        ),
    );

    app.get(
      '/merchants/:id/dashboard',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: "The owner's dashboard: balance, escrow, today and the last 30 days",
          params: IdParams,
          response: {
            200: Type.Object({
              merchant: Merchant,
              balance: Type.Integer(),
              currency: Type.String(),
              inEscrow: Type.Object({ amount: Type.Integer(), count: Type.Integer() }),
              today: DayTotals,
              daily: Type.Array(DayTotals),
            }),
          },
        },
      },
      async (request) => s.merchants.dashboard(caller(request).id, request.params.id),
    );

    app.get(
      '/merchants/:id/payments',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: "The merchant's payments (owner), newest first",
          params: IdParams,
          querystring: ListQuery({ status: Type.Optional(PaymentStatus) }),
          response: { 200: Page(Payment) },
        },
      },
      async (request) =>
        s.merchants.merchantPayments(caller(request).id, request.params.id, {
          ...timePage(request.query),
          ...(request.query.status ? { status: request.query.status } : {}),
        }),
    );

    app.get(
      '/merchants/:id/refunds',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          params: IdParams,
          querystring: ListQuery({}),
          response: { 200: Page(Refund) },
        },
      },
      async (request) => {
        const m = await s.merchants.owned(caller(request).id, request.params.id);
        return s.escrow.refunds(m.id, timePage(request.query));
      },
    );

    app.post(
      '/merchants/:id/payouts',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: "The owner moves money from the merchant's account to their wallet",
          params: IdParams,
          body: Body({ amount: Amount, pin: Type.Optional(Pin) }),
          response: { 201: Money },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.merchants.payout(user, request.params.id, request.body, key),
        ),
    );

    app.get(
      '/merchants/:id/payouts',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          params: IdParams,
          querystring: ListQuery({}),
          response: { 200: Page(Money) },
        },
      },
      async (request) =>
        s.merchants.payouts(caller(request).id, request.params.id, timePage(request.query)),
    );

    app.post(
      '/merchants/:id/reviews',
      {
        onRequest: app.requireUser,
        config: perUser(10),
        schema: {
          tags,
          summary:
            'Review a merchant: only the payer of a completed payment there, once per payment',
          params: IdParams,
          body: Body({
            paymentId: Type.String({ minLength: 1, maxLength: 64 }),
            rating: Type.Integer({ minimum: 1, maximum: 5 }),
            text: Type.String({ minLength: 1, maxLength: 500 }),
          }),
          response: { 201: Review },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await s.localLife.review(caller(request), request.params.id, request.body)),
    );

    app.get(
      '/merchants/:id/reviews',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          params: IdParams,
          querystring: ListQuery({}),
          response: {
            200: Type.Object({
              items: Type.Array(Review),
              nextCursor: Nullable(Type.String()),
              rating: Rating,
            }),
          },
        },
      },
      async (request) =>
        s.localLife.reviews(caller(request).id, request.params.id, timePage(request.query)),
    );

    app.post(
      '/merchants/:id/coupons',
      {
        onRequest: app.requireUser,
        config: perUser(30),
        schema: {
          tags,
          summary: 'Issue coupons (owner); the merchant funds the discount',
          params: IdParams,
          body: Body({
            title: Type.String({ minLength: 1, maxLength: 40 }),
            discount: Amount,
            minSpend: Amount,
            quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
            validUntil: Type.String({ format: 'date-time' }),
          }),
          response: { 201: Coupon },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await s.localLife.createCoupon(caller(request).id, request.params.id, request.body),
          ),
    );

    app.get(
      '/merchants/:id/coupons',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          params: IdParams,
          response: { 200: Type.Object({ items: Type.Array(Coupon) }) },
        },
      },
      async (request) => ({
        items: await s.localLife.merchantCoupons(caller(request).id, request.params.id),
      }),
    );

    app.get(
      '/coupons',
      {
        onRequest: app.requireUser,
        schema: {
          tags,
          summary: 'My claimed coupons',
          response: { 200: Type.Object({ items: Type.Array(Coupon) }) },
        },
      },
      async (request) => ({ items: await s.localLife.myCoupons(caller(request).id) }),
    );

    app.post(
      '/coupons/:id/claims',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        config: perUser(60),
        schema: {
          tags,
          summary: 'Claim a coupon: one per user; none left → 410 sold_out',
          params: IdParams,
          body: Body({}),
          response: { 201: Coupon },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await s.localLife.claimCoupon(caller(request), request.params.id)),
    );
  };
