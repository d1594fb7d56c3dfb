import type { IouConfig } from '../../config.ts';
import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { derivedId, isUuid, newId } from '../../platform/ids.ts';
import { DEFAULT_CURRENCY, fromMinor, toMinor } from '../../platform/money.ts';
import type { IdentityService } from '../identity/index.ts';
import { type Ledger, transferIdFor } from '../ledger/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { SocialGraph } from '../social/graph.ts';
import type { PasskeyAssertion, PaymentPipeline } from '../wallet/index.ts';
import {
  accrue,
  applyRepayment,
  calendarDay,
  type EpochDay,
  formatIsoDate,
  interestAccrued,
  interestDue,
  type LoanBalance,
  outstanding,
  parseIsoDate,
} from './interest.ts';

/**
 * requested → active | declined (by the lender) | cancelled (by the borrower);
 * active → overdue (the job, after the due date); active | overdue → repaid | forgiven.
 */
export type IouStatus =
  | 'requested'
  | 'active'
  | 'overdue'
  | 'repaid'
  | 'forgiven'
  | 'declined'
  | 'cancelled';

export type IouEventKind =
  | 'requested'
  | 'accepted'
  | 'declined'
  | 'cancelled'
  | 'repayment'
  | 'overdue'
  | 'repaid'
  | 'forgiven'
  | 'reminder';

export interface Caller {
  id: string;
  verified: boolean;
}

export interface RequestIou {
  lenderId: string;
  amount: number;
  annualRateBps: number;
  /** The last day to repay, YYYY-MM-DD on the IOU calendar (Asia/Shanghai by default). */
  dueDate: string;
  purpose: string;
  currency?: string;
}

export interface RepaymentView {
  id: string;
  amount: number;
  interestPart: number;
  principalPart: number;
  createdAt: string;
}

export interface IouEventView {
  kind: IouEventKind;
  actorId: string | null;
  amount: number | null;
  createdAt: string;
}

export interface IouSummary {
  id: string;
  status: IouStatus;
  borrowerId: string;
  borrowerNickname: string;
  lenderId: string;
  lenderNickname: string;
  currency: string;
  principal: number;
  annualRateBps: number;
  dueDate: string;
  purpose: string;
  /** What is owed now: principalOutstanding + interest accrued and not yet paid or forgiven. */
  outstanding: number;
  principalOutstanding: number;
  /** All interest accrued so far, rounded down to the minor unit; paid interest included. */
  interestAccrued: number;
  interestPaid: number;
  forgivenAmount: number;
  createdAt: string;
  acceptedAt: string | null;
  closedAt: string | null;
}

export interface IouView extends IouSummary {
  repayments: RepaymentView[];
  events: IouEventView[];
}

export interface RepaymentResult extends RepaymentView {
  iouId: string;
  status: IouStatus;
  outstanding: number;
}

/** Screens an IOU's purpose like a transfer note; throws 422 content_rejected to refuse it. */
export type PurposeScreen = (purpose: string, borrowerId: string) => Promise<void>;

export interface IouDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  identity: IdentityService;
  graph: SocialGraph;
  notifications: NotificationService;
  config: IouConfig;
  screenPurpose: PurposeScreen;
  /** Lending and repaying move wallet money: checks, legs and refusals as for every payment. */
  pipeline: PaymentPipeline;
  /** Lending and repaying are money out of a wallet: they use the daily transfer allowance. */
  dailyLimit: number;
  /**
   * The most the borrower may ask for on one IOU, by their credit band (docs/credit.md, "IOU
   * limits"); without it only `config.maxAmount` applies.
   */
  creditLimit?: (
    borrowerId: string,
  ) => Promise<{ maxAmount: number; band: string; overdue: boolean }>;
}

interface IouRow {
  id: string;
  borrower_id: string;
  lender_id: string;
  currency: string;
  principal: string;
  annual_rate_bps: number;
  due_date: string;
  purpose: string;
  status: IouStatus;
  principal_outstanding: string;
  interest_accrued_units: string;
  accrued_through: string | null;
  interest_paid: string;
  principal_forgiven: string;
  interest_forgiven: string;
  created_at: Date;
  accepted_at: Date | null;
  closed_at: Date | null;
}

