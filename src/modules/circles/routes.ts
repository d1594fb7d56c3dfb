import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { timePage } from '../../platform/cursor.ts';
import { caller } from '../../platform/http.ts';
import { IdParams, ListQuery } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';
import { ATTRIBUTES, MAX_CONDITIONS } from './entry-rules.ts';

const Attribute = Type.Union(ATTRIBUTES.map((a) => Type.Literal(a)));
const Scalar = Type.Union([Type.Boolean(), Type.Integer(), Type.String({ maxLength: 20 })]);
const Condition = Type.Object(
  {
    attribute: Attribute,
    op: Type.Union([
      Type.Literal('eq'),
      Type.Literal('gte'),
      Type.Literal('lte'),
      Type.Literal('in'),
    ]),
    value: Type.Union([Scalar, Type.Array(Scalar, { maxItems: 50 })]),
  },
  { additionalProperties: false },
);
const RuleList = Type.Array(Condition, { maxItems: MAX_CONDITIONS });
const Rules = Type.Object(
  {
    view: Type.Optional(RuleList),
    post: Type.Optional(RuleList),
    comment: Type.Optional(RuleList),
  },
  { additionalProperties: false },
);
const Name = Type.String({ minLength: 1, maxLength: 40 });
const Description = Type.String({ maxLength: 500 });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { maxItems: 10 });
const PostParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  postId: Type.String({ minLength: 1, maxLength: 100 }),
});
const MediaIds = Type.Array(Type.String({ maxLength: 100 }), { maxItems: 9 });

