import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { caller, emptyBodyAsObject, replyOnce } from '../../platform/http.ts';
import { Amount, Body, Currency, IdParams, IsoDate } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';
import { deviceIdOf } from '../devices/index.ts';

const CardKey = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' });

const CampaignView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  cards: Type.Array(
    Type.Object({
      key: Type.String(),
      name: Type.String(),
      weight: Type.Integer(),
      odds: Type.Number({ description: 'weight / totalWeight: the chance of this card per draw' }),
    }),
  ),
  totalWeight: Type.Integer(),
  startsAt: Type.String(),
  drawAt: Type.String(),
  poolAmount: Type.Integer(),
  currency: Type.String(),
  drawsPerDay: Type.Integer(),
  extraDraws: Type.Object({
    payment: Type.Integer(),
    scan: Type.Integer(),
    giftReceived: Type.Integer(),
  }),
  maxAccountsPerDevice: Type.Integer(),
  status: Type.Union([Type.Literal('open'), Type.Literal('drawn')]),
  seedHash: Type.String({ description: 'hex SHA-256 of the seed, committed at creation' }),
  derivation: Type.String({ description: 'how every draw is derived from the seed' }),
  seed: Type.Optional(Type.String({ description: 'hex; revealed once the campaign is drawn' })),
  result: Type.Optional(
    Type.Object({
      winners: Type.Integer(),
      sets: Type.Integer(),
      shareAmount: Type.Integer(),
      remainder: Type.Integer(),
      remainderRule: Type.String(),
    }),
  ),
});

export const campaignRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const auth = { onRequest: app.requireUser };
    const admin = { onRequest: [app.requireUser, app.requireAdmin] };
    const perUser = (max: number) => ({
      rateLimit: {
        max,
        timeWindow: '1 minute',
        hook: 'preHandler' as const,
        keyGenerator: (r: FastifyRequest) => r.user?.id ?? r.ip,
      },
    });

    app.post(
      '/admin/campaigns',
      {
        ...admin,
        schema: {
          tags: ['campaigns', 'admin'],
          summary: 'Create a card campaign and move its prize pool into its escrow',
          body: Body({
            name: Type.String({ minLength: 1, maxLength: 60 }),
            cards: Type.Array(
              Body({
                key: CardKey,
                name: Type.String({ minLength: 1, maxLength: 30 }),
                weight: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
              }),
              { minItems: 2, maxItems: 20 },
            ),
            startsAt: IsoDate,
            drawAt: IsoDate,
            poolAmount: Amount,
            drawsPerDay: Type.Integer({ minimum: 0, maximum: 100 }),
            currency: Type.Optional(Currency),
            extraDraws: Type.Optional(
              Body({
                payment: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
                scan: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
                giftReceived: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
              }),
            ),
            maxAccountsPerDevice: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          }),
          response: { 201: Type.Object({ id: Type.String(), seedHash: Type.String() }) },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.campaigns.create(user.id, request.body, key),
        ),
    );

    app.get(
      '/campaigns',
      {
        ...auth,
        schema: {
          tags: ['campaigns'],
          summary: 'Campaigns, latest draw date first',
          response: { 200: Type.Object({ items: Type.Array(CampaignView) }) },
        },
      },
      async () => ({ items: await s.campaigns.list() }),
    );

    app.get(
      '/campaigns/:id',
      {
        ...auth,
        schema: {
          tags: ['campaigns'],
          summary: 'Rules, published odds, seed commitment; after the draw the seed and result',
          params: IdParams,
          response: { 200: CampaignView },
        },
      },
      async (request) => s.campaigns.view(request.params.id),
    );

    app.get(
      '/campaigns/:id/me',
      {
        ...auth,
        schema: {
          tags: ['campaigns'],
          summary: 'My cards, draws left today, and my draws (to recompute them)',
          params: IdParams,
          response: {
            200: Type.Object({
              cards: Type.Record(Type.String(), Type.Integer()),
              drawsLeftToday: Type.Integer(),
              complete: Type.Boolean(),
              sets: Type.Integer(),
              draws: Type.Array(Type.Object({ drawNumber: Type.Integer(), card: Type.String() })),
            }),
          },
        },
      },
      async (request) => s.campaigns.mine(caller(request).id, request.params.id),
    );

    app.post(
      '/campaigns/:id/draws',
      {
        ...auth,
        preValidation: emptyBodyAsObject,
        config: perUser(120),
        schema: {
          tags: ['campaigns'],
          summary: 'Draw a card (needs the X-Device-Id header)',
          params: IdParams,
          body: Body({}),
          response: {
            201: Type.Object({
              card: Type.String(),
              cardName: Type.String(),
              drawNumber: Type.Integer(),
              drawsLeftToday: Type.Integer(),
            }),
          },
        },
      },
      async (request, reply) => {
        // The per-device collector limit counts the device's keyed hash (the raw id is never
        // stored); a client that sends no X-Device-Id is held by the one-per-identity rule alone.
        const raw = deviceIdOf(request.headers);
        const device = raw === undefined ? undefined : s.devices.hash(raw).toString('hex');
        return replyOnce(s.idempotency, request, reply, 201, (user) =>
          s.campaigns.draw(user.id, request.params.id, device),
        );
      },
    );

    app.post(
      '/campaigns/:id/gifts',
      {
        ...auth,
        config: perUser(30),
        schema: {
          tags: ['campaigns'],
          summary: 'Give one of my cards to a friend',
          params: IdParams,
          body: Body({ toUserId: Type.String({ minLength: 1, maxLength: 64 }), cardKey: CardKey }),
          response: {
            201: Type.Object({
              id: Type.String(),
              toUserId: Type.String(),
              cardKey: Type.String(),
            }),
          },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user) =>
          s.campaigns.gift(user.id, request.params.id, request.body),
        ),
    );
  };
