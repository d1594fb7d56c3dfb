import type { RedPacketConfig } from '../../config.ts';
import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { derivedId, isUuid, newId } from '../../platform/ids.ts';
import { DEFAULT_CURRENCY, fromMinor, toMinor } from '../../platform/money.ts';
import type { GroupsService } from '../groups/index.ts';
import type { IdentityService } from '../identity/index.ts';
import { AccountFlags, type AccountId, type Ledger, transferIdFor } from '../ledger/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import { type PaymentPipeline, WalletService } from '../wallet/index.ts';
import { luckiestClaimer, type RandomInt, splitFixed, splitLucky } from './split.ts';

export type RedPacketKind = 'lucky' | 'fixed';
export type RedPacketStatus = 'open' | 'emptied' | 'expired';

export interface SendRedPacket {
  kind: RedPacketKind;
  count: number;
  /** Lucky envelopes: the whole amount, split at random. */
  totalAmount?: number;
  /** Fixed envelopes: what each claimer gets. */
  amountEach?: number;
  currency?: string;
  greeting?: string;
  to: { userId: string } | { groupId: string };
  pin?: string;
  passkey?: Record<string, unknown>;
  riskChallengeId?: string;
}

export interface Sender {
  id: string;
  verified: boolean;
  deviceId?: string;
}

export interface SentRedPacket {
  id: string;
  kind: RedPacketKind;
  count: number;
  totalAmount: number;
  currency: string;
  greeting: string | null;
  status: RedPacketStatus;
  createdAt: string;
  expiresAt: string;
}

export interface RedPacketClaimView {
  userId: string;
  nickname: string;
  amount: number;
  claimedAt: string;
  luckiest?: true;
}

export interface RedPacketView extends SentRedPacket {
  to: { userId: string } | { groupId: string };
  claimedCount: number;
  claimedAmount: number;
  refundedAmount?: number;
  sender: { userId: string; nickname: string };
  claims: RedPacketClaimView[];
}

export interface RedPacketListItem extends SentRedPacket {
  to: { userId: string } | { groupId: string };
  sender: { userId: string; nickname: string };
  claimedCount: number;
  /** What the caller took from it, if anything. */
  myClaim: { amount: number } | null;
}

export type GreetingVerdict =
  /** `held`: moderation wants a human look; the envelope goes out without the greeting. */
  { allowed: true; held?: boolean } | { allowed: false; reason: string; categories?: string[] };

/**
 * The hook where text moderation (src/modules/moderation, being built) screens greetings.
 * Until services.ts passes one, every greeting is allowed; a refusal is 422 content_rejected.
 */
export type GreetingScreen = (greeting: string, senderId: string) => Promise<GreetingVerdict>;

export const allowEveryGreeting: GreetingScreen = async () => ({ allowed: true });

export interface RedPacketDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  identity: IdentityService;
  groups: GroupsService;
  wallet: WalletService;
  /** Sending moves wallet money: checks, legs and refusals as for every payment. */
  pipeline: PaymentPipeline;
  notifications: NotificationService;
  config: RedPacketConfig;
  /** The split's randomness; node:crypto unless a test needs a seeded one. */
  random?: RandomInt;
  screenGreeting?: GreetingScreen;
}

type Audience =
  | { kind: 'person'; userId: string; recipients: string[] }
  | { kind: 'group'; groupId: string; recipients: string[] };

/**
 * The shares an envelope will hold, or the validation error its request deserves. `claimers`
 * is how many people may claim it: an envelope never has more shares than claimers.
 */
export function planShares(
  input: Pick<SendRedPacket, 'kind' | 'count' | 'totalAmount' | 'amountEach'>,
  audience: { kind: 'person' | 'group'; claimers: number },
  config: Pick<RedPacketConfig, 'maxToPerson' | 'maxPerShareInGroup' | 'maxCount'>,
  random?: RandomInt,
): number[] {
  const { kind, count } = input;
  if (count > config.maxCount) {
    throw invalid(`count must be at most ${config.maxCount}`, { field: 'count' });
  }
  if (audience.kind === 'person' && count !== 1) {
    throw invalid('an envelope to one person has count 1', { field: 'count' });
  }
  if (count > audience.claimers) {
    throw invalid(`count must be at most the ${audience.claimers} members who may claim`, {
      field: 'count',
    });
  }
  const [given, other] =
    kind === 'lucky' ? ['totalAmount', 'amountEach'] : ['amountEach', 'totalAmount'];
  const amount = kind === 'lucky' ? input.totalAmount : input.amountEach;
  if (amount === undefined) throw invalid(`a ${kind} envelope needs ${given}`, { field: given });
  if (input[other as 'totalAmount' | 'amountEach'] !== undefined) {
    throw invalid(`a ${kind} envelope takes ${given}, not ${other}`, { field: other });
  }
  // Checked per share before multiplying, so a fixed total can never pass the safe range.
  const perShare = audience.kind === 'person' ? config.maxToPerson : config.maxPerShareInGroup;
  if (kind === 'fixed') {
    if (amount > perShare) {
      throw invalid(`amountEach must be at most ${perShare}`, { field: 'amountEach' });
    }
    return splitFixed(amount, count);
  }
  if (amount < count) {
    throw invalid('totalAmount must be at least 1 per share', { field: 'totalAmount' });
  }
  if (amount > perShare * count) {
    throw invalid(`totalAmount must be at most ${perShare * count}`, { field: 'totalAmount' });
  }
  return splitLucky(amount, count, random);
}

