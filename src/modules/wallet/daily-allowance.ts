import type { Clock } from '../../platform/clock.ts';
import { toMinor } from '../../platform/money.ts';
import { AccountFlags, type AccountId, type Ledger, transferIdFor } from '../ledger/index.ts';

export interface AllowanceAccounts {
  /** Today's allowance: a money-moving transfer links a leg debiting it by the same amount. */
  allowance: AccountId;
  /** Where used allowance goes. */
  sink: AccountId;
}

function dayKey(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  })
    .format(at)
    .replaceAll('-', '');
}

/**
 * Daily limits kept as ledger accounts (TigerBeetle's rate-limit recipe): each day's allowance
 * is an account funded with the limit and drawn down by a leg linked to every money transfer.
 * The limit holds under any concurrency because the ledger never lets that account go negative,
 * and a refused limit leg takes its money leg down with it.
 */
export class DailyAllowances {
  private readonly ids = new Map<string, AccountId>();

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
    const day = dayKey(this.clock.now(), this.timeZone);
    const code = `limit:user:${userId}:${scope}:${currency}:${day}`;
    const cached = this.ids.get(code);
    if (cached !== undefined) return cached;
    const { id } = await this.ledger.ensureAccount({
      code,
      currency: `${currency}:limit`,
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    const source = await this.limitAccount(`limit:source:${currency}`, currency, AccountFlags.none);
    const [funded] = await this.ledger.createTransfers([
      {
        id: transferIdFor('limit.fund', code),
        debitAccountId: source,
        creditAccountId: id,
        amount: toMinor(limit),
        kind: 'limit.fund',
      },
    ]);
    // idempotency_conflict: funded earlier with another limit; the day keeps its first limit.
    if (!funded?.ok && funded?.code !== 'idempotency_conflict') {
      throw new Error(`could not fund ${code}: ${funded?.code}`);
    }
    // Remembered only once funded: a failed funding is tried again on the next transfer.
    this.ids.set(code, id);
    return id;
  }

  /** Allowances are counted in their own unit, so they never mix with money in the totals. */
  private async limitAccount(code: string, currency: string, flags: number): Promise<AccountId> {
    const cached = this.ids.get(code);
    if (cached !== undefined) return cached;
    const account = await this.ledger.ensureAccount({ code, currency: `${currency}:limit`, flags });
    this.ids.set(code, account.id);
    return account.id;
  }
}
