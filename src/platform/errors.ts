/** Errors are values with stable codes; `problem.ts` maps them to RFC 9457 problem+json. */

export type ErrorCode =
  | 'validation_error'
  | 'malformed_json'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'idempotency_conflict'
  | 'insufficient_funds'
  | 'limit_exceeded'
  | 'pin_invalid'
  | 'pin_locked'
  | 'pin_required'
  | 'verification_required'
  | 'blocked'
  | 'content_rejected'
  | 'banned'
  | 'rate_limited'
  | 'expired'
  | 'already_claimed'
  | 'sold_out'
  | 'risk_denied'
  | 'risk_challenge'
  | 'bank_declined'
  | 'csrf_failed'
  | 'service_unavailable'
  | 'internal_error'
  | 'gone'
  | 'rule_forbidden'
  | 'rule_not_met';

const STATUS: Record<ErrorCode, number> = {
  validation_error: 422,
  malformed_json: 400,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  insufficient_funds: 409,
  limit_exceeded: 409,
  pin_invalid: 403,
  pin_locked: 423,
  pin_required: 403,
  verification_required: 403,
  blocked: 403,
  content_rejected: 422,
  banned: 403,
  rate_limited: 429,
  expired: 410,
  already_claimed: 409,
  sold_out: 410,
  risk_denied: 403,
  risk_challenge: 428,
  bank_declined: 402,
  csrf_failed: 403,
  service_unavailable: 503,
  internal_error: 500,
  gone: 410,
  rule_forbidden: 422,
  rule_not_met: 403,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    detail: string,
    /** Extra members of the problem document (never secrets). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.status = STATUS[code];
  }
}

export const invalid = (detail: string, extra?: Record<string, unknown>) =>
  new AppError('validation_error', detail, extra);
export const notFound = (what = 'resource') => new AppError('not_found', `${what} not found`);
export const forbidden = (detail = 'not allowed') => new AppError('forbidden', detail);
export const conflict = (detail: string) => new AppError('conflict', detail);
