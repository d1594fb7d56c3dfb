import { inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { isUuid, newId } from '../../platform/ids.ts';
import { DEFAULT_CURRENCY } from '../../platform/money.ts';
import { newTransferId, type TransferId, transferIdFor } from '../ledger/index.ts';
import type { PasskeyAssertion } from '../wallet/index.ts';
import { type CollectionShare, sharesOfEach, splitEvenly } from './collection-split.ts';
import { allowEveryNote, type GroupMoneyDeps, type NoteScreen, type Payer } from './money.ts';

export type CollectionStatus = 'open' | 'completed' | 'closed';

export interface CreateCollection {
  /** What each member asked pays; or */
  amountEach?: number;
  /** what they pay together, split evenly (see `splitEvenly`). Exactly one of the two. */
  totalAmount?: number;
  /** Current members to ask; by default every current member but the organiser. */
  memberIds?: string[];
  note: string;
  currency?: string;
}

export interface CollectionShareView {
  userId: string;
  nickname: string;
  amount: number;
  paid: boolean;
  paidAt: string | null;
}

interface CollectionBase {
  id: string;
  groupId: string;
  organizerId: string;
  organizerNickname: string;
  /** Null for others while moderation holds the organiser's note for review. */
  note: string | null;
  currency: string;
  totalAmount: number;
  paidAmount: number;
  status: CollectionStatus;
  createdAt: string;
  closedAt: string | null;
}

export interface CollectionView extends CollectionBase {
  shares: CollectionShareView[];
}

export interface CollectionSummary extends CollectionBase {
  shareCount: number;
  paidCount: number;
  /** The caller's share, if they are asked to pay. */
  myShare: { amount: number; paid: boolean } | null;
}

export interface CollectionPayment {
  collectionId: string;
  userId: string;
  amount: number;
  currency: string;
  transferId: string;
  paidAt: string;
}

/**
 * The shares a collection asks for, or the validation error its request deserves. `userIds`
 * are the members asked (unique, all current members); the organiser may be among them, and
 * then their own share counts as paid from the start (they paid the bill being shared).
 */
export function planCollectionShares(
  input: Pick<CreateCollection, 'amountEach' | 'totalAmount'>,
  userIds: readonly string[],
  organizerId: string,
  maxShare: number,
): CollectionShare[] {
  const { amountEach, totalAmount } = input;
  if ((amountEach === undefined) === (totalAmount === undefined)) {
    throw invalid('give exactly one of amountEach and totalAmount', {
      field: amountEach === undefined ? 'amountEach' : 'totalAmount',
    });
  }
  if (!userIds.some((id) => id !== organizerId)) {
    throw invalid('a collection asks at least one member besides the organiser', {
      field: 'memberIds',
    });
  }
  const n = userIds.length;
  if (amountEach !== undefined) {
    if (amountEach > maxShare) {
      throw invalid(`amountEach must be at most ${maxShare}`, { field: 'amountEach' });
    }
    if (!Number.isSafeInteger(amountEach * n)) {
      throw invalid('the collection total is too large', { field: 'amountEach' });
    }
    return sharesOfEach(amountEach, userIds);
  }
  const total = totalAmount!;
  if (total < n) {
    throw invalid(`totalAmount must be at least 1 for each of the ${n} members`, {
      field: 'totalAmount',
    });
  }
  if (Math.ceil(total / n) > maxShare) {
    throw invalid(`totalAmount must be at most ${maxShare * n} (${maxShare} each)`, {
      field: 'totalAmount',
    });
  }
  return splitEvenly(total, userIds);
}

interface PaymentState {
  groupId: string;
  organizerId: string;
  currency: string;
  note: string | null;
  status: CollectionStatus;
  member: boolean;
  share: { amount: number; transferId: string | null; paidAt: Date | null } | undefined;
}

/** Refuses a payment that cannot succeed, most telling reason first. */
function refusePayment(state: PaymentState | undefined): asserts state is PaymentState & {
  share: NonNullable<PaymentState['share']>;
} {
  if (!state?.member) throw notFound('collection');
  if (!state.share) throw forbidden('you are not asked to pay in this collection');
  if (state.share.paidAt) {
    throw new AppError('conflict', 'you have already paid your share of this collection', {
      reason: 'already_paid',
    });
  }
  if (state.status !== 'open') throw conflict('this collection is closed');
}

interface CollectionRow {
  id: string;
  group_id: string;
  organizer_id: string;
  organizer_nickname: string;
  note: string | null;
  currency: string;
  total_amount: string;
  paid_amount: string;
  status: CollectionStatus;
  created_at: Date;
  closed_at: Date | null;
}

/** A collection as `$2` sees it: a held note is shown to the organiser alone. */
const COLLECTION_COLUMNS = `c.id, c.group_id, c.organizer_id, o.nickname AS organizer_nickname,
  CASE WHEN c.note_held AND c.organizer_id <> $2 THEN NULL ELSE c.note END AS note,
  c.currency, c.total_amount, c.status, c.created_at, c.closed_at,
  (SELECT coalesce(sum(s.amount), 0) FROM group_collection_shares s
    WHERE s.collection_id = c.id AND s.paid_at IS NOT NULL)::text AS paid_amount`;

function toBase(r: CollectionRow): CollectionBase {
  return {
    id: r.id,
    groupId: r.group_id,
    organizerId: r.organizer_id,
    organizerNickname: r.organizer_nickname,
    note: r.note,
    currency: r.currency,
    totalAmount: Number(r.total_amount),
    paidAmount: Number(r.paid_amount),
    status: r.status,
    createdAt: r.created_at.toISOString(),
    closedAt: r.closed_at?.toISOString() ?? null,
  };
}

/**
 * Collections (AA 收款 / 群收款): an organiser asks group members for a fixed amount each or an
 * even split of a total; each member pays their share once, wallet to the organiser's wallet;
 * the organiser reminds those who have not paid, and may close the collection. It completes
 * when every share is paid. Payments of one collection run one at a time (its row is locked),
 * so a share cannot be paid twice and the last payment always sees that it is the last.
 */
export class CollectionService {
  private readonly screenNote: NoteScreen;

  constructor(private readonly d: GroupMoneyDeps) {
    this.screenNote = d.screenNote ?? allowEveryNote;
  }

  async create(
    organizerId: string,
    groupId: string,
    input: CreateCollection,
  ): Promise<CollectionView> {
    const { db, groups, clock, notifications, limits } = this.d;
    await groups.requireMember(db, groupId, organizerId);
    const note = input.note.trim();
    if (!note) throw invalid('note must say what the money is for', { field: 'note' });
    const currency = input.currency ?? DEFAULT_CURRENCY;
    const id = newId();
    await inTransaction(db, async (tx) => {
      await groups.requireMember(tx, groupId, organizerId, true);
      let userIds: string[];
      if (input.memberIds) {
        userIds = [...new Set(input.memberIds)];
        const present = await groups.currentMembers(tx, groupId, userIds);
        const outsiders = userIds.filter((u) => !present.has(u));
        if (outsiders.length > 0) {
          throw invalid('everyone asked must be a current member of the group', {
            field: 'memberIds',
            userIds: outsiders,
          });
        }
      } else {
        userIds = (await groups.memberIds(tx, groupId)).filter((u) => u !== organizerId);
      }
      const shares = planCollectionShares(input, userIds, organizerId, limits.perTransfer);
      // Screened last, once the request is otherwise sound: a refused request logs no decision.
      const held = (await this.screenNote(note, organizerId)) === 'review';
      const now = clock.now();
      await tx.query(
        `INSERT INTO group_collections
           (id, group_id, organizer_id, note, note_held, currency, total_amount, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          groupId,
          organizerId,
          note,
          held,
          currency,
          shares.reduce((sum, s) => sum + s.amount, 0),
          now,
        ],
      );
      await tx.query(
        `INSERT INTO group_collection_shares (collection_id, user_id, amount, paid_at)
         SELECT $1, u, a, CASE WHEN u = $4 THEN $5::timestamptz END
           FROM unnest($2::uuid[], $3::bigint[]) AS s(u, a)`,
        [id, shares.map((s) => s.userId), shares.map((s) => s.amount), organizerId, now],
      );
      const total = shares.reduce((sum, s) => sum + s.amount, 0);
      // No money moves yet: the card is the request, and each payment adds its own line.
      await this.d.pipeline.writeEffects(tx, {
        rows:
          this.d.moments?.inGroup(groupId, {
            senderId: organizerId,
            kind: 'collection',
            refId: id,
            key: `collection:${id}`,
            data: { note: held ? null : note, currency, totalAmount: total, shares: shares.length },
            at: now,
          }) ?? [],
      });
      await notifications.notifyMany(
        tx,
        shares.map((s) => s.userId).filter((u) => u !== organizerId),
        'group.collection.requested',
        {
          collectionId: id,
          groupId,
          organizerId,
          byNickname: await this.d.identity.nickname(organizerId, tx),
          currency,
          note: held ? null : note,
        },
      );
    });
    return this.view(organizerId, id);
  }

  /** A collection as the group's members see it; to anyone else it does not exist. */
  async view(viewerId: string, collectionId: string): Promise<CollectionView> {
    if (!isUuid(collectionId)) throw notFound('collection');
    const { db, groups } = this.d;
    const { rows } = await db.query<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS}
         FROM group_collections c JOIN users o ON o.id = c.organizer_id
        WHERE c.id = $1`,
      [collectionId, viewerId],
    );
    const c = rows[0];
    if (!c || !(await groups.isMember(db, c.group_id, viewerId))) throw notFound('collection');
    const { rows: shares } = await db.query<{
      user_id: string;
      nickname: string;
      amount: string;
      paid_at: Date | null;
    }>(
      `SELECT s.user_id, u.nickname, s.amount, s.paid_at
         FROM group_collection_shares s JOIN users u ON u.id = s.user_id
        WHERE s.collection_id = $1 ORDER BY s.user_id`,
      [collectionId],
    );
    return {
      ...toBase(c),
      shares: shares.map((s) => ({
        userId: s.user_id,
        nickname: s.nickname,
        amount: Number(s.amount),
        paid: s.paid_at !== null,
        paidAt: s.paid_at?.toISOString() ?? null,
      })),
    };
  }

  /** A group's collections, newest first. */
  async list(
    viewerId: string,
    groupId: string,
    page: { limit: number; after?: TimeCursor },
  ): Promise<{ items: CollectionSummary[]; nextCursor: string | null }> {
    const { db, groups } = this.d;
    await groups.requireMember(db, groupId, viewerId);
    const params: unknown[] = [groupId, viewerId, page.limit + 1];
    let after = '';
    if (page.after) {
      params.push(page.after.micros, page.after.id);
      after = `AND (c.created_at, c.id) < (${fromMicrosSql('$4')}, $5::uuid)`;
    }
    const { rows } = await db.query<
      CollectionRow & {
        micros: string;
        share_count: number;
        paid_count: number;
        my_amount: string | null;
        my_paid: boolean | null;
      }
    >(
      `SELECT ${COLLECTION_COLUMNS}, ${microsSql('c.created_at')} AS micros,
              (SELECT count(*)::int FROM group_collection_shares s WHERE s.collection_id = c.id) AS share_count,
              (SELECT count(*)::int FROM group_collection_shares s
                WHERE s.collection_id = c.id AND s.paid_at IS NOT NULL) AS paid_count,
              mine.amount AS my_amount, mine.paid_at IS NOT NULL AS my_paid
         FROM group_collections c
         JOIN users o ON o.id = c.organizer_id
         LEFT JOIN group_collection_shares mine ON mine.collection_id = c.id AND mine.user_id = $2
        WHERE c.group_id = $1 ${after}
        ORDER BY c.created_at DESC, c.id DESC
        LIMIT $3`,
      params,
    );
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => ({
        ...toBase(r),
        shareCount: r.share_count,
        paidCount: r.paid_count,
        myShare:
          r.my_amount === null ? null : { amount: Number(r.my_amount), paid: r.my_paid === true },
      })),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }

  /**
   * Pays the caller's share: their wallet → the organiser's wallet, with verification, PIN and
   * the daily transfer limit as for a transfer. A share is paid once, whatever the keys.
   */
  async pay(
    user: Payer,
    collectionId: string,
    input: { pin?: string; passkey?: PasskeyAssertion; riskChallengeId?: string },
    key: string | undefined,
  ): Promise<CollectionPayment> {
    if (!isUuid(collectionId)) throw notFound('collection');
    const { db, clock, pipeline, groups, notifications, limits } = this.d;
    // From the key, so a retry whose stored response was lost finds its own payment.
    const transferId = key
      ? transferIdFor('group.collection.payment', collectionId, user.id, key)
      : newTransferId();
    const seen = await this.paymentState(db, collectionId, user.id, false);
    if (seen?.member && seen.share?.transferId === transferId) {
      return this.payment(collectionId, user.id, seen, transferId);
    }
    refusePayment(seen);
    await pipeline.authorize({
      payer: user,
      pin: input.pin,
      passkey: input.passkey,
      riskChallengeId: input.riskChallengeId,
      amount: seen.share.amount,
      currency: seen.currency,
      kind: 'group.collection.payment',
      counterparties: [seen.organizerId],
      words: { blocked: 'you cannot send money to this organiser' },
    });
    // A share's amount, the organiser and the note never change once the collection is made.
    const legs = await pipeline.legs({
      id: transferId,
      from: { wallet: user.id },
      to: { wallet: seen.organizerId },
      amount: seen.share.amount,
      currency: seen.currency,
      kind: 'group.collection.payment',
      metadata: {
        from: user.id,
        to: seen.organizerId,
        note: seen.note,
        groupId: seen.groupId,
        collectionId,
      },
      allowance: { scope: 'daily', userId: user.id, limit: limits.daily },
    });
    return inTransaction(db, async (tx) => {
      const state = await this.paymentState(tx, collectionId, user.id, true);
      if (state?.member && state.share?.transferId === transferId) {
        return this.payment(collectionId, user.id, state, transferId);
      }
      refusePayment(state);
      await groups.requireMember(tx, state.groupId, user.id, true);
      const now = clock.now();
      const marked = await tx.query(
        `UPDATE group_collection_shares SET paid_at = $3, transfer_id = $4
          WHERE collection_id = $1 AND user_id = $2 AND paid_at IS NULL`,
        [collectionId, user.id, now, transferId],
      );
      if (marked.rowCount !== 1) throw new Error(`collection ${collectionId}: share paid twice`);
      const { rows } = await tx.query<{ unpaid: number }>(
        `SELECT count(*)::int AS unpaid FROM group_collection_shares
          WHERE collection_id = $1 AND paid_at IS NULL`,
        [collectionId],
      );
      // Payments hold the collection's row, so this one sees every earlier payment.
      const completed = rows[0]!.unpaid === 0;
      if (completed) {
        await tx.query(
          `UPDATE group_collections SET status = 'completed', closed_at = $2 WHERE id = $1`,
          [collectionId, now],
        );
      }
      const amount = state.share.amount;
      await notifications.notify(tx, state.organizerId, 'group.collection.paid', {
        collectionId,
        groupId: state.groupId,
        userId: user.id,
        amount,
        currency: state.currency,
        completed,
      });
      await pipeline.writeEffects(tx, {
        rows:
          this.d.moments?.inGroup(state.groupId, {
            senderId: user.id,
            kind: 'system',
            refId: collectionId,
            key: `collection.payment:${transferId}`,
            data: {
              event: 'collection.paid',
              collectionId,
              transferId,
              amount,
              currency: state.currency,
              completed,
            },
            at: now,
          }) ?? [],
      });
      await pipeline.commitIn(tx, legs);
      return {
        collectionId,
        userId: user.id,
        amount,
        currency: state.currency,
        transferId,
        paidAt: now.toISOString(),
      };
    });
  }

  /**
   * Notifies the members who have not paid (and are still in the group). At most one reminder
   * per collection every `reminderMinutes`; sooner is 429 rate_limited.
   */
  async remind(
    organizerId: string,
    collectionId: string,
  ): Promise<{ collectionId: string; remindedUserIds: string[]; remindedAt: string }> {
    const { db, clock, notifications, limits } = this.d;
    return inTransaction(db, async (tx) => {
      const c = await this.organizerAction(tx, collectionId, organizerId);
      const now = clock.now();
      if (c.last_reminded_at) {
        const next = c.last_reminded_at.getTime() + limits.reminderMinutes * 60_000;
        if (now.getTime() < next) {
          throw new AppError('rate_limited', 'this collection was reminded about recently', {
            retryAfterSeconds: Math.ceil((next - now.getTime()) / 1000),
          });
        }
      }
      await tx.query('UPDATE group_collections SET last_reminded_at = $2 WHERE id = $1', [
        collectionId,
        now,
      ]);
      const unpaid = await this.unpaidMembers(tx, collectionId, c.group_id);
      await notifications.notifyMany(tx, unpaid, 'group.collection.reminder', {
        collectionId,
        groupId: c.group_id,
        organizerId,
        byNickname: await this.d.identity.nickname(organizerId, tx),
        note: c.note_held ? null : c.note,
      });
      return { collectionId, remindedUserIds: unpaid, remindedAt: now.toISOString() };
    });
  }

  /** The organiser closes an open collection: unpaid shares are no longer asked for. */
  async close(organizerId: string, collectionId: string): Promise<CollectionView> {
    const { db, clock, notifications } = this.d;
    await inTransaction(db, async (tx) => {
      const c = await this.organizerAction(tx, collectionId, organizerId);
      await tx.query(
        `UPDATE group_collections SET status = 'closed', closed_at = $2 WHERE id = $1`,
        [collectionId, clock.now()],
      );
      await notifications.notifyMany(
        tx,
        await this.unpaidMembers(tx, collectionId, c.group_id),
        'group.collection.closed',
        {
          collectionId,
          groupId: c.group_id,
          organizerId,
          byNickname: await this.d.identity.nickname(organizerId, tx),
        },
      );
    });
    return this.view(organizerId, collectionId);
  }

  /** The collection's row, locked, once the caller is known to be its organiser and it is open. */
  private async organizerAction(tx: Tx, collectionId: string, userId: string) {
    if (!isUuid(collectionId)) throw notFound('collection');
    const { rows } = await tx.query<{
      group_id: string;
      organizer_id: string;
      note: string;
      note_held: boolean;
      status: CollectionStatus;
      last_reminded_at: Date | null;
    }>(
      `SELECT group_id, organizer_id, note, note_held, status, last_reminded_at
         FROM group_collections WHERE id = $1 FOR UPDATE`,
      [collectionId],
    );
    const c = rows[0];
    if (!c || !(await this.d.groups.isMember(tx, c.group_id, userId))) {
      throw notFound('collection');
    }
    if (c.organizer_id !== userId) throw forbidden('only the organiser manages a collection');
    if (c.status !== 'open') throw conflict(`this collection is already ${c.status}`);
    return c;
  }

  private async unpaidMembers(tx: Tx, collectionId: string, groupId: string): Promise<string[]> {
    const { rows } = await tx.query<{ user_id: string }>(
      `SELECT s.user_id FROM group_collection_shares s
         JOIN group_members m ON m.group_id = $2 AND m.user_id = s.user_id AND m.left_at IS NULL
        WHERE s.collection_id = $1 AND s.paid_at IS NULL
        ORDER BY s.user_id`,
      [collectionId, groupId],
    );
    return rows.map((r) => r.user_id);
  }

  /** The caller's standing in a collection; with `lock`, payments of it run one at a time. */
  private async paymentState(
    q: Queryable,
    collectionId: string,
    userId: string,
    lock: boolean,
  ): Promise<PaymentState | undefined> {
    // Locked by a statement of its own: the read below then takes its snapshot after the lock
    // is granted, and sees the shares the payment before this one marked paid.
    if (lock)
      await q.query('SELECT 1 FROM group_collections WHERE id = $1 FOR UPDATE', [collectionId]);
    const { rows } = await q.query<{
      group_id: string;
      organizer_id: string;
      currency: string;
      note: string;
      note_held: boolean;
      status: CollectionStatus;
      member: boolean;
      amount: string | null;
      transfer_id: string | null;
      paid_at: Date | null;
    }>(
      `SELECT c.group_id, c.organizer_id, c.currency, c.note, c.note_held, c.status,
              EXISTS (SELECT 1 FROM group_members m
                       WHERE m.group_id = c.group_id AND m.user_id = $2 AND m.left_at IS NULL) AS member,
              s.amount, s.transfer_id, s.paid_at
         FROM group_collections c
         LEFT JOIN group_collection_shares s ON s.collection_id = c.id AND s.user_id = $2
        WHERE c.id = $1`,
      [collectionId, userId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      groupId: r.group_id,
      organizerId: r.organizer_id,
      currency: r.currency,
      // A held note stays out of the payer's history; the organiser still sees it on the collection.
      note: r.note_held ? null : r.note,
      status: r.status,
      member: r.member,
      share:
        r.amount === null
          ? undefined
          : { amount: Number(r.amount), transferId: r.transfer_id, paidAt: r.paid_at },
    };
  }

  private payment(
    collectionId: string,
    userId: string,
    state: PaymentState,
    transferId: TransferId,
  ): CollectionPayment {
    return {
      collectionId,
      userId,
      amount: state.share!.amount,
      currency: state.currency,
      transferId,
      paidAt: state.share!.paidAt!.toISOString(),
    };
  }
}
