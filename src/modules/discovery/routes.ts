import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { caller } from '../../platform/http.ts';
import type { Services } from '../../services.ts';
import type { CandidateKind } from './rank.ts';
import { parseNear } from './service.ts';

const KINDS: Record<string, CandidateKind> = {
  posts: 'post',
  circles: 'circle',
  merchants: 'merchant',
};

const Reason = Type.Union([
  Type.Literal('interest'),
  Type.Literal('nearby'),
  Type.Literal('trusted_voice'),
  Type.Literal('friend'),
  Type.Literal('popular'),
]);

const Place = Type.Object({ lat: Type.Number(), lng: Type.Number() });

export const discoveryRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/discover',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['discovery'],
          summary: 'Posts, circles or merchants for me, each with why it is shown',
          description:
            'kind=posts&near=lat,lng is the 现场 view: posts shared within radiusM (default 3 km) of the place, newest and best rated first. Places are shown to about 100 m.',
          querystring: Type.Object(
            {
              kind: Type.Optional(
                Type.Union([
                  Type.Literal('posts'),
                  Type.Literal('circles'),
                  Type.Literal('merchants'),
                ]),
              ),
              near: Type.Optional(Type.String({ maxLength: 60 })),
              radiusM: Type.Optional(Type.Integer({ minimum: 100, maximum: 50_000 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  kind: Type.String(),
                  id: Type.String(),
                  score: Type.Number(),
                  reasons: Type.Array(Reason),
                  distanceM: Type.Optional(Type.Integer()),
                  post: Type.Optional(
                    Type.Object({
                      id: Type.String(),
                      author: Type.Object({ userId: Type.String(), nickname: Type.String() }),
                      text: Type.String(),
                      location: Type.Optional(Place),
                      likeCount: Type.Optional(Type.Integer()),
                      commentCount: Type.Optional(Type.Integer()),
                      createdAt: Type.String(),
                    }),
                  ),
                  circle: Type.Optional(
                    Type.Object({
                      id: Type.String(),
                      name: Type.String(),
                      description: Type.String(),
                      tags: Type.Array(Type.String()),
                      memberCount: Type.Integer(),
                    }),
                  ),
                  merchant: Type.Optional(
                    Type.Object({
                      id: Type.String(),
                      name: Type.String(),
                      category: Type.String(),
                      address: Type.String(),
                      rating: Type.Object({
                        average: Type.Union([Type.Number(), Type.Null()]),
                        count: Type.Integer(),
                      }),
                    }),
                  ),
                }),
              ),
              nextCursor: Type.Null(),
            }),
          },
        },
      },
      async (request) => {
        const q = request.query;
        const near = parseNear(q.near);
        return s.discovery.discover(caller(request).id, {
          kind: KINDS[q.kind ?? 'posts']!,
          ...(near ? { near } : {}),
          ...(q.radiusM ? { radiusM: q.radiusM } : {}),
          ...(q.limit ? { limit: q.limit } : {}),
        });
      },
    );
  };
