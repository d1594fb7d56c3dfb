import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { caller } from '../../platform/http.ts';
import { IdParams, ListQuery, Page } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';
import { REASON_CATALOGUE, type ReasonCode } from './model.ts';

const Band = Type.Union([
  Type.Literal('poor'),
  Type.Literal('fair'),
  Type.Literal('good'),
  Type.Literal('very_good'),
  Type.Literal('excellent'),
]);
const Score = Type.Integer({ minimum: 350, maximum: 950 });

const CreditView = {
  score: Score,
  band: Band,
  updatedAt: Type.String(),
  factors: Type.Array(
    Type.Object({
      dimension: Type.Union([
        Type.Literal('identity'),
        Type.Literal('behaviour'),
        Type.Literal('connections'),
        Type.Literal('history'),
        Type.Literal('capacity'),
      ]),
      score: Type.Integer({ minimum: 0, maximum: 100 }),
      weight: Type.Integer({ description: 'Percent of the score' }),
    }),
  ),
  reasons: Type.Array(
    Type.Object({
      code: Type.Unsafe<ReasonCode>(
        Type.String({ enum: Object.keys(REASON_CATALOGUE), description: 'docs/credit.md' }),
      ),
      text: Type.String(),
      impact: Type.Integer({ description: 'Score points this reason costs' }),
    }),
    { maxItems: 4 },
  ),
  tips: Type.Array(Type.String()),
};

const HistoryPoint = { score: Score, band: Band, computedAt: Type.String() };

export const creditRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/me/credit',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['credit'],
          summary: 'My credit score (信用分) with its factors, the reasons that lower it and tips',
          response: { 200: Type.Object(CreditView) },
        },
      },
      async (request) => s.credit.current(caller(request).id),
    );

    app.get(
      '/me/credit/history',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['credit'],
          summary: 'How my credit score changed, newest first (one point per change)',
          querystring: ListQuery({}),
          response: { 200: Page(Type.Object(HistoryPoint)) },
        },
      },
      async (request) =>
        s.credit.history(caller(request).id, {
          limit: request.query.limit ?? 20,
          ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
        }),
    );

    app.get(
      '/admin/users/:id/credit',
      {
        onRequest: [app.requireUser, app.requireAdmin],
        schema: {
          tags: ['admin'],
          summary: "A user's credit score, its inputs and its last 100 changes (audited)",
          params: IdParams,
          response: {
            200: Type.Object({
              userId: Type.String(),
              current: Type.Object({
                ...CreditView,
                inputs: Type.Object({}, { additionalProperties: true }),
                modelVersion: Type.Integer(),
              }),
              history: Type.Array(
                Type.Object({
                  ...HistoryPoint,
                  reasonCodes: Type.Array(Type.String()),
                  modelVersion: Type.Integer(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => s.credit.adminView(caller(request).id, request.params.id),
    );
  };