const IOU_COLUMNS = `i.id, i.borrower_id, i.lender_id, i.currency, i.principal, i.annual_rate_bps,
  i.due_date::text AS due_date, i.purpose, i.status, i.principal_outstanding,
  i.interest_accrued_units::text AS interest_accrued_units, i.accrued_through::text AS accrued_through,
  i.interest_paid, i.principal_forgiven, i.interest_forgiven, i.created_at, i.accepted_at, i.closed_at`;

const RUNNING: readonly IouStatus[] = ['active', 'overdue'];

function storedBalance(row: IouRow): LoanBalance {
  return {
    principalOutstanding: BigInt(row.principal_outstanding),
    accruedUnits: BigInt(row.interest_accrued_units),
    accruedThrough: row.accrued_through ? parseIsoDate(row.accrued_through)! : 0,
    interestCleared: BigInt(row.interest_paid) + BigInt(row.interest_forgiven),
  };
}

/** The balance as of `today`: running loans keep accruing (overdue ones at the same rate). */
function balanceOn(row: IouRow, today: EpochDay): LoanBalance {
  const stored = storedBalance(row);
  return RUNNING.includes(row.status) ? accrue(stored, row.annual_rate_bps, today) : stored;
}

/** Refuses to move money on an IOU that is not running, saying why. */
function requireRunning(row: IouRow): void {
  if (RUNNING.includes(row.status)) return;
  if (row.status === 'requested') throw conflict('this IOU has not been accepted yet');
  if (row.status === 'repaid' || row.status === 'forgiven') {
    throw conflict(`nothing is owed on this IOU: it is ${row.status}`);
  }
  throw conflict(`this IOU was ${row.status} and never lent`);
}

function requireRequested(row: IouRow): void {
  if (row.status !== 'requested') throw conflict(`this IOU is already ${row.status}`);
}

function requireSide(row: IouRow, userId: string, side: 'lender' | 'borrower', action: string) {
  const sideId = side === 'lender' ? row.lender_id : row.borrower_id;
  if (sideId !== userId) throw forbidden(`only the ${side} can ${action} this IOU`);
}

/**
 * IOUs (借条) between friends. Money moves only through the ledger, lender → borrower on
 * acceptance and borrower → lender on each repayment, in the transaction that updates the
 * IOU row under FOR UPDATE, so concurrent repayments are applied one after another and can
 * never pay more than is owed. Every step is kept in `iou_events` for the credit score.
 */
export class IouService {
  constructor(private readonly d: IouDeps) {}

  /** Today on the IOU calendar: interest accrues and due dates fall by this day. */
  today(): EpochDay {
    return calendarDay(this.d.clock.now(), this.d.config.timeZone);
  }

