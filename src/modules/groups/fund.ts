import { inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError, forbidden, invalid } from '../../platform/errors.ts';
import { DEFAULT_CURRENCY, fromMinor } from '../../platform/money.ts';
import {
  AccountFlags,
  type AccountId,
  newTransferId,
  type TransferId,
  transferIdFor,
} from '../ledger/index.ts';
import type { PasskeyAssertion } from '../wallet/index.ts';
import {
  allowEveryNote,
  type GroupMoneyDeps,
  type NoteScreen,
  type Payer,
  perTransfer,
} from './money.ts';
import { isManager } from './service.ts';

/** A group's fund holds one currency. */
const FUND_CURRENCY = DEFAULT_CURRENCY;

export type FundEntryType = 'contribution' | 'spend';

export interface FundEntry {
  id: string;
  type: FundEntryType;
  amount: number;
  currency: string;
  /** Who contributed, or the owner/treasurer who spent. */
  userId: string;
  nickname: string;
  /** Spends: the member who received the money. */
  to?: { userId: string; nickname: string };
  note: string | null;
  createdAt: string;
}

export interface FundView {
  groupId: string;
  balance: number;
  currency: string;
  /** Newest first, a page at a time. */
  entries: FundEntry[];
  nextCursor: string | null;
  /** Every contributor's total, present members and former ones, largest first. */
  contributions: { userId: string; nickname: string; total: number }[];
}

/** A spend held by risk control: what its entry records when it is released. */
interface HeldSpend {
  groupId: string;
  spenderId: string;
  recipientId: string;
  note: string;
  held: boolean;
}

export function fundCode(groupId: string, currency: string): string {
  return `group:${groupId}:fund:${currency}`;
}

interface EntryRow {
  id: string;
  group_id: string;
  type: FundEntryType;
  amount: string;
  currency: string;
  user_id: string;
  nickname: string;
  to_user_id: string | null;
  to_nickname: string | null;
  note: string | null;
  created_at: Date;
  micros: string;
}

/** An entry as `viewerId` sees it: a note held for review is shown to its author alone. */
const entrySql = (where: string) =>
  `SELECT e.id, e.group_id, e.type, e.amount, e.currency, e.user_id, u.nickname,
          e.to_user_id, tu.nickname AS to_nickname,
          CASE WHEN e.note_held AND e.user_id <> $2 THEN NULL ELSE e.note END AS note,
          e.created_at, ${microsSql('e.created_at')} AS micros
     FROM group_fund_entries e
     JOIN users u ON u.id = e.user_id
     LEFT JOIN users tu ON tu.id = e.to_user_id
    WHERE ${where}`;

