/**
 * The payment pipeline: the one path every movement of wallet money takes, whichever feature
 * starts it (a transfer, a red envelope, an IOU, a group fund contribution, a collection share,
 * a settle-up, a family payment).
 *
 *   authorize  verified → per-payment limit → blocked → the feature's own check → PIN or
 *              passkey
 *   risk       the risk engine's verdict: allow; challenge (428, answered by repeating the
 *              request with `riskChallengeId` and the PIN or a passkey); hold (202, the money
 *              reserved by pending legs until an admin releases or rejects it); deny (403)
 *   legs       the money leg linked to its allowance leg, built in one place
 *   commit     group-committed with its side effects (`commit`), or inside the feature's own
 *              transaction when the feature's rows must change with the money (`commitIn`);
 *              either way the request's idempotency record commits with the money
 *   refusal    ledger refusals mapped to API errors in one place (refusal.ts)
 */
import { type Db, inTransaction, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, invalid } from '../../platform/errors.ts';
import {
  AlternateReply,
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
  type TransferId,
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
  /** The X-Device-Id the request came from (a risk fact), when the caller is an HTTP client. */
  deviceId?: string;
}

/** A WebAuthn assertion (the browser's AuthenticationResponseJSON), checked by the passkeys. */
export type PasskeyAssertion = Record<string, unknown>;

/** Confirms a payment with a passkey instead of the PIN; throws pin_invalid when it fails. */
export interface PasskeyVerifier {
  verifyPayment(userId: string, assertion: PasskeyAssertion): Promise<void>;
}

/** What the pipeline checks before any money moves. */
export interface Authorization {
  /** Whose verification and PIN count: the person paying (a family member pays as themself). */
  payer: PaymentParty;
  pin: string | undefined;
  /** A passkey assertion in place of the PIN. */
  passkey?: PasskeyAssertion | undefined;
  /** The risk challenge this request answers (the client repeats the request with it). */
  riskChallengeId?: string | undefined;
  /**
   * Whether the feature can wait for review: its movement's legs can be held pending and
   * completed by `onHoldReleased`. Where not, a hold verdict is a denial.
   */
  holdable?: boolean;
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

/** A movement the risk stage sees: who pays whom, how much, as what, and how it was confirmed. */
export interface RiskInput {
  payerId: string;
  counterparties: readonly string[];
  amount: number;
  currency: string;
  /** The amount's value in fen of CNY (the limits' unit), what rules compare. */
  value: number;
  kind: string;
  deviceId?: string;
  riskChallengeId?: string;
  /** What confirmed this request: the PIN, a passkey, or nothing (no PIN set). */
  confirmedWith?: 'pin' | 'passkey';
  /** What `riskPrefetch` started while the PIN was being checked (the facts, read-only). */
  prefetched?: Promise<unknown>;
}

/**
 * The risk stage's verdict. `record` rows (the decision log, the rolling aggregates) commit
 * with the movement's money, so that what did not move is not counted.
 */
export type RiskDecision =
  | { action: 'allow'; record?: BatchRow[] }
  | { action: 'challenge'; challengeId: string; reason: string }
  | { action: 'hold'; reason: string; rules?: unknown; record?: BatchRow[] }
  | { action: 'deny'; reason: string };

/** The risk stage; the risk engine (modules/risk) is wired in services.ts. */
export type RiskHook = (input: RiskInput) => Promise<RiskDecision>;

const allowAll: RiskHook = async () => ({ action: 'allow' });

/** What `authorize` hands on to `legs`: rows to commit with the money, or a hold to make. */
export interface Clearance {
  record: BatchRow[];
  hold?: { reason: string; rules?: unknown };
  payerId: string;
  counterparties: readonly string[];
  kind: string;
}

/** A held movement as the risk module stores it; `payload` is the feature's own. */
export interface HeldMovement {
  id: string;
  userId: string;
  kind: string;
  amount: number;
  currency: string;
  counterpartyId: string | null;
  moneyTransferId: string;
  limitTransferId: string | null;
  payload: Record<string, unknown>;
  reason: string;
  rules: unknown;
  createdAt: Date;
}

/** How a feature completes (or drops) one of its held movements. */
export interface HoldHandler {
  /**
   * On release, in the transaction that posts the legs: the feature's rows and the effects
   * (notifications, feed) the movement has when it completes. `post: false` leaves the pending
   * legs to the feature (a withdrawal posts when the bank pays); `after` runs once committed.
   */
  release(
    tx: Tx,
    hold: HeldMovement,
  ): Promise<{ effects?: Effects; post?: boolean; after?: () => Promise<void> }>;
  /** On rejection, in the transaction that voids the legs. */
  reject?(tx: Tx, hold: HeldMovement): Promise<void>;
}

/** The writer name under which a hold's row is written (registered by the risk module). */
export const HOLD_WRITER = 'risk.hold';

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
  /** From `authorize`: the risk stage's rows, committed with these legs. */
  clearance?: Clearance;
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
  db: Db;
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
  /**
   * Reads what the risk hook will need (nothing written), started before the feature's check
   * and the PIN so that its round trip overlaps theirs instead of adding to them.
   */
  riskPrefetch?: (input: RiskInput) => Promise<unknown> | undefined;
  passkeys?: PasskeyVerifier;
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
  /** The risk rows of the legs `legs` built, found again by `commit`/`commitIn`. */
  private readonly riskRows = new WeakMap<readonly TransferRequest[], BatchRow[]>();
  private readonly holdHandlers = new Map<string, HoldHandler>();

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

