/**
 * The provably fair core of a card campaign, pure and self-contained so that anyone can
 * re-run it (docs/campaigns.md gives the same recipe in words):
 *
 *   seedHash = hex(SHA-256(seed))                                   published at creation
 *   mac      = HMAC-SHA256(key = seed,
 *                          message = "hebao-card-draw/v1|" + campaignId + "|" + userId + "|" + n)
 *   x        = the first 8 bytes of mac as an unsigned big-endian 64-bit integer
 *   r        = x mod W, W = the sum of the card weights
 *   card     = the first card, in published order, whose running weight total exceeds r
 *
 * `n` is the user's draw number in the campaign (1, 2, 3, …, in decimal). Taking x mod W
 * favours low r by at most W / 2^64 (W ≤ 10^9 here: below 10^-10), which is why W is capped.
 */
import { createHash, createHmac } from 'node:crypto';

export interface Card {
  key: string;
  name: string;
  weight: number;
}

/** Largest total weight: keeps the modulo bias of a draw below 10^-10. */
export const MAX_TOTAL_WEIGHT = 1_000_000_000;

export const DRAW_MESSAGE_PREFIX = 'hebao-card-draw/v1';

export function seedHashOf(seed: Buffer): string {
  return createHash('sha256').update(seed).digest('hex');
}

/** The 64-bit number a draw is decided by. */
export function drawNumberValue(
  seed: Buffer,
  campaignId: string,
  userId: string,
  drawNumber: number,
): bigint {
  const mac = createHmac('sha256', seed)
    .update(`${DRAW_MESSAGE_PREFIX}|${campaignId}|${userId}|${drawNumber}`)
    .digest();
  return mac.readBigUInt64BE(0);
}

/** The card at `r` in [0, total weight), cards in their published order. */
export function cardAt(cards: readonly Card[], r: bigint): Card {
  let running = 0n;
  for (const card of cards) {
    running += BigInt(card.weight);
    if (r < running) return card;
  }
  throw new RangeError(`r ${r} is beyond the total weight ${running}`);
}

export function totalWeight(cards: readonly Card[]): number {
  return cards.reduce((sum, c) => sum + c.weight, 0);
}

/** The card a user's n-th draw gives: the same inputs, the same card, on any machine. */
export function drawCard(
  seed: Buffer,
  campaignId: string,
  userId: string,
  drawNumber: number,
  cards: readonly Card[],
): Card {
  const x = drawNumberValue(seed, campaignId, userId, drawNumber);
  return cardAt(cards, x % BigInt(totalWeight(cards)));
}

/** Complete sets a holder has: as many as their scarcest card. */
export function setsHeld(cardKeys: readonly string[], counts: Readonly<Record<string, number>>) {
  return Math.min(...cardKeys.map((k) => counts[k] ?? 0));
}

export interface PoolSplit {
  /** What each complete set is paid: ⌊pool / sets⌋ minor units. */
  shareAmount: bigint;
  /** pool − shareAmount × sets: returned to the platform's campaign account (the rule). */
  remainder: bigint;
  sets: number;
  payouts: { userId: string; sets: number; amount: bigint }[];
}

/**
 * The remainder rule, published: every complete set gets the same ⌊pool / sets⌋; what is
 * left (fewer minor units than there are sets, or the whole pool when nobody completed a set)
 * goes back to the platform's campaign account. No set is favoured, so no order matters.
 */
export function splitPool(
  pool: bigint,
  holders: readonly { userId: string; sets: number }[],
): PoolSplit {
  if (pool <= 0n) throw new RangeError('the pool must be positive');
  const winners = holders.filter((h) => h.sets > 0);
  const sets = winners.reduce((sum, h) => sum + h.sets, 0);
  if (sets === 0) return { shareAmount: 0n, remainder: pool, sets: 0, payouts: [] };
  const shareAmount = pool / BigInt(sets);
  return {
    shareAmount,
    remainder: pool - shareAmount * BigInt(sets),
    sets,
    payouts: winners.map((h) => ({
      userId: h.userId,
      sets: h.sets,
      amount: shareAmount * BigInt(h.sets),
    })),
  };
}
