import type { Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { toMinor } from '../../platform/money.ts';
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
): TransferRequest {
  return {
    id: transferIdFor('limit.fund', code),
    debitAccountId: source,
    creditAccountId: allowance,
    amount: limit,
    kind: 'limit.fund',
  };
}

/**
 * Daily limits kept as ledger accounts (TigerBeetle's rate-limit recipe): each day's allowance
 * is an account funded with the limit and drawn down by a leg linked to every money transfer.
 * The limit holds under any concurrency because the ledger never lets that account go negative,
 * and a refused limit leg takes its money leg down with it.
 */
export class DailyAllowances {
  private readonly ids = new AccountIdCache();

  constructor(
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    private readonly timeZone: string,
  ) {}

  /** The accounts for `scope` ("daily" for transfers, "redpacket-daily" ...) for today. */
  async today(
    scope: string,
    userId: string,
    currency: string,
    limit: number,
  ): Promise<AllowanceAccounts> {
    const [allowance, sink] = await Promise.all([
      this.allowance(scope, userId, currency, limit),
      this.limitAccount(`limit:sink:${currency}`, currency, AccountFlags.none),
    ]);
    return { allowance, sink };
  }

  private async allowance(
    scope: string,
    userId: string,
    currency: string,
    limit: number,
  ): Promise<AccountId> {
    const day = periodKey(this.clock.now(), this.timeZone, 'day');
    const code = allowanceCode(`user:${userId}`, scope, currency, day);
    const cached = this.ids.get(code);
    if (cached !== undefined) return cached;
    const { id } = await this.ledger.ensureAccount({
      code,
      currency: `${currency}:limit`,
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    const source = await this.limitAccount(`limit:source:${currency}`, currency, AccountFlags.none);
    const [funded] = await this.ledger.createTransfers([
      fundingTransfer(code, source, id, toMinor(limit)),
    ]);
    // idempotency_conflict: funded earlier with another limit; the day keeps its first limit.
    if (!funded?.ok && funded?.code !== 'idempotency_conflict') {
      throw new Error(`could not fund ${code}: ${funded?.code}`);
    }
    // Remembered only once funded: a failed funding is tried again on the next transfer.
    this.ids.set(code, id);
    return id;
  }

  private limitAccount(code: string, currency: string, flags: number): Promise<AccountId> {
    return limitAccount(this.ledger, this.ids, code, currency, flags);
  }
}

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
      this.account(`limit:source:${currency}`, currency, AccountFlags.none),
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
    const source = await this.account(`limit:source:${currency}`, currency, AccountFlags.none);
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
