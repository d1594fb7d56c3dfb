/**
 * IOU interest, pure and exact. Simple interest on the outstanding principal, accrued per
 * calendar day: a day's interest is principal × annualRateBps / (10000 × 365) minor units.
 *
 * Rounding rule: interest is accumulated exactly, as a whole number of `UNITS_PER_MINOR`ths of
 * a minor unit (a rational with that fixed denominator), and rounded DOWN to the minor unit
 * only where it is shown or paid. So what a borrower owes is never more than the exact value,
 * a sub-fen remainder is never charged, and splitting a period in two changes nothing.
 */

/** The denominator of every accrual: 10000 (basis points) × 365 (days in a rate's year). */
export const UNITS_PER_MINOR = 3_650_000n;

/** A calendar date as days since 1970-01-01 (the date alone: no time, no zone). */
export type EpochDay = number;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day `YYYY-MM-DD` names, or undefined when it names none (2026-02-30). */
export function parseIsoDate(text: string): EpochDay | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return undefined;
  }
  return ms / 86_400_000;
}

export function formatIsoDate(day: EpochDay): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** The calendar day that `at` falls on in `timeZone` (Asia/Shanghai for CNY loans). */
export function calendarDay(at: Date, timeZone: string): EpochDay {
  const text = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
  return parseIsoDate(text)!;
}

/** Where a loan stands: enough to say what is owed on any later day. */
export interface LoanBalance {
  principalOutstanding: bigint;
  /** Interest accrued up to `accruedThrough`, in `UNITS_PER_MINOR`ths of a minor unit. */
  accruedUnits: bigint;
  accruedThrough: EpochDay;
  /** Interest that no longer counts as owed: paid, or forgiven by the lender. */
  interestCleared: bigint;
}

/**
 * The exact interest on `principal` over `days` days, in units. Exposed so tests can compare
 * the running accrual with the closed formula.
 */
export function interestUnits(principal: bigint, annualRateBps: number, days: number): bigint {
  if (days <= 0 || principal <= 0n) return 0n;
  return principal * BigInt(annualRateBps) * BigInt(days);
}

/** The balance on `today`: the days since the last accrual accrue on the principal then owed. */
export function accrue(balance: LoanBalance, annualRateBps: number, today: EpochDay): LoanBalance {
  if (today <= balance.accruedThrough) return balance;
  return {
    ...balance,
    accruedUnits:
      balance.accruedUnits +
      interestUnits(balance.principalOutstanding, annualRateBps, today - balance.accruedThrough),
    accruedThrough: today,
  };
}

/** All interest accrued so far, rounded down to the minor unit (paid interest included). */
export function interestAccrued(balance: LoanBalance): bigint {
  return balance.accruedUnits / UNITS_PER_MINOR;
}

/** Interest owed now: accrued (rounded down) less what was paid or forgiven. Never negative. */
export function interestDue(balance: LoanBalance): bigint {
  const due = interestAccrued(balance) - balance.interestCleared;
  return due > 0n ? due : 0n;
}

export function outstanding(balance: LoanBalance): bigint {
  return balance.principalOutstanding + interestDue(balance);
}

export interface RepaymentSplit {
  interestPart: bigint;
  principalPart: bigint;
  balance: LoanBalance;
}

/**
 * Applies a repayment to an already accrued balance: interest first, then principal.
 * The caller refuses amounts above `outstanding`; this throws on them as a programming error.
 */
export function applyRepayment(balance: LoanBalance, amount: bigint): RepaymentSplit {
  if (amount <= 0n) throw new RangeError('a repayment is positive');
  if (amount > outstanding(balance)) throw new RangeError('a repayment cannot exceed what is owed');
  const due = interestDue(balance);
  const interestPart = amount < due ? amount : due;
  const principalPart = amount - interestPart;
  return {
    interestPart,
    principalPart,
    balance: {
      ...balance,
      principalOutstanding: balance.principalOutstanding - principalPart,
      interestCleared: balance.interestCleared + interestPart,
    },
  };
}
