import type { Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  DEFAULT_CURRENCY,
  DEFAULT_FX_RATES,
  type FxRates,
  limitValue,
  toMinor,
} from '../../platform/money.ts';
import {
  AccountFlags,
  type AccountId,
  type Ledger,
  type Minor,
  newTransferId,
  type TransferId,
  type TransferRequest,
  transferIdFor,
} from '../ledger/index.ts';

export interface AllowanceAccounts {
  /** Today's allowance: a money-moving transfer links a leg debiting it by the same amount. */
  allowance: AccountId;
  /** Where used allowance goes. */
  sink: AccountId;
}

export type AllowancePeriod = 'day' | 'month';

// Building an Intl.DateTimeFormat is costly and every money request needs one: keep them.
const formats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (yyyymmdd) or month (yyyymm) that `at` falls in, in `timeZone`. */
export function periodKey(at: Date, timeZone: string, period: AllowancePeriod): string {
  const cacheKey = `${timeZone}|${period}`;
  let format = formats.get(cacheKey);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      ...(period === 'day' ? { day: '2-digit' as const } : {}),
    });
    formats.set(cacheKey, format);
  }
  return format
    .formatToParts(at)
    .filter((p) => p.type !== 'literal')
    .map((p) => p.value)
    .join('');
}

/**
 * Account ids by code. Allowance codes name a day or a month, so yesterday's are never asked
 * for again: rather than grow for as long as the process runs, the cache starts afresh when it
 * is large (an id is found again with one query).
 */
class AccountIdCache extends Map<string, AccountId> {
  override set(code: string, id: AccountId): this {
    if (this.size >= 50_000) this.clear();
    return super.set(code, id);
  }
}

/** `owner` is what the limit is for: `user:<id>`, `family:<linkId>`. */
function allowanceCode(owner: string, scope: string, currency: string, key: string): string {
  return `limit:${owner}:${scope}:${currency}:${key}`;
}

/** Funds a period's allowance with its limit; the id derives from the account, so once only. */
function fundingTransfer(
  code: string,
  source: AccountId,
  allowance: AccountId,
  limit: Minor,
  attempt = 0,
): TransferRequest {
  return {
    id: fundingId(code, attempt),
    debitAccountId: source,
    creditAccountId: allowance,
    amount: limit,
    kind: 'limit.fund',
  };
}

/** The id of a day allowance's funding; a later attempt gets a new one (see `fund`). */
export function fundingId(code: string, attempt = 0): TransferId {
  return attempt === 0
    ? transferIdFor('limit.fund', code)
    : transferIdFor('limit.fund', code, String(attempt));
}

/** Funding attempts a day's allowance may use before its transfers fail outright. */
const MAX_FUNDING_ATTEMPTS = 5;

/**
 * Daily limits kept as ledger accounts (TigerBeetle's rate-limit recipe): each day's allowance
 * is an account funded with the limit and drawn down by a leg linked to every money transfer.
 * The limit holds under any concurrency because the ledger never lets that account go negative,
 * and a refused limit leg takes its money leg down with it.
 *
 * Limits are on value: every currency draws on one allowance counted in fen of CNY, converted
 * with `value` at the configured rates. Each allowance has its own pool account that funds it
 * and receives what is used, so no limit account sums more than one day's limit: nothing grows
 * toward the BIGINT maximum however long Hebao runs (the limit itself is at most 2^53 − 1).
 */
export class DailyAllowances {
  private readonly ids = new AccountIdCache();

  constructor(
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly fxRates: FxRates = DEFAULT_FX_RATES,
  ) {}

  /** What a payment of `amount` in `currency` takes from an allowance (fen, rounded up). */
  value(currency: string, amount: Minor): Minor {
    return limitValue(this.fxRates, currency, amount);
  }

  /**
   * The accounts for `scope` ("daily" for transfers, "redpacket-daily" ...) for today. The
   * limit leg must carry `value(currency, amount)`, not the payment's own amount.
   */
  async today(
    scope: string,
    userId: string,
    _currency: string,
    limit: number,
  ): Promise<AllowanceAccounts> {
    const day = periodKey(this.clock.now(), this.timeZone, 'day');
    const code = allowanceCode(`user:${userId}`, scope, LIMIT_CURRENCY, day);
    const cached = this.ids.get(code);
    const pool = this.ids.get(`${code}:pool`);
    if (cached !== undefined && pool !== undefined) return { allowance: cached, sink: pool };
    const [allowance, sink] = await Promise.all([
      this.ledger.ensureAccount({
        code,
        currency: `${LIMIT_CURRENCY}:limit`,
        flags: AccountFlags.debitsMustNotExceedCredits,
      }),
      this.ledger.ensureAccount({
        code: `${code}:pool`,
        currency: `${LIMIT_CURRENCY}:limit`,
        flags: AccountFlags.none,
      }),
    ]);
    await this.fund(code, sink.id, allowance.id, toMinor(limit));
    // Remembered only once funded: a failed funding is tried again on the next transfer.
    this.ids.set(`${code}:pool`, sink.id);
    this.ids.set(code, allowance.id);
    return { allowance: allowance.id, sink: sink.id };
  }

