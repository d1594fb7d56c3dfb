import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { caller } from '../../platform/http.ts';
import type { Services } from '../../services.ts';

export const ledgerRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/admin/ledger/verify',
      {
        onRequest: [app.requireUser, app.requireAdmin],
        schema: { tags: ['admin'], summary: 'Check the ledger invariants over the whole database' },
      },
      async (request) => {
        const report = await s.ledger.verify();
        await s.audit.record(s.db, {
          actorId: caller(request).id,
          action: 'ledger.verify',
          target: { type: 'ledger', id: 'all' },
          detail: { ok: report.ok, problems: report.problems.length },
        });
        return report;
      },
    );
  };
