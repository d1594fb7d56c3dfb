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