  /**
   * The transfer that gives `value` back to the allowance of the day `at` fell in (a refund
   * of what a payment drew then). Its accounts exist: the payment created them.
   */
  async giveBack(
    id: TransferId,
    scope: string,
    userId: string,
    at: Date,
    value: Minor,
  ): Promise<TransferRequest> {
    const code = allowanceCode(
      `user:${userId}`,
      scope,
      LIMIT_CURRENCY,
      periodKey(at, this.timeZone, 'day'),
    );
    const [allowance, pool] = await Promise.all([
      this.limitAccount(code, LIMIT_CURRENCY, AccountFlags.debitsMustNotExceedCredits),
      this.limitAccount(`${code}:pool`, LIMIT_CURRENCY, AccountFlags.none),
    ]);
    return {
      id,
      debitAccountId: pool,
      creditAccountId: allowance,
      amount: value,
      kind: 'limit.return',
    };
  }

  /**
   * Funds the allowance once. A refusal the ledger recorded under a funding id would replay
   * for the rest of the day, so a refused attempt is left behind and the next transfer tries
   * the next id: a failure is never taken for a funding (two processes still agree on ids).
   */
  private async fund(code: string, pool: AccountId, allowance: AccountId, limit: Minor) {
    for (let attempt = 0; attempt < MAX_FUNDING_ATTEMPTS; attempt++) {
      const [funded] = await this.ledger.createTransfers([
        fundingTransfer(code, pool, allowance, limit, attempt),
      ]);
      if (funded!.ok) return;
      // idempotency_conflict may be a funding with another limit (the day keeps its first).
      const [state] = await this.ledger.accounts([allowance]);
      if (state && state.creditsPosted > 0n) return;
      if (!funded!.replayed && funded!.code !== 'idempotency_conflict') {
        throw new Error(`could not fund ${code}: ${funded!.code}`);
      }
    }
    throw new Error(`could not fund ${code}: ${MAX_FUNDING_ATTEMPTS} attempts refused`);
  }

  private limitAccount(code: string, currency: string, flags: number): Promise<AccountId> {
    return limitAccount(this.ledger, this.ids, code, currency, flags);
  }
}

/** Every allowance is counted in this currency's minor units (see `DailyAllowances.value`). */
const LIMIT_CURRENCY = DEFAULT_CURRENCY;

/** Allowances are counted in their own unit, so they never mix with money in the totals. */
async function limitAccount(
  ledger: Ledger,
  ids: Map<string, AccountId>,
  code: string,
  currency: string,
  flags: number,
): Promise<AccountId> {
  const cached = ids.get(code);
  if (cached !== undefined) return cached;
  const account = await ledger.ensureAccount({ code, currency: `${currency}:limit`, flags });
  ids.set(code, account.id);
  return account.id;
}

/**
 * The signed amount that brings an allowance to `newLimit` in the middle of its period: positive
 * tops it up from the source, negative gives back to it. What was used stays used, so what is
 * left becomes max(0, newLimit − used), never below zero.
 */
export function allowanceAdjustment(used: Minor, remaining: Minor, newLimit: Minor): Minor {
  const target = newLimit > used ? newLimit - used : 0n;
  return target - remaining;
}

export interface PeriodAllowanceAccounts {
  code: string;
  allowance: AccountId;
  /** This allowance's own sink: its credits are what the period used. */
  used: AccountId;
  source: AccountId;
}

/** One period's allowance as the ledger has it. */
export interface AllowanceState {
  /** Funded on first use: until then the whole limit is left. */
  funded: boolean;
  remaining: Minor;
  used: Minor;
}

const UNFUNDED: AllowanceState = { funded: false, remaining: 0n, used: 0n };

interface AccountRow {
  id: string;
  code: string;
  credits_posted: string;
  debits_posted: string;
  debits_pending: string;
}

function stateOf(
  rows: Map<string, AccountRow>,
  codes: { allowance: string; used: string },
): AllowanceState {
  const allowance = rows.get(codes.allowance);
  if (!allowance || BigInt(allowance.credits_posted) === 0n) return UNFUNDED;
  const used = rows.get(codes.used);
  return {
    funded: true,
    remaining:
      BigInt(allowance.credits_posted) -
      BigInt(allowance.debits_posted) -
      BigInt(allowance.debits_pending),
    used: used ? BigInt(used.credits_posted) : 0n,
  };
}

