import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { seqFromCursor } from '../../platform/cursor.ts';
import { caller, replyOnce } from '../../platform/http.ts';
import { Amount, Body, Currency, encodeCursor, PaymentProof, Pin } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';

const Visibility = Type.Union([
  Type.Literal('public'),
  Type.Literal('friends'),
  Type.Literal('private'),
]);
const Note = Type.String({ maxLength: 100 });
const UserRef = Type.Union([
  Type.Object(
    { userId: Type.String({ minLength: 1, maxLength: 64 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { phone: Type.String({ minLength: 5, maxLength: 20 }) },
    { additionalProperties: false },
  ),
]);

const TransferView = Type.Object({
  id: Type.String(),
  status: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  from: Type.Object({ userId: Type.String() }),
  to: Type.Object({ userId: Type.String() }),
  note: Type.Union([Type.String(), Type.Null()]),
  visibility: Visibility,
  createdAt: Type.String(),
  expiresAt: Type.Optional(Type.String()),
  fundingSource: Type.Optional(
    Type.Object({ familyLinkId: Type.String(), payerId: Type.String() }),
  ),
});

const TransactionItem = Type.Object({
  id: Type.String(),
  type: Type.String(),
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  status: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  counterparty: Type.Optional(Type.Object({ userId: Type.String(), nickname: Type.String() })),
  note: Type.Optional(Type.String()),
  familyLinkId: Type.Optional(Type.String()),
  paidBy: Type.Optional(Type.Object({ userId: Type.String(), nickname: Type.String() })),
  createdAt: Type.String(),
});

const HistoryQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 100 })),
    type: Type.Optional(
      Type.String({
        pattern: '^[a-z.]+(,[a-z.]+)*$',
        maxLength: 200,
        description: 'e.g. transfer,topup',
      }),
    ),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    currency: Type.Optional(Currency),
    status: Type.Optional(Type.Literal('pending', { description: 'only what is still pending' })),
  },
  { additionalProperties: false },
);

function historyFilter(q: {
  type?: string;
  from?: string;
  to?: string;
  currency?: string;
  status?: 'pending';
}) {
  return {
    ...(q.status === 'pending' ? { pendingOnly: true } : {}),
    ...(q.type ? { types: q.type.split(',') } : {}),
    ...(q.from ? { from: new Date(q.from) } : {}),
    ...(q.to ? { to: new Date(q.to) } : {}),
    ...(q.currency ? { currency: q.currency } : {}),
  };
}

