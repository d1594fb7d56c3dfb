/** Request/response schemas shared by modules: one source for validation, types and OpenAPI. */
import { type TObject, type TProperties, Type } from '@sinclair/typebox';
import { CURRENCIES } from './money.ts';

/** A JSON body object that refuses unknown fields. */
export const Body = <T extends TProperties>(props: T) =>
  Type.Object(props, { additionalProperties: false });

/** A positive amount in minor units: an integer, never a float or a string. */
export const Amount = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Minor units (fen for CNY): 1234 = ¥12.34',
});

export const Currency = Type.Union(
  Object.keys(CURRENCIES).map((c) => Type.Literal(c)),
  { description: 'ISO 4217 code; default CNY' },
);

export const Pin = Type.String({ pattern: '^[0-9]{6}$', description: 'Six-digit payment PIN' });

export const Uuid = Type.String({ format: 'uuid' });

/**
 * What a money request may carry besides the PIN: a passkey assertion in its place, and the
 * risk challenge it answers (API.md, Risk control).
 */
export const PaymentProof = {
  passkey: Type.Optional(
    Type.Object(
      {},
      {
        additionalProperties: true,
        description: 'A WebAuthn assertion (AuthenticationResponseJSON), in place of the PIN',
      },
    ),
  ),
  riskChallengeId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'The risk challenge this answers' }),
  ),
};

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const ListQuery = <T extends TProperties>(extra: T) =>
  Type.Object(
    {
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
      cursor: Type.Optional(Type.String({ maxLength: 200 })),
      ...extra,
    },
    { additionalProperties: false },
  );

export const Page = <T extends TObject>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
  },
  { additionalProperties: true },
);

export const IsoDate = Type.String({ format: 'date-time' });

export const encodeCursor = (value: string | number) =>
  Buffer.from(String(value)).toString('base64url');
export const decodeCursor = (cursor: string | undefined): string | undefined =>
  cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
