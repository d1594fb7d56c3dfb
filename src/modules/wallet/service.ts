import type { WalletConfig } from '../../config.ts';
import { type Db, inTransaction } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, invalid, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { DEFAULT_CURRENCY, fromMinor, toMinor } from '../../platform/money.ts';
import type { OutboxMessage } from '../../platform/outbox.ts';
import type { IdentityService } from '../identity/index.ts';
import {
  type Account,
  AccountFlags,
  type AccountId,
  type BatchRow,
  type Ledger,
  newTransferId,
  type Transfer,
  type TransferId,
  transferIdFor,
} from '../ledger/index.ts';
import type { NotificationRow, NotificationService } from '../notifications/index.ts';
import type { BankChannel } from './bank-channel.ts';
import {
  type Clearance,
  type HeldMovement,
  type PasskeyAssertion,
  type PaymentPipeline,
  walletCode,
} from './pipeline.ts';
import { legRefusal } from './refusal.ts';

export type Visibility = 'public' | 'friends' | 'private';

/**
 * What the wallet asks of modules it must not import (social, moderation): wired in services.ts.
 * `screenNote` throws 422 content_rejected for a refused note and says whether it was held.
 */
export interface WalletHooks {
  /** `log` is the decision's row for the moderation log, committed with the payment. */
  screenNote(
    note: string,
    userId: string,
  ): Promise<{ verdict: 'allow' | 'review'; log?: BatchRow }>;
  defaultVisibility(userId: string): Promise<Visibility>;
  /** The user a phone names as the caller may see it (privacy); unset: any registered user. */
  findByPhone?(callerId: string, phone: string): Promise<string | undefined>;
}

export const noWalletHooks: WalletHooks = {
  screenNote: async () => ({ verdict: 'allow' }),
  defaultVisibility: async () => 'friends',
};

/** A payment for the feed, as the outbox carries it (the social module fans it out). */
export interface FeedPayment {
  transferId: string;
  fromUserId: string;
  toUserId: string;
  note: string | null;
  visibility: Visibility;
  createdAt: Date;
}

export const FEED_PAYMENT_TOPIC = 'feed.payment';

export function feedPayment(p: FeedPayment): OutboxMessage {
  return { topic: FEED_PAYMENT_TOPIC, payload: { ...p, createdAt: p.createdAt.toISOString() } };
}

export interface Caller {
  id: string;
  verified: boolean;
  /** Known for callers of the HTTP API (from the session); looked up when missing. */
  nickname?: string;
}

export interface TransferInput {
  to: { userId?: string; phone?: string };
  amount: number;
  currency?: string;
  note?: string;
  visibility?: Visibility;
  pin?: string;
  passkey?: PasskeyAssertion;
  riskChallengeId?: string;
  requireAcceptance?: boolean;
}

/** A transfer that passed its checks: who sends to whom, and how it will show. */
export interface PreparedTransfer {
  sender: Caller;
  receiver: { id: string; nickname: string };
  currency: string;
  note: string | null;
  noteVerdict: 'allow' | 'review';
  /** The note's moderation log row, written with the payment. */
  noteLog: BatchRow | undefined;
  visibility: Visibility;
  /** The risk stage's verdict, for the legs (its rows) or a hold. */
  clearance: Clearance;
}

export interface TransferView {
  id: string;
  status: 'completed' | 'pending' | 'refunded';
  amount: number;
  currency: string;
  from: { userId: string };
  to: { userId: string };
  note: string | null;
  visibility: Visibility;
  createdAt: string;
  expiresAt?: string;
}

export interface Transaction {
  id: string;
  type: string;
  direction: 'in' | 'out';
  status: 'completed' | 'pending' | 'refunded' | 'failed';
  amount: number;
  currency: string;
  counterparty?: { userId: string; nickname: string };
  note?: string;
  /** Family payments, to the payer and the member: the link and the member who paid. */
  familyLinkId?: string;
  paidBy?: { userId: string; nickname: string };
  createdAt: string;
}

/** Who took part in a transfer, from its metadata; `paidBy` marks a family payment. */
interface Parties {
  from?: string;
  to?: string;
  /** The family member who paid from `from`'s wallet. */
  paidBy?: string;
  familyLinkId?: string;
  note?: string | null;
}

/**
 * The other party as `userId` sees it. A family payment is the member's payment to `to` (out
 * of the payer's wallet), so the payer and the member see `to`, and `to` sees the member.
 */
function counterpartyOf(m: Parties, userId: string): string | undefined {
  if (m.paidBy) return m.to === userId ? m.paidBy : m.to;
  return m.from === userId ? m.to : m.from;
}

