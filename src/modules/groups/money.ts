/** What the group fund and collections share: their dependencies and how money is refused. */
import type { Db } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import type { IdentityService } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { SocialGraph } from '../social/graph.ts';
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
  /** Blocks stop money between two people here as everywhere. */
  graph: SocialGraph;
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
