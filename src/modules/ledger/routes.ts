import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
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
      async () => s.ledger.verify(),
    );
  };
