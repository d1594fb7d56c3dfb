/** What the group fund and collections share: their dependencies and how money is refused. */
import type { Db } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import type { MoneyMoments } from '../conversations/index.ts';
import type { IdentityService } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { Authorization, PaymentPipeline } from '../wallet/index.ts';
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
  /** Wallet money moves through the payment pipeline: checks, legs and refusals in one place. */
  pipeline: PaymentPipeline;
  notifications: NotificationService;
  limits: {
    /** Most one contribution, spend or share may move: the wallet's per-transfer limit. */
    perTransfer: number;
    /** Money out of a wallet counts against the wallet's daily transfer allowance. */
    daily: number;
    /** Minutes between two reminders of one collection. */
    reminderMinutes: number;
  };
  screenNote?: NoteScreen;
  /** Cards in the group's conversation (collections, payments, settle-ups), with the money. */
  moments?: Pick<MoneyMoments, 'inGroup'>;
}

export interface Payer {
  id: string;
  verified: boolean;
}

/** The wallet's per-transfer cap, in the words groups have always used. */
export function perTransfer(limit: number): NonNullable<Authorization['perPaymentLimit']> {
  return { limit, field: 'amount', message: `amount must be at most ${limit}` };
}
