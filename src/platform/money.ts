/** ISO 4217 currencies Hebao accepts, with their minor-unit exponent. */
export const CURRENCIES: Record<string, number> = {
  CNY: 2,
  HKD: 2,
  USD: 2,
  EUR: 2,
  JPY: 0,
};

export const DEFAULT_CURRENCY = 'CNY';

/** Converts an API amount (a validated safe integer) to the ledger's bigint. */
export function toMinor(amount: number): bigint {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`not a safe integer: ${amount}`);
  return BigInt(amount);
}

/** Converts a ledger amount back for JSON. Amounts beyond 2^53 cannot be produced by the API. */
export function fromMinor(amount: bigint): number {
  return Number(amount);
}

/**
 * What one major unit of each currency counts as, in millionths of a yuan, when a payment is
 * held to a limit: limits are on value, so every currency draws on one CNY allowance. Rounded
 * up (a stale table errs toward refusing); HEBAO_FX_RATES overrides it.
 */
export type FxRates = Readonly<Record<string, bigint>>;

export const DEFAULT_FX_RATES: FxRates = {
  CNY: 1_000_000n,
  HKD: 1_000_000n,
  USD: 7_500_000n,
  EUR: 8_500_000n,
  JPY: 60_000n,
};

/** Largest allowance leg: above any limit (≤ 2^53), far below the BIGINT maximum. */
const MAX_VALUE: bigint = 2n ** 62n;

/** `amount` (minor units of `currency`) as fen of CNY, rounded up, for limit checks. */
export function limitValue(rates: FxRates, currency: string, amount: bigint): bigint {
  const rate = rates[currency];
  const exponent = CURRENCIES[currency];
  if (rate === undefined || exponent === undefined) {
    throw new RangeError(`no limit rate for ${currency}`);
  }
  const denominator = 10n ** BigInt(exponent) * 1_000_000n;
  const value = (amount * rate * 100n + denominator - 1n) / denominator;
  return value > MAX_VALUE ? MAX_VALUE : value;
}