function toEntry(r: EntryRow): FundEntry {
  return {
    id: r.id,
    type: r.type,
    amount: Number(r.amount),
    currency: r.currency,
    userId: r.user_id,
    nickname: r.nickname,
    ...(r.to_user_id ? { to: { userId: r.to_user_id, nickname: r.to_nickname ?? '' } } : {}),
    note: r.note,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * The group fund (经费群): members contribute from their wallets into the group's own ledger
 * account, and the owner or a treasurer spends from it to a member's wallet. The account is
 * flagged debits-must-not-exceed-credits, so the ledger itself keeps the fund from ever going
 * below zero, however many spends race. Each movement and its entry commit together.
 */
export class GroupFundService {
  private readonly screenNote: NoteScreen;
  private readonly fundIds = new Map<string, AccountId>();

  constructor(private readonly d: GroupMoneyDeps) {
    this.screenNote = d.screenNote ?? allowEveryNote;
    d.pipeline.onHoldReleased('group.fund.spend', {
      release: async (tx, hold) => {
        await this.recordSpend(tx, hold.id, hold.amount, hold.payload as unknown as HeldSpend);
        return {};
      },
    });
  }

  /** Member's wallet → fund. Verification, PIN and the daily transfer limit as for transfers. */
  async contribute(
    user: Payer,
    groupId: string,
    input: {
      amount: number;
      note?: string;
      pin?: string;
      passkey?: PasskeyAssertion;
      riskChallengeId?: string;
    },
    key: string | undefined,
  ): Promise<FundEntry> {
    const { db, groups, pipeline, limits } = this.d;
    await groups.requireMember(db, groupId, user.id);
    const note = input.note?.trim() || null;
    let held = false;
    await pipeline.authorize({
      payer: user,
      pin: input.pin,
      passkey: input.passkey,
      riskChallengeId: input.riskChallengeId,
      amount: input.amount,
      currency: FUND_CURRENCY,
      kind: 'group.fund.contribution',
      perPaymentLimit: perTransfer(limits.perTransfer),
      check: async () => {
        held = note !== null && (await this.screenNote(note, user.id)) === 'review';
      },
    });

    // From the key, so a retry whose stored response was lost finds the same entry.
    const id = key ? transferIdFor('group.fund.contribution', user.id, key) : newTransferId();
    const legs = await pipeline.legs({
      id,
      from: { wallet: user.id },
      to: { account: await this.fundAccount(groupId) },
      amount: input.amount,
      currency: FUND_CURRENCY,
      kind: 'group.fund.contribution',
      metadata: { from: user.id, groupId, note },
      allowance: { scope: 'daily', userId: user.id, limit: limits.daily },
    });
    return inTransaction(db, async (tx) => {
      await groups.requireMember(tx, groupId, user.id, true);
      const entry = { id, groupId, type: 'contribution' as const, amount: input.amount };
      if (!(await this.insertEntry(tx, { ...entry, userId: user.id, note, held }))) {
        return this.replayed(tx, entry, user.id);
      }
      await pipeline.commitIn(tx, legs);
      return this.entry(tx, id, user.id);
    });
  }

  /**
   * Fund → a current member's wallet (the spender's own included: reimbursing what they paid
   * for the group is the common case). Only the owner or a treasurer spends; the members are
   * told of every spend.
   */
  async spend(
    user: Payer,
    groupId: string,
    input: {
      amount: number;
      to: { userId: string };
      note: string;
      pin?: string;
      passkey?: Record<string, unknown>;
      riskChallengeId?: string;
    },
    key: string | undefined,
  ): Promise<FundEntry> {
    const { db, groups, pipeline, limits } = this.d;
    const role = await groups.requireMember(db, groupId, user.id);
    if (!isManager(role)) throw forbidden('only the owner or a treasurer spends the group fund');
    const recipientId = input.to.userId;
    const note = input.note.trim();
    let held = false;
    // The spender authorizes (their verification and PIN); the money comes from the fund.
    const clearance = await pipeline.authorize({
      payer: user,
      pin: input.pin,
      passkey: input.passkey,
      riskChallengeId: input.riskChallengeId,
      holdable: true,
      amount: input.amount,
      currency: FUND_CURRENCY,
      kind: 'group.fund.spend',
      perPaymentLimit: perTransfer(limits.perTransfer),
      // The fund pays a current member whoever has blocked whom.
      counterparties: [recipientId],
      refuseBlocked: false,
      check: async () => {
        if (!(await groups.isMember(db, groupId, recipientId))) {
          throw invalid('the money can go only to a current member of the group', {
            field: 'to',
          });
        }
        if (!note) throw invalid('note must say what the money is for', { field: 'note' });
        held = (await this.screenNote(note, user.id)) === 'review';
      },
    });

    const id = key ? transferIdFor('group.fund.spend', user.id, key) : newTransferId();
    const spec = {
      id,
      from: { account: await this.fundAccount(groupId) },
      to: { wallet: recipientId },
      amount: input.amount,
      currency: FUND_CURRENCY,
      kind: 'group.fund.spend',
      // No `from`: the recipient's history shows money from the group, not from the spender.
      metadata: { to: recipientId, groupId, spentBy: user.id, note: held ? null : note },
      clearance,
    };
    const spent: HeldSpend = { groupId, spenderId: user.id, recipientId, note, held };
    if (clearance.hold) {
      await pipeline.hold(spec, {
        id,
        counterpartyId: recipientId,
        payload: spent as unknown as Record<string, unknown>,
      });
    }
    const legs = await pipeline.legs(spec);
    return inTransaction(db, async (tx) => {
      // Held until commit: a demotion or removal waits for this spend, never slips under it.
      if (!isManager(await groups.requireMember(tx, groupId, user.id, true))) {
        throw forbidden('only the owner or a treasurer spends the group fund');
      }
      if (!(await groups.currentMembers(tx, groupId, [recipientId])).has(recipientId)) {
        throw invalid('the money can go only to a current member of the group', { field: 'to' });
      }
      const entry = { id, groupId, type: 'spend' as const, amount: input.amount };
      if (!(await this.recordSpend(tx, id, input.amount, spent))) {
        return this.replayed(tx, entry, user.id);
      }
      // Last, so the fund's account is locked only for the commit that follows.
      await pipeline.commitIn(tx, legs, { insufficient: 'the group fund does not hold that much' });
      return this.entry(tx, id, user.id);
    });
  }

  /**
   * A spend's entry and the members' notifications, with its money: when spent, or when an
   * admin releases a held spend. False if the entry was written before.
   */
  private async recordSpend(tx: Tx, id: string, amount: number, s: HeldSpend): Promise<boolean> {
    const fresh = await this.insertEntry(tx, {
      id: id as TransferId,
      groupId: s.groupId,
      type: 'spend',
      amount,
      userId: s.spenderId,
      toUserId: s.recipientId,
      note: s.note,
      held: s.held,
    });
    if (!fresh) return false;
    const others = (await this.d.groups.memberIds(tx, s.groupId)).filter((m) => m !== s.spenderId);
    await this.d.notifications.notifyMany(tx, others, 'group.fund.spent', {
      groupId: s.groupId,
      entryId: id,
      amount,
      currency: FUND_CURRENCY,
      byUserId: s.spenderId,
      byNickname: await this.d.identity.nickname(s.spenderId, tx),
      toUserId: s.recipientId,
      toNickname: await this.d.identity.nickname(s.recipientId, tx),
      note: s.held ? null : s.note,
    });
    return true;
  }

  /**
   * The fund as a member sees it: balance, a page of entries and every contributor's total,
   * read in one snapshot so that they agree with each other.
   */
  async fund(
    viewerId: string,
    groupId: string,
    page: { limit: number; after?: TimeCursor },
  ): Promise<FundView> {
    const { db, groups, ledger } = this.d;
    await groups.requireMember(db, groupId, viewerId);
    return inTransaction(
      db,
      async (tx) => {
        const account = await ledger.accountByCode(fundCode(groupId, FUND_CURRENCY), tx);
        const params: unknown[] = [groupId, viewerId, page.limit + 1];
        let after = '';
        if (page.after) {
          params.push(page.after.micros, page.after.id);
          after = `AND (e.created_at, e.id) < (${fromMicrosSql('$4')}, $5::uuid)`;
        }
        const { rows } = await tx.query<EntryRow>(
          `${entrySql(`e.group_id = $1 ${after}`)} ORDER BY e.created_at DESC, e.id DESC LIMIT $3`,
          params,
        );
        const { rows: totals } = await tx.query<{
          user_id: string;
          nickname: string;
          total: string;
        }>(
          `SELECT e.user_id, u.nickname, sum(e.amount)::text AS total
             FROM group_fund_entries e JOIN users u ON u.id = e.user_id
            WHERE e.group_id = $1 AND e.type = 'contribution'
            GROUP BY e.user_id, u.nickname
            ORDER BY sum(e.amount) DESC, e.user_id`,
          [groupId],
        );
        const items = rows.slice(0, page.limit);
        const last = items.at(-1);
        return {
          groupId,
          balance: account
            ? fromMinor(account.creditsPosted - account.debitsPosted - account.debitsPending)
            : 0,
          currency: FUND_CURRENCY,
          entries: items.map(toEntry),
          nextCursor:
            rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
          contributions: totals.map((r) => ({
            userId: r.user_id,
            nickname: r.nickname,
            total: Number(r.total),
          })),
        };
      },
      { isolation: 'repeatable read', readOnly: true },
    );
  }

  /** The group's fund account, made on first use; its id never changes, so it is remembered. */
  private async fundAccount(groupId: string): Promise<AccountId> {
    const code = fundCode(groupId, FUND_CURRENCY);
    const cached = this.fundIds.get(code);
    if (cached !== undefined) return cached;
    const { id } = await this.d.ledger.ensureAccount({
      code,
      currency: FUND_CURRENCY,
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    this.fundIds.set(code, id);
    return id;
  }

  /** Records an entry; false if one with this id exists already (a retried request). */
  private async insertEntry(
    tx: Tx,
    e: {
      id: TransferId;
      groupId: string;
      type: FundEntryType;
      amount: number;
      userId: string;
      toUserId?: string;
      note: string | null;
      held: boolean;
    },
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO group_fund_entries
         (id, group_id, type, amount, currency, user_id, to_user_id, note, note_held, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      [
        e.id,
        e.groupId,
        e.type,
        e.amount,
        FUND_CURRENCY,
        e.userId,
        e.toUserId ?? null,
        e.note,
        e.held,
        this.d.clock.now(),
      ],
    );
    return rowCount === 1;
  }

  /** The entry a retried request made before, if it was this same request. */
  private async replayed(
    q: Queryable,
    expected: { id: string; groupId: string; type: FundEntryType; amount: number },
    userId: string,
  ): Promise<FundEntry> {
    const { rows } = await q.query<EntryRow>(entrySql('e.id = $1'), [expected.id, userId]);
    const row = rows[0];
    if (
      !row ||
      row.group_id !== expected.groupId ||
      row.type !== expected.type ||
      Number(row.amount) !== expected.amount
    ) {
      throw new AppError(
        'idempotency_conflict',
        'this Idempotency-Key was used with a different request',
      );
    }
    return toEntry(row);
  }

  private async entry(q: Queryable, id: string, viewerId: string): Promise<FundEntry> {
    const { rows } = await q.query<EntryRow>(entrySql('e.id = $1'), [id, viewerId]);
    return toEntry(rows[0]!);
  }
}
