import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { caller, emptyBodyAsObject } from '../../platform/http.ts';
import { Body, IdParams } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const Ball = Type.Object({
  id: Type.String(),
  amount: Type.Integer({ description: 'grams left in the ball' }),
  category: Type.String(),
  ripensAt: Type.String(),
  ripe: Type.Boolean(),
  collectedByMe: Type.Optional(Type.Boolean()),
});

const Tree = Type.Object({
  id: Type.String(),
  number: Type.Integer(),
  certificate: Type.String(),
  species: Type.String(),
  speciesName: Type.String(),
  cost: Type.Integer(),
  plantedAt: Type.String(),
});

const Collected = Type.Object({ collected: Type.Integer(), total: Type.Integer() });

const BallParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  ballId: Type.String({ minLength: 1, maxLength: 100 }),
});

export const energyRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const auth = { onRequest: app.requireUser };
    const perUser = (max: number) => ({
      rateLimit: {
        max,
        timeWindow: '1 minute',
        hook: 'preHandler' as const,
        keyGenerator: (r: FastifyRequest) => r.user?.id ?? r.ip,
      },
    });

    app.get(
      '/energy',
      {
        ...auth,
        schema: {
          tags: ['energy'],
          summary: 'My energy, balls ripening, trees and the species I can plant',
          response: {
            200: Type.Object({
              total: Type.Integer(),
              lifetime: Type.Integer(),
              balls: Type.Array(Ball),
              trees: Type.Array(Tree),
              species: Type.Array(
                Type.Object({ key: Type.String(), name: Type.String(), cost: Type.Integer() }),
              ),
            }),
          },
        },
      },
      async (request) => s.energy.energy(caller(request).id),
    );

    app.post(
      '/energy/balls/:id/collect',
      {
        ...auth,
        preValidation: emptyBodyAsObject,
        config: perUser(120),
        schema: {
          tags: ['energy'],
          summary: 'Collect one of my ripe balls (409 not ripe)',
          params: IdParams,
          body: Body({}),
          response: { 200: Collected },
        },
      },
      async (request) => s.energy.collect(caller(request).id, request.params.id),
    );

    app.get(
      '/users/:id/energy',
      {
        ...auth,
        schema: {
          tags: ['energy'],
          summary: "A friend's energy balls (friends only)",
          params: IdParams,
          response: { 200: Type.Object({ balls: Type.Array(Ball) }) },
        },
      },
      async (request) => s.energy.friendEnergy(caller(request).id, request.params.id),
    );

    app.post(
      '/users/:id/energy/balls/:ballId/collect',
      {
        ...auth,
        preValidation: emptyBodyAsObject,
        config: perUser(120),
        schema: {
          tags: ['energy'],
          summary: "Take my share of a friend's ripe ball, once (409 not ripe or taken)",
          params: BallParams,
          body: Body({}),
          response: { 200: Collected },
        },
      },
      async (request) =>
        s.energy.collectFromFriend(caller(request).id, request.params.id, request.params.ballId),
    );

    app.post(
      '/energy/trees',
      {
        ...auth,
        config: perUser(30),
        schema: {
          tags: ['energy'],
          summary: 'Plant a tree with my energy (409 below the species cost)',
          body: Body({ species: Type.String({ minLength: 1, maxLength: 40 }) }),
          response: { 201: Tree },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await s.energy.plant(caller(request).id, request.body.species)),
    );

    app.get(
      '/energy/leaderboard',
      {
        ...auth,
        schema: {
          tags: ['energy'],
          summary: 'Me and my friends, by energy collected',
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  rank: Type.Integer(),
                  userId: Type.String(),
                  nickname: Type.String(),
                  energy: Type.Integer(),
                  trees: Type.Integer(),
                  me: Type.Boolean(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => s.energy.leaderboard(caller(request).id),
    );
  };
