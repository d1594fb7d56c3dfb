import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { caller } from '../../platform/http.ts';
import { Body, IdParams, IsoDate } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';
import { APPLIES_TO, ConditionSchema } from './rules.ts';
import type { RuleInput } from './service.ts';

const RuleBody = Body({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  appliesTo: Type.Array(Type.Union(Object.keys(APPLIES_TO).map((k) => Type.Literal(k))), {
    minItems: 1,
    maxItems: Object.keys(APPLIES_TO).length,
  }),
  when: ConditionSchema,
  action: Type.Union([Type.Literal('challenge'), Type.Literal('hold'), Type.Literal('deny')]),
});

const Note = Body({ note: Type.Optional(Type.String({ maxLength: 500 })) });

export const riskRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const admin = [app.requireUser, app.requireAdmin];
    const risk = s.risk;

    app.post(
      '/admin/risk/rules',
      {
        onRequest: admin,
        schema: { tags: ['risk'], summary: 'A new rule (version 1, draft)', body: RuleBody },
      },
      async (request, reply) => {
        const actor = caller(request).id;
        const rule = await risk.audited(
          actor,
          'risk.rule.create',
          (tx) => risk.createRule(tx, actor, request.body as RuleInput),
          { type: 'risk_rule', id: (r) => r.id },
          (r) => ({ version: r.version, name: r.name, action: r.action }),
        );
        return reply.code(201).send(rule);
      },
    );

    app.get(
      '/admin/risk/rules',
      { onRequest: admin, schema: { tags: ['risk'], summary: 'Every rule (its live version)' } },
      async () => ({ items: await risk.rules(), nextCursor: null }),
    );

    app.get(
      '/admin/risk/rules/:id',
      {
        onRequest: admin,
        schema: { tags: ['risk'], summary: 'A rule and all its versions', params: IdParams },
      },
      async (request) => risk.rule(request.params.id),
    );

    app.put(
      '/admin/risk/rules/:id',
      {
        onRequest: admin,
        schema: {
          tags: ['risk'],
          summary: 'Edit a rule: a new draft version (the versions before stay readable)',
          params: IdParams,
          body: RuleBody,
        },
      },
      async (request, reply) => {
        const actor = caller(request).id;
        const rule = await risk.audited(
          actor,
          'risk.rule.edit',
          (tx) => risk.editRule(tx, actor, request.params.id, request.body as RuleInput),
          { type: 'risk_rule', id: (r) => r.id },
          (r) => ({ version: r.version, name: r.name, action: r.action }),
        );
        return reply.code(201).send(rule);
      },
    );

    for (const action of ['activate', 'deactivate'] as const) {
      app.post(
        `/admin/risk/rules/:id/${action}`,
        {
          onRequest: admin,
          preValidation: async (request) => {
            if (request.body === undefined || request.body === null) request.body = {};
          },
          schema: {
            tags: ['risk'],
            summary:
              action === 'activate'
                ? 'Make a version live (the newest unless named)'
                : 'Take the live version off',
            params: IdParams,
            body: Body({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
          },
        },
        async (request) => {
          const actor = caller(request).id;
          return risk.audited(
            actor,
            `risk.rule.${action}`,
            (tx) =>
              action === 'activate'
                ? risk.activate(tx, request.params.id, request.body.version)
                : risk.deactivate(tx, request.params.id),
            { type: 'risk_rule', id: (r) => r.id },
            (r) => ({ version: r.version }),
          );
        },
      );
    }

    app.post(
      '/admin/risk/rules/:id/dry-run',
      {
        onRequest: admin,
        schema: {
          tags: ['risk'],
          summary: 'What a rule version would have decided over the movements in [from, to)',
          params: IdParams,
          body: Body({
            from: IsoDate,
            to: IsoDate,
            version: Type.Optional(Type.Integer({ minimum: 1 })),
          }),
        },
      },
      async (request) => {
        const actor = caller(request).id;
        const { from, to, version } = request.body;
        return risk.audited(
          actor,
          'risk.rule.dry_run',
          () =>
            risk.dryRun(request.params.id, {
              from: new Date(from),
              to: new Date(to),
              ...(version ? { version } : {}),
            }),
          { type: 'risk_rule', id: () => request.params.id },
          (r) => ({ from, to, version, evaluated: r.evaluated, matched: r.matched }),
        );
      },
    );

    app.get(
      '/admin/risk/holds',
      {
        onRequest: admin,
        schema: {
          tags: ['risk'],
          summary: 'Held movements, newest first',
          querystring: Type.Object({
            status: Type.Optional(
              Type.Union([
                Type.Literal('held'),
                Type.Literal('released'),
                Type.Literal('rejected'),
              ]),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
          }),
        },
      },
      async (request) => ({
        items: await risk.holds(request.query.status ?? 'held', request.query.limit ?? 50),
        nextCursor: null,
      }),
    );

    for (const decision of ['release', 'reject'] as const) {
      app.post(
        `/admin/risk/holds/:id/${decision}`,
        {
          onRequest: admin,
          preValidation: async (request) => {
            if (request.body === undefined || request.body === null) request.body = {};
          },
          schema: {
            tags: ['risk'],
            summary:
              decision === 'release'
                ? 'Release a held movement: its money moves and it completes'
                : 'Reject a held movement: its money returns to the payer',
            params: IdParams,
            body: Note,
          },
        },
        async (request) => {
          const actor = caller(request).id;
          const { view, after } = await risk.audited(
            actor,
            `risk.hold.${decision}`,
            (tx) => risk.decideHold(tx, request.params.id, decision, actor, request.body.note),
            { type: 'risk_hold', id: (r) => r.view.id },
            (r) => ({ kind: r.view.kind, amount: r.view.amount, userId: r.view.user.id }),
          );
          s.pipeline.delivered();
          if (after) await after();
          return view;
        },
      );
    }

    app.get(
      '/admin/risk/users/:id',
      {
        onRequest: admin,
        schema: {
          tags: ['risk'],
          summary: "A user's risk history: decisions other than allow, and holds",
          params: IdParams,
        },
      },
      async (request) => risk.userHistory(request.params.id, 100),
    );
  };