interface ClaimState {
  senderId: string;
  kind: RedPacketKind;
  currency: string;
  greeting: string | null;
  status: RedPacketStatus;
  expiresAt: Date;
  escrowAccountId: AccountId;
  eligible: boolean;
  claimed: boolean;
}

/** Refuses a claim that cannot succeed, most telling reason first. */
function refuseClaim(state: ClaimState | undefined, now: Date): asserts state is ClaimState {
  if (!state) throw notFound('red envelope');
  if (!state.eligible) throw forbidden('this red envelope is not for you');
  if (state.claimed) throw new AppError('already_claimed', 'you already claimed this red envelope');
  if (state.status === 'expired' || state.expiresAt <= now) {
    throw new AppError('expired', 'this red envelope has expired');
  }
  if (state.status === 'emptied') throw new AppError('sold_out', 'every share has been claimed');
}

/** What an envelope held by risk control needs to be recorded when it is released. */
interface HeldEnvelope {
  senderId: string;
  kind: RedPacketKind;
  currency: string;
  greeting: string | null;
  shares: number[];
  to: Audience;
  escrowAccountId: AccountId;
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

const MAX_CLAIMS_PER_BATCH = 200;

interface QueuedClaim {
  userId: string;
  resolve: (value: { amount: number; currency: string }) => void;
  reject: (err: unknown) => void;
}

type ClaimOutcome =
  | { ok: true; value: { amount: number; currency: string } }
  | { ok: false; error: unknown };

function escrowCode(packetId: string): string {
  return `redpacket:${packetId}:escrow`;
}

/**
 * Red envelopes (红包) on the ledger. Sending moves the whole amount into the envelope's escrow
 * account in the transaction that records the envelope and its pre-split shares; a claim
 * takes one share and moves it from escrow to the claimer's wallet in one transaction; the
 * expiry job returns what is left to the sender. Money moves only through `createTransfersIn`.
 */
export class RedPacketService {
  private readonly screenGreeting: GreetingScreen;
  private readonly claimQueues = new Map<string, QueuedClaim[]>();

  constructor(private readonly d: RedPacketDeps) {
    this.screenGreeting = d.screenGreeting ?? allowEveryGreeting;
    d.pipeline.onHoldReleased('redpacket.send', {
      release: async (tx, hold) => {
        await this.recordEnvelope(tx, hold.id, hold.payload as unknown as HeldEnvelope);
        return {};
      },
    });
  }

