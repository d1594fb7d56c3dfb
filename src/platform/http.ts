import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';
import type { IdempotencyStore, StoredResponse } from './idempotency.ts';

export interface RequestUser {
  id: string;
  nickname: string;
  role: 'user' | 'admin';
  verified: boolean;
  sessionId: string;
  /** The X-Device-Id header, when sent (a risk fact). */
  deviceId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: RequestUser;
  }
}

export const SESSION_COOKIE = 'hebao_session';
export const CSRF_COOKIE = 'hebao_csrf';

/** The authenticated caller; routes that reach here have passed the `requireUser` hook. */
export function caller(request: FastifyRequest): RequestUser {
  if (!request.user) throw new AppError('unauthorized', 'sign in first');
  return request.user;
}

export function idempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key || key.length > 255) {
    throw new AppError('validation_error', 'Idempotency-Key must be 1–255 characters');
  }
  return key;
}

export function send(reply: FastifyReply, response: StoredResponse & { replayed?: boolean }) {
  if (response.replayed) reply.header('idempotent-replayed', 'true');
  if (response.status >= 400) reply.type('application/problem+json');
  return reply.code(response.status).send(response.body);
}

/** What an Idempotency-Key stands for: the method, the concrete path (ids are in it), the body. */
const keyedRequest = (request: FastifyRequest) => ({
  method: request.method,
  path: request.url.split('?')[0]!,
  body: request.body,
});

/**
 * A POST that moves money: `work` runs once per (caller, Idempotency-Key); a repeat gets the
 * stored response (same status, same body) and the same key with another body 409
 * idempotency_conflict. Without a key it simply runs. `work` gets the key to derive its ids
 * from: the caller's key joined with the request's fingerprint (see IdempotencyStore).
 */
export async function replyOnce(
  store: IdempotencyStore,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  work: (user: RequestUser, key: string | undefined) => Promise<unknown>,
) {
  const user = caller(request);
  const key = idempotencyKey(request);
  const result = await store.run(
    user.id,
    key,
    keyedRequest(request),
    async (derivedKey) => ({
      status,
      body: await work(user, derivedKey),
    }),
    status,
  );
  return send(reply, result);
}

/**
 * A POST whose fields are all optional (a PIN that may not be set, or nothing at all) may come
 * without a body: it counts as `{}`, so the body schema, which refuses unknown fields, applies.
 */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}
