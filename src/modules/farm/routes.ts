import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { caller, emptyBodyAsObject, replyOnce } from '../../platform/http.ts';
import { Amount, Body, Currency, IdParams } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const FarmView = Type.Object({
  feed: Type.Integer({ description: 'grams of feed held' }),
  eggs: Type.Integer({ description: 'eggs held, to donate' }),
  eggsLaid: Type.Integer(),
  eggsDonated: Type.Integer(),
  hen: Type.Object({
    hungryAt: Type.Union([Type.String(), Type.Null()], {
      description: 'when the current meal ends; null when the hen is hungry now',
    }),
    eating: Type.Boolean(),
  }),
  feedPerMeal: Type.Integer(),
});

const ProjectView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  sponsor: Type.String(),
  pledgePerEgg: Type.Integer(),
  currency: Type.String(),
  eggsDonated: Type.Integer(),
  amountDonated: Type.Integer(),
  createdAt: Type.String(),
});

export const farmRoutes =
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
      '/farm',
      {
        ...auth,
        schema: { tags: ['farm'], summary: 'My hen, feed and eggs', response: { 200: FarmView } },
      },
      async (request) => s.farm.farm(caller(request).id),
    );

    app.post(
      '/farm/feedings',
      {
        ...auth,
        preValidation: emptyBodyAsObject,
        config: perUser(30),
        schema: {
          tags: ['farm'],
          summary: 'Feed the hen one meal (409 without enough feed, or while she eats)',
          body: Body({}),
          response: { 201: FarmView },
        },
      },
      async (request, reply) => reply.code(201).send(await s.farm.feed(caller(request).id)),
    );

    app.get(
      '/charity/projects',
      {
        schema: {
          tags: ['farm'],
          summary: 'Charity projects with their public totals',
          security: [],
          response: { 200: Type.Object({ items: Type.Array(ProjectView) }) },
        },
      },
      async () => ({ items: await s.farm.projects() }),
    );

    app.post(
      '/charity/projects/:id/donations',
      {
        ...auth,
        config: perUser(30),
        schema: {
          tags: ['farm'],
          summary: "Donate eggs: the sponsor's pledge per egg moves to the project",
          params: IdParams,
          body: Body({ eggs: Type.Integer({ minimum: 1, maximum: 10_000 }) }),
          response: {
            201: Type.Object({
              id: Type.String(),
              projectId: Type.String(),
              eggs: Type.Integer(),
              amount: Type.Integer(),
              currency: Type.String(),
            }),
          },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.farm.donate(user.id, request.params.id, request.body.eggs, key),
        ),
    );

    app.post(
      '/admin/charity/projects',
      {
        onRequest: [app.requireUser, app.requireAdmin],
        schema: {
          tags: ['farm', 'admin'],
          summary: 'Create a charity project with its sponsor and pledge per egg',
          body: Body({
            name: Type.String({ minLength: 1, maxLength: 80 }),
            description: Type.String({ maxLength: 2000 }),
            sponsor: Type.String({ minLength: 1, maxLength: 80 }),
            pledgePerEgg: Amount,
            currency: Type.Optional(Currency),
          }),
          response: { 201: ProjectView },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.farm.createProject(user.id, request.body, key),
        ),
    );
  };