/** Spreadsheet programs run cells that start with = + - @ as formulas; quote them. */
function csvCell(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const walletRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const int = Type.Integer;
    app.get(
      '/limits',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['wallet'],
          summary: 'The limits this server applies (minor units), for forms to show before asking',
          response: {
            200: Type.Object({
              transfer: Type.Object({ perTransfer: int(), daily: int() }),
              topUp: Type.Object({ max: int() }),
              redPackets: Type.Object({
                maxToPerson: int(),
                maxPerShareInGroup: int(),
                maxCount: int(),
                daily: int(),
                expiryHours: int(),
              }),
              groups: Type.Object({ maxMembers: int() }),
              expenses: Type.Object({ maxAmount: int() }),
              family: Type.Object({ maxMonthlyLimit: int() }),
              ious: Type.Object({ maxRateBps: int(), maxAmount: int(), maxTermDays: int() }),
            }),
          },
        },
      },
      async () => {
        const c = s.config;
        return {
          transfer: c.wallet.verified,
          topUp: { max: c.wallet.maxTopupAmount },
          redPackets: {
            maxToPerson: c.redPackets.maxToPerson,
            maxPerShareInGroup: c.redPackets.maxPerShareInGroup,
            maxCount: c.redPackets.maxCount,
            daily: c.redPackets.verified.daily,
            expiryHours: c.redPackets.expiryHours,
          },
          groups: { maxMembers: c.groups.maxMembers },
          expenses: { maxAmount: c.expenses.maxAmount },
          family: { maxMonthlyLimit: c.family.maxMonthlyLimit },
          ious: {
            maxRateBps: c.ious.maxRateBps,
            maxAmount: c.ious.maxAmount,
            maxTermDays: c.ious.maxTermDays,
          },
        };
      },
    );

    app.get(
      '/wallet',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['wallet'],
          response: {
            200: Type.Object({
              balances: Type.Array(
                Type.Object({
                  currency: Type.String(),
                  available: Type.Integer(),
                  pending: Type.Integer({ description: 'incoming, waiting for acceptance' }),
                  held: Type.Integer({ description: 'outgoing, on hold' }),
                }),
              ),
            }),
          },
        },
      },
      async (request) => s.wallet.balances(caller(request).id),
    );

    app.post(
      '/wallet/topups',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['wallet'],
          body: Body({ amount: Amount, currency: Type.Optional(Currency) }),
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.wallet.topUp(user, request.body, key),
        ),
    );

    app.post(
      '/wallet/withdrawals',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['wallet'],
          body: Body({
            amount: Amount,
            currency: Type.Optional(Currency),
            pin: Type.Optional(Pin),
            ...PaymentProof,
          }),
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) =>
          s.wallet.withdraw(user, request.body, key),
        ),
    );

    app.get(
      '/wallet/withdrawals/:id',
      {
        onRequest: app.requireUser,
        schema: { tags: ['wallet'], params: Type.Object({ id: Type.String({ maxLength: 64 }) }) },
      },
      async (request) => s.wallet.withdrawal(caller(request).id, request.params.id),
    );

    app.post(
      '/transfers',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['wallet'],
          body: Body({
            to: UserRef,
            amount: Amount,
            currency: Type.Optional(Currency),
            note: Type.Optional(Note),
            visibility: Type.Optional(Visibility),
            pin: Type.Optional(Pin),
            ...PaymentProof,
            requireAcceptance: Type.Optional(
              Type.Boolean({
                description: 'hold the money until the receiver accepts; refunded after 24 h',
              }),
            ),
            fundingSource: Type.Optional(
              Type.Object(
                { familyLinkId: Type.String({ minLength: 1, maxLength: 64 }) },
                {
                  additionalProperties: false,
                  description: "pay from the wallet of a family link's payer, within its limit",
                },
              ),
            ),
          }),
          response: { 201: TransferView },
        },
      },
      async (request, reply) =>
        replyOnce(s.idempotency, request, reply, 201, (user, key) => {
          const { fundingSource, ...input } = request.body;
          return fundingSource
            ? s.family.pay(user, fundingSource.familyLinkId, input, key)
            : s.wallet.transfer(user, input, key);
        }),
    );

    for (const action of ['accept', 'decline'] as const) {
      app.post(
        `/transfers/:id/${action}`,
        {
          onRequest: app.requireUser,
          schema: {
            tags: ['wallet'],
            summary: `${action} a transfer that waits for acceptance`,
            params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
            response: { 200: TransferView },
          },
        },
        async (request) => s.wallet.resolveTransfer(caller(request).id, request.params.id, action),
      );
    }

    app.get(
      '/transactions',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['wallet'],
          querystring: HistoryQuery,
          response: {
            200: Type.Object({
              items: Type.Array(TransactionItem),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      async (request) => {
        const q = request.query;
        const before = seqFromCursor(q.cursor);
        const page = await s.wallet.history(caller(request).id, {
          limit: q.limit ?? 20,
          ...(before !== undefined ? { before } : {}),
          ...historyFilter(q),
        });
        return {
          items: page.items,
          nextCursor: page.nextSeq === null ? null : encodeCursor(page.nextSeq),
        };
      },
    );

    app.get(
      '/transactions/:id',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['wallet'],
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { 200: TransactionItem },
        },
      },
      async (request) => s.wallet.transaction(caller(request).id, request.params.id),
    );

    app.get(
      '/transactions.csv',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['wallet'],
          summary: 'History as CSV (up to 10,000 rows)',
          querystring: Type.Omit(HistoryQuery, ['limit', 'cursor']),
        },
      },
      async (request, reply) => {
        const userId = caller(request).id;
        const lines = ['id,createdAt,type,direction,status,amount,currency,counterparty,note'];
        let before: number | undefined;
        for (let i = 0; i < 100; i++) {
          const page = await s.wallet.history(userId, {
            limit: 100,
            ...(before !== undefined ? { before } : {}),
            ...historyFilter(request.query),
          });
          for (const t of page.items) {
            lines.push(
              [
                t.id,
                t.createdAt,
                t.type,
                t.direction,
                t.status,
                t.amount,
                t.currency,
                t.counterparty?.nickname ?? '',
                t.note ?? '',
              ]
                .map(csvCell)
                .join(','),
            );
          }
          if (page.nextSeq === null) break;
          before = page.nextSeq;
        }
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="hebao-transactions.csv"')
          .send(`\uFEFF${lines.join('\r\n')}\r\n`);
      },
    );

    app.get(
      '/statements/:month',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['wallet'],
          summary: 'Monthly statement',
          params: Type.Object({ month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }) }),
          querystring: Type.Object(
            { currency: Type.Optional(Currency) },
            { additionalProperties: false },
          ),
        },
      },
      async (request) =>
        s.wallet.statement(
          caller(request).id,
          request.params.month,
          request.query.currency ?? 'CNY',
        ),
    );

    app.put(
      '/admin/sandbox-bank',
      {
        onRequest: [app.requireUser, app.requireAdmin],
        schema: {
          tags: ['admin'],
          summary: 'Make the sandbox bank channel succeed, decline, or answer late',
          body: Body({
            mode: Type.Union([
              Type.Literal('succeed'),
              Type.Literal('fail'),
              Type.Literal('delay'),
            ]),
            delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
          }),
        },
      },
      async (request) => {
        const { mode, delayMs } = request.body;
        s.bank.setMode(mode === 'delay' ? { kind: 'delay', ms: delayMs ?? 5000 } : { kind: mode });
        return { mode: s.bank.getMode() };
      },
    );
  };
