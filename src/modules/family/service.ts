import type { FamilyConfig } from '../../config.ts';
import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { isUuid, newId } from '../../platform/ids.ts';
import { DEFAULT_CURRENCY, fromMinor, toMinor } from '../../platform/money.ts';
import type { IdentityService } from '../identity/index.ts';
import {
  type Ledger,
  newTransferId,
  type TransferId,
  type TransferRequest,
  transferIdFor,
} from '../ledger/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { SocialGraph } from '../social/graph.ts';
import {
  type AllowanceAccounts,
  type Caller,
  PeriodAllowances,
  periodKey,
  type TransferInput,
  type TransferView,
  type WalletService,
} from '../wallet/index.ts';
import type { PaymentPipeline } from '../wallet/pipeline.ts';

/** What the member is to the payer. */
export type FamilyRelation =
  | 'parent'
  | 'child'
  | 'partner'
  | 'sibling'
  | 'grandparent'
  | 'grandchild'
  | 'other';
/** active → unlinked (either side ended it) | declined (the member refused it). */
export type FamilyLinkStatus = 'active' | 'unlinked' | 'declined';

export interface FamilyLinkView {
  id: string;
  /** The caller's side of the link. */
  role: 'payer' | 'member';
  payerId: string;
  payerNickname: string;
  memberUserId: string;
  memberNickname: string;
  relation: FamilyRelation;
  monthlyLimit: number;
  currency: string;
  /** The calendar month (in the configured time zone) the two amounts below are for. */
  month: string;
  spentThisMonth: number;
  remainingThisMonth: number;
  status: FamilyLinkStatus;
  createdAt: string;
  endedAt?: string;
}

export interface FamilyPaymentView extends TransferView {
  fundingSource: { familyLinkId: string; payerId: string };
}

/** A family link funding one payment (see FamilyService.fundingSource). */
export interface FamilyFunding {
  linkId: string;
  payerId: string;
  memberNickname: string;
  currency: string;
  accounts: Awaited<ReturnType<PeriodAllowances['accounts']>>;
  allowance: AllowanceAccounts;
}

export interface FamilyDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  identity: IdentityService;
  graph: SocialGraph;
  wallet: WalletService;
  pipeline: PaymentPipeline;
  notifications: NotificationService;
  config: FamilyConfig;
}

interface LinkRow {
  id: string;
  payer_id: string;
  member_id: string;
  payer_nickname: string;
  member_nickname: string;
  relation: FamilyRelation;
  monthly_limit: string;
  currency: string;
  status: FamilyLinkStatus;
  created_at: Date;
  ended_at: Date | null;
}

const LINK_COLUMNS = `l.id, l.payer_id, l.member_id, p.nickname AS payer_nickname,
  m.nickname AS member_nickname, l.relation, l.monthly_limit, l.currency, l.status, l.created_at,
  l.ended_at`;
const LINK_FROM = `family_links l JOIN users p ON p.id = l.payer_id JOIN users m ON m.id = l.member_id`;

/** Each link's monthly allowances are the ledger accounts limit:family:<id>:monthly:... */
const SCOPE = 'monthly';
const ownerOf = (linkId: string) => `family:${linkId}`;

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

/** The caller's side of a link; to anyone else the link does not exist. */
function sideOf(link: LinkRow | undefined, userId: string): 'payer' | 'member' {
  if (link?.payer_id === userId) return 'payer';
  if (link?.member_id === userId) return 'member';
  throw notFound('family link');
}

function refuseEnded(link: LinkRow): void {
  if (link.status !== 'active') throw conflict(`this family link has been ${link.status}`);
}

/**
 * Family accounts (亲情账户). A payer links a friend as a member with a monthly limit; the member
 * then pays transfers from the payer's wallet. The limit is a ledger allowance per link and month
 * (the wallet's limit recipe), drawn by a leg linked to each payment, so no race can exceed it.
 * Payments hold the link's row shared and limit changes and unlinking hold it exclusively: a
 * payment never lands after an unlink, and a limit change sees an allowance that is not moving.
 */
export class FamilyService {
  private readonly allowances: PeriodAllowances;

