/**
 * "Simplify debts": the fewest transfers that settle a group's balances. Pure.
 *
 * n members with non-zero balances can always settle in n − 1 transfers; every subset whose
 * balances add up to zero can settle on its own, one transfer fewer. So the minimum is
 * n − (the largest number of disjoint zero-sum groups the members can be partitioned into).
 * Finding that partition is NP-hard in general; here it is exact up to EXACT_LIMIT members
 * (after pairing off equal and opposite balances, which never costs optimality) by dynamic
 * programming over subsets, O(2^n · n), and greedy beyond: the largest debtor pays the largest
 * creditor until all are square, at most n − 1 transfers, usually near the minimum.
 */

export interface MemberBalance {
  userId: string;
  /** Positive: the group owes them; negative: they owe the group. Minor units. */
  net: number;
}

export interface SettlingTransfer {
  from: string;
  to: string;
  amount: number;
}

/** Members (after pairing) up to which the exact search runs: 2^18 subsets, a few ms. */
export const EXACT_LIMIT = 18;

interface Entry {
  userId: string;
  net: bigint;
}

const byUserId = (a: Entry, b: Entry) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);

/**
 * Transfers that bring every balance to zero: debtors pay, creditors receive, every amount a
 * positive integer, as few transfers as possible (exactly the minimum up to EXACT_LIMIT
 * members left after pairing). Deterministic for the same balances.
 */
export function simplifyDebts(balances: readonly MemberBalance[]): SettlingTransfer[] {
  const entries = balances
    .filter((b) => b.net !== 0)
    .map((b) => {
      if (!Number.isSafeInteger(b.net)) throw new RangeError(`not a safe integer: ${b.net}`);
      return { userId: b.userId, net: BigInt(b.net) };
    })
    .sort(byUserId);
  const total = entries.reduce((s, e) => s + e.net, 0n);
  if (total !== 0n) throw new RangeError(`balances add up to ${total}, not 0`);

  const transfers: SettlingTransfer[] = [];
  const rest = pairOffOpposites(entries, transfers);
  const groups = rest.length <= EXACT_LIMIT ? zeroSumGroups(rest) : [rest];
  for (const group of groups) settleGreedily(group, transfers);
  return transfers;
}

/** Settles every x with a −x directly (in user-id order) and returns the others. */
function pairOffOpposites(entries: readonly Entry[], out: SettlingTransfer[]): Entry[] {
  const debtorsByAmount = new Map<bigint, Entry[]>();
  for (const e of entries) {
    if (e.net < 0n) debtorsByAmount.set(-e.net, [...(debtorsByAmount.get(-e.net) ?? []), e]);
  }
  const paired = new Set<Entry>();
  for (const creditor of entries) {
    if (creditor.net <= 0n) continue;
    const debtor = debtorsByAmount.get(creditor.net)?.shift();
    if (!debtor) continue;
    out.push({ from: debtor.userId, to: creditor.userId, amount: Number(creditor.net) });
    paired.add(creditor).add(debtor);
  }
  return entries.filter((e) => !paired.has(e));
}

/**
 * The largest partition of `entries` (whose nets add up to zero) into zero-sum groups.
 * best[mask] = most zero-sum prefixes over orderings of the members in `mask`; each group of
 * the answer is the stretch between two consecutive zero-sum prefixes of the best ordering.
 */
function zeroSumGroups(entries: readonly Entry[]): Entry[][] {
  const n = entries.length;
  if (n === 0) return [];
  const size = 1 << n;
  // Sums of at most 18 safe integers fit in 64 bits.
  const sum = new BigInt64Array(size);
  const best = new Uint8Array(size);
  for (let mask = 1; mask < size; mask++) {
    const low = mask & -mask;
    sum[mask] = sum[mask ^ low]! + entries[31 - Math.clz32(low)]!.net;
    let most = 0;
    for (let m = mask; m !== 0; m &= m - 1) {
      const without = best[mask ^ (m & -m)]!;
      if (without > most) most = without;
    }
    best[mask] = most + (sum[mask] === 0n ? 1 : 0);
  }
  const groups: Entry[][] = [];
  let current: Entry[] = [];
  for (let mask = size - 1; mask !== 0; ) {
    const target = best[mask]! - (sum[mask] === 0n ? 1 : 0);
    // The lowest member whose removal keeps the best count: one exists by construction.
    let bit = 0;
    for (let m = mask; m !== 0; m &= m - 1) {
      bit = m & -m;
      if (best[mask ^ bit] === target) break;
    }
    current.push(entries[31 - Math.clz32(bit)]!);
    mask ^= bit;
    if (sum[mask] === 0n) {
      groups.push(current);
      current = [];
    }
  }
  return groups;
}

/**
 * Largest debtor pays largest creditor (ties: lower user id) until all are square. Each
 * transfer squares at least one member and the last squares two: at most k − 1 for k members.
 */
function settleGreedily(group: readonly Entry[], out: SettlingTransfer[]): void {
  const left = group.map((e) => ({ ...e })).sort(byUserId);
  for (;;) {
    let creditor: Entry | undefined;
    let debtor: Entry | undefined;
    for (const e of left) {
      if (e.net > 0n && (!creditor || e.net > creditor.net)) creditor = e;
      if (e.net < 0n && (!debtor || e.net < debtor.net)) debtor = e;
    }
    if (!creditor || !debtor) return;
    // Whichever of the two has less outstanding is squared.
    const amount = creditor.net + debtor.net > 0n ? -debtor.net : creditor.net;
    out.push({ from: debtor.userId, to: creditor.userId, amount: Number(amount) });
    creditor.net -= amount;
    debtor.net += amount;
  }
}
