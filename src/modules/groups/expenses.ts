import type { ExpenseConfig } from '../../config.ts';
import { inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type Page,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { derivedId, isUuid, newId } from '../../platform/ids.ts';
import { DEFAULT_CURRENCY } from '../../platform/money.ts';
import { transferIdFor } from '../ledger/index.ts';
import type { PasskeyAssertion } from '../wallet/index.ts';
import {
  allowEveryNote,
  type GroupMoneyDeps,
  type NoteScreen,
  type Payer,
  perTransfer,
} from './money.ts';
import { isManager } from './service.ts';
import { simplifyDebts } from './simplify.ts';
import { type SplitMethod, type SplitParticipant, splitExpense } from './split-expense.ts';

export interface ExpenseInput {
  description: string;
  amount: number;
  currency?: string;
  paidBy: string;
  split: { method: SplitMethod; participants: SplitParticipant[] };
  occurredAt?: string;
}

export type ExpenseChanges = Partial<ExpenseInput>;

export interface ExpenseParticipantView {
  userId: string;
  /** As given: exact amount, shares or basis points; absent for an equal split. */
  value?: number;
  owed: number;
}

/** What an expense says at one version, as a viewer may see it. */
export interface ExpenseSnapshot {
  /** Null while moderation holds it, for everyone but the member who wrote it. */
  description: string | null;
  descriptionHeld: boolean;
  amount: number;
  currency: string;
  paidBy: string;
  split: { method: SplitMethod; participants: ExpenseParticipantView[] };
  occurredAt: string;
}

export interface ExpenseView extends ExpenseSnapshot {
  id: string;
  groupId: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  deletedAt: string | null;
}

export interface ExpenseEventView {
  version: number;
  action: 'created' | 'edited' | 'deleted';
  actorId: string;
  at: string;
  before: ExpenseSnapshot | null;
  after: ExpenseSnapshot | null;
}

export interface GroupBalances {
  currency: string;
  balances: { userId: string; nickname: string; net: number }[];
  simplified: { from: string; to: string; amount: number }[];
}

export interface SettlementView {
  id: string;
  groupId: string;
  from: { userId: string };
  to: { userId: string };
  amount: number;
  currency: string;
  transferId: string;
  createdAt: string;
}

/** The group fund's dependencies (whose note screen also judges descriptions), and blocks. */
export interface ExpenseDeps extends GroupMoneyDeps {
  config: ExpenseConfig;
}

/** The stored form of a snapshot: also who wrote the description, to show it held only to them. */
interface StoredSnapshot extends Omit<ExpenseSnapshot, 'description'> {
  description: string;
  descriptionBy: string;
}

interface ExpenseRow {
  id: string;
  group_id: string;
  created_by: string;
  paid_by: string;
  description: string;
  description_held: boolean;
  description_by: string;
  amount: string;
  currency: string;
  split_method: SplitMethod;
  occurred_at: Date;
  created_at: Date;
  updated_at: Date;
  version: number;
  deleted_at: Date | null;
  micros: string;
}

const EXPENSE_COLUMNS = `e.id, e.group_id, e.created_by, e.paid_by, e.description, e.description_held,
  e.description_by, e.amount, e.currency, e.split_method, e.occurred_at, e.created_at,
  e.updated_at, e.version, e.deleted_at, ${microsSql('e.created_at')} AS micros`;

/** Shows a held description only to the member who wrote it. */
function present(s: StoredSnapshot, viewerId: string): ExpenseSnapshot {
  const { descriptionBy, ...rest } = s;
  return {
    ...rest,
    description: s.descriptionHeld && descriptionBy !== viewerId ? null : s.description,
  };
}

const parseDate = (iso: string, field: string): Date => {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw invalid(`${field} is not a date-time`, { field });
  return at;
};

/**
 * Everything that changes a group's balances (recording, editing or deleting an expense, a
 * settle-up) takes this lock: a settle-up checked against the balances cannot race an edit.
 */
async function lockBalances(tx: Tx, groupId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 8011))', [groupId]);
}

