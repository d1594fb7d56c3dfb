/**
 * The payment pipeline: the one path every movement of wallet money takes, whichever feature
 * starts it (a transfer, a red envelope, an IOU, a group fund contribution, a collection share,
 * a settle-up, a family payment).
 *
 *   authorize  verified → per-payment limit → blocked → the feature's own check → PIN
 *   risk       a hook (allow today; the risk engine plugs in here)
 *   legs       the money leg linked to its allowance leg, built in one place
 *   commit     group-committed with its side effects (`commit`), or inside the feature's own
 *              transaction when the feature's rows must change with the money (`commitIn`);
 *              either way the request's idempotency record commits with the money
 *   refusal    ledger refusals mapped to API errors in one place (refusal.ts)
 */
import type { Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import {
  currentIdempotency,
  type IdempotencyRow,
  type IdempotencyStore,
  type StoredResponse,
} from '../../platform/idempotency.ts';
import { isUuid } from '../../platform/ids.ts';
import type { FxRates } from '../../platform/money.ts';
import type { OutboxMessage } from '../../platform/outbox.ts';
import type { IdentityService } from '../identity/index.ts';
import {
  AccountFlags,
  type AccountId,
  type BatchRow,
  type Ledger,
  type TransferRequest,
  type TransferResult,
  transferIdFor,
} from '../ledger/index.ts';
import type { NotificationRow } from '../notifications/index.ts';
import type { SocialGraph } from '../social/graph.ts';
import { type AllowanceAccounts, DailyAllowances } from './daily-allowance.ts';
import { type RefusalWords, transferRefusal } from './refusal.ts';

export interface PaymentParty {
  id: string;
  verified: boolean;
}

/** What the pipeline checks before any money moves. */
export interface Authorization {
  /** Whose verification and PIN count: the person paying (a family member pays as themself). */
  payer: PaymentParty;
  pin: string | undefined;
  amount: number;
  currency: string;
  /** The payment's kind, for the risk stage and the audit trail (`transfer`, `redpacket`, …). */
  kind: string;
  /**
   * The per-payment cap and the field a refusal names (`message`: the feature's own words);
   * omitted where another cap applies.
   */
  perPaymentLimit?: { limit: number; field: string; message?: string };
  /** Everyone who receives: a block either way with any of them refuses the payment. */
  counterparties?: readonly string[];
  /**
   * False where a block does not stop the movement (a debt is still repaid, a group fund still
   * pays a member): the counterparties are then only shown to the risk stage.
   */
  refuseBlocked?: boolean;
  /** A feature's own check, after the block check and before the PIN (a family link's). */
  check?: () => Promise<void>;
  words?: { verification?: string; blocked?: string };
}

/** A movement the risk stage sees: who pays whom, how much, as what. */
export interface RiskInput {
  payerId: string;
  counterparties: readonly string[];
  amount: number;
  currency: string;
  kind: string;
}

export type RiskDecision = { action: 'allow' } | { action: 'deny'; reason: string };

/** The risk stage. A no-op until the risk engine lands; it gets every movement. */
export type RiskHook = (input: RiskInput) => Promise<RiskDecision>;

const allowAll: RiskHook = async () => ({ action: 'allow' });

/** Who pays: a user's wallet, or another ledger account (a group fund, an escrow). */
export type Side = { wallet: string } | { account: AccountId };

/** One movement's legs: the money, and the allowance it draws on if it draws on one. */
export interface LegsSpec {
  id: TransferRequest['id'];
  from: Side;
  to: Side;
  amount: number;
  currency: string;
  kind: string;
  metadata?: Record<string, unknown>;
  /** The scope the allowance leg's id derives from; `<kind>.limit` unless said. */
  limitScope?: string;
  /** Two-phase: a hold that is posted or voided later, with an optional timeout. */
  pending?: { timeoutSeconds?: number };
  /** Today's allowance of `scope` for the payer, or allowance accounts the caller drew. */
  allowance?: { scope: string; userId: string; limit: number } | { accounts: AllowanceAccounts };
}

/** What a group-committed movement writes with its money, built from its results. */
export interface Effects {
  /** The response the request answers with, stored under its Idempotency-Key. */
  response?: unknown;
  notifications?: NotificationRow[];
  outbox?: OutboxMessage[];
  /** Rows for other registered writers (the moderation log of the payment's note). */
  rows?: BatchRow[];
}

export interface PipelineDeps {
  ledger: Ledger;
  clock: Clock;
  identity: IdentityService;
  graph: SocialGraph;
  idempotency: IdempotencyStore;
  notifications: { notifyRows(tx: Tx, rows: readonly NotificationRow[]): Promise<void> };
  outbox: { enqueue(tx: Tx, messages: readonly OutboxMessage[]): Promise<void>; kick(): void };
  timeZone: string;
  /** What each currency is worth against the limits, which are on value. */
  fxRates: FxRates;
  risk?: RiskHook;
}

/** A user's wallet account in one currency, by code. */
export function walletCode(userId: string, currency: string): string {
  return `user:${userId}:wallet:${currency}`;
}

export class PaymentPipeline {
  private readonly accountIds = new Map<string, AccountId>();
  /** Daily allowances on value (every currency converted to fen of CNY at `fxRates`). */
  readonly allowances: DailyAllowances;
  private readonly risk: RiskHook;

  constructor(private readonly d: PipelineDeps) {
    this.allowances = new DailyAllowances(d.ledger, d.clock, d.timeZone, d.fxRates);
    this.risk = d.risk ?? allowAll;
    d.ledger.registerBatchWriter('idempotency', (tx, rows) =>
      d.idempotency.writeRows(tx, rows as IdempotencyRow[]),
    );
    d.ledger.registerBatchWriter('notifications', (tx, rows) =>
      d.notifications.notifyRows(tx, rows as NotificationRow[]),
    );
    d.ledger.registerBatchWriter('outbox', (tx, rows) =>
      d.outbox.enqueue(tx, rows as OutboxMessage[]),
    );
  }

  /** Account ids never change once made, so each process remembers them. */
  async walletAccount(userId: string, currency: string): Promise<AccountId> {
    const code = walletCode(userId, currency);
    const cached = this.accountIds.get(code);
    if (cached !== undefined) return cached;
    const account = await this.d.ledger.ensureAccount({
      code,
      currency,
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    this.accountIds.set(code, account.id);
    return account.id;
  }

  /** Stages authorize and risk: throws the API error of the first check that fails. */
  async authorize(a: Authorization): Promise<void> {
    if (!a.payer.verified) {
      throw new AppError(
        'verification_required',
        a.words?.verification ?? 'verify your identity before sending money',
      );
    }
    // On value, like the daily limits: 5,000 USD is not within a limit of 5,000 CNY.
    if (
      a.perPaymentLimit &&
      this.allowances.value(a.currency, BigInt(a.amount)) > BigInt(a.perPaymentLimit.limit)
    ) {
      throw invalid(
        a.perPaymentLimit.message ??
          `amount must be at most ${a.perPaymentLimit.limit} per transfer`,
        { field: a.perPaymentLimit.field },
      );
    }
    const others = (a.counterparties ?? []).filter((id) => id !== a.payer.id);
    // Only users can be blocked: an id that is no user's (the feature says not found) is not.
    const blockable = a.refuseBlocked === false ? [] : others.filter(isUuid);
    if (blockable.length > 0) {
      const blocked = await Promise.all(
        blockable.map((id) => this.d.graph.blockedEitherWay(a.payer.id, id)),
      );
      if (blocked.some(Boolean)) {
        throw new AppError('blocked', a.words?.blocked ?? 'you cannot send money to this user');
      }
    }
    await a.check?.();
    await this.d.identity.checkPin(a.payer.id, a.pin);
    const decision = await this.risk({
      payerId: a.payer.id,
      counterparties: others,
      amount: a.amount,
      currency: a.currency,
      kind: a.kind,
    });
    if (decision.action === 'deny') throw new AppError('risk_denied', decision.reason);
  }

  /** The ledger requests of one movement: the money leg, linked to its allowance leg. */
  async legs(spec: LegsSpec): Promise<TransferRequest[]> {
    const side = (s: Side) =>
      'wallet' in s ? this.walletAccount(s.wallet, spec.currency) : Promise.resolve(s.account);
    const allowance = spec.allowance;
    const [debit, credit, limit] = await Promise.all([
      side(spec.from),
      side(spec.to),
      allowance === undefined
        ? undefined
        : 'accounts' in allowance
          ? allowance.accounts
          : this.allowances.today(
              allowance.scope,
              allowance.userId,
              spec.currency,
              allowance.limit,
            ),
    ]);
    const mode = spec.pending ? ('pending' as const) : ('single' as const);
    const timeout = spec.pending?.timeoutSeconds
      ? { timeoutSeconds: spec.pending.timeoutSeconds }
      : {};
    const amount = BigInt(spec.amount);
    const money: TransferRequest = {
      id: spec.id,
      mode,
      debitAccountId: debit,
      creditAccountId: credit,
      amount,
      kind: spec.kind,
      ...timeout,
      ...(spec.metadata ? { metadata: spec.metadata } : {}),
    };
    if (!limit || allowance === undefined) return [money];
    // A daily allowance counts value in fen of CNY; a family link's counts its own currency.
    const drawn = 'accounts' in allowance ? amount : this.allowances.value(spec.currency, amount);
    return [
      { ...money, linked: true },
      {
        id: transferIdFor(spec.limitScope ?? `${spec.kind}.limit`, spec.id),
        mode,
        debitAccountId: limit.allowance,
        creditAccountId: limit.sink,
        amount: drawn,
        kind: 'limit.use',
        ...timeout,
      },
    ];
  }

  /**
   * The legs that settle a two-phase movement and its allowance hold: post (the money goes,
   * the allowance stays used) or void (both return). Ids derive from the pending ones.
   */
  resolution(
    pendingId: TransferRequest['id'],
    limitPendingId: TransferRequest['id'],
    mode: 'post' | 'void',
    scopes: { money: string; limit: string; kind: string },
  ): TransferRequest[] {
    return [
      {
        id: transferIdFor(`${scopes.money}.${mode}`, pendingId),
        mode,
        pendingId,
        kind: scopes.kind,
        linked: true,
      },
      {
        id: transferIdFor(`${scopes.limit}.${mode}`, pendingId),
        mode,
        pendingId: limitPendingId,
        kind: 'limit.use',
      },
    ];
  }

  /**
   * Stage commit, group-committed: the legs, the request's idempotency record (with its
   * response), its notifications and its outbox messages in one transaction shared with every
   * other request of the batch. Throws the API error of a refusal; `effects` runs only for a
   * movement that happened now (a replay wrote its effects the first time).
   */
  async commit(
    legs: readonly TransferRequest[],
    words: RefusalWords,
    effects: (money: Extract<TransferResult, { ok: true }>) => Effects,
  ): Promise<{ results: TransferResult[]; replayed: boolean }> {
    const context = currentIdempotency();
    const results = await this.d.ledger.createTransfers(legs, (own) => {
      const money = own[0];
      if (!money?.ok || money.replayed) return [];
      const e = effects(money);
      const rows: BatchRow[] = [];
      if (context && e.response !== undefined) {
        const response: StoredResponse = { status: context.successStatus, body: e.response };
        rows.push({
          writer: 'idempotency',
          row: {
            userId: context.userId,
            key: context.key,
            requestHash: context.requestHash,
            response,
          } satisfies IdempotencyRow,
        });
      }
      for (const n of e.notifications ?? []) rows.push({ writer: 'notifications', row: n });
      for (const m of e.outbox ?? []) rows.push({ writer: 'outbox', row: m });
      rows.push(...(e.rows ?? []));
      return rows;
    });
    const [money, limit] = results;
    if (!money!.ok) throw transferRefusal(money!, limit, words);
    if (context && !money!.replayed) context.recorded = true;
    if (!money!.replayed) this.d.outbox.kick();
    return { results, replayed: money!.replayed };
  }

  /**
   * Stage commit inside a feature's own transaction (its rows change with the money): the
   * legs, then the request's idempotency record, so that a crash after the commit leaves a
   * key that a retry answers from the ledger's replay rather than performing it again.
   */
  async commitIn(
    tx: Tx,
    legs: readonly TransferRequest[],
    words: RefusalWords = {},
    options: { moneyAt?: number } = {},
  ): Promise<TransferResult[]> {
    const results = await this.d.ledger.createTransfersIn(tx, legs);
    const at = options.moneyAt ?? 0;
    const [money, limit] = results.slice(at);
    if (!money!.ok) throw transferRefusal(money!, limit, words);
    const context = currentIdempotency();
    if (context && !money!.replayed) await this.d.idempotency.recordIn(tx, context, null);
    return results;
  }

  /** A movement's notifications and outbox messages, in the feature's own transaction. */
  async writeEffects(tx: Tx, effects: Effects): Promise<void> {
    await this.d.notifications.notifyRows(tx, effects.notifications ?? []);
    await this.d.outbox.enqueue(tx, effects.outbox ?? []);
    await this.d.ledger.writeBatchRows(tx, effects.rows ?? []);
  }

  /** After a transaction that enqueued messages commits: deliver them now. */
  delivered(): void {
    this.d.outbox.kick();
  }
}
