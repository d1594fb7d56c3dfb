/** What the group fund and collections share: their dependencies and how money is refused. */
import type { Db } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import type { IdentityService } from '../identity/index.ts';
import type { Ledger, TransferResult } from '../ledger/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { WalletService } from '../wallet/index.ts';
import type { GroupsService } from './service.ts';

/**
 * Moderation of a note (fund entries, collections): throws 422 content_rejected for a refused
 * one, and says whether it was held for review (then only its author sees it).
 */
export type NoteScreen = (note: string, userId: string) => Promise<'allow' | 'review'>;

export const allowEveryNote: NoteScreen = async () => 'allow';

export interface GroupMoneyDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  identity: IdentityService;
  groups: GroupsService;
  wallet: WalletService;
  notifications: NotificationService;
  limits: {
    /** Most one contribution, spend or share may move: the wallet's per-transfer limit. */
    perTransfer: number;
    /** Money out of a wallet counts against the wallet's daily transfer allowance. */
    daily: number;
    timeZone: string;
    /** Minutes between two reminders of one collection. */
    reminderMinutes: number;
  };
  screenNote?: NoteScreen;
}

export interface Payer {
  id: string;
  verified: boolean;
}

export function requireVerified(user: Payer): void {
  if (!user.verified) {
    throw new AppError('verification_required', 'verify your identity before sending money');
  }
}

export function requireWithinTransferLimit(amount: number, limit: number, field: string): void {
  if (amount > limit) throw invalid(`${field} must be at most ${limit}`, { field });
}

/**
 * Why the ledger refused a movement, as the API states it. `limit` is the daily-allowance leg
 * linked to it, if any: the money leg fails first if both would, so a money leg that failed
 * only with its partner means the allowance ran out.
 */
export function refusal(
  money: TransferResult,
  limit: TransferResult | undefined,
  insufficient: string,
): Error {
  const code = money.ok ? 'ok' : money.code;
  if (code === 'linked_event_failed' && limit && !limit.ok && limit.code === 'insufficient_funds') {
    return new AppError('limit_exceeded', 'this would exceed your daily transfer limit');
  }
  if (code === 'insufficient_funds') return new AppError('insufficient_funds', insufficient);
  if (code === 'idempotency_conflict') {
    return new AppError(
      'idempotency_conflict',
      'this Idempotency-Key was used with a different request',
    );
  }
  return new Error(`group money transfer refused: ${code}`);
}