  constructor(private readonly d: FamilyDeps) {
    this.allowances = new PeriodAllowances(d.ledger, d.config.timeZone, 'month');
  }

  /**
   * Links `memberUserId` to pay from the caller's wallet. Active at once, as the API states; the
   * member is told (family.linked) and may decline or leave at any time.
   */
  async link(
    payer: Caller,
    input: { memberUserId: string; monthlyLimit: number; relation: FamilyRelation; pin?: string },
  ): Promise<FamilyLinkView> {
    const { db, clock, identity, graph, notifications, config } = this.d;
    if (!payer.verified) {
      throw new AppError(
        'verification_required',
        'verify your identity before paying for a family member',
      );
    }
    if (input.monthlyLimit > config.maxMonthlyLimit) {
      throw invalid(`monthlyLimit must be at most ${config.maxMonthlyLimit}`, {
        field: 'monthlyLimit',
      });
    }
    if (input.memberUserId === payer.id) {
      throw invalid('you cannot link yourself', { field: 'memberUserId' });
    }
    const member = isUuid(input.memberUserId) ? await identity.user(input.memberUserId) : undefined;
    if (!member) throw notFound('user');
    if (await graph.blockedEitherWay(payer.id, member.id)) {
      throw new AppError('blocked', 'you cannot link this user');
    }
    if (!(await graph.areFriends(payer.id, member.id))) {
      throw forbidden('you can link only a friend');
    }
    const { rowCount } = await db.query(
      `SELECT 1 FROM family_links WHERE payer_id = $1 AND member_id = $2 AND status = 'active'`,
      [payer.id, member.id],
    );
    if (rowCount) throw conflict('you already pay for this member');
    // The link lets money leave the payer's wallet later, so it is authorised like a payment.
    await identity.checkPin(payer.id, input.pin);
    const id = newId();
    const now = clock.now();
    try {
      await inTransaction(db, async (tx) => {
        await tx.query(
          `INSERT INTO family_links (id, payer_id, member_id, relation, monthly_limit, currency,
                                     created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
          [id, payer.id, member.id, input.relation, input.monthlyLimit, DEFAULT_CURRENCY, now],
        );
        const link = (await this.row(tx, id))!;
        await notifications.notify(tx, member.id, 'family.linked', {
          linkId: id,
          payerId: payer.id,
          payerNickname: link.payer_nickname,
          relation: input.relation,
          monthlyLimit: input.monthlyLimit,
          currency: DEFAULT_CURRENCY,
        });
      });
    } catch (err) {
      // The same link made by a request that raced this one.
      if (isUniqueViolation(err)) throw conflict('you already pay for this member');
      throw err;
    }
    return this.view(payer.id, id);
  }

  async view(viewerId: string, id: string): Promise<FamilyLinkView> {
    const link = isUuid(id) ? await this.row(this.d.db, id) : undefined;
    sideOf(link, viewerId);
    return (await this.toViews(this.d.db, viewerId, [link!]))[0]!;
  }

  /** The caller's links, as payer and as member, newest first. */
  async list(
    viewerId: string,
    page: { limit: number; after?: TimeCursor; status?: FamilyLinkStatus },
  ): Promise<{ items: FamilyLinkView[]; nextCursor: string | null }> {
    const params: unknown[] = [viewerId, page.limit + 1, page.status ?? null];
    let after = '';
    if (page.after) {
      params.push(page.after.micros, page.after.id);
      after = `AND (l.created_at, l.id) < (${fromMicrosSql('$4')}, $5::uuid)`;
    }
    const { rows } = await this.d.db.query<LinkRow & { micros: string }>(
      `SELECT ${LINK_COLUMNS}, ${microsSql('l.created_at')} AS micros FROM ${LINK_FROM}
        WHERE (l.payer_id = $1 OR l.member_id = $1) AND ($3::text IS NULL OR l.status = $3)
          ${after}
        ORDER BY l.created_at DESC, l.id DESC LIMIT $2`,
      params,
    );
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: await this.toViews(this.d.db, viewerId, items),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }

  /**
   * The payer sets a new monthly limit, for the rest of this month too: this month's allowance
   * is topped up or given back so that what is left is the new limit less what was spent.
   */
  async changeLimit(
    payer: Caller,
    id: string,
    input: { monthlyLimit: number; pin?: string },
  ): Promise<FamilyLinkView> {
    const { db, clock, ledger, identity, notifications, config } = this.d;
    const seen = isUuid(id) ? await this.row(db, id) : undefined;
    if (sideOf(seen, payer.id) !== 'payer') throw forbidden('only the payer sets the limit');
    refuseEnded(seen!);
    if (input.monthlyLimit > config.maxMonthlyLimit) {
      throw invalid(`monthlyLimit must be at most ${config.maxMonthlyLimit}`, {
        field: 'monthlyLimit',
      });
    }
    // Raising lets more money leave the payer's wallet; lowering is always allowed.
    if (input.monthlyLimit > Number(seen!.monthly_limit)) {
      await identity.checkPin(payer.id, input.pin);
    }
    await inTransaction(db, async (tx) => {
      const link = (await this.row(tx, id, 'FOR UPDATE'))!;
      refuseEnded(link);
      const previous = Number(link.monthly_limit);
      if (previous === input.monthlyLimit) return;
      const adjustment = await this.allowances.adjustment(
        tx,
        ownerOf(id),
        SCOPE,
        link.currency,
        clock.now(),
        toMinor(input.monthlyLimit),
      );
      if (adjustment) {
        const [result] = await ledger.createTransfersIn(tx, [adjustment]);
        // No payment can draw while the row is held, so the amount is always there.
        if (!result?.ok) throw new Error(`family link ${id}: limit adjustment refused`);
      }
      await tx.query('UPDATE family_links SET monthly_limit = $2, updated_at = $3 WHERE id = $1', [
        id,
        input.monthlyLimit,
        clock.now(),
      ]);
      await notifications.notify(tx, link.member_id, 'family.limit_changed', {
        linkId: id,
        payerId: link.payer_id,
        payerNickname: link.payer_nickname,
        monthlyLimit: input.monthlyLimit,
        previousLimit: previous,
        currency: link.currency,
      });
    });
    return this.view(payer.id, id);
  }

  /** Either side ends the link; the other is told. Ending an ended link changes nothing. */
  async unlink(userId: string, id: string): Promise<void> {
    const link = isUuid(id) ? await this.row(this.d.db, id) : undefined;
    sideOf(link, userId);
    await this.end(userId, link!, 'unlinked');
  }

  /** The member refuses the link (the invitation's "no"), at once or any time later. */
  async decline(userId: string, id: string): Promise<FamilyLinkView> {
    const link = isUuid(id) ? await this.row(this.d.db, id) : undefined;
    if (sideOf(link, userId) !== 'member') throw forbidden('only the member declines a link');
    refuseEnded(link!);
    // Ended by the payer since it was read.
    if (!(await this.end(userId, link!, 'declined'))) throw conflict('this family link has ended');
    return this.view(userId, id);
  }

  /** False if the link had already ended. Waits for payments in flight (they hold the row). */
  private async end(
    userId: string,
    link: LinkRow,
    status: 'unlinked' | 'declined',
  ): Promise<boolean> {
    const { db, clock, notifications } = this.d;
    return inTransaction(db, async (tx) => {
      const now = clock.now();
      const { rowCount } = await tx.query(
        `UPDATE family_links SET status = $2, ended_at = $3, ended_by = $4, updated_at = $3
          WHERE id = $1 AND status = 'active'`,
        [link.id, status, now, userId],
      );
      if (!rowCount) return false;
      const byPayer = userId === link.payer_id;
      await notifications.notify(tx, byPayer ? link.member_id : link.payer_id, `family.${status}`, {
        linkId: link.id,
        byUserId: userId,
        byNickname: byPayer ? link.payer_nickname : link.member_nickname,
      });
      return true;
    });
  }

  /**
   * The member pays a transfer from the payer's wallet: the transfer's own checks (the member
   * verified, their PIN, not blocked), then the money leg linked with a draw on this month's
   * allowance, in one transaction that holds the link. The payer is told of every payment.
   */
  async pay(
    member: Caller,
    linkId: string,
    input: TransferInput,
    key: string | undefined,
  ): Promise<FamilyPaymentView> {
    const { db, clock, graph, wallet, pipeline } = this.d;
    const seen = isUuid(linkId) ? await this.row(db, linkId) : undefined;
    if (sideOf(seen, member.id) !== 'member') {
      throw forbidden("only the link's member pays with it");
    }
    const link = seen!;
    refuseEnded(link);
    if (input.requireAcceptance) {
      throw invalid('a family payment cannot wait for acceptance', { field: 'requireAcceptance' });
    }
    const currency = input.currency ?? DEFAULT_CURRENCY;
    if (currency !== link.currency) {
      throw invalid(`this family link pays in ${link.currency}`, { field: 'currency' });
    }
    const plan = await wallet.prepareTransfer(
      member,
      input,
      async (receiver) => {
        if (receiver.id === link.payer_id) {
          throw invalid("paying the payer with the payer's own money moves nothing", {
            field: 'to',
          });
        }
        if (
          (await graph.blockedEitherWay(link.payer_id, member.id)) ||
          (await graph.blockedEitherWay(link.payer_id, receiver.id))
        ) {
          throw new AppError('blocked', 'this family link cannot pay this user');
        }
      },
      'family.payment',
    );
    const amount = toMinor(input.amount);
    const moneyId = key ? transferIdFor('family.payment', member.id, key) : newTransferId();
    const now = clock.now();
    const allowance = await this.allowances.accounts(ownerOf(link.id), SCOPE, currency, now);
    const legs = await pipeline.legs({
      id: moneyId,
      from: { wallet: link.payer_id },
      to: { wallet: plan.receiver.id },
      amount: input.amount,
      currency,
      kind: 'family.payment',
      metadata: {
        from: link.payer_id,
        to: plan.receiver.id,
        paidBy: member.id,
        familyLinkId: link.id,
        note: plan.note,
        visibility: plan.visibility,
        ...(plan.noteVerdict === 'review' ? { noteHeld: true } : {}),
      },
      allowance: { accounts: { allowance: allowance.allowance, sink: allowance.used } },
    });
    const effects = await wallet.transferEffects(plan, false);
    const { transfer } = await inTransaction(db, async (tx) => {
      // Shared: payments go side by side; an unlink or a limit change waits for them.
      const locked = (await this.row(tx, link.id, 'FOR SHARE'))!;
      refuseEnded(locked);
      const draw = await this.allowances.draw(tx, allowance, BigInt(locked.monthly_limit), {
        id: legs[1]!.id,
        amount,
      });
      const results = await pipeline.commitIn(
        tx,
        [...draw.funding, ...legs],
        {
          insufficient: "not enough money in the payer's wallet",
          limit: "this payment would exceed the family link's monthly limit",
        },
        { moneyAt: draw.funding.length },
      );
      const funding = results.slice(0, draw.funding.length);
      const money = results[draw.funding.length]!;
      if (funding.some((f) => !f.ok)) throw new Error(`family link ${link.id}: funding refused`);
      if (!money.ok) throw new Error('unreachable: commitIn throws on refusal');
      if (!money.replayed) {
        const [state] = await this.allowances.states(tx, [
          this.allowances.codes(ownerOf(link.id), SCOPE, currency, now),
        ]);
        const moved = effects(money.transfer);
        await pipeline.writeEffects(tx, {
          ...moved,
          notifications: [
            ...moved.notifications,
            {
              userId: link.payer_id,
              kind: 'family.payment',
              data: {
                linkId: link.id,
                transferId: money.transfer.id,
                memberUserId: member.id,
                memberNickname: link.member_nickname,
                toUserId: plan.receiver.id,
                toNickname: plan.receiver.nickname,
                amount: fromMinor(amount),
                currency,
                note: plan.note,
                remainingThisMonth: fromMinor(state!.remaining),
              },
            },
          ],
        });
      }
      return { transfer: money.transfer };
    });
    pipeline.delivered();
    return {
      id: transfer.id,
      status: 'completed',
      amount: fromMinor(transfer.amount),
      currency: transfer.currency,
      from: { userId: member.id },
      to: { userId: plan.receiver.id },
      note: plan.note,
      visibility: plan.visibility,
      createdAt: transfer.createdAt.toISOString(),
      fundingSource: { familyLinkId: link.id, payerId: link.payer_id },
    };
  }

  /**
   * A link as the caller's funding source for a payment outside transfers (a merchant's): the
   * caller must be its member, the link active and in `currency`. The payment then uses
   * `allowance` as its allowance leg and calls `drawIn` in its own transaction.
   */
  async fundingSource(member: Caller, linkId: string, currency: string): Promise<FamilyFunding> {
    const seen = isUuid(linkId) ? await this.row(this.d.db, linkId) : undefined;
    if (sideOf(seen, member.id) !== 'member') {
      throw forbidden("only the link's member pays with it");
    }
    refuseEnded(seen!);
    if (currency !== seen!.currency) {
      throw invalid(`this family link pays in ${seen!.currency}`, { field: 'currency' });
    }
    const accounts = await this.allowances.accounts(
      ownerOf(seen!.id),
      SCOPE,
      currency,
      this.d.clock.now(),
    );
    return {
      linkId: seen!.id,
      payerId: seen!.payer_id,
      memberNickname: seen!.member_nickname,
      currency,
      accounts,
      allowance: { allowance: accounts.allowance, sink: accounts.used },
    };
  }

  /**
   * Inside the paying transaction: holds the link shared (an unlink or a limit change waits for
   * the payment; a payment never lands after an unlink) and returns the legs that fund this
   * month's allowance, to be committed before the payment's own legs.
   */
  async drawIn(
    tx: Tx,
    source: FamilyFunding,
    use: { id: TransferId; amount: bigint },
  ): Promise<TransferRequest[]> {
    const locked = (await this.row(tx, source.linkId, 'FOR SHARE'))!;
    refuseEnded(locked);
    const draw = await this.allowances.draw(tx, source.accounts, BigInt(locked.monthly_limit), use);
    return draw.funding;
  }

  /** Tells the link's payer what the member paid (in the payment's transaction). */
  async notifyPayer(tx: Tx, source: FamilyFunding, data: Record<string, unknown>): Promise<void> {
    await this.d.notifications.notify(tx, source.payerId, 'family.payment', {
      linkId: source.linkId,
      memberNickname: source.memberNickname,
      ...data,
    });
  }

  private async row(
    q: Queryable,
    id: string,
    lock?: 'FOR SHARE' | 'FOR UPDATE',
  ): Promise<LinkRow | undefined> {
    const { rows } = await q.query<LinkRow>(
      `SELECT ${LINK_COLUMNS} FROM ${LINK_FROM} WHERE l.id = $1 ${lock ? `${lock} OF l` : ''}`,
      [id],
    );
    return rows[0];
  }

  private async toViews(
    q: Queryable,
    viewerId: string,
    links: LinkRow[],
  ): Promise<FamilyLinkView[]> {
    const now = this.d.clock.now();
    const month = periodKey(now, this.d.config.timeZone, 'month');
    const states = await this.allowances.states(
      q,
      links.map((l) => this.allowances.codes(ownerOf(l.id), SCOPE, l.currency, now)),
    );
    return links.map((l, i) => {
      const state = states[i]!;
      const limit = Number(l.monthly_limit);
      const remaining = state.funded ? fromMinor(state.remaining) : limit;
      return {
        id: l.id,
        role: l.payer_id === viewerId ? 'payer' : 'member',
        payerId: l.payer_id,
        payerNickname: l.payer_nickname,
        memberUserId: l.member_id,
        memberNickname: l.member_nickname,
        relation: l.relation,
        monthlyLimit: limit,
        currency: l.currency,
        month: `${month.slice(0, 4)}-${month.slice(4)}`,
        spentThisMonth: fromMinor(state.used),
        remainingThisMonth: l.status === 'active' ? remaining : 0,
        status: l.status,
        createdAt: l.created_at.toISOString(),
        ...(l.ended_at ? { endedAt: l.ended_at.toISOString() } : {}),
      };
    });
  }
}
