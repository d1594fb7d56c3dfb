/**
 * The live preview of a shared expense's split, computed the way the server splits it
 * (`src/modules/groups/split-expense.ts`), over integer minor units:
 * - equal: the same for everyone; the minor units left over go one each to the first
 *   participants by user id;
 * - exact: the amounts as given, which must add up to the total;
 * - shares: in proportion to whole numbers of shares;
 * - percent: basis points (2550 = 25.5%) that must add up to 10,000.
 * Equal, shares and percent round down, then give the k leftover units to the k largest
 * remainders (ties to the lower user id). BigInt, because total × weight can pass 2^53.
 */
export type SplitMethod = 'equal' | 'exact' | 'shares' | 'percent';

export const BASIS_POINTS = 10_000;
export const MAX_SHARES = 1_000_000;

export type SplitProblem =
  | { kind: 'missing' }
  | { kind: 'exact_sum'; assigned: number; total: number }
  | { kind: 'percent_sum'; bps: number };

export interface SplitPreview {
  /** What each participant owes (in the participants' order); null where unknown yet. */
  owed: (number | null)[];
  problem: SplitProblem | null;
}

const byUserId = (a: { userId: string }, b: { userId: string }) =>
  a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;

/** Largest-remainder apportionment of `total` by `weight`, in the order given. */
function proportional(total: number, weighted: { userId: string; weight: bigint }[]): number[] {
  const whole = BigInt(total);
  const sum = weighted.reduce((s, p) => s + p.weight, 0n);
  if (sum === 0n) return weighted.map(() => 0);
  const order = weighted.map((p, index) => ({ ...p, index })).sort(byUserId);
  const parts = order.map((p) => ({
    index: p.index,
    floor: (whole * p.weight) / sum,
    remainder: (whole * p.weight) % sum,
  }));
  let left = whole - parts.reduce((s, p) => s + p.floor, 0n);
  // A stable sort keeps user-id order among equal remainders.
  for (const part of [...parts].sort((a, b) =>
    a.remainder === b.remainder ? 0 : a.remainder > b.remainder ? -1 : 1,
  )) {
    if (left === 0n) break;
    part.floor += 1n;
    left -= 1n;
  }
  const owed = new Array<number>(weighted.length).fill(0);
  for (const p of parts) owed[p.index] = Number(p.floor);
  return owed;
}

/**
 * Who owes what of `total` (minor units). `values` are already parsed: minor units (exact),
 * shares, or basis points (percent); undefined where the user has not typed a valid one.
 */
export function previewSplit(
  total: number | undefined,
  method: SplitMethod,
  participants: { userId: string; value?: number | undefined }[],
): SplitPreview {
  const none = participants.map(() => null);
  if (participants.length === 0) return { owed: [], problem: null };
  if (method === 'equal') {
    if (!total) return { owed: none, problem: null };
    return {
      owed: proportional(
        total,
        participants.map((p) => ({ userId: p.userId, weight: 1n })),
      ),
      problem: null,
    };
  }
  if (method === 'exact') {
    const owed = participants.map((p) => p.value ?? null);
    const assigned = owed.reduce<number>((s, v) => s + (v ?? 0), 0);
    if (owed.some((v) => v === null)) return { owed, problem: { kind: 'missing' } };
    if (total !== undefined && assigned !== total) {
      return { owed, problem: { kind: 'exact_sum', assigned, total } };
    }
    return { owed, problem: null };
  }
  const missing = participants.some((p) => p.value === undefined);
  if (method === 'percent') {
    const bps = participants.reduce((s, p) => s + (p.value ?? 0), 0);
    if (missing || bps !== BASIS_POINTS) {
      // Each person's part at the percentage typed so far, so the preview still helps.
      return {
        owed: participants.map((p) =>
          total && p.value !== undefined
            ? Number((BigInt(total) * BigInt(p.value)) / BigInt(BASIS_POINTS))
            : null,
        ),
        problem: missing ? { kind: 'missing' } : { kind: 'percent_sum', bps },
      };
    }
  }
  if (missing) return { owed: none, problem: { kind: 'missing' } };
  const weighted = participants.map((p) => ({ userId: p.userId, weight: BigInt(p.value ?? 0) }));
  return { owed: total ? proportional(total, weighted) : none, problem: null };
}

/** `"25.5"` → 2550 basis points; undefined unless 0 < p ≤ 100 with at most two decimals. */
export function parsePercent(text: string): number | undefined {
  const m = /^(\d{1,3})(?:[.．](\d{0,2}))?$/.exec(text.trim().replace(/%$/, ''));
  if (!m) return undefined;
  const bps = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return bps >= 1 && bps <= BASIS_POINTS ? bps : undefined;
}

/** 2550 → `"25.5"`: basis points as a percentage, without trailing zeros. */
export function formatPercent(bps: number): string {
  const whole = Math.floor(bps / 100);
  const rest = bps % 100;
  if (rest === 0) return String(whole);
  return `${whole}.${String(rest).padStart(2, '0').replace(/0$/, '')}`;
}

/** `"3"` → 3 shares; undefined unless a whole number from 1 to MAX_SHARES. */
export function parseShares(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,7}$/.test(t)) return undefined;
  const n = Number(t);
  return n >= 1 && n <= MAX_SHARES ? n : undefined;
}