/**
 * The same recipe for callers that draw on an allowance inside their own transaction, because
 * it must change atomically with their state: a family link's monthly limit is funded, drawn
 * down, raised and lowered only by transactions that hold the link's row. Each period has its
 * own "used" account, so what a period used is read back from the ledger.
 */
export class PeriodAllowances {
  private readonly ids = new AccountIdCache();

  constructor(
    private readonly ledger: Ledger,
    private readonly timeZone: string,
    private readonly period: AllowancePeriod,
  ) {}

  codes(owner: string, scope: string, currency: string, at: Date) {
    const allowance = allowanceCode(
      owner,
      scope,
      currency,
      periodKey(at, this.timeZone, this.period),
    );
    return { allowance, used: `${allowance}:used` };
  }

  /** The accounts of the period that `at` falls in, created empty: `draw` funds them. */
  async accounts(
    owner: string,
    scope: string,
    currency: string,
    at: Date,
  ): Promise<PeriodAllowanceAccounts> {
    const codes = this.codes(owner, scope, currency, at);
    const [allowance, used, source] = await Promise.all([
      this.account(codes.allowance, currency, AccountFlags.debitsMustNotExceedCredits),
      this.account(codes.used, currency, AccountFlags.none),
      // Its own source, like the daily pools: no limit account sums more than a few limits.
      this.account(`${codes.allowance}:source`, currency, AccountFlags.none),
    ]);
    return { code: codes.allowance, allowance, used, source };
  }

  /**
   * The transfers that take `amount` from the allowance: `use`, which the caller's money
   * transfer links to, and before it the period's funding with `limit` if it has none yet.
   * Read in the caller's transaction, whose lock keeps `limit` from changing meanwhile.
   */
  async draw(
    q: Queryable,
    a: PeriodAllowanceAccounts,
    limit: Minor,
    use: { id: TransferId; amount: Minor },
  ): Promise<{ funding: TransferRequest[]; use: TransferRequest }> {
    const [state] = await this.ledger.accounts([a.allowance], q);
    // Two first uses may both fund: the second replays the first (same id, same limit).
    const funded = state !== undefined && state.creditsPosted > 0n;
    return {
      funding: funded ? [] : [fundingTransfer(a.code, a.source, a.allowance, limit)],
      use: {
        id: use.id,
        debitAccountId: a.allowance,
        creditAccountId: a.used,
        amount: use.amount,
        kind: 'limit.use',
      },
    };
  }

  /**
   * The transfer that makes `newLimit` the period's limit from now on, if its allowance has
   * been funded (otherwise the first use funds it with the new limit). The caller's lock must
   * keep draws out until it commits, so that what is left is not moving underneath.
   */
  async adjustment(
    q: Queryable,
    owner: string,
    scope: string,
    currency: string,
    at: Date,
    newLimit: Minor,
  ): Promise<TransferRequest | undefined> {
    const codes = this.codes(owner, scope, currency, at);
    const rows = await this.read(q, [codes]);
    const state = stateOf(rows, codes);
    if (!state.funded) return undefined;
    const delta = allowanceAdjustment(state.used, state.remaining, newLimit);
    if (delta === 0n) return undefined;
    const allowance = Number(rows.get(codes.allowance)!.id) as AccountId;
    const source = await this.account(`${codes.allowance}:source`, currency, AccountFlags.none);
    return {
      id: newTransferId(),
      debitAccountId: delta > 0n ? source : allowance,
      creditAccountId: delta > 0n ? allowance : source,
      amount: delta > 0n ? delta : -delta,
      kind: 'limit.adjust',
    };
  }

  /** Several allowances' states in one read (a page of family links). */
  async states(
    q: Queryable,
    codes: readonly { allowance: string; used: string }[],
  ): Promise<AllowanceState[]> {
    const rows = await this.read(q, codes);
    return codes.map((c) => stateOf(rows, c));
  }

  private async read(q: Queryable, codes: readonly { allowance: string; used: string }[]) {
    const { rows } = await q.query<AccountRow>(
      `SELECT id, code, credits_posted, debits_posted, debits_pending FROM ledger_accounts
        WHERE code = ANY($1::text[])`,
      [codes.flatMap((c) => [c.allowance, c.used])],
    );
    return new Map(rows.map((r) => [r.code, r]));
  }

  private account(code: string, currency: string, flags: number): Promise<AccountId> {
    return limitAccount(this.ledger, this.ids, code, currency, flags);
  }
}