/**
 * Shared expenses (Splitwise-style) inside a group. Recording, editing and deleting an expense
 * moves no money and leaves an audit row each; balances are computed from the live expenses
 * and the settlements; a settle-up is a real wallet-to-wallet ledger transfer committed with
 * its settlement row.
 *
 * Who may do what: current members read everything of their group (anyone else gets 404);
 * any member records an expense; the member who recorded it, its payer, and the group's
 * owner or treasurers edit or delete it (other members: 403).
 */
export class ExpenseService {
  private readonly screen: NoteScreen;

  constructor(private readonly d: ExpenseDeps) {
    this.screen = d.screenNote ?? allowEveryNote;
  }

  async record(
    actorId: string,
    groupId: string,
    input: ExpenseInput,
    key?: string,
  ): Promise<ExpenseView> {
    await this.d.groups.requireMember(this.d.db, groupId, actorId);
    const currency = input.currency ?? DEFAULT_CURRENCY;
    this.checkAmount(input.amount);
    const description = this.cleanDescription(input.description);
    const occurredAt = input.occurredAt
      ? parseDate(input.occurredAt, 'occurredAt')
      : this.d.clock.now();
    const owed = splitExpense(input.amount, input.split.method, input.split.participants);
    const held = (await this.screen(description, actorId)) === 'review';
    // From the key, so a repeat whose stored response was lost finds the same expense.
    const id = key ? derivedId('group.expense', actorId, key) : newId();
    const now = this.d.clock.now();
    const snapshot: StoredSnapshot = {
      description,
      descriptionHeld: held,
      descriptionBy: actorId,
      amount: input.amount,
      currency,
      paidBy: input.paidBy,
      split: { method: input.split.method, participants: owed.map(toParticipantView) },
      occurredAt: occurredAt.toISOString(),
    };
    await inTransaction(this.d.db, async (tx) => {
      await this.d.groups.requireMember(tx, groupId, actorId, true);
      await lockBalances(tx, groupId);
      await this.requireCurrentMembers(tx, groupId, [input.paidBy, ...owed.map((o) => o.userId)]);
      const inserted = await tx.query(
        `INSERT INTO group_expenses (id, group_id, created_by, paid_by, description, description_held,
                                     description_by, amount, currency, split_method, occurred_at,
                                     created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $3, $7, $8, $9, $10, $11, $11, 1) ON CONFLICT (id) DO NOTHING`,
        [
          id,
          groupId,
          actorId,
          input.paidBy,
          description,
          held,
          input.amount,
          currency,
          input.split.method,
          occurredAt,
          now,
        ],
      );
      if (inserted.rowCount === 0) return;
      await this.writeShares(tx, id, snapshot);
      await this.writeEvent(tx, id, 1, 'created', actorId, now, null, snapshot);
      await this.d.notifications.notifyMany(
        tx,
        [...new Set([input.paidBy, ...owed.map((o) => o.userId)])].filter((u) => u !== actorId),
        'group.expense_added',
        { groupId, expenseId: id, byUserId: actorId, amount: input.amount, currency },
      );
    });
    return this.expense(actorId, id);
  }