  async request(
    borrower: Caller,
    input: RequestIou,
    key: string | undefined,
  ): Promise<{ id: string; status: 'requested' }> {
    const { config, db, graph } = this.d;
    if (!borrower.verified) {
      throw new AppError('verification_required', 'verify your identity before borrowing');
    }
    if (input.lenderId === borrower.id) {
      throw invalid('you cannot borrow from yourself', { field: 'lenderId' });
    }
    if (input.amount > config.maxAmount) {
      throw invalid(`amount must be at most ${config.maxAmount}`, { field: 'amount' });
    }
    if (input.annualRateBps > config.maxRateBps) {
      throw invalid(`annualRateBps must be at most ${config.maxRateBps}`, {
        field: 'annualRateBps',
      });
    }
    const dueDay = this.validDueDay(input.dueDate);
    const purpose = input.purpose.trim();
    if (purpose === '') throw invalid('purpose must not be blank', { field: 'purpose' });
    await this.refuseOverCreditLimit(borrower.id, input.amount);
    const lender = await this.d.identity.user(input.lenderId);
    if (!lender) throw notFound('lender');
    // Blocking ends a friendship, so it is asked first: it is the more telling reason.
    if (await graph.blockedEitherWay(borrower.id, lender.id)) {
      throw new AppError('blocked', 'you cannot borrow from this user');
    }
    if (!(await graph.areFriends(borrower.id, lender.id))) {
      throw forbidden('you can only borrow from a friend');
    }
    await this.d.screenPurpose(purpose, borrower.id);

    // From the key, so a replay whose stored response was lost finds the same IOU.
    const id = key ? derivedId('iou', borrower.id, key) : newId();
    const currency = input.currency ?? DEFAULT_CURRENCY;
    const now = this.d.clock.now();
    return inTransaction(db, async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO ious (id, borrower_id, lender_id, currency, principal, annual_rate_bps,
                           due_date, purpose, principal_outstanding, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9) ON CONFLICT (id) DO NOTHING`,
        [
          id,
          borrower.id,
          lender.id,
          currency,
          input.amount,
          input.annualRateBps,
          formatIsoDate(dueDay),
          purpose,
          now,
        ],
      );
      if (inserted.rowCount === 0) return { id, status: 'requested' as const };
      await this.recordEvent(tx, id, 'requested', borrower.id, now, { amount: input.amount });
      await this.d.notifications.notify(tx, lender.id, 'iou.requested', {
        iouId: id,
        borrowerId: borrower.id,
        borrowerNickname: await this.d.identity.nickname(borrower.id, tx),
        amount: input.amount,
        currency,
        annualRateBps: input.annualRateBps,
        dueDate: formatIsoDate(dueDay),
        purpose,
      });
      return { id, status: 'requested' as const };
    });
  }

  /**
   * The lender accepts and the principal moves from their wallet to the borrower's. The loan
   * transfer's id derives from the IOU, so whatever retries happen it moves once.
   */
  async accept(
    lender: Caller,
    iouId: string,
    pin: string | undefined,
    proof: { passkey?: PasskeyAssertion; riskChallengeId?: string } = {},
  ): Promise<{ id: string; status: 'active' }> {
    const seen = await this.partyIou(this.d.db, iouId, lender.id);
    requireSide(seen, lender.id, 'lender', 'accept');
    requireRequested(seen);
    this.refuseLapsed(seen);
    await this.d.pipeline.authorize({
      payer: lender,
      pin,
      passkey: proof.passkey,
      riskChallengeId: proof.riskChallengeId,
      amount: Number(seen.principal),
      currency: seen.currency,
      kind: 'iou.loan',
      counterparties: [seen.borrower_id],
      words: {
        verification: 'verify your identity before lending',
        blocked: 'you cannot lend to this user',
      },
      check: async () => {
        if (!(await this.d.graph.areFriends(seen.lender_id, seen.borrower_id))) {
          throw forbidden('you can only lend to a friend');
        }
      },
    });
    // The principal and the parties never change while the IOU is requested.
    const transferId = transferIdFor('iou.loan', seen.id);
    const legs = await this.d.pipeline.legs({
      id: transferId,
      from: { wallet: seen.lender_id },
      to: { wallet: seen.borrower_id },
      amount: Number(seen.principal),
      currency: seen.currency,
      kind: 'iou.loan',
      metadata: { from: seen.lender_id, to: seen.borrower_id, note: seen.purpose, iouId: seen.id },
      allowance: { scope: 'daily', userId: seen.lender_id, limit: this.d.dailyLimit },
    });
    return inTransaction(this.d.db, async (tx) => {
      const row = (await this.loadIou(tx, iouId, true))!;
      requireRequested(row);
      this.refuseLapsed(row);
      const now = this.d.clock.now();
      // Thrown inside the transaction: the refusal rolls back and the IOU stays requested.
      await this.d.pipeline.commitIn(tx, legs);
      await tx.query(
        `UPDATE ious SET status = 'active', accepted_at = $2, accrued_through = $3,
                         principal_outstanding = principal
          WHERE id = $1`,
        [row.id, now, formatIsoDate(calendarDay(now, this.d.config.timeZone))],
      );
      await this.recordEvent(tx, row.id, 'accepted', lender.id, now, {
        amount: Number(row.principal),
        transferId,
      });
      await this.d.notifications.notify(tx, row.borrower_id, 'iou.accepted', {
        iouId: row.id,
        lenderId: row.lender_id,
        fromNickname: await this.d.identity.nickname(row.lender_id, tx),
        amount: Number(row.principal),
        currency: row.currency,
        dueDate: row.due_date,
      });
      return { id: row.id, status: 'active' as const };
    });
  }

  async decline(lender: Caller, iouId: string): Promise<{ id: string; status: 'declined' }> {
    const seen = await this.partyIou(this.d.db, iouId, lender.id);
    requireSide(seen, lender.id, 'lender', 'decline');
    await this.closeRequest(seen, 'declined', lender.id, seen.borrower_id);
    return { id: seen.id, status: 'declined' };
  }

  async cancel(borrower: Caller, iouId: string): Promise<{ id: string; status: 'cancelled' }> {
    const seen = await this.partyIou(this.d.db, iouId, borrower.id);
    requireSide(seen, borrower.id, 'borrower', 'cancel');
    await this.closeRequest(seen, 'cancelled', borrower.id, seen.lender_id);
    return { id: seen.id, status: 'cancelled' };
  }

  /**
   * The borrower pays `amount`: interest first, then principal. Checked once before the PIN
   * (a clear error early) and again under the IOU's row lock, where it counts.
   */
  async repay(
    borrower: Caller,
    iouId: string,
    input: { amount: number; pin?: string; passkey?: PasskeyAssertion; riskChallengeId?: string },
    key: string | undefined,
  ): Promise<RepaymentResult> {
    const seen = await this.partyIou(this.d.db, iouId, borrower.id);
    requireSide(seen, borrower.id, 'borrower', 'repay');
    const repaymentId = key ? derivedId('iou.repayment', iouId, borrower.id, key) : newId();
    // Made before, and only the stored response was lost: answer as then, whatever changed.
    const made = key ? await this.repaymentById(this.d.db, repaymentId) : undefined;
    if (made) return this.replayedRepayment(seen, made, input.amount);
    await this.d.pipeline.authorize({
      payer: borrower,
      pin: input.pin,
      passkey: input.passkey,
      riskChallengeId: input.riskChallengeId,
      amount: input.amount,
      currency: seen.currency,
      kind: 'iou.repayment',
      // A debt is repaid whoever has blocked whom.
      counterparties: [seen.lender_id],
      refuseBlocked: false,
      words: { verification: 'verify your identity before repaying' },
      check: async () => {
        requireRunning(seen);
        this.refuseOverpayment(balanceOn(seen, this.today()), input.amount);
      },
    });
    const transferId = transferIdFor('iou.repayment', repaymentId);
    const legs = await this.d.pipeline.legs({
      id: transferId,
      from: { wallet: seen.borrower_id },
      to: { wallet: seen.lender_id },
      amount: input.amount,
      currency: seen.currency,
      kind: 'iou.repayment',
      metadata: {
        from: seen.borrower_id,
        to: seen.lender_id,
        note: seen.purpose,
        iouId: seen.id,
        repaymentId,
      },
      allowance: { scope: 'daily', userId: seen.borrower_id, limit: this.d.dailyLimit },
    });
    return inTransaction(this.d.db, async (tx) => {
      const row = (await this.loadIou(tx, iouId, true))!;
      // Looked for under the lock, so a concurrent twin has committed or not started.
      const twin = await this.repaymentById(tx, repaymentId);
      if (twin) return this.replayedRepayment(row, twin, input.amount);
      requireRunning(row);
      const now = this.d.clock.now();
      const today = calendarDay(now, this.d.config.timeZone);
      const accrued = balanceOn(row, today);
      this.refuseOverpayment(accrued, input.amount);
      const split = applyRepayment(accrued, toMinor(input.amount));
      await this.d.pipeline.commitIn(tx, legs);
      const paidOff = outstanding(split.balance) === 0n;
      const status: IouStatus = paidOff ? 'repaid' : row.status;
      await tx.query(
        `UPDATE ious SET principal_outstanding = $2, interest_accrued_units = $3,
                         accrued_through = $4, interest_paid = interest_paid + $5,
                         status = $6, closed_at = $7
          WHERE id = $1`,
        [
          row.id,
          split.balance.principalOutstanding.toString(),
          split.balance.accruedUnits.toString(),
          formatIsoDate(today),
          split.interestPart.toString(),
          status,
          paidOff ? now : null,
        ],
      );
      await tx.query(
        `INSERT INTO iou_events (id, iou_id, kind, actor_id, amount, interest_part, principal_part,
                                 transfer_id, created_at)
         VALUES ($1, $2, 'repayment', $3, $4, $5, $6, $7, $8)`,
        [
          repaymentId,
          row.id,
          borrower.id,
          input.amount,
          split.interestPart.toString(),
          split.principalPart.toString(),
          transferId,
          now,
        ],
      );
      if (paidOff) {
        // Whether it was repaid by the due date: the credit score's main question.
        await this.recordEvent(tx, row.id, 'repaid', borrower.id, now, {
          data: { onTime: today <= parseIsoDate(row.due_date)! },
        });
      }
      await this.d.notifications.notify(tx, row.lender_id, 'iou.repayment', {
        iouId: row.id,
        borrowerId: row.borrower_id,
        fromNickname: await this.d.identity.nickname(row.borrower_id, tx),
        amount: input.amount,
        interestPart: fromMinor(split.interestPart),
        principalPart: fromMinor(split.principalPart),
        outstanding: fromMinor(outstanding(split.balance)),
        currency: row.currency,
        status,
      });
      return {
        iouId: row.id,
        id: repaymentId,
        amount: input.amount,
        interestPart: fromMinor(split.interestPart),
        principalPart: fromMinor(split.principalPart),
        createdAt: now.toISOString(),
        status,
        outstanding: fromMinor(outstanding(split.balance)),
      };
    });
  }

  /**
   * The lender writes off everything still owed (principal and accrued interest). No money
   * moves; the amount written off is kept on the IOU and as a `forgiven` event.
   */
  async forgive(
    lender: Caller,
    iouId: string,
    pin: string | undefined,
  ): Promise<{ id: string; status: 'forgiven'; forgivenAmount: number }> {
    const seen = await this.partyIou(this.d.db, iouId, lender.id);
    requireSide(seen, lender.id, 'lender', 'forgive');
    requireRunning(seen);
    await this.d.identity.checkPin(lender.id, pin);
    return inTransaction(this.d.db, async (tx) => {
      const row = (await this.loadIou(tx, iouId, true))!;
      requireRunning(row);
      const now = this.d.clock.now();
      const today = calendarDay(now, this.d.config.timeZone);
      const balance = balanceOn(row, today);
      const principal = balance.principalOutstanding;
      const interest = interestDue(balance);
      await tx.query(
        `UPDATE ious SET principal_outstanding = 0, interest_accrued_units = $2,
                         accrued_through = $3, principal_forgiven = $4, interest_forgiven = $5,
                         status = 'forgiven', closed_at = $6
          WHERE id = $1`,
        [
          row.id,
          balance.accruedUnits.toString(),
          formatIsoDate(today),
          principal.toString(),
          interest.toString(),
          now,
        ],
      );
      const forgivenAmount = fromMinor(principal + interest);
      await this.recordEvent(tx, row.id, 'forgiven', lender.id, now, {
        amount: forgivenAmount,
        data: { principal: fromMinor(principal), interest: fromMinor(interest) },
      });
      await this.d.notifications.notify(tx, row.borrower_id, 'iou.forgiven', {
        iouId: row.id,
        lenderId: row.lender_id,
        fromNickname: await this.d.identity.nickname(row.lender_id, tx),
        forgivenAmount,
        currency: row.currency,
      });
      return { id: row.id, status: 'forgiven' as const, forgivenAmount };
    });
  }

  /** The IOU as its two parties see it; to anyone else it does not exist. */
  async view(viewerId: string, iouId: string): Promise<IouView> {
    const row = await this.partyIou(this.d.db, iouId, viewerId);
    const [names, { rows: events }] = await Promise.all([
      this.d.identity.usersByIds([row.borrower_id, row.lender_id]),
      this.d.db.query<{
        id: string;
        kind: IouEventKind;
        actor_id: string | null;
        amount: string | null;
        interest_part: string | null;
        principal_part: string | null;
        created_at: Date;
      }>(
        `SELECT id, kind, actor_id, amount, interest_part, principal_part, created_at
           FROM iou_events WHERE iou_id = $1 ORDER BY seq`,
        [row.id],
      ),
    ]);
    const nickname = (id: string) => names.get(id)?.nickname ?? '';
    return {
      ...this.summary(row, nickname(row.borrower_id), nickname(row.lender_id)),
      repayments: events
        .filter((e) => e.kind === 'repayment')
        .map((e) => ({
          id: e.id,
          amount: Number(e.amount),
          interestPart: Number(e.interest_part),
          principalPart: Number(e.principal_part),
          createdAt: e.created_at.toISOString(),
        })),
      events: events.map((e) => ({
        kind: e.kind,
        actorId: e.actor_id,
        amount: e.amount === null ? null : Number(e.amount),
        createdAt: e.created_at.toISOString(),
      })),
    };
  }

  /** The caller's IOUs, newest first: as borrower, as lender, or both. */
  async list(
    viewerId: string,
    filter: { role?: 'borrower' | 'lender'; status?: IouStatus },
    page: { limit: number; after?: TimeCursor },
  ): Promise<{ items: IouSummary[]; nextCursor: string | null }> {
    const params: unknown[] = [viewerId, page.limit + 1];
    const where = [
      filter.role === 'borrower'
        ? 'i.borrower_id = $1'
        : filter.role === 'lender'
          ? 'i.lender_id = $1'
          : '(i.borrower_id = $1 OR i.lender_id = $1)',
    ];
    if (filter.status) {
      params.push(filter.status);
      where.push(`i.status = $${params.length}`);
    }
    if (page.after) {
      params.push(page.after.micros, page.after.id);
      where.push(
        `(i.created_at, i.id) < (${fromMicrosSql(`$${params.length - 1}`)}, $${params.length}::uuid)`,
      );
    }
    const { rows } = await this.d.db.query<
      IouRow & { micros: string; borrower_nickname: string; lender_nickname: string }
    >(
      `SELECT ${IOU_COLUMNS}, ${microsSql('i.created_at')} AS micros,
              b.nickname AS borrower_nickname, l.nickname AS lender_nickname
         FROM ious i JOIN users b ON b.id = i.borrower_id JOIN users l ON l.id = i.lender_id
        WHERE ${where.join(' AND ')}
        ORDER BY i.created_at DESC, i.id DESC
        LIMIT $2`,
      params,
    );
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => this.summary(r, r.borrower_nickname, r.lender_nickname)),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }

  /**
   * Active IOUs whose due date has passed become overdue, each with one `overdue` event and a
   * notice to both sides. Safe in every process at once: the UPDATE only takes rows still
   * active (a concurrent run re-checks that after the first commits), and the event is unique.
   */
  async markOverdue(limit = 500): Promise<number> {
    const now = this.d.clock.now();
    const today = formatIsoDate(calendarDay(now, this.d.config.timeZone));
    return inTransaction(this.d.db, async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        borrower_id: string;
        lender_id: string;
        due_date: string;
        currency: string;
      }>(
        `UPDATE ious SET status = 'overdue'
          WHERE status = 'active' AND id IN (
            SELECT id FROM ious WHERE status = 'active' AND due_date < $1::date
             ORDER BY due_date LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING id, borrower_id, lender_id, due_date::text AS due_date, currency`,
        [today, limit],
      );
      for (const r of rows) {
        await this.recordEvent(tx, r.id, 'overdue', null, now, { data: { dueDate: r.due_date } });
        await this.d.notifications.notifyMany(tx, [r.borrower_id, r.lender_id], 'iou.overdue', {
          iouId: r.id,
          borrowerId: r.borrower_id,
          lenderId: r.lender_id,
          dueDate: r.due_date,
        });
      }
      return rows.length;
    });
  }

  /**
   * Reminds each borrower once, `reminderDaysBefore` days before the due date (or at once if
   * the loan began closer to it than that). `reminded_at` is set in the same statement that
   * picks the IOU, so a restart or a second process never reminds twice.
   */
  async sendDueReminders(limit = 500): Promise<number> {
    const now = this.d.clock.now();
    const today = calendarDay(now, this.d.config.timeZone);
    return inTransaction(this.d.db, async (tx) => {
      const picked = await tx.query<IouRow>(
        `UPDATE ious i SET reminded_at = $3
          WHERE i.reminded_at IS NULL AND i.status = 'active' AND i.id IN (
            SELECT id FROM ious WHERE status = 'active' AND reminded_at IS NULL
               AND due_date BETWEEN $1::date AND $2::date
             ORDER BY due_date LIMIT $4 FOR UPDATE SKIP LOCKED)
          RETURNING ${IOU_COLUMNS}`,
        [formatIsoDate(today), formatIsoDate(today + this.d.config.reminderDaysBefore), now, limit],
      );
      for (const r of picked.rows) {
        const amountDue = fromMinor(outstanding(balanceOn(r, today)));
        await this.recordEvent(tx, r.id, 'reminder', null, now, {
          data: { dueDate: r.due_date, outstanding: amountDue },
        });
        await this.d.notifications.notify(tx, r.borrower_id, 'iou.due_soon', {
          iouId: r.id,
          lenderId: r.lender_id,
          dueDate: r.due_date,
          outstanding: amountDue,
          currency: r.currency,
        });
      }
      return picked.rows.length;
    });
  }

  /** The job each process runs on a timer. */
  async runScheduledWork(): Promise<{ overdue: number; reminded: number }> {
    const overdue = await this.markOverdue();
    const reminded = await this.sendDueReminders();
    return { overdue, reminded };
  }

  private validDueDay(dueDate: string): EpochDay {
    const due = parseIsoDate(dueDate);
    if (due === undefined) {
      throw invalid('dueDate must be a calendar date, YYYY-MM-DD', { field: 'dueDate' });
    }
    const today = this.today();
    if (due <= today) throw invalid('dueDate must be after today', { field: 'dueDate' });
    const latest = today + this.d.config.maxTermDays;
    if (due > latest) {
      throw invalid(`dueDate must be on or before ${formatIsoDate(latest)}`, {
        field: 'dueDate',
      });
    }
    return due;
  }

  /** One IOU may not be larger than the borrower's credit band allows: 409 limit_exceeded. */
  private async refuseOverCreditLimit(borrowerId: string, amount: number): Promise<void> {
    if (!this.d.creditLimit) return;
    const { maxAmount, band, overdue } = await this.d.creditLimit(borrowerId);
    if (overdue) {
      throw new AppError('limit_exceeded', 'repay your overdue IOU before borrowing again', {
        limit: 'iou_overdue',
        maxAmount: 0,
        band,
      });
    }
    if (amount > maxAmount) {
      throw new AppError(
        'limit_exceeded',
        `with your credit score (${band}) you can borrow at most ${maxAmount} on one IOU`,
        { limit: 'iou_credit', maxAmount, band },
      );
    }
  }

  /** A request whose due date has come can no longer be accepted: no term would be left. */
  private refuseLapsed(row: IouRow): void {
    if (parseIsoDate(row.due_date)! <= this.today()) {
      throw new AppError('expired', 'this IOU request has lapsed: its due date has come');
    }
  }

  private refuseOverpayment(balance: LoanBalance, amount: number): void {
    const owed = outstanding(balance);
    if (toMinor(amount) > owed) {
      throw invalid(`amount must be at most the ${owed} outstanding`, {
        field: 'amount',
        outstanding: fromMinor(owed),
      });
    }
  }

  private async closeRequest(
    seen: IouRow,
    status: 'declined' | 'cancelled',
    actorId: string,
    notifyId: string,
  ): Promise<void> {
    await inTransaction(this.d.db, async (tx) => {
      const now = this.d.clock.now();
      const { rowCount } = await tx.query(
        `UPDATE ious SET status = $2, closed_at = $3 WHERE id = $1 AND status = 'requested'`,
        [seen.id, status, now],
      );
      if (rowCount === 0) {
        requireRequested((await this.loadIou(tx, seen.id, false))!);
        throw conflict('this IOU is no longer requested');
      }
      await this.recordEvent(tx, seen.id, status, actorId, now);
      await this.d.notifications.notify(tx, notifyId, `iou.${status}`, {
        iouId: seen.id,
        byUserId: actorId,
        byNickname: await this.d.identity.nickname(actorId, tx),
        amount: Number(seen.principal),
        currency: seen.currency,
      });
    });
  }

  /** The IOU if `userId` is one of its two parties; for anyone else, 404. */
  private async partyIou(q: Queryable, iouId: string, userId: string): Promise<IouRow> {
    const row = isUuid(iouId) ? await this.loadIou(q, iouId, false) : undefined;
    if (!row || (row.borrower_id !== userId && row.lender_id !== userId)) throw notFound('IOU');
    return row;
  }

  private async loadIou(q: Queryable, id: string, lock: boolean): Promise<IouRow | undefined> {
    const { rows } = await q.query<IouRow>(
      `SELECT ${IOU_COLUMNS} FROM ious i WHERE i.id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0];
  }

  private async repaymentById(
    q: Queryable,
    id: string,
  ): Promise<(RepaymentView & { iouId: string }) | undefined> {
    const { rows } = await q.query<{
      iou_id: string;
      amount: string;
      interest_part: string;
      principal_part: string;
      created_at: Date;
    }>(
      `SELECT iou_id, amount, interest_part, principal_part, created_at FROM iou_events
        WHERE id = $1 AND kind = 'repayment'`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      iouId: r.iou_id,
      id,
      amount: Number(r.amount),
      interestPart: Number(r.interest_part),
      principalPart: Number(r.principal_part),
      createdAt: r.created_at.toISOString(),
    };
  }

  /** A repayment found again by its key: the IOU's standing as of now, not as of then. */
  private replayedRepayment(
    row: IouRow,
    r: RepaymentView & { iouId: string },
    amount: number,
  ): RepaymentResult {
    if (r.iouId !== row.id || r.amount !== amount) {
      throw new AppError(
        'idempotency_conflict',
        'this Idempotency-Key was used with a different request',
      );
    }
    return {
      ...r,
      status: row.status,
      outstanding: fromMinor(outstanding(balanceOn(row, this.today()))),
    };
  }

  private async recordEvent(
    tx: Tx,
    iouId: string,
    kind: Exclude<IouEventKind, 'repayment'>,
    actorId: string | null,
    at: Date,
    extra: { amount?: number; transferId?: string; data?: Record<string, unknown> } = {},
  ): Promise<void> {
    await tx.query(
      `INSERT INTO iou_events (id, iou_id, kind, actor_id, amount, transfer_id, data, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        newId(),
        iouId,
        kind,
        actorId,
        extra.amount ?? null,
        extra.transferId ?? null,
        extra.data ? JSON.stringify(extra.data) : null,
        at,
      ],
    );
  }

  private summary(row: IouRow, borrowerNickname: string, lenderNickname: string): IouSummary {
    const balance = balanceOn(row, this.today());
    return {
      id: row.id,
      status: row.status,
      borrowerId: row.borrower_id,
      borrowerNickname,
      lenderId: row.lender_id,
      lenderNickname,
      currency: row.currency,
      principal: Number(row.principal),
      annualRateBps: row.annual_rate_bps,
      dueDate: row.due_date,
      purpose: row.purpose,
      outstanding: fromMinor(outstanding(balance)),
      principalOutstanding: fromMinor(balance.principalOutstanding),
      interestAccrued: fromMinor(interestAccrued(balance)),
      interestPaid: Number(row.interest_paid),
      forgivenAmount: Number(row.principal_forgiven) + Number(row.interest_forgiven),
      createdAt: row.created_at.toISOString(),
      acceptedAt: row.accepted_at?.toISOString() ?? null,
      closedAt: row.closed_at?.toISOString() ?? null,
    };
  }
}