  /**
   * Stages authorize and risk: throws the API error of the first check that fails (a risk
   * challenge is 428 `risk_challenge` with `challenge: { id, reason }`). The clearance goes on
   * to `legs`; when it carries a hold, the feature calls `hold` instead of committing.
   */
  async authorize(a: Authorization): Promise<Clearance> {
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
    const input: RiskInput = {
      payerId: a.payer.id,
      counterparties: others,
      amount: a.amount,
      currency: a.currency,
      value: Number(this.allowances.value(a.currency, BigInt(a.amount))),
      kind: a.kind,
      ...(a.payer.deviceId ? { deviceId: a.payer.deviceId } : {}),
      ...(a.riskChallengeId ? { riskChallengeId: a.riskChallengeId } : {}),
      ...(a.passkey ? { confirmedWith: 'passkey' } : a.pin ? { confirmedWith: 'pin' } : {}),
    };
    const prefetched = this.d.riskPrefetch?.(input);
    // Not awaited if a check below refuses first: its failure then matters to no one.
    prefetched?.catch(() => {});
    await a.check?.();
    if (a.passkey) {
      if (!this.d.passkeys) throw invalid('passkeys are not available', { field: 'passkey' });
      await this.d.passkeys.verifyPayment(a.payer.id, a.passkey);
    } else {
      await this.d.identity.checkPin(a.payer.id, a.pin);
    }
    const decision = await this.risk(prefetched ? { ...input, prefetched } : input);
    const base = { payerId: a.payer.id, counterparties: others, kind: a.kind };
    switch (decision.action) {
      case 'allow':
        return { ...base, record: decision.record ?? [] };
      case 'challenge':
        throw new AppError('risk_challenge', decision.reason, {
          challenge: { id: decision.challengeId, reason: decision.reason },
        });
      case 'hold':
        // A movement that cannot wait for review (its feature has no completion) is refused.
        if (!a.holdable) throw new AppError('risk_denied', decision.reason);
        return {
          ...base,
          record: decision.record ?? [],
          hold: { reason: decision.reason, rules: decision.rules },
        };
      default:
        throw new AppError('risk_denied', decision.reason);
    }
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
    if (!limit || allowance === undefined) return this.remember([money], spec);
    // A daily allowance counts value in fen of CNY; a family link's counts its own currency.
    const drawn = 'accounts' in allowance ? amount : this.allowances.value(spec.currency, amount);
    return this.remember(
      [
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
      ],
      spec,
    );
  }

  private remember(legs: TransferRequest[], spec: LegsSpec): TransferRequest[] {
    if (spec.clearance && spec.clearance.record.length > 0) {
      this.riskRows.set(legs, spec.clearance.record);
    }
    return legs;
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
      rows.push(...(e.rows ?? []), ...(this.riskRows.get(legs) ?? []));
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
    const risk = this.riskRows.get(legs);
    if (risk && !money!.replayed) await this.d.ledger.writeBatchRows(tx, risk);
    return results;
  }

  /** How held movements of `kind` complete when an admin releases them. */
  onHoldReleased(kind: string, handler: HoldHandler): void {
    this.holdHandlers.set(kind, handler);
  }