  async edit(actorId: string, expenseId: string, changes: ExpenseChanges): Promise<ExpenseView> {
    const description =
      changes.description === undefined ? undefined : this.cleanDescription(changes.description);
    if (changes.amount !== undefined) this.checkAmount(changes.amount);
    const occurredAt =
      changes.occurredAt === undefined ? undefined : parseDate(changes.occurredAt, 'occurredAt');
    const held =
      description === undefined
        ? undefined
        : (await this.screen(description, actorId)) === 'review';
    await inTransaction(this.d.db, async (tx) => {
      const row = await this.editable(tx, expenseId, actorId);
      await lockBalances(tx, row.group_id);
      const before = await this.storedSnapshot(tx, row);
      const amount = changes.amount ?? before.amount;
      // A changed amount re-applies the current split (an exact split must then be resent).
      const split = changes.split ?? {
        method: before.split.method,
        participants: before.split.participants.map((p) => ({
          userId: p.userId,
          ...(p.value !== undefined ? { value: p.value } : {}),
        })),
      };
      const owed = splitExpense(amount, split.method, split.participants);
      const paidBy = changes.paidBy ?? before.paidBy;
      const known = new Set([before.paidBy, ...before.split.participants.map((p) => p.userId)]);
      // Members named before may have left since; anyone newly named must be a member now.
      await this.requireCurrentMembers(
        tx,
        row.group_id,
        [paidBy, ...owed.map((o) => o.userId)].filter((u) => !known.has(u)),
      );
      // A new text carries its own verdict and author; the same text again keeps the old ones.
      const newText = description !== undefined && description !== before.description;
      const after: StoredSnapshot = {
        description: newText ? description : before.description,
        descriptionHeld: newText ? held === true : before.descriptionHeld,
        descriptionBy: newText ? actorId : before.descriptionBy,
        amount,
        currency: changes.currency ?? before.currency,
        paidBy,
        split: { method: split.method, participants: owed.map(toParticipantView) },
        occurredAt: occurredAt?.toISOString() ?? before.occurredAt,
      };
      if (JSON.stringify(after) === JSON.stringify(before)) return;
      const now = this.d.clock.now();
      const version = row.version + 1;
      await tx.query(
        `UPDATE group_expenses SET description = $2, description_held = $3, description_by = $4,
                amount = $5, currency = $6, paid_by = $7, split_method = $8, occurred_at = $9,
                updated_at = $10, version = $11
          WHERE id = $1`,
        [
          expenseId,
          after.description,
          after.descriptionHeld,
          after.descriptionBy,
          after.amount,
          after.currency,
          after.paidBy,
          after.split.method,
          after.occurredAt,
          now,
          version,
        ],
      );
      await tx.query('DELETE FROM group_expense_shares WHERE expense_id = $1', [expenseId]);
      await this.writeShares(tx, expenseId, after);
      await this.writeEvent(tx, expenseId, version, 'edited', actorId, now, before, after);
    });
    return this.expense(actorId, expenseId);
  }

  /** Soft delete: balances stop counting it; the expense and its history stay readable. */
  async remove(actorId: string, expenseId: string): Promise<void> {
    await inTransaction(this.d.db, async (tx) => {
      const row = await this.editable(tx, expenseId, actorId, { allowDeleted: true });
      // Deleting twice changes nothing and records nothing.
      if (row.deleted_at) return;
      await lockBalances(tx, row.group_id);
      const before = await this.storedSnapshot(tx, row);
      const now = this.d.clock.now();
      const version = row.version + 1;
      await tx.query(
        `UPDATE group_expenses SET deleted_at = $2, deleted_by = $3, updated_at = $2, version = $4
          WHERE id = $1`,
        [expenseId, now, actorId, version],
      );
      await this.writeEvent(tx, expenseId, version, 'deleted', actorId, now, before, null);
    });
  }

  async expense(viewerId: string, expenseId: string): Promise<ExpenseView> {
    const row = await this.visible(this.d.db, expenseId, viewerId);
    return this.toView(this.d.db, row, viewerId);
  }