  async send(
    sender: Sender,
    input: SendRedPacket,
    key: string | undefined,
  ): Promise<SentRedPacket> {
    const { db, ledger, config, pipeline } = this.d;
    const currency = input.currency ?? DEFAULT_CURRENCY;
    let greeting = input.greeting?.trim() || null;
    let audience: Audience | undefined;
    let shares: number[] = [];
    const clearance = await pipeline.authorize({
      payer: sender,
      pin: input.pin,
      passkey: input.passkey,
      riskChallengeId: input.riskChallengeId,
      holdable: true,
      // What the shares will add up to (planShares refuses any other amount in `check`).
      amount:
        input.kind === 'lucky' ? (input.totalAmount ?? 0) : (input.amountEach ?? 0) * input.count,
      currency,
      kind: 'redpacket.send',
      // The receiver as named: one that does not exist is not found in `check`.
      counterparties: 'userId' in input.to ? [input.to.userId] : [],
      words: {
        verification: 'verify your identity before sending red envelopes',
        blocked: 'you cannot send a red envelope to this user',
      },
      check: async () => {
        audience = await this.audience(sender.id, input.to);
        shares = planShares(
          input,
          { kind: audience.kind, claimers: audience.recipients.length },
          config,
          this.d.random,
        );
        if (!greeting) return;
        const verdict = await this.screenGreeting(greeting, sender.id);
        if (!verdict.allowed) {
          throw new AppError('content_rejected', verdict.reason, {
            field: 'greeting',
            categories: verdict.categories ?? [],
          });
        }
        // Like a friend request's message: a doubtful greeting is simply not passed on.
        if (verdict.held) greeting = null;
      },
    });
    const to = audience!;

    // From the key, so a replay finds the same envelope and the same transfer ids.
    const id = key ? derivedId('redpacket', sender.id, key) : newId();
    const total = shares.reduce((a, b) => a + b, 0);
    // Made before the transaction, so that the legs (the sender's wallet and today's allowance)
    // are ready before any row is locked; a refused send leaves it empty, a retry reuses it.
    const escrow = await ledger.ensureAccount({
      code: escrowCode(id),
      currency,
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    const spec = {
      id: transferIdFor('redpacket.send', id),
      from: { wallet: sender.id },
      to: { account: escrow.id },
      amount: total,
      currency,
      kind: 'redpacket.send',
      metadata: {
        from: sender.id,
        ...(to.kind === 'person' ? { to: to.userId } : {}),
        ...(to.kind === 'group' ? { groupId: to.groupId } : {}),
        note: greeting,
        packetId: id,
      },
      allowance: { scope: 'redpacket-daily', userId: sender.id, limit: config.verified.daily },
      clearance,
    };
    const envelope: HeldEnvelope = {
      senderId: sender.id,
      kind: input.kind,
      currency,
      greeting,
      shares,
      to,
      escrowAccountId: escrow.id,
    };
    if (clearance.hold) {
      // Nothing is recorded until an admin releases it: nobody can claim a held envelope.
      await pipeline.hold(spec, {
        id,
        ...(to.kind === 'person' ? { counterpartyId: to.userId } : {}),
        payload: envelope as unknown as Record<string, unknown>,
      });
    }
    const legs = await pipeline.legs(spec);
    return inTransaction(db, async (tx) => {
      const view = await this.recordEnvelope(tx, id, envelope);
      // Sent before, and only the stored response was lost: answer with that envelope.
      if (!view) return this.sentView(tx, id, sender.id);
      // Last, so the sender's wallet is locked only for the commit that follows.
      await pipeline.commitIn(tx, legs, {
        limit: 'this envelope would exceed your daily sending limit',
      });
      return view;
    });
  }

  /**
   * The envelope's rows (itself, its pre-split shares, its recipients) and the recipients'
   * notifications, in the transaction that moves its money: at sending, or when an admin
   * releases a held one (its clock starts then). Undefined if it was recorded before.
   */
  private async recordEnvelope(
    tx: Tx,
    id: string,
    e: HeldEnvelope,
  ): Promise<SentRedPacket | undefined> {
    const { clock, config } = this.d;
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + config.expiryHours * 3_600_000);
    const { to, shares } = e;
    const total = shares.reduce((a, b) => a + b, 0);
    const inserted = await tx.query(
      `INSERT INTO red_packets (id, sender_id, kind, count, total_amount, currency, greeting,
                                to_user_id, to_group_id, escrow_account_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
      [
        id,
        e.senderId,
        e.kind,
        shares.length,
        total,
        e.currency,
        e.greeting,
        to.kind === 'person' ? to.userId : null,
        to.kind === 'group' ? to.groupId : null,
        e.escrowAccountId,
        now,
        expiresAt,
      ],
    );
    if (inserted.rowCount === 0) return undefined;
    await tx.query(
      `INSERT INTO red_packet_shares (packet_id, position, amount)
       SELECT $1, p - 1, a FROM unnest($2::bigint[]) WITH ORDINALITY AS s(a, p)`,
      [id, shares],
    );
    await tx.query(
      `INSERT INTO red_packet_recipients (packet_id, user_id, created_at)
       SELECT $1, unnest($2::uuid[]), $3`,
      [id, to.recipients, now],
    );
    await this.d.notifications.notifyMany(
      tx,
      to.recipients.filter((u) => u !== e.senderId),
      'redpacket.received',
      {
        packetId: id,
        redPacketId: id,
        fromUserId: e.senderId,
        fromNickname: await this.d.identity.nickname(e.senderId, tx),
        kind: e.kind,
        greeting: e.greeting,
        ...(to.kind === 'group' ? { groupId: to.groupId } : {}),
      },
    );
    return {
      id,
      kind: e.kind,
      count: shares.length,
      totalAmount: total,
      currency: e.currency,
      greeting: e.greeting,
      status: 'open',
      createdAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    };
  }

  /**
   * Takes one share for `userId`. Claims in a rush run side by side: each takes the lowest
   * share no other claim is taking (SKIP LOCKED), and they meet only on the escrow account's
   * row, for the few statements between the ledger's lock and the commit.
   */
  async claimShare(
    userId: string,
    packetId: string,
  ): Promise<{ amount: number; currency: string }> {
    if (!isUuid(packetId)) throw notFound('red envelope');
    const { db, clock } = this.d;
    // Most claims in a rush come after the last share went: a plain read answers them.
    const seen = await this.claimState(db, packetId, userId, false);
    refuseClaim(seen, clock.now());
    // No wallet is made here: in a rush most claimers lose, and the winners' wallets are made
    // in the claim's own transaction.
    return new Promise((resolve, reject) => {
      const claim: QueuedClaim = { userId, resolve, reject };
      const queue = this.claimQueues.get(packetId);
      if (queue) {
        queue.push(claim);
        return;
      }
      this.claimQueues.set(packetId, [claim]);
      void this.drainClaims(packetId);
    });
  }

  /**
   * Group commit for one envelope: claims on it that arrive while its previous batch commits
   * go together in the next transaction (one escrow lock, one ledger write, one fsync), so a
   * rush of hundreds does not queue one commit at a time on the escrow account.
   */
  private async drainClaims(packetId: string): Promise<void> {
    for (;;) {
      const queue = this.claimQueues.get(packetId)!;
      if (queue.length === 0) {
        this.claimQueues.delete(packetId);
        return;
      }
      const batch = queue.splice(0, MAX_CLAIMS_PER_BATCH);
      let outcomes: ClaimOutcome[];
      try {
        outcomes = await this.claimBatch(packetId, batch);
      } catch (err) {
        outcomes = batch.map(() => ({ ok: false, error: err }));
      }
      batch.forEach((c, i) => {
        const o = outcomes[i]!;
        if (o.ok) c.resolve(o.value);
        else c.reject(o.error);
      });
    }
  }

  private async claimBatch(packetId: string, batch: QueuedClaim[]): Promise<ClaimOutcome[]> {
    const { db, clock, ledger } = this.d;
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(db, async (tx) => {
          const now = clock.now();
          const outcomes: ClaimOutcome[] = new Array(batch.length);
          const states = await this.claimStates(
            tx,
            packetId,
            batch.map((c) => c.userId),
          );
          const takers: number[] = [];
          const inBatch = new Set<string>();
          batch.forEach((c, i) => {
            try {
              refuseClaim(states.get(c.userId), now);
              if (inBatch.has(c.userId)) {
                throw new AppError('already_claimed', 'you already claimed this red envelope');
              }
              inBatch.add(c.userId);
              takers.push(i);
            } catch (error) {
              outcomes[i] = { ok: false, error };
            }
          });
          if (takers.length === 0) return outcomes;
          const shares = await this.takeShares(
            tx,
            packetId,
            takers.map((i) => batch[i]!.userId),
            now,
          );
          const moves: { index: number; share: { position: number; amount: number } }[] = [];
          for (const i of takers) {
            const share = shares.get(batch[i]!.userId);
            if (share) moves.push({ index: i, share });
            else
              outcomes[i] = {
                ok: false,
                error: new AppError('sold_out', 'every share has been claimed'),
              };
          }
          if (moves.length === 0) return outcomes;
          const state = states.get(batch[moves[0]!.index]!.userId)!;
          const wallets = await this.walletsIn(
            tx,
            moves.map(({ index }) => batch[index]!.userId),
            state.currency,
          );
          const results = await ledger.createTransfersIn(
            tx,
            moves.map(({ index, share }) => ({
              // One transfer per share, ever: a share's money cannot move twice.
              id: transferIdFor('redpacket.claim', packetId, String(share.position)),
              debitAccountId: state.escrowAccountId,
              creditAccountId: wallets.get(batch[index]!.userId)!,
              amount: toMinor(share.amount),
              kind: 'redpacket.claim',
              metadata: {
                from: state.senderId,
                to: batch[index]!.userId,
                note: state.greeting,
                packetId,
              },
            })),
          );
          const refused = results.find((r) => !r.ok);
          if (refused && !refused.ok)
            throw new Error(`red envelope ${packetId}: claim refused (${refused.code})`);
          for (const { index, share } of moves) {
            outcomes[index] = {
              ok: true,
              value: { amount: share.amount, currency: state.currency },
            };
          }
          await this.closeIfEmptied(tx, packetId, state, now);
          return outcomes;
        });
      } catch (err) {
        // The same user claimed through another process a moment ago: read again and say so.
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  /**
   * The winners' wallet accounts, made inside the claim's transaction where they do not exist
   * yet: one statement for all of them, however many.
   */
  private async walletsIn(
    tx: Tx,
    userIds: readonly string[],
    currency: string,
  ): Promise<Map<string, AccountId>> {
    const codes = userIds.map((u) => WalletService.walletCode(u, currency));
    const { rows } = await tx.query<{ id: string; code: string }>(
      `WITH ins AS (
         INSERT INTO ledger_accounts (code, currency, flags)
         SELECT c, $2, $3 FROM unnest($1::text[]) AS c
         ON CONFLICT (code) DO NOTHING RETURNING id, code
       )
       SELECT id, code FROM ins
       UNION ALL
       SELECT id, code FROM ledger_accounts WHERE code = ANY($1::text[])`,
      [codes, currency, AccountFlags.debitsMustNotExceedCredits],
    );
    const byCode = new Map(rows.map((r) => [r.code, Number(r.id) as AccountId]));
    // A wallet made by another transaction at the same moment is not in this statement's
    // snapshot (ON CONFLICT waited for it): a new statement sees it.
    const missing = codes.filter((c) => !byCode.has(c));
    if (missing.length > 0) {
      const again = await tx.query<{ id: string; code: string }>(
        'SELECT id, code FROM ledger_accounts WHERE code = ANY($1::text[])',
        [missing],
      );
      for (const r of again.rows) byCode.set(r.code, Number(r.id) as AccountId);
    }
    return new Map(
      userIds.map((u, i) => {
        const id = byCode.get(codes[i]!);
        if (id === undefined) throw new Error(`wallet ${codes[i]} could not be made`);
        return [u, id];
      }),
    );
  }

  /**
   * Refunds what is left of envelopes past their expiry, one envelope per transaction.
   * Safe in every process at once: an envelope is taken with FOR UPDATE SKIP LOCKED and only
   * while still open, and its refund's transfer id derives from it. Envelopes with a claim
   * in flight are skipped (the claim holds KEY SHARE) and picked up by a later run.
   */
  async refundExpired(limit = 500): Promise<number> {
    const { db, clock, ledger, notifications } = this.d;
    let refunded = 0;
    while (refunded < limit) {
      const done = await inTransaction(db, async (tx) => {
        const now = clock.now();
        const { rows } = await tx.query<{
          id: string;
          sender_id: string;
          currency: string;
          greeting: string | null;
          escrow_account_id: string;
          created_at: Date;
        }>(
          `UPDATE red_packets SET status = 'expired', closed_at = $1
            WHERE status = 'open' AND id = (
              SELECT id FROM red_packets WHERE status = 'open' AND expires_at <= $1
               ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, sender_id, currency, greeting, escrow_account_id, created_at`,
          [now],
        );
        const p = rows[0];
        if (!p) return false;
        // No claim is in flight (they hold KEY SHARE on the row we locked): this sum is final.
        const { rows: left } = await tx.query<{ amount: string }>(
          `SELECT coalesce(sum(amount), 0)::text AS amount FROM red_packet_shares
            WHERE packet_id = $1 AND claimed_by IS NULL`,
          [p.id],
        );
        const amount = BigInt(left[0]!.amount);
        if (amount === 0n) return true;
        const wallet = await ledger.accountByCode(
          WalletService.walletCode(p.sender_id, p.currency),
          tx,
        );
        const refundId = transferIdFor('redpacket.refund', p.id);
        // What comes back stops counting against the sending day's allowance, as a declined
        // or expired transfer's does.
        const giveBack = await this.d.pipeline.allowances.giveBack(
          transferIdFor('redpacket.refund.limit', refundId),
          'redpacket-daily',
          p.sender_id,
          p.created_at,
          this.d.pipeline.allowances.value(p.currency, amount),
        );
        const [refund] = await ledger.createTransfersIn(tx, [
          {
            id: refundId,
            debitAccountId: Number(p.escrow_account_id) as AccountId,
            creditAccountId: wallet!.id,
            amount,
            kind: 'redpacket.refund',
            linked: true,
            // No `from`: the sender's history shows a refund without a counterparty.
            metadata: { to: p.sender_id, note: p.greeting, packetId: p.id },
          },
          giveBack,
        ]);
        if (!refund?.ok) throw new Error(`red envelope ${p.id}: refund refused (${refund?.code})`);
        await tx.query('UPDATE red_packets SET refunded_amount = $2 WHERE id = $1', [
          p.id,
          amount.toString(),
        ]);
        await notifications.notify(tx, p.sender_id, 'redpacket.expired', {
          packetId: p.id,
          refundedAmount: fromMinor(amount),
          currency: p.currency,
        });
        return true;
      });
      if (!done) break;
      refunded++;
    }
    return refunded;
  }

  /** The envelope as its sender and those who may claim it see it; to others it does not exist. */
  async view(viewerId: string, packetId: string): Promise<RedPacketView> {
    if (!isUuid(packetId)) throw notFound('red envelope');
    const { rows } = await this.d.db.query<
      PacketRow & { sender_nickname: string; visible: boolean }
    >(
      `SELECT ${PACKET_COLUMNS}, u.nickname AS sender_nickname,
              (p.sender_id = $2 OR EXISTS (
                 SELECT 1 FROM red_packet_recipients r WHERE r.packet_id = p.id AND r.user_id = $2
              )) AS visible
         FROM red_packets p JOIN users u ON u.id = p.sender_id
        WHERE p.id = $1`,
      [packetId, viewerId],
    );
    const p = rows[0];
    if (!p?.visible) throw notFound('red envelope');
    const { rows: claims } = await this.d.db.query<{
      claimed_by: string;
      nickname: string;
      amount: string;
      claimed_at: Date;
    }>(
      `SELECT s.claimed_by, u.nickname, s.amount, s.claimed_at
         FROM red_packet_shares s JOIN users u ON u.id = s.claimed_by
        WHERE s.packet_id = $1 ORDER BY s.claimed_at, s.position`,
      [packetId],
    );
    const base = toSent(p, this.d.clock.now());
    return {
      ...base,
      to: p.to_user_id ? { userId: p.to_user_id } : { groupId: p.to_group_id! },
      claimedCount: claims.length,
      claimedAmount: claims.reduce((sum, c) => sum + Number(c.amount), 0),
      ...(p.refunded_amount ? { refundedAmount: Number(p.refunded_amount) } : {}),
      sender: { userId: p.sender_id, nickname: p.sender_nickname },
      claims: claims.map((c) => ({
        userId: c.claimed_by,
        nickname: c.nickname,
        amount: Number(c.amount),
        claimedAt: c.claimed_at.toISOString(),
        ...(c.claimed_by === p.luckiest_user_id ? { luckiest: true as const } : {}),
      })),
    };
  }

  /**
   * The caller's envelopes, newest first: "received" are those they may claim (sent to them or
   * to a group they were in at send time, their own excluded), "sent" are their own.
   */
  async list(
    viewerId: string,
    box: 'received' | 'sent',
    page: { limit: number; after?: TimeCursor },
  ): Promise<{ items: RedPacketListItem[]; nextCursor: string | null }> {
    // Each box is read in the order of its own index: (user_id, created_at, packet_id) on the
    // recipients, (sender_id, created_at) on the envelopes.
    const [at, id] =
      box === 'received' ? ['r.created_at', 'r.packet_id'] : ['p.created_at', 'p.id'];
    const params: unknown[] = [viewerId, page.limit + 1];
    let after = '';
    if (page.after) {
      params.push(page.after.micros, page.after.id);
      after = `AND (${at}, ${id}) < (${fromMicrosSql('$3')}, $4::uuid)`;
    }
    const source =
      box === 'received'
        ? `FROM red_packet_recipients r JOIN red_packets p ON p.id = r.packet_id
           WHERE r.user_id = $1 AND p.sender_id <> $1`
        : 'FROM red_packets p WHERE p.sender_id = $1';
    const { rows } = await this.d.db.query<
      PacketRow & {
        sender_nickname: string;
        claimed_count: number;
        my_amount: string | null;
        micros: string;
      }
    >(
      `SELECT ${PACKET_COLUMNS}, ${microsSql('p.created_at')} AS micros,
              (SELECT nickname FROM users WHERE id = p.sender_id) AS sender_nickname,
              (SELECT count(*)::int FROM red_packet_shares s
                WHERE s.packet_id = p.id AND s.claimed_by IS NOT NULL) AS claimed_count,
              (SELECT s.amount FROM red_packet_shares s
                WHERE s.packet_id = p.id AND s.claimed_by = $1) AS my_amount
         ${source} ${after}
        ORDER BY ${at} DESC, ${id} DESC
        LIMIT $2`,
      params,
    );
    const more = rows.length > page.limit;
    const items = rows.slice(0, page.limit);
    const now = this.d.clock.now();
    const last = items.at(-1);
    return {
      items: items.map((p) => ({
        ...toSent(p, now),
        to: p.to_user_id ? { userId: p.to_user_id } : { groupId: p.to_group_id! },
        sender: { userId: p.sender_id, nickname: p.sender_nickname },
        claimedCount: p.claimed_count,
        myClaim: p.my_amount === null ? null : { amount: Number(p.my_amount) },
      })),
      nextCursor: more && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }

  private async audience(senderId: string, to: SendRedPacket['to']): Promise<Audience> {
    if ('userId' in to) {
      const receiver = await this.d.identity.user(to.userId);
      if (!receiver) throw notFound('receiver');
      if (receiver.id === senderId) {
        throw invalid('you cannot send a red envelope to yourself', { field: 'to' });
      }
      return { kind: 'person', userId: receiver.id, recipients: [receiver.id] };
    }
    const { groups, db } = this.d;
    // Not a member: the group does not exist as far as the sender can tell.
    if (!(await groups.isMember(db, to.groupId, senderId))) throw notFound('group');
    // The members now (sender included, as in WeChat) are the envelope's claimers for good.
    return {
      kind: 'group',
      groupId: to.groupId,
      recipients: await groups.memberIds(db, to.groupId),
    };
  }

  private async sentView(q: Queryable, id: string, senderId: string): Promise<SentRedPacket> {
    const { rows } = await q.query<PacketRow>(
      `SELECT ${PACKET_COLUMNS} FROM red_packets p WHERE p.id = $1 AND p.sender_id = $2`,
      [id, senderId],
    );
    if (!rows[0]) throw new Error(`red envelope ${id} exists for another sender`);
    return toSent(rows[0], this.d.clock.now());
  }

  /**
   * The claim's view of an envelope. With `lock`, KEY SHARE: claims never wait for each other
   * (nor for the last claim's status update), but the expiry job's FOR UPDATE cannot take an
   * envelope while claims are in flight, and claims after it see it expired.
   */
  private async claimState(
    q: Queryable,
    packetId: string,
    userId: string,
    lock: boolean,
  ): Promise<ClaimState | undefined> {
    return (await this.claimStates(q, packetId, [userId], lock)).get(userId);
  }

  /**
   * Marks the lowest free share as `userId`'s. First the lowest that no other claim is taking,
   * so a rush spreads over the shares instead of queueing on one; when every free share is
   * being taken, it waits for those claims, so that a share whose claim fails (a duplicate
   * of one user's) is taken here rather than left behind with a wrong "sold out".
   */
  /**
   * Gives each user one free share, lowest positions first. Shares locked by a claim in
   * another process are skipped first, then waited for, so none is missed if that claim fails.
   */
  private async takeShares(
    tx: Tx,
    packetId: string,
    userIds: string[],
    now: Date,
  ): Promise<Map<string, { position: number; amount: number }>> {
    const taken = new Map<string, { position: number; amount: number }>();
    for (const skipLocked of [true, false]) {
      const waiting = userIds.filter((u) => !taken.has(u));
      if (waiting.length === 0) break;
      const { rows } = await tx.query<{ position: number; amount: string; claimed_by: string }>(
        `WITH free AS (
           SELECT position, row_number() OVER (ORDER BY position) AS n FROM (
             SELECT position FROM red_packet_shares
              WHERE packet_id = $1 AND claimed_by IS NULL
              ORDER BY position LIMIT $4 FOR UPDATE ${skipLocked ? 'SKIP LOCKED' : ''}) f
         ), who AS (
           SELECT user_id, n FROM unnest($2::uuid[]) WITH ORDINALITY AS u(user_id, n)
         )
         UPDATE red_packet_shares s SET claimed_by = who.user_id, claimed_at = $3
           FROM free JOIN who USING (n)
          WHERE s.packet_id = $1 AND s.position = free.position
         RETURNING s.position, s.amount, s.claimed_by`,
        [packetId, waiting, now, waiting.length],
      );
      for (const r of rows)
        taken.set(r.claimed_by, { position: r.position, amount: Number(r.amount) });
    }
    return taken;
  }

  /**
   * Each user's standing on the envelope, read with the envelope held against expiry. A group
   * envelope is for those who were members when it was sent and still are: one removed (or
   * who left) since may not claim (403).
   */
  private async claimStates(
    q: Queryable,
    packetId: string,
    userIds: string[],
    lock = true,
  ): Promise<Map<string, ClaimState>> {
    const { rows } = await q.query<{
      user_id: string;
      sender_id: string;
      kind: RedPacketKind;
      currency: string;
      greeting: string | null;
      status: RedPacketStatus;
      expires_at: Date;
      escrow_account_id: string;
      eligible: boolean;
      claimed: boolean;
    }>(
      `SELECT u.user_id, p.sender_id, p.kind, p.currency, p.greeting, p.status, p.expires_at, p.escrow_account_id,
              EXISTS (SELECT 1 FROM red_packet_recipients r WHERE r.packet_id = p.id AND r.user_id = u.user_id)
                AND (p.to_group_id IS NULL OR EXISTS (
                  SELECT 1 FROM group_members m
                   WHERE m.group_id = p.to_group_id AND m.user_id = u.user_id AND m.left_at IS NULL))
                AS eligible,
              EXISTS (SELECT 1 FROM red_packet_shares s WHERE s.packet_id = p.id AND s.claimed_by = u.user_id) AS claimed
         FROM red_packets p CROSS JOIN unnest($2::uuid[]) AS u(user_id)
        WHERE p.id = $1 ${lock ? 'FOR KEY SHARE OF p' : ''}`,
      [packetId, [...new Set(userIds)]],
    );
    const states = new Map<string, ClaimState>();
    for (const r of rows) {
      states.set(r.user_id, {
        senderId: r.sender_id,
        kind: r.kind,
        currency: r.currency,
        greeting: r.greeting,
        status: r.status,
        expiresAt: r.expires_at,
        escrowAccountId: Number(r.escrow_account_id) as AccountId,
        eligible: r.eligible,
        claimed: r.claimed,
      });
    }
    return states;
  }

  /**
   * Closes the envelope when this claim took its last share. Every claim debits the escrow
   * under the ledger's lock on that account and commits before releasing it, so the claim
   * that finds the escrow empty is the last one and every other claim has committed.
   */
  private async closeIfEmptied(
    tx: Tx,
    packetId: string,
    state: ClaimState,
    now: Date,
  ): Promise<void> {
    const [escrow] = await this.d.ledger.accounts([state.escrowAccountId], tx);
    if (!escrow || escrow.creditsPosted - escrow.debitsPosted > 0n) return;
    const { rows } = await tx.query<{
      claimed_by: string;
      amount: string;
      claimed_at: Date;
      position: number;
    }>(
      'SELECT claimed_by, amount, claimed_at, position FROM red_packet_shares WHERE packet_id = $1',
      [packetId],
    );
    const claims = rows.map((r) => ({
      userId: r.claimed_by,
      amount: Number(r.amount),
      claimedAt: r.claimed_at,
      position: r.position,
    }));
    const luckiest = state.kind === 'lucky' ? luckiestClaimer(claims) : undefined;
    await tx.query(
      `UPDATE red_packets SET status = 'emptied', closed_at = $2, luckiest_user_id = $3
        WHERE id = $1 AND status = 'open'`,
      [packetId, now, luckiest ?? null],
    );
    await this.d.notifications.notify(tx, state.senderId, 'redpacket.emptied', {
      packetId,
      claimedCount: claims.length,
      claimedAmount: claims.reduce((sum, c) => sum + c.amount, 0),
      currency: state.currency,
      ...(luckiest ? { luckiestUserId: luckiest } : {}),
    });
  }
}

interface PacketRow {
  id: string;
  sender_id: string;
  kind: RedPacketKind;
  count: number;
  total_amount: string;
  currency: string;
  greeting: string | null;
  to_user_id: string | null;
  to_group_id: string | null;
  status: RedPacketStatus;
  luckiest_user_id: string | null;
  refunded_amount: string | null;
  created_at: Date;
  expires_at: Date;
}

const PACKET_COLUMNS =
  'p.id, p.sender_id, p.kind, p.count, p.total_amount, p.currency, p.greeting, p.to_user_id, p.to_group_id, p.status, p.luckiest_user_id, p.refunded_amount, p.created_at, p.expires_at';

function toSent(p: PacketRow, now: Date): SentRedPacket {
  return {
    id: p.id,
    kind: p.kind,
    count: p.count,
    totalAmount: Number(p.total_amount),
    currency: p.currency,
    greeting: p.greeting,
    // Past its time it is expired for claimers, even before the job has refunded it.
    status: p.status === 'open' && p.expires_at <= now ? 'expired' : p.status,
    createdAt: p.created_at.toISOString(),
    expiresAt: p.expires_at.toISOString(),
  };
}