  /**
   * Holds a movement for review instead of committing it: its legs are written pending (no
   * timeout: they wait for an admin) with the hold's row, the risk rows and `rows` (the note's
   * moderation log), and the request is answered 202 `{ id, status: "held" }` (stored under its
   * Idempotency-Key). A retry finds the same legs (ids from the key) and the same hold.
   */
  async hold(
    spec: LegsSpec,
    held: {
      id: string;
      payload: Record<string, unknown>;
      counterpartyId?: string;
      rows?: BatchRow[];
    },
  ): Promise<never> {
    const clearance = spec.clearance;
    if (!clearance?.hold) throw new Error('hold without a hold verdict');
    if (!this.holdHandlers.has(clearance.kind))
      throw new Error(`no hold handler: ${clearance.kind}`);
    const legs = await this.legs({
      ...spec,
      clearance: undefined,
      pending: {},
      metadata: { ...spec.metadata, riskHold: held.id },
    });
    const money = legs[0]!;
    const limit = legs[1];
    const row: HeldMovement = {
      id: held.id,
      userId: clearance.payerId,
      kind: clearance.kind,
      amount: spec.amount,
      currency: spec.currency,
      counterpartyId: held.counterpartyId ?? null,
      moneyTransferId: money.id,
      limitTransferId: limit?.id ?? null,
      payload: held.payload,
      reason: clearance.hold.reason,
      rules: clearance.hold.rules ?? [],
      createdAt: this.d.clock.now(),
    };
    await inTransaction(this.d.db, async (tx) => {
      const results = await this.d.ledger.createTransfersIn(tx, legs);
      const [m, l] = results;
      if (!m!.ok) throw transferRefusal(m!, l, {});
      if (m!.replayed) return;
      await this.d.ledger.writeBatchRows(tx, [
        { writer: HOLD_WRITER, row },
        ...clearance.record,
        ...(held.rows ?? []),
      ]);
      await this.d.notifications.notifyRows(tx, [
        {
          userId: clearance.payerId,
          kind: 'risk.held',
          data: {
            holdId: held.id,
            kind: clearance.kind,
            amount: spec.amount,
            currency: spec.currency,
          },
        },
      ]);
      const context = currentIdempotency();
      if (context) await this.d.idempotency.recordIn(tx, context, null);
    });
    throw new AlternateReply(202, { id: held.id, status: 'held' });
  }

  /**
   * An admin's decision on a held movement, in the caller's transaction (which has the hold's
   * row locked): release posts the legs and completes the movement through its feature's
   * handler (its rows, notifications and feed); reject voids them, so the money is the
   * payer's again and the allowance returns. Returns work to run after the commit.
   */
  async settleHold(
    tx: Tx,
    hold: HeldMovement,
    decision: 'release' | 'reject',
  ): Promise<(() => Promise<void>) | undefined> {
    const handler = this.holdHandlers.get(hold.kind);
    if (!handler) throw new Error(`no hold handler: ${hold.kind}`);
    const mode = decision === 'release' ? ('post' as const) : ('void' as const);
    let after: (() => Promise<void>) | undefined;
    let post = true;
    let effects: Effects = {};
    if (decision === 'release') {
      const done = await handler.release(tx, hold);
      post = done.post !== false;
      after = done.after;
      effects = done.effects ?? {};
    } else {
      await handler.reject?.(tx, hold);
    }
    if (post || decision === 'reject') {
      const moneyId = hold.moneyTransferId as TransferId;
      const requests: TransferRequest[] = [
        {
          id: transferIdFor(`risk.hold.${mode}`, moneyId),
          mode,
          pendingId: moneyId,
          kind: hold.kind,
          ...(hold.limitTransferId ? { linked: true } : {}),
        },
      ];
      if (hold.limitTransferId) {
        requests.push({
          id: transferIdFor(`risk.hold.limit.${mode}`, moneyId),
          mode,
          pendingId: hold.limitTransferId as TransferId,
          kind: 'limit.use',
        });
      }
      const [money] = await this.d.ledger.createTransfersIn(tx, requests);
      if (!money!.ok) throw new Error(`hold ${hold.id}: ${mode} failed with ${money!.code}`);
    }
    await this.writeEffects(tx, {
      ...effects,
      notifications: [
        ...(effects.notifications ?? []),
        {
          userId: hold.userId,
          kind: decision === 'release' ? 'risk.released' : 'risk.rejected',
          data: { holdId: hold.id, kind: hold.kind, amount: hold.amount, currency: hold.currency },
        },
      ],
    });
    return after;
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