  /** The audit trail, newest first; `before` is a version number from the previous page. */
  async history(
    viewerId: string,
    expenseId: string,
    page: { limit: number; before?: number },
  ): Promise<{ items: ExpenseEventView[]; next: number | null }> {
    await this.visible(this.d.db, expenseId, viewerId);
    const { rows } = await this.d.db.query<{
      version: number;
      action: ExpenseEventView['action'];
      actor_id: string;
      at: Date;
      before: StoredSnapshot | null;
      after: StoredSnapshot | null;
    }>(
      `SELECT version, action, actor_id, at, before, after FROM group_expense_events
        WHERE expense_id = $1 AND ($2::int IS NULL OR version < $2)
        ORDER BY version DESC LIMIT $3`,
      [expenseId, page.before ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit);
    return {
      items: items.map((r) => ({
        version: r.version,
        action: r.action,
        actorId: r.actor_id,
        at: r.at.toISOString(),
        before: r.before && present(r.before, viewerId),
        after: r.after && present(r.after, viewerId),
      })),
      next: rows.length > page.limit ? items[items.length - 1]!.version : null,
    };
  }

  /** A group's expenses, newest recorded first; deleted ones only when asked for. */
  async list(
    viewerId: string,
    groupId: string,
    page: { limit: number; after?: TimeCursor; includeDeleted?: boolean },
  ): Promise<Page<ExpenseView>> {
    await this.d.groups.requireMember(this.d.db, groupId, viewerId);
    const { rows } = await this.d.db.query<ExpenseRow>(
      `SELECT ${EXPENSE_COLUMNS} FROM group_expenses e
        WHERE e.group_id = $1 AND ($2 OR e.deleted_at IS NULL)
          AND ($3::text IS NULL OR (e.created_at, e.id) < (${fromMicrosSql('$3')}, $4::uuid))
        ORDER BY e.created_at DESC, e.id DESC LIMIT $5`,
      [
        groupId,
        page.includeDeleted === true,
        page.after?.micros ?? null,
        page.after?.id ?? null,
        page.limit + 1,
      ],
    );
    const items = rows.slice(0, page.limit);
    const shares = await this.sharesOf(
      this.d.db,
      items.map((r) => r.id),
    );
    const last = items[items.length - 1];
    return {
      items: items.map((r) => this.viewOf(r, shares.get(r.id) ?? [], viewerId)),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }

  /** Everyone's standing in one currency and the fewest transfers that would settle it. */
  async balances(viewerId: string, groupId: string, currency: string): Promise<GroupBalances> {
    await this.d.groups.requireMember(this.d.db, groupId, viewerId);
    const nets = await this.nets(this.d.db, groupId, currency);
    // Current members appear even when square; former members only while they owe or are owed.
    for (const id of await this.d.groups.memberIds(this.d.db, groupId)) {
      if (!nets.has(id)) nets.set(id, 0n);
    }
    const users = await this.d.identity.usersByIds([...nets.keys()]);
    const balances = [...nets]
      .map(([userId, net]) => ({
        userId,
        nickname: users.get(userId)?.nickname ?? '',
        net: Number(net),
      }))
      .sort((a, b) => b.net - a.net || (a.userId < b.userId ? -1 : 1));
    return { currency, balances, simplified: simplifyDebts(balances) };
  }

  /**
   * Settle up: the caller pays `to` from their wallet through the ledger, and the settlement
   * that changes both balances commits with the transfer. The caller must owe (negative net)
   * and `to` must be owed; paying more than the smaller of the two is refused (422), so a
   * settle-up never turns a debtor into a creditor. Settle-ups of a group run one at a time,
   * so two at once cannot both pay the same debt. The wallet's rules apply: verification,
   * PIN, per-transfer and daily limits (the same daily allowance as transfers), blocks.
   */
  async settle(
    payer: Payer,
    groupId: string,
    input: {
      to: string;
      amount: number;
      currency?: string;
      pin?: string;
      passkey?: PasskeyAssertion;
      riskChallengeId?: string;
    },
    key: string | undefined,
  ): Promise<SettlementView> {
    const { db, clock, pipeline, limits } = this.d;
    await this.d.groups.requireMember(db, groupId, payer.id);
    const currency = input.currency ?? DEFAULT_CURRENCY;
    await pipeline.authorize({
      payer,
      pin: input.pin,
      passkey: input.passkey,
      riskChallengeId: input.riskChallengeId,
      amount: input.amount,
      currency,
      kind: 'group.settlement',
      perPaymentLimit: perTransfer(limits.perTransfer),
      counterparties: [input.to],
      check: async () => {
        if (input.to === payer.id) {
          throw invalid('you cannot settle up with yourself', { field: 'to' });
        }
        // Checked early so that a hopeless request costs no PIN try; again under the lock.
        checkSettleable(await this.nets(db, groupId, currency), payer.id, input.to, input.amount);
      },
    });

    const id = key ? derivedId('group.settlement', payer.id, key) : newId();
    const transferId = transferIdFor('group.settlement', id);
    const [fromNickname, legs] = await Promise.all([
      this.d.identity.nickname(payer.id),
      pipeline.legs({
        id: transferId,
        from: { wallet: payer.id },
        to: { wallet: input.to },
        amount: input.amount,
        currency,
        kind: 'group.settlement',
        metadata: { from: payer.id, to: input.to, groupId, settlementId: id },
        allowance: { scope: 'daily', userId: payer.id, limit: limits.daily },
      }),
    ]);
    await inTransaction(db, async (tx) => {
      await lockBalances(tx, groupId);
      // Settled before, and only the stored response was lost.
      const done = await tx.query('SELECT 1 FROM group_settlements WHERE id = $1', [id]);
      if (done.rowCount) return;
      await this.d.groups.requireMember(tx, groupId, payer.id, true);
      checkSettleable(await this.nets(tx, groupId, currency), payer.id, input.to, input.amount);
      const now = clock.now();
      await tx.query(
        `INSERT INTO group_settlements (id, group_id, from_user_id, to_user_id, amount, currency, transfer_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, groupId, payer.id, input.to, input.amount, currency, transferId, now],
      );
      await this.d.notifications.notify(tx, input.to, 'group.settlement_received', {
        groupId,
        settlementId: id,
        transferId,
        fromUserId: payer.id,
        fromNickname,
        amount: input.amount,
        currency,
      });
      await pipeline.writeEffects(tx, {
        rows:
          this.d.moments?.inGroup(groupId, {
            senderId: payer.id,
            kind: 'transfer',
            refId: transferId,
            key: `transfer:${transferId}`,
            data: {
              purpose: 'settlement',
              settlementId: id,
              fromUserId: payer.id,
              toUserId: input.to,
              amount: input.amount,
              currency,
            },
            at: now,
          }) ?? [],
      });
      // Last, so the wallets are locked only for the commit that follows.
      await pipeline.commitIn(tx, legs);
    });
    return this.settlement(db, id);
  }

  /** A group's settle-ups, newest first. */
  async settlements(
    viewerId: string,
    groupId: string,
    page: { limit: number; after?: TimeCursor },
  ): Promise<Page<SettlementView>> {
    await this.d.groups.requireMember(this.d.db, groupId, viewerId);
    const { rows } = await this.d.db.query<SettlementRow & { micros: string }>(
      `SELECT ${SETTLEMENT_COLUMNS}, ${microsSql('created_at')} AS micros FROM group_settlements
        WHERE group_id = $1
          AND ($2::text IS NULL OR (created_at, id) < (${fromMicrosSql('$2')}, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [groupId, page.after?.micros ?? null, page.after?.id ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toSettlementView),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }

  private async settlement(q: Queryable, id: string): Promise<SettlementView> {
    const { rows } = await q.query<SettlementRow>(
      `SELECT ${SETTLEMENT_COLUMNS} FROM group_settlements WHERE id = $1`,
      [id],
    );
    return toSettlementView(rows[0]!);
  }

  /**
   * Each user's net in the group's books for one currency: paid − owed over live expenses,
   * plus settle-ups paid − received. Positive: the others owe them. The nets add up to zero.
   */
  private async nets(
    q: Queryable,
    groupId: string,
    currency: string,
  ): Promise<Map<string, bigint>> {
    const { rows } = await q.query<{ user_id: string; net: string }>(
      `SELECT user_id, sum(delta)::text AS net FROM (
         SELECT paid_by AS user_id, amount AS delta FROM group_expenses
          WHERE group_id = $1 AND currency = $2 AND deleted_at IS NULL
         UNION ALL
         SELECT s.user_id, -s.owed FROM group_expense_shares s
           JOIN group_expenses e ON e.id = s.expense_id
          WHERE e.group_id = $1 AND e.currency = $2 AND e.deleted_at IS NULL
         UNION ALL
         SELECT from_user_id, amount FROM group_settlements WHERE group_id = $1 AND currency = $2
         UNION ALL
         SELECT to_user_id, -amount FROM group_settlements WHERE group_id = $1 AND currency = $2
       ) d GROUP BY user_id HAVING sum(delta) <> 0`,
      [groupId, currency],
    );
    return new Map(rows.map((r) => [r.user_id, BigInt(r.net)]));
  }

  /** 404 unless `userId` is a current member; with `lock`, their membership is held until commit. */
  private async requireCurrentMembers(tx: Tx, groupId: string, userIds: string[]): Promise<void> {
    const wanted = [...new Set(userIds)];
    const present = await this.d.groups.currentMembers(tx, groupId, wanted);
    const missing = wanted.filter((u) => !present.has(u));
    if (missing.length > 0) {
      throw invalid('the payer and every participant must be current members of the group', {
        field: 'split.participants',
        userIds: missing,
      });
    }
  }

  /** The expense if `viewerId` is a current member of its group; 404 otherwise, as if absent. */
  private async visible(q: Queryable, expenseId: string, viewerId: string, lock = false) {
    return (await this.visibleWithRole(q, expenseId, viewerId, lock)).row;
  }

  /** The expense and the viewer's role in its group; to non-members it does not exist. */
  private async visibleWithRole(q: Queryable, expenseId: string, viewerId: string, lock: boolean) {
    if (!isUuid(expenseId)) throw notFound('expense');
    const { rows } = await q.query<ExpenseRow>(
      `SELECT ${EXPENSE_COLUMNS} FROM group_expenses e WHERE e.id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [expenseId],
    );
    const row = rows[0];
    const role = row ? await this.d.groups.roleOf(q, row.group_id, viewerId) : undefined;
    if (!row || !role) throw notFound('expense');
    return { row, role };
  }

  /** The expense, locked, if `actorId` may change it: its recorder, its payer, an owner or treasurer. */
  private async editable(
    tx: Tx,
    expenseId: string,
    actorId: string,
    options: { allowDeleted?: boolean } = {},
  ): Promise<ExpenseRow> {
    const { row, role } = await this.visibleWithRole(tx, expenseId, actorId, true);
    if (row.created_by !== actorId && row.paid_by !== actorId && !isManager(role)) {
      throw forbidden(
        'only who recorded the expense, who paid it, or the owner or a treasurer may change it',
      );
    }
    if (row.deleted_at && !options.allowDeleted) throw conflict('this expense has been deleted');
    return row;
  }

  private async storedSnapshot(q: Queryable, row: ExpenseRow): Promise<StoredSnapshot> {
    const shares = await this.sharesOf(q, [row.id]);
    return snapshotOf(row, shares.get(row.id) ?? []);
  }

  private async toView(q: Queryable, row: ExpenseRow, viewerId: string): Promise<ExpenseView> {
    const shares = await this.sharesOf(q, [row.id]);
    return this.viewOf(row, shares.get(row.id) ?? [], viewerId);
  }

  private viewOf(row: ExpenseRow, shares: ExpenseParticipantView[], viewerId: string): ExpenseView {
    return {
      id: row.id,
      groupId: row.group_id,
      ...present(snapshotOf(row, shares), viewerId),
      createdBy: row.created_by,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      version: row.version,
      deletedAt: row.deleted_at?.toISOString() ?? null,
    };
  }

  private async sharesOf(
    q: Queryable,
    expenseIds: string[],
  ): Promise<Map<string, ExpenseParticipantView[]>> {
    const byExpense = new Map<string, ExpenseParticipantView[]>();
    if (expenseIds.length === 0) return byExpense;
    const { rows } = await q.query<{
      expense_id: string;
      user_id: string;
      value: string | null;
      owed: string;
    }>(
      `SELECT expense_id, user_id, value, owed FROM group_expense_shares
        WHERE expense_id = ANY($1::uuid[]) ORDER BY expense_id, user_id`,
      [expenseIds],
    );
    for (const r of rows) {
      const list = byExpense.get(r.expense_id) ?? [];
      list.push(
        toParticipantView({
          userId: r.user_id,
          value: r.value === null ? null : Number(r.value),
          owed: Number(r.owed),
        }),
      );
      byExpense.set(r.expense_id, list);
    }
    return byExpense;
  }

  private async writeShares(tx: Tx, expenseId: string, s: StoredSnapshot): Promise<void> {
    const ps = s.split.participants;
    await tx.query(
      `INSERT INTO group_expense_shares (expense_id, user_id, value, owed)
       SELECT $1, u, v, o FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS x(u, v, o)`,
      [expenseId, ps.map((p) => p.userId), ps.map((p) => p.value ?? null), ps.map((p) => p.owed)],
    );
  }

  private async writeEvent(
    tx: Tx,
    expenseId: string,
    version: number,
    action: ExpenseEventView['action'],
    actorId: string,
    at: Date,
    before: StoredSnapshot | null,
    after: StoredSnapshot | null,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO group_expense_events (expense_id, version, action, actor_id, at, before, after)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        expenseId,
        version,
        action,
        actorId,
        at,
        before && JSON.stringify(before),
        after && JSON.stringify(after),
      ],
    );
  }

  private checkAmount(amount: number): void {
    if (amount > this.d.config.maxAmount) {
      throw invalid(`amount must be at most ${this.d.config.maxAmount}`, { field: 'amount' });
    }
  }

  private cleanDescription(raw: string): string {
    const description = raw.trim();
    if (!description) throw invalid('description must not be blank', { field: 'description' });
    return description;
  }
}

/**
 * Refuses a settle-up that the books do not call for: the payer must owe, `toId` must be owed,
 * and the amount may not exceed the smaller of the two.
 */
function checkSettleable(
  nets: ReadonlyMap<string, bigint>,
  payerId: string,
  toId: string,
  amount: number,
): void {
  const owes = -(nets.get(payerId) ?? 0n);
  const owed = nets.get(toId) ?? 0n;
  if (owes <= 0n) throw invalid('you owe nothing in this group', { field: 'amount' });
  if (owed <= 0n) throw invalid('this user is owed nothing in this group', { field: 'to' });
  const most = owes < owed ? owes : owed;
  if (BigInt(amount) > most) {
    throw invalid(`amount must be at most ${most}, what settles this debt`, {
      field: 'amount',
      maxAmount: Number(most),
    });
  }
}

function toParticipantView(p: { userId: string; value: number | null; owed: number }) {
  return { userId: p.userId, ...(p.value !== null ? { value: p.value } : {}), owed: p.owed };
}

/** Key order is fixed here, so two snapshots compare equal exactly when they say the same. */
function snapshotOf(row: ExpenseRow, participants: ExpenseParticipantView[]): StoredSnapshot {
  return {
    description: row.description,
    descriptionHeld: row.description_held,
    descriptionBy: row.description_by,
    amount: Number(row.amount),
    currency: row.currency,
    paidBy: row.paid_by,
    split: { method: row.split_method, participants },
    occurredAt: row.occurred_at.toISOString(),
  };
}

interface SettlementRow {
  id: string;
  group_id: string;
  from_user_id: string;
  to_user_id: string;
  amount: string;
  currency: string;
  transfer_id: string;
  created_at: Date;
}

const SETTLEMENT_COLUMNS =
  'id, group_id, from_user_id, to_user_id, amount, currency, transfer_id, created_at';

function toSettlementView(r: SettlementRow): SettlementView {
  return {
    id: r.id,
    groupId: r.group_id,
    from: { userId: r.from_user_id },
    to: { userId: r.to_user_id },
    amount: Number(r.amount),
    currency: r.currency,
    transferId: r.transfer_id,
    createdAt: r.created_at.toISOString(),
  };
}
