/** Ledger data model, after TigerBeetle's accounts/transfers: every field has one meaning. */

declare const brand: unique symbol;
export type AccountId = number & { readonly [brand]: 'AccountId' };
export type TransferId = string & { readonly [brand]: 'TransferId' };

/** Money in a currency's minor units (fen for CNY). Always an integer; bigint so sums stay exact. */
export type Minor = bigint;

export const AccountFlags = {
  none: 0,
  /** The account can never be overdrawn: debits (posted + pending) ≤ credits posted. */
  debitsMustNotExceedCredits: 1,
  /** The mirror image, for accounts that hold what others owe. */
  creditsMustNotExceedDebits: 2,
} as const;

export const TransferFlags = {
  none: 0,
  /** Reserves the amount (two-phase); a later post or void resolves it. */
  pending: 2,
  postPending: 4,
  voidPending: 8,
  /** A void written by the ledger because the pending transfer timed out. */
  expired: 16,
} as const;

export interface Account {
  id: AccountId;
  code: string;
  currency: string;
  flags: number;
  debitsPending: Minor;
  debitsPosted: Minor;
  creditsPending: Minor;
  creditsPosted: Minor;
}

export type TransferMode = 'single' | 'pending' | 'post' | 'void';

/** What a caller asks for. Post and void name the pending transfer; accounts and amount come from it. */
export type TransferRequest =
  | {
      id: TransferId;
      mode?: 'single' | 'pending';
      debitAccountId: AccountId;
      creditAccountId: AccountId;
      amount: Minor;
      kind: string;
      /** Pending only: seconds until the ledger voids it by itself; none means no timeout. */
      timeoutSeconds?: number;
      /** Ties this transfer to the next one in the same call: all succeed or none does. */
      linked?: boolean;
      metadata?: Record<string, unknown>;
    }
  | ResolveRequestOf<'post'>
  | ResolveRequestOf<'void'>;

/** Posts or voids a pending transfer (one member per mode, so `mode` narrows the union). */
interface ResolveRequestOf<M extends 'post' | 'void'> {
  id: TransferId;
  mode: M;
  pendingId: TransferId;
  kind: string;
  linked?: boolean;
  metadata?: Record<string, unknown>;
}

export type TransferErrorCode =
  | 'idempotency_conflict'
  | 'linked_event_failed'
  | 'linked_event_chain_open'
  | 'amount_must_be_positive'
  | 'amount_too_large'
  | 'accounts_must_be_different'
  | 'account_not_found'
  | 'currency_mismatch'
  | 'insufficient_funds'
  | 'exceeds_debits'
  | 'exceeds_limit'
  | 'invalid_timeout'
  | 'pending_transfer_not_found'
  | 'pending_transfer_not_pending'
  | 'pending_transfer_already_posted'
  | 'pending_transfer_already_voided'
  | 'pending_transfer_expired';

export interface Transfer {
  id: TransferId;
  debitAccountId: AccountId;
  creditAccountId: AccountId;
  amount: Minor;
  currency: string;
  kind: string;
  flags: number;
  pendingId: TransferId | null;
  expiresAt: Date | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
}

export type TransferResult =
  | { ok: true; transfer: Transfer; replayed: boolean }
  | { ok: false; code: TransferErrorCode; replayed: boolean };

/** Largest value a BIGINT column holds; balances must never overflow it. */
export const MAX_BIGINT: Minor = 9_223_372_036_854_775_807n;
