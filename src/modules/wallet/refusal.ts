import { AppError } from '../../platform/errors.ts';
import type { TransferErrorCode, TransferResult } from '../ledger/index.ts';

/** Say what was short when the money leg lacked funds, and which limit ran out. */
export interface RefusalWords {
  insufficient?: string;
  limit?: string;
}

/** A ledger refusal of one leg, as the API states it. */
export function legRefusal(
  code: TransferErrorCode,
  leg: 'money' | 'limit',
  words: RefusalWords = {},
): AppError {
  if (code === 'insufficient_funds') {
    return leg === 'limit'
      ? new AppError('limit_exceeded', words.limit ?? 'this would exceed your daily limit')
      : new AppError('insufficient_funds', words.insufficient ?? 'not enough money in your wallet');
  }
  if (code === 'idempotency_conflict') {
    return new AppError(
      'idempotency_conflict',
      'this Idempotency-Key was used with a different request',
    );
  }
  if (code === 'pending_transfer_expired')
    return new AppError('expired', 'this transfer has expired');
  if (code === 'pending_transfer_already_posted' || code === 'pending_transfer_already_voided') {
    return new AppError('conflict', 'this transfer has already been settled');
  }
  if (code === 'exceeds_limit') return new AppError('limit_exceeded', 'the amount is too large');
  return new AppError('conflict', `the transfer was refused (${code})`);
}

/**
 * Why a money leg linked to a limit leg (the allowance recipe) was refused. The money leg fails
 * first if both would; a money leg that failed only with its partner means the limit ran out.
 */
export function transferRefusal(
  money: TransferResult,
  limit: TransferResult | undefined,
  words: RefusalWords = {},
): AppError {
  if (money.ok) throw new Error('transferRefusal called for a transfer that succeeded');
  if (money.code === 'linked_event_failed' && limit && !limit.ok) {
    return legRefusal(limit.code, 'limit', words);
  }
  return legRefusal(money.code, 'money', words);
}
