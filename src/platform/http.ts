import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';
import type { StoredResponse } from './idempotency.ts';

export interface RequestUser {
  id: string;
  role: 'user' | 'admin';
  verified: boolean;
  sessionId: string;
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