/** Circles (圈子), their rules, posts, comments and likes; the admin side of circles. */
export const circleRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const auth = { onRequest: app.requireUser };
    const admin = [app.requireUser, app.requireAdmin];
    const writes = (max: number) => ({
      rateLimit: {
        max,
        timeWindow: '1 minute',
        hook: 'preHandler' as const,
        keyGenerator: (r: FastifyRequest) => r.user?.id ?? r.ip,
      },
    });
    const tags = ['circles'];

    app.get(
      '/circles/rule-attributes',
      { ...auth, schema: { tags, summary: 'Attributes rules may and may not use' } },
      async () => s.circles.ruleAttributes(),
    );

    app.post(
      '/circles',
      {
        ...auth,
        config: writes(10),
        schema: {
          tags,
          summary: 'Create a circle (verified users)',
          body: Type.Object(
            {
              name: Name,
              description: Description,
              tags: Type.Optional(Tags),
              rules: Type.Optional(Rules),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const me = caller(request);
        const circle = await s.circles.create(me.id, me.verified, request.body);
        return reply.code(201).send(circle);
      },
    );

    app.get(
      '/circles',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Discover circles, newest first (q: words in name, description or a tag)',
          querystring: ListQuery({
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
            mine: Type.Optional(Type.Boolean()),
          }),
        },
      },
      async (request) => {
        const { q, mine } = request.query;
        return s.circles.browse(caller(request).id, {
          ...timePage(request.query),
          ...(q ? { q } : {}),
          ...(mine ? { mine } : {}),
        });
      },
    );

    app.get(
      '/circles/:id',
      {
        ...auth,
        schema: { tags, summary: 'A circle, its rules and what I may do', params: IdParams },
      },
      async (request) => s.circles.get(caller(request).id, request.params.id),
    );

    app.patch(
      '/circles/:id',
      {
        ...auth,
        config: writes(20),
        schema: {
          tags,
          summary: "Change a circle's name, description, tags or rules (owner)",
          params: IdParams,
          body: Type.Object(
            {
              name: Type.Optional(Name),
              description: Type.Optional(Description),
              tags: Type.Optional(Tags),
              rules: Type.Optional(Rules),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
        },
      },
      async (request) => s.circles.update(caller(request).id, request.params.id, request.body),
    );

    app.get(
      '/circles/:id/rules/history',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Every rule set the circle had',
          params: IdParams,
          querystring: ListQuery({}),
        },
      },
      async (request) =>
        s.circles.ruleHistory(caller(request).id, request.params.id, timePage(request.query)),
    );

    app.post(
      '/circles/:id/members',
      {
        ...auth,
        config: writes(30),
        schema: { tags, summary: 'Join (needs the view rules)', params: IdParams },
      },
      async (request, reply) => {
        const { created, ...joined } = await s.circles.join(caller(request).id, request.params.id);
        return reply.code(created ? 201 : 200).send(joined);
      },
    );

    app.delete(
      '/circles/:id/members/me',
      { ...auth, schema: { tags, summary: 'Leave', params: IdParams } },
      async (request, reply) => {
        await s.circles.leave(caller(request).id, request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      '/circles/:id/posts',
      {
        ...auth,
        config: writes(20),
        schema: {
          tags,
          summary: 'Post in a circle (members meeting the post rules)',
          params: IdParams,
          body: Type.Object(
            { text: Type.String({ maxLength: 2000 }), mediaIds: Type.Optional(MediaIds) },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const post = await s.circles.createPost(
          caller(request).id,
          request.params.id,
          request.body,
        );
        return reply.code(201).send(post);
      },
    );

    app.get(
      '/circles/:id/posts',
      {
        ...auth,
        schema: {
          tags,
          summary: "A circle's posts, newest first",
          params: IdParams,
          querystring: ListQuery({}),
        },
      },
      async (request) =>
        s.circles.posts(caller(request).id, request.params.id, timePage(request.query)),
    );

    app.get(
      '/circles/:id/posts/:postId',
      { ...auth, schema: { tags, params: PostParams } },
      async (request) =>
        s.circles.post(caller(request).id, request.params.id, request.params.postId),
    );

    app.post(
      '/circles/:id/posts/:postId/comments',
      {
        ...auth,
        config: writes(30),
        schema: {
          tags,
          summary: 'Comment (members meeting the comment rules)',
          params: PostParams,
          body: Type.Object(
            { text: Type.String({ minLength: 1, maxLength: 500 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const { id, postId } = request.params;
        const comment = await s.circles.comment(caller(request).id, id, postId, request.body.text);
        return reply.code(201).send(comment);
      },
    );

    app.get(
      '/circles/:id/posts/:postId/comments',
      { ...auth, schema: { tags, params: PostParams, querystring: ListQuery({}) } },
      async (request) => {
        const { id, postId } = request.params;
        return s.circles.comments(caller(request).id, id, postId, timePage(request.query));
      },
    );

    for (const [method, liked] of [
      ['PUT', true],
      ['DELETE', false],
    ] as const) {
      app.route({
        method,
        url: '/circles/:id/posts/:postId/like',
        ...auth,
        schema: {
          tags,
          summary: liked ? 'Like (idempotent)' : 'Unlike (idempotent)',
          params: PostParams,
        },
        handler: async (request) => {
          const { id, postId } = request.params as { id: string; postId: string };
          return s.circles.setLike(caller(request).id, id, postId, liked);
        },
      });
    }

    app.post(
      '/me/student-verification',
      {
        ...auth,
        config: writes(10),
        schema: {
          tags,
          summary: 'Student status through the sandbox verifier',
          body: Type.Object(
            {
              school: Type.String({ minLength: 1, maxLength: 60 }),
              enrollmentYear: Type.Integer({ minimum: 1950, maximum: 2100 }),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const me = caller(request);
        return s.circles.verifyStudent(me.id, me.verified, request.body);
      },
    );

    // ---- operators ----
    app.get(
      '/admin/circles',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Circles with rules, members and attributes the policy now forbids',
          querystring: ListQuery({
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('dissolved')])),
          }),
        },
      },
      async (request) => {
        const { status } = request.query;
        return s.circles.adminList({ ...timePage(request.query), ...(status ? { status } : {}) });
      },
    );

    app.post(
      '/admin/circles/:id/dissolve',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Dissolve a circle',
          params: IdParams,
          body: Type.Object(
            { reason: Type.String({ minLength: 1, maxLength: 500 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (request) =>
        s.circles.dissolve(caller(request).id, request.params.id, request.body.reason),
    );

    app.put(
      '/admin/circles/policy',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Attributes circles may not use in rules',
          body: Type.Object(
            { forbiddenAttributes: Type.Array(Attribute, { maxItems: ATTRIBUTES.length }) },
            { additionalProperties: false },
          ),
        },
      },
      async (request) =>
        s.circles.setForbiddenAttributes(caller(request).id, request.body.forbiddenAttributes),
    );
  };