interface HistoryRow {
  seq: string;
  id: string;
  kind: string;
  amount: string;
  currency: string;
  flags: number;
  metadata: Record<string, unknown> | null;
  created_at: Date;
  debit_account_id: string;
  credit_account_id: string;
  resolution: number | null;
  expires_at: Date | null;
}

const PENDING = 2;
const POST = 4;

/** Money errors the ledger reports, as the API states them. */
const DAILY_LIMIT_WORDS = 'this transfer would exceed your daily limit';

export class WalletService {
  private readonly accountIds = new Map<string, AccountId>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ledger: Ledger,
    private readonly identity: IdentityService,
    private readonly bank: BankChannel,
    private readonly notifications: NotificationService,
    private readonly config: WalletConfig,
    private readonly pipeline: PaymentPipeline,
    private readonly hooks: WalletHooks = noWalletHooks,
  ) {
    pipeline.onHoldReleased('transfer', {
      release: async (_tx, hold) => ({ effects: this.releasedTransferEffects(hold) }),
    });
    pipeline.onHoldReleased('withdrawal', {
      // The bank is asked once released; its answer posts or voids the held legs as usual.
      release: async (tx, hold) => {
        const id = newId();
        const now = this.clock.now();
        await tx.query(
          `INSERT INTO withdrawals (id, user_id, amount, currency, hold_transfer_id, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)`,
          [id, hold.userId, hold.amount, hold.currency, hold.moneyTransferId, now],
        );
        return { post: false, after: () => this.attemptSettlement(id) };
      },
    });
  }

  /** A held transfer completes like any other: the receiver is told, the feed shows it. */
  private releasedTransferEffects(hold: HeldMovement) {
    const p = hold.payload as {
      senderNickname: string | null;
      receiverId: string;
      note: string | null;
      noteVerdict: 'allow' | 'review';
      visibility: Visibility;
    };
    const now = this.clock.now();
    return {
      notifications: [
        {
          userId: p.receiverId,
          kind: 'transfer.received',
          data: {
            transferId: hold.moneyTransferId,
            fromUserId: hold.userId,
            fromNickname: p.senderNickname,
            amount: hold.amount,
            currency: hold.currency,
            note: p.note,
          },
        },
      ],
      outbox:
        p.noteVerdict === 'allow'
          ? [
              feedPayment({
                transferId: hold.moneyTransferId,
                fromUserId: hold.userId,
                toUserId: p.receiverId,
                note: p.note,
                visibility: p.visibility,
                createdAt: now,
              }),
            ]
          : [],
    };
  }

  static walletCode(userId: string, currency: string): string {
    return walletCode(userId, currency);
  }

  /** Account ids never change once made, so each process remembers them. */
  private async account(code: string, currency: string, flags: number): Promise<AccountId> {
    const cached = this.accountIds.get(code);
    if (cached !== undefined) return cached;
    const account = await this.ledger.ensureAccount({ code, currency, flags });
    this.accountIds.set(code, account.id);
    return account.id;
  }

  walletAccount(userId: string, currency: string): Promise<AccountId> {
    return this.pipeline.walletAccount(userId, currency);
  }

  private bankAccount(currency: string): Promise<AccountId> {
    return this.account(`bank:sandbox:${currency}`, currency, AccountFlags.none);
  }

  async balances(userId: string) {
    const accounts = await this.ledger.accountsByCodePrefix(`user:${userId}:wallet:`);
    const balances = accounts.map((a: Account) => ({
      currency: a.currency,
      available: fromMinor(a.creditsPosted - a.debitsPosted - a.debitsPending),
      pending: fromMinor(a.creditsPending),
      held: fromMinor(a.debitsPending),
    }));
    if (!balances.some((b) => b.currency === DEFAULT_CURRENCY)) {
      balances.unshift({ currency: DEFAULT_CURRENCY, available: 0, pending: 0, held: 0 });
    }
    return { balances };
  }

  /**
   * Records the top-up, charges the bank, credits the wallet. The record comes first so that a
   * crash between the charge and the credit leaves a trace: `reconcileTopups` later asks the
   * bank what became of the charge and credits it (same transfer id: once) or drops it.
   */
  async topUp(user: Caller, input: { amount: number; currency?: string }, key: string | undefined) {
    const currency = input.currency ?? DEFAULT_CURRENCY;
    if (input.amount > this.config.maxTopupAmount) {
      throw invalid(`amount must be at most ${this.config.maxTopupAmount}`, { field: 'amount' });
    }
    const id = key ? transferIdFor('wallet.topup', user.id, key) : newTransferId();
    const now = this.clock.now();
    const inserted = await this.db.query(
      `INSERT INTO topups (id, user_id, amount, currency, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'charging', $5, $5) ON CONFLICT (id) DO NOTHING`,
      [id, user.id, input.amount, currency, now],
    );
    if (inserted.rowCount === 0) {
      const { rows } = await this.db.query<{ amount: string; currency: string }>(
        'SELECT amount, currency FROM topups WHERE id = $1',
        [id],
      );
      // The bank must never be charged for a different amount under the same reference.
      if (Number(rows[0]!.amount) !== input.amount || rows[0]!.currency !== currency) {
        throw new AppError('idempotency_conflict', 'this key was used for another top-up');
      }
    }
    const outcome = await this.bank.charge(id, toMinor(input.amount), currency);
    if (outcome !== 'succeeded') {
      if (outcome === 'failed') await this.setTopupStatus(id, 'failed');
      throw new AppError('bank_declined', 'the bank declined this top-up');
    }
    const t = await this.creditTopup(id, user.id, toMinor(input.amount), currency);
    return {
      id: t.id,
      status: 'succeeded' as const,
      amount: fromMinor(t.amount),
      currency: t.currency,
      createdAt: t.createdAt.toISOString(),
    };
  }

  private async creditTopup(id: TransferId, userId: string, amount: bigint, currency: string) {
    const [result] = await this.ledger.createTransfers([
      {
        id,
        debitAccountId: await this.bankAccount(currency),
        creditAccountId: await this.walletAccount(userId, currency),
        amount,
        kind: 'topup',
        metadata: { userId },
      },
    ]);
    if (!result!.ok) throw legRefusal(result!.code, 'money');
    await this.setTopupStatus(id, 'credited');
    return result!.transfer;
  }

  private async setTopupStatus(id: string, status: 'credited' | 'failed' | 'refunded') {
    await this.db.query(
      `UPDATE topups SET status = $2, updated_at = $3 WHERE id = $1 AND status = 'charging'`,
      [id, status, this.clock.now()],
    );
  }

  /**
   * The restart-safe job for top-ups that never reached the ledger (older than
   * topupReconcileSeconds, so requests still in flight are left alone): a charge the bank
   * took is credited; one it declined or never received is closed. A charge whose credit the
   * ledger refuses is refunded to the card. Safe in several processes at once: the credit's
   * id is the top-up's, and a refund happens only once the ledger has refused that id for good.
   */
  async reconcileTopups(): Promise<void> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.topupReconcileSeconds * 1000);
    const { rows } = await this.db.query<{
      id: TransferId;
      user_id: string;
      amount: string;
      currency: string;
    }>(
      `SELECT id, user_id, amount, currency FROM topups
        WHERE status = 'charging' AND created_at <= $1 ORDER BY created_at LIMIT 500`,
      [cutoff],
    );
    const errors: unknown[] = [];
    for (const r of rows) {
      try {
        const outcome = await this.bank.chargeStatus(r.id);
        if (outcome === 'processing') continue;
        if (outcome !== 'succeeded') {
          await this.setTopupStatus(r.id, 'failed');
          continue;
        }
        try {
          await this.creditTopup(r.id, r.user_id, BigInt(r.amount), r.currency);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          // The ledger refused the credit (and keeps refusing that id): give the money back.
          await this.bank.refund(r.id);
          await this.setTopupStatus(r.id, 'refunded');
        }
      } catch (err) {
        // This one waits for the next run; the others are not held up by it.
        errors.push(err);
      }
    }
    // Reported once the others are done, so that the job's log says what keeps failing.
    if (errors.length > 0) {
      throw new AggregateError(errors, `${errors.length} top-up(s) could not be reconciled yet`);
    }
  }

  async withdraw(
    user: Caller,
    input: {
      amount: number;
      currency?: string;
      pin?: string;
      passkey?: PasskeyAssertion;
      riskChallengeId?: string;
    },
    key: string | undefined,
  ) {
    if (!user.verified) {
      throw new AppError('verification_required', 'verify your identity before withdrawing');
    }
    const currency = input.currency ?? DEFAULT_CURRENCY;
    if (input.amount > this.config.maxWithdrawalAmount) {
      throw invalid(`amount must be at most ${this.config.maxWithdrawalAmount}`, {
        field: 'amount',
      });
    }
    const clearance = await this.pipeline.authorize({
      payer: user,
      pin: input.pin,
      passkey: input.passkey,
      riskChallengeId: input.riskChallengeId,
      holdable: true,
      amount: input.amount,
      currency,
      kind: 'withdrawal',
    });
    const holdId = key ? transferIdFor('wallet.withdrawal', user.id, key) : newTransferId();
    // The bank holds the money pending until it pays out (or a risk hold, until an admin decides).
    const spec = {
      id: holdId,
      from: { wallet: user.id },
      to: { account: await this.bankAccount(currency) },
      amount: input.amount,
      currency,
      kind: 'withdrawal',
      pending: {},
      metadata: { userId: user.id },
      clearance,
    };
    if (clearance.hold) await this.pipeline.hold(spec, { id: holdId, payload: {} });
    const legs = await this.pipeline.legs(spec);
    const now = this.clock.now();
    // The hold and the withdrawal record commit together.
    const withdrawalId = await inTransaction(this.db, async (tx) => {
      const [hold] = await this.pipeline.commitIn(tx, legs);
      if (hold!.replayed) {
        const { rows } = await tx.query<{ id: string }>(
          'SELECT id FROM withdrawals WHERE hold_transfer_id = $1',
          [holdId],
        );
        return rows[0]!.id;
      }
      const id = newId();
      await tx.query(
        `INSERT INTO withdrawals (id, user_id, amount, currency, hold_transfer_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)`,
        [id, user.id, input.amount, currency, holdId, now],
      );
      return id;
    });
    await this.attemptSettlement(withdrawalId);
    return this.withdrawal(user.id, withdrawalId);
  }

  async withdrawal(userId: string, id: string) {
    const { rows } = await this.db.query<{
      id: string;
      status: string;
      amount: string;
      currency: string;
      created_at: Date;
      failure_reason: string | null;
    }>(
      `SELECT id, status, amount, currency, created_at, failure_reason FROM withdrawals
        WHERE id::text = $1 AND user_id = $2`,
      [id, userId],
    );
    const w = rows[0];
    if (!w) throw notFound('withdrawal');
    return {
      id: w.id,
      status: w.status as 'pending' | 'succeeded' | 'failed',
      amount: Number(w.amount),
      currency: w.currency,
      createdAt: w.created_at.toISOString(),
      ...(w.failure_reason ? { failureReason: w.failure_reason } : {}),
    };
  }

  /**
   * Asks the channel about one pending withdrawal and posts or voids its hold. The post/void
   * ids derive from the withdrawal, so two processes settling it at once move money once.
   */
  private async settleWithdrawal(id: string): Promise<void> {
    const { rows } = await this.db.query<{
      hold_transfer_id: string;
      amount: string;
      currency: string;
      status: string;
    }>('SELECT hold_transfer_id, amount, currency, status FROM withdrawals WHERE id = $1', [id]);
    const w = rows[0];
    if (w?.status !== 'pending') return;
    let outcome = await this.bank.payoutStatus(id);
    if (outcome === 'unknown') outcome = await this.bank.payout(id, BigInt(w.amount), w.currency);
    if (outcome === 'processing') return;
    const mode = outcome === 'succeeded' ? 'post' : 'void';
    const [result] = await this.ledger.createTransfers([
      {
        id: transferIdFor(`withdrawal.${mode}`, id),
        mode,
        pendingId: w.hold_transfer_id as TransferId,
        kind: 'withdrawal',
      },
    ]);
    if (!result!.ok) throw new Error(`withdrawal ${id}: ${mode} failed with ${result!.code}`);
    await this.db.query(
      `UPDATE withdrawals SET status = $2, failure_reason = $3, updated_at = $4 WHERE id = $1 AND status = 'pending'`,
      [id, outcome, outcome === 'failed' ? 'declined by the bank' : null, this.clock.now()],
    );
  }

  /**
   * The restart-safe job: every withdrawal still pending whose retry is due is asked about
   * again. Each one's failure is its own: it waits out its backoff while the others settle.
   */
  async settlePendingWithdrawals(): Promise<void> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM withdrawals
        WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
        ORDER BY next_attempt_at NULLS FIRST, created_at LIMIT 500`,
      [this.clock.now()],
    );
    for (const r of rows) await this.attemptSettlement(r.id);
  }

  /** Settles one withdrawal; a failure (the bank unreachable) is counted and retried later. */
  private async attemptSettlement(id: string): Promise<void> {
    try {
      await this.settleWithdrawal(id);
    } catch (err) {
      await this.settlementFailed(id, err);
    }
  }

  /**
   * Backoff doubles from withdrawalRetrySeconds (at most 6 hours). After withdrawalMaxAttempts
   * the withdrawal fails and its hold is voided, so the money is the user's again; if the bank
   * did pay out meanwhile, it is reconciled by hand (no channel answer means no way to know).
   */
  private async settlementFailed(id: string, err: unknown): Promise<void> {
    const now = this.clock.now();
    const message = err instanceof Error ? err.message : String(err);
    const { rows } = await this.db.query<{ attempts: number }>(
      `UPDATE withdrawals
          SET attempts = attempts + 1, last_error = $2, updated_at = $3,
              next_attempt_at = $3::timestamptz
                + make_interval(secs => least($4::float8 * power(2, attempts), 21600))
        WHERE id = $1 AND status = 'pending' RETURNING attempts`,
      [id, message.slice(0, 500), now, this.config.withdrawalRetrySeconds],
    );
    if (!rows[0] || rows[0].attempts < this.config.withdrawalMaxAttempts) return;
    await inTransaction(this.db, async (tx) => {
      const { rows: locked } = await tx.query<{
        user_id: string;
        hold_transfer_id: TransferId;
        amount: string;
        currency: string;
      }>(
        `SELECT user_id, hold_transfer_id, amount, currency FROM withdrawals
          WHERE id = $1 AND status = 'pending' FOR UPDATE`,
        [id],
      );
      const w = locked[0];
      if (!w) return;
      // The same id as a decline's void: whichever comes first releases the hold, once.
      const [voided] = await this.ledger.createTransfersIn(tx, [
        {
          id: transferIdFor('withdrawal.void', id),
          mode: 'void',
          pendingId: w.hold_transfer_id,
          kind: 'withdrawal',
        },
      ]);
      if (!voided!.ok) throw new Error(`withdrawal ${id}: void failed with ${voided!.code}`);
      await tx.query(
        `UPDATE withdrawals SET status = 'failed', failure_reason = $2, next_attempt_at = NULL,
                updated_at = $3 WHERE id = $1`,
        [id, 'the bank could not be reached', now],
      );
      await this.notifications.notify(tx, w.user_id, 'withdrawal.failed', {
        withdrawalId: id,
        amount: Number(w.amount),
        currency: w.currency,
        reason: 'the bank could not be reached',
      });
    });
  }

  /**
   * The checks every transfer passes before money moves, whoever's wallet pays, in the order
   * the API promises. `check` adds the caller's own (a family payment's) before the PIN;
   * `kind` tells the risk stage what the payment is.
   */
  async prepareTransfer(
    user: Caller,
    input: TransferInput,
    check?: (receiver: { id: string; nickname: string }) => Promise<void>,
    kind = 'transfer',
  ): Promise<PreparedTransfer> {
    if (!user.verified) {
      throw new AppError('verification_required', 'verify your identity before sending money');
    }
    const currency = input.currency ?? DEFAULT_CURRENCY;
    const receiver = input.to.userId
      ? await this.identity.payee(input.to.userId)
      : await this.receiverByPhone(user.id, input.to.phone ?? '');
    if (!receiver) throw notFound('receiver');
    if (receiver.id === user.id)
      throw invalid('you cannot send money to yourself', { field: 'to' });
    const clearance = await this.pipeline.authorize({
      payer: user,
      pin: input.pin,
      passkey: input.passkey,
      riskChallengeId: input.riskChallengeId,
      // A transfer that waits for its receiver has a clock of its own: it is not held.
      holdable: kind === 'transfer' && input.requireAcceptance !== true,
      amount: input.amount,
      currency,
      kind,
      perPaymentLimit: { limit: this.config.verified.perTransfer, field: 'amount' },
      counterparties: [receiver.id],
      ...(check ? { check: () => check(receiver) } : {}),
    });

    const note = input.note?.trim() || null;
    // A held note still lets the money move, but the payment stays out of the feed.
    const screened = note ? await this.hooks.screenNote(note, user.id) : undefined;
    const noteVerdict = screened?.verdict ?? 'allow';
    const visibility = input.visibility ?? (await this.hooks.defaultVisibility(user.id));
    return {
      sender: user,
      receiver: { id: receiver.id, nickname: receiver.nickname },
      currency,
      note,
      noteVerdict,
      noteLog: screened?.log,
      visibility,
      clearance,
    };
  }

  /** A user hidden from phone search is, to a stranger, an unregistered number (404 alike). */
  private async receiverByPhone(callerId: string, phone: string) {
    if (!this.hooks.findByPhone) return this.identity.userByPhone(phone);
    const id = await this.hooks.findByPhone(callerId, phone);
    return id === undefined ? undefined : this.identity.user(id);
  }

  /**
   * What a transfer that moved writes with its money (in the same transaction): the feed entry
   * as an outbox message (fanned out to friends after the commit) and the receiver's
   * notification. A replay wrote them the first time.
   */
  async transferEffects(
    plan: PreparedTransfer,
    pending: boolean,
  ): Promise<
    (t: Transfer) => { notifications: NotificationRow[]; outbox: OutboxMessage[]; rows: BatchRow[] }
  > {
    const fromNickname =
      plan.sender.nickname ?? (await this.identity.user(plan.sender.id))?.nickname;
    return (t) => ({
      rows: plan.noteLog ? [plan.noteLog] : [],
      notifications: [
        {
          userId: plan.receiver.id,
          kind: pending ? 'transfer.awaiting_acceptance' : 'transfer.received',
          data: {
            transferId: t.id,
            fromUserId: plan.sender.id,
            fromNickname,
            amount: fromMinor(t.amount),
            currency: t.currency,
            note: plan.note,
          },
        },
      ],
      outbox:
        !pending && plan.noteVerdict === 'allow'
          ? [
              feedPayment({
                transferId: t.id,
                fromUserId: plan.sender.id,
                toUserId: plan.receiver.id,
                note: plan.note,
                visibility: plan.visibility,
                createdAt: t.createdAt,
              }),
            ]
          : [],
    });
  }

  async transfer(
    user: Caller,
    input: TransferInput,
    key: string | undefined,
  ): Promise<TransferView> {
    const plan = await this.prepareTransfer(user, input);
    const { receiver, currency, note, noteVerdict, visibility } = plan;
    const moneyId = key ? transferIdFor('wallet.transfer', user.id, key) : newTransferId();
    const pending = input.requireAcceptance === true;
    const spec = {
      id: moneyId,
      from: { wallet: user.id },
      to: { wallet: receiver.id },
      amount: input.amount,
      currency,
      kind: 'transfer',
      limitScope: 'wallet.transfer.limit',
      ...(pending ? { pending: { timeoutSeconds: this.config.acceptanceHours * 3600 } } : {}),
      metadata: {
        from: user.id,
        to: receiver.id,
        note,
        visibility,
        ...(noteVerdict === 'review' ? { noteHeld: true } : {}),
      },
      allowance: { scope: 'daily', userId: user.id, limit: this.config.verified.daily },
      clearance: plan.clearance,
    };
    if (plan.clearance.hold) {
      await this.pipeline.hold(spec, {
        id: moneyId,
        counterpartyId: receiver.id,
        payload: {
          senderNickname: user.nickname ?? (await this.identity.user(user.id))?.nickname ?? null,
          receiverId: receiver.id,
          note,
          noteVerdict,
          visibility,
        },
        ...(plan.noteLog ? { rows: [plan.noteLog] } : {}),
      });
    }
    const legs = await this.pipeline.legs(spec);
    const effects = await this.transferEffects(plan, pending);
    const view = (t: Transfer): TransferView => ({
      id: t.id,
      status: pending ? 'pending' : 'completed',
      amount: fromMinor(t.amount),
      currency: t.currency,
      from: { userId: user.id },
      to: { userId: receiver.id },
      note,
      visibility,
      createdAt: t.createdAt.toISOString(),
      ...(t.expiresAt ? { expiresAt: t.expiresAt.toISOString() } : {}),
    });
    const { results } = await this.pipeline.commit(legs, { limit: DAILY_LIMIT_WORDS }, (money) => ({
      response: view(money.transfer),
      ...effects(money.transfer),
    }));
    const money = results[0]!;
    if (!money.ok) throw new Error('unreachable: commit throws on refusal');
    return view(money.transfer);
  }

  /** The receiver takes (accept) or refuses (decline) a transfer that waits for acceptance. */
  async resolveTransfer(
    userId: string,
    id: string,
    action: 'accept' | 'decline',
  ): Promise<TransferView> {
    const [t] = await this.ledger.transfers([id as TransferId]);
    const meta = t?.metadata as {
      from?: string;
      to?: string;
      note?: string | null;
      visibility?: Visibility;
      noteHeld?: boolean;
      riskHold?: string;
    } | null;
    // A transfer held by risk control is the admins' to release, not the receiver's to accept.
    if (t?.kind !== 'transfer' || meta?.to !== userId || meta.riskHold) {
      throw notFound('transfer');
    }
    if (!(t.flags & PENDING))
      throw new AppError('conflict', 'this transfer does not wait for acceptance');
    const mode = action === 'accept' ? ('post' as const) : ('void' as const);
    const view: TransferView = {
      id: t.id,
      status: action === 'accept' ? 'completed' : 'refunded',
      amount: fromMinor(t.amount),
      currency: t.currency,
      from: { userId: meta.from! },
      to: { userId },
      note: meta.note ?? null,
      visibility: meta.visibility ?? 'friends',
      createdAt: t.createdAt.toISOString(),
    };
    await this.pipeline.commit(
      this.pipeline.resolution(t.id, transferIdFor('wallet.transfer.limit', id), mode, {
        money: 'wallet.transfer',
        limit: 'wallet.transfer.limit',
        kind: 'transfer',
      }),
      {},
      (money) => ({
        response: view,
        outbox:
          action === 'accept' && !meta.noteHeld
            ? [
                feedPayment({
                  transferId: t.id,
                  fromUserId: meta.from!,
                  toUserId: userId,
                  note: meta.note ?? null,
                  visibility: meta.visibility ?? 'friends',
                  createdAt: money.transfer.createdAt,
                }),
              ]
            : [],
      }),
    );
    return view;
  }

  private async walletIds(userId: string): Promise<Map<number, string>> {
    const accounts = await this.ledger.accountsByCodePrefix(`user:${userId}:wallet:`);
    return new Map(accounts.map((a) => [a.id as number, a.currency]));
  }

  async history(
    userId: string,
    filter: {
      limit: number;
      before?: number;
      types?: string[];
      from?: Date;
      to?: Date;
      currency?: string;
      /** Only transfers still waiting (for acceptance, or a withdrawal for the bank). */
      pendingOnly?: boolean;
    },
  ): Promise<{ items: Transaction[]; nextSeq: number | null }> {
    const wallets = await this.walletIds(userId);
    const ids = [...wallets]
      .filter(([, c]) => !filter.currency || c === filter.currency)
      .map(([id]) => id);
    const conditions = `t.flags & 12 = 0
        AND ($2::bigint IS NULL OR t.seq < $2)
        AND ($3::text[] IS NULL OR t.kind = ANY($3))
        AND ($4::timestamptz IS NULL OR t.created_at >= $4)
        AND ($5::timestamptz IS NULL OR t.created_at < $5)
        AND (NOT $7::boolean OR (t.flags & 2 = 2
             AND NOT EXISTS (SELECT 1 FROM ledger_transfers p WHERE p.pending_id = t.id)))`;
    // Index range scans (debit side, credit side, family payments the user made from someone
    // else's wallet) merged: cheap however long the history.
    const { rows } = await this.db.query<HistoryRow>(
      `SELECT t.seq, t.id, t.kind, t.amount, t.currency, t.flags, t.metadata, t.created_at,
              t.debit_account_id, t.credit_account_id, t.expires_at, r.flags AS resolution
         FROM (
           (SELECT * FROM ledger_transfers t WHERE t.debit_account_id = ANY($1::bigint[]) AND ${conditions}
             ORDER BY t.seq DESC LIMIT $6)
           UNION ALL
           (SELECT * FROM ledger_transfers t WHERE t.credit_account_id = ANY($1::bigint[]) AND ${conditions}
               -- Held by risk control: the receiver sees it once released, never before.
               AND (t.metadata->>'riskHold' IS NULL OR EXISTS (
                 SELECT 1 FROM ledger_transfers p WHERE p.pending_id = t.id AND p.flags & 4 = 4))
             ORDER BY t.seq DESC LIMIT $6)
           UNION ALL
           (SELECT * FROM ledger_transfers t WHERE t.metadata->>'paidBy' = $8 AND ${conditions}
               AND ($9::text IS NULL OR t.currency = $9)
             ORDER BY t.seq DESC LIMIT $6)
         ) t
         LEFT JOIN ledger_transfers r ON r.pending_id = t.id
        ORDER BY t.seq DESC LIMIT $6`,
      [
        ids,
        filter.before ?? null,
        filter.types ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.limit + 1,
        filter.pendingOnly === true,
        userId,
        filter.currency ?? null,
      ],
    );
    const page = rows.slice(0, filter.limit);
    const items = await this.toTransactions(userId, page, wallets);
    return {
      items,
      nextSeq: rows.length > filter.limit ? Number(page[page.length - 1]!.seq) : null,
    };
  }

  async transaction(userId: string, id: string): Promise<Transaction> {
    const wallets = await this.walletIds(userId);
    const { rows } = await this.db.query<HistoryRow>(
      `SELECT t.seq, t.id, t.kind, t.amount, t.currency, t.flags, t.metadata, t.created_at,
              t.debit_account_id, t.credit_account_id, t.expires_at, r.flags AS resolution
         FROM ledger_transfers t LEFT JOIN ledger_transfers r ON r.pending_id = t.id
        WHERE t.id::text = $1 AND t.flags & 12 = 0
          AND (t.debit_account_id = ANY($2::bigint[]) OR t.credit_account_id = ANY($2::bigint[])
               OR t.metadata->>'paidBy' = $3)`,
      [id, [...wallets.keys()], userId],
    );
    // Someone else's transaction is reported exactly like one that does not exist.
    if (!rows[0]) throw notFound('transaction');
    const [item] = await this.toTransactions(userId, rows, wallets);
    return item!;
  }

  private async toTransactions(
    userId: string,
    rows: HistoryRow[],
    wallets: Map<number, string>,
  ): Promise<Transaction[]> {
    const others = rows.flatMap((r) => {
      const m = (r.metadata ?? {}) as Parties;
      return [counterpartyOf(m, userId), m.paidBy].filter((u) => u !== undefined);
    });
    const users = await this.identity.usersByIds(others);
    return rows.map((r) => {
      const m = (r.metadata ?? {}) as Parties;
      const direction =
        wallets.has(Number(r.debit_account_id)) || m.paidBy === userId ? 'out' : 'in';
      const otherId = counterpartyOf(m, userId);
      const other = otherId ? users.get(otherId) : undefined;
      // Only the two sides of the family link learn that it paid; the receiver sees the member.
      const member =
        m.familyLinkId && m.paidBy && m.to !== userId ? users.get(m.paidBy) : undefined;
      const status: Transaction['status'] = !(r.flags & PENDING)
        ? 'completed'
        : r.resolution === null
          ? 'pending'
          : r.resolution & POST
            ? 'completed'
            : r.kind === 'withdrawal'
              ? 'failed'
              : 'refunded';
      return {
        id: r.id,
        type: r.kind,
        direction,
        status,
        amount: Number(r.amount),
        currency: r.currency,
        ...(other ? { counterparty: { userId: other.id, nickname: other.nickname } } : {}),
        ...(m.note ? { note: m.note } : {}),
        ...(member
          ? {
              familyLinkId: m.familyLinkId,
              paidBy: { userId: member.id, nickname: member.nickname },
            }
          : {}),
        createdAt: r.created_at.toISOString(),
      };
    });
  }

  /** Totals for one calendar month in the configured time zone; money counts when it posted. */
  async statement(userId: string, month: string, currency: string) {
    const code = WalletService.walletCode(userId, currency);
    const account = await this.ledger.accountByCode(code);
    const [y, m] = month.split('-').map(Number) as [number, number];
    const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
    const empty = {
      month,
      currency,
      openingBalance: 0,
      closingBalance: 0,
      totalIn: 0,
      totalOut: 0,
      count: 0,
      byType: [],
    };
    if (!account) return empty;
    const { rows } = await this.db.query<{
      kind: string;
      opening: string;
      total_in: string;
      total_out: string;
      n: string;
    }>(
      `WITH bounds AS (
         SELECT ($2 || '-01')::timestamp AT TIME ZONE $4 AS start_at, ($3 || '-01')::timestamp AT TIME ZONE $4 AS end_at
       ), posted AS (
         -- Money that moved: plain transfers and posts of pending ones (not holds, not voids).
         SELECT t.kind, t.created_at,
                CASE WHEN t.credit_account_id = $1 THEN t.amount ELSE -t.amount END AS signed
           FROM ledger_transfers t
          WHERE (t.debit_account_id = $1 OR t.credit_account_id = $1) AND t.flags & 10 = 0
       )
       SELECT kind,
              coalesce(sum(signed) FILTER (WHERE created_at < b.start_at), 0)::text AS opening,
              coalesce(sum(signed) FILTER (WHERE created_at >= b.start_at AND created_at < b.end_at AND signed > 0), 0)::text AS total_in,
              coalesce(-sum(signed) FILTER (WHERE created_at >= b.start_at AND created_at < b.end_at AND signed < 0), 0)::text AS total_out,
              count(*) FILTER (WHERE created_at >= b.start_at AND created_at < b.end_at)::text AS n
         FROM posted, bounds b GROUP BY kind ORDER BY kind`,
      [account.id, month, next, this.config.timeZone],
    );
    const opening = rows.reduce((s, r) => s + Number(r.opening), 0);
    const totalIn = rows.reduce((s, r) => s + Number(r.total_in), 0);
    const totalOut = rows.reduce((s, r) => s + Number(r.total_out), 0);
    return {
      month,
      currency,
      openingBalance: opening,
      closingBalance: opening + totalIn - totalOut,
      totalIn,
      totalOut,
      count: rows.reduce((s, r) => s + Number(r.n), 0),
      byType: rows
        .filter((r) => Number(r.n) > 0)
        .map((r) => ({
          type: r.kind,
          totalIn: Number(r.total_in),
          totalOut: Number(r.total_out),
          count: Number(r.n),
        })),
    };
  }
}
