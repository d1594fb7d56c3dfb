/**
 * Escrow (担保交易) and refunds. An escrowed payment's money sits in its own escrow account with
 * a pending transfer escrow → merchant on it: confirming (or the release job, after
 * HEBAO_ESCROW_DAYS) posts it; a dispute freezes it until an operator voids it and splits the
 * escrow in two legs, payer and merchant, to the fen. Refunds move merchant → the wallet that
 * paid, never more in total than the merchant received (checked under the payment's row lock).
 */
import { type Db, inTransaction, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { derivedId, isUuid, newId } from '../../platform/ids.ts';
import type { IdentityService } from '../identity/index.ts';
import {
  type AccountId,
  type Ledger,
  type TransferId,
  type TransferRequest,
  transferIdFor,
} from '../ledger/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { Caller, PaymentPipeline } from '../wallet/index.ts';
import { merchantCode } from './service.ts';
import { type PaymentRow, type PaymentView, paymentRow, toPaymentView } from './store.ts';

/** An operator action, for the audit log (wired by services.ts; see docs/architecture.md). */
export interface AuditEntry {
  actorId: string;
  action: string;
  target: { type: string; id: string };
  detail: Record<string, unknown>;
}
export type AuditWriter = (tx: Tx, entry: AuditEntry) => Promise<void>;

export interface EscrowDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  identity: IdentityService;
  pipeline: PaymentPipeline;
  notifications: NotificationService;
  audit: AuditWriter;
  /** Dispute reasons are screened like notes: refused → 422 content_rejected. */
  screenText: (text: string, userId: string) => Promise<void>;
}

export interface DisputeView {
  id: string;
  paymentId: string;
  status: 'open' | 'resolved';
  reason: string;
  refundAmount: number | null;
  note: string | null;
  payment: PaymentView;
  createdAt: string;
  resolvedAt: string | null;
}

const releaseLeg = (p: PaymentRow, mode: 'post' | 'void'): TransferRequest => ({
  id: transferIdFor(`merchant.escrow.${mode}`, p.id),
  mode,
  pendingId: p.release_transfer_id as TransferId,
  kind: 'merchant.escrow',
});

export class EscrowService {
  constructor(private readonly d: EscrowDeps) {}

  /** The payer confirms receipt: the escrow is released to the merchant. */
  async confirm(payer: Caller, paymentId: string): Promise<PaymentView> {
    const { db, pipeline } = this.d;
    const view = await inTransaction(db, async (tx) => {
      const p = await paymentRow(tx, paymentId, true);
      if (!p || p.payer_id !== payer.id) throw notFound('payment');
      if (p.status === 'completed' && p.escrow_account_id) {
        throw conflict('this payment has already been released');
      }
      if (p.status !== 'escrowed') throw conflict(`this payment is ${p.status}, not in escrow`);
      await pipeline.commitIn(tx, [releaseLeg(p, 'post')]);
      await this.markReleased(tx, p, 'confirmed');
      return toPaymentView((await paymentRow(tx, p.id))!);
    });
    pipeline.delivered();
    return view;
  }

  private async markReleased(tx: Tx, p: PaymentRow, how: 'confirmed' | 'auto') {
    const now = this.d.clock.now();
    await tx.query(
      `UPDATE merchant_payments SET status = 'completed', released_at = $2, merchant_received = paid
        WHERE id = $1`,
      [p.id, now],
    );
    await this.d.notifications.notify(tx, p.owner_id, 'merchant.escrow_released', {
      paymentId: p.id,
      merchantId: p.merchant_id,
      merchantName: p.merchant_name,
      amount: Number(p.paid),
      currency: p.currency,
      how,
    });
    if (how === 'auto') {
      await this.d.notifications.notify(tx, p.payer_id, 'merchant.escrow_released', {
        paymentId: p.id,
        merchantId: p.merchant_id,
        merchantName: p.merchant_name,
        amount: Number(p.paid),
        currency: p.currency,
        how,
      });
    }
  }

  /**
   * The release job: escrows past their release time, posted in batches. Safe in every process
   * at once and after any restart: a batch is claimed with FOR UPDATE SKIP LOCKED in the
   * transaction that posts it and marks it completed, and each post's id derives from the
   * payment, so a payment is released exactly once whoever gets there. A payer's confirmation
   * or dispute in flight holds the row, so the job skips it and the next run sees its outcome.
   */
  async releaseDue(limit = 1000, batch = 100): Promise<number> {
    const { db, clock, ledger } = this.d;
    let released = 0;
    while (released < limit) {
      const n = await inTransaction(db, async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `SELECT id FROM merchant_payments
            WHERE status = 'escrowed' AND release_at <= $1
            ORDER BY release_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [clock.now(), batch],
        );
        if (rows.length === 0) return 0;
        const payments: PaymentRow[] = [];
        for (const r of rows) payments.push((await paymentRow(tx, r.id))!);
        const results = await ledger.createTransfersIn(
          tx,
          payments.map((p) => releaseLeg(p, 'post')),
        );
        results.forEach((r, i) => {
          if (!r.ok) throw new Error(`escrow ${payments[i]!.id}: release refused (${r.code})`);
        });
        for (const p of payments) await this.markReleased(tx, p, 'auto');
        return payments.length;
      });
      if (n === 0) break;
      released += n;
    }
    return released;
  }

  /** The payer disputes before release: the escrow is frozen until an operator resolves it. */
  async dispute(payer: Caller, paymentId: string, reason: string): Promise<DisputeView> {
    const { db, clock } = this.d;
    await this.d.screenText(reason, payer.id);
    const id = await inTransaction(db, async (tx) => {
      const p = await paymentRow(tx, paymentId, true);
      if (!p || p.payer_id !== payer.id) throw notFound('payment');
      if (!p.escrow_account_id) throw conflict('only a payment held in escrow can be disputed');
      if (p.dispute_id) throw conflict('this payment is already disputed');
      if (p.status !== 'escrowed') throw conflict('this payment has already been released');
      const disputeId = newId();
      const now = clock.now();
      await tx.query(
        `INSERT INTO merchant_disputes (id, payment_id, opened_by, reason, created_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [disputeId, p.id, payer.id, reason, now],
      );
      await tx.query(`UPDATE merchant_payments SET status = 'disputed' WHERE id = $1`, [p.id]);
      await this.d.notifications.notify(tx, p.owner_id, 'merchant.payment_disputed', {
        paymentId: p.id,
        disputeId,
        merchantId: p.merchant_id,
        merchantName: p.merchant_name,
        amount: Number(p.paid),
        currency: p.currency,
      });
      return disputeId;
    });
    return this.disputeView(id);
  }

  /** The dispute, to its payer, the merchant's owner and operators. */
  async disputeFor(user: { id: string; role: string }, id: string): Promise<DisputeView> {
    const view = await this.disputeView(id);
    const p = await paymentRow(this.d.db, view.paymentId);
    if (user.role !== 'admin' && p!.payer_id !== user.id && p!.owner_id !== user.id) {
      throw notFound('dispute');
    }
    return view;
  }

  private async disputeView(id: string): Promise<DisputeView> {
    if (!isUuid(id)) throw notFound('dispute');
    const { rows } = await this.d.db.query<{
      id: string;
      payment_id: string;
      status: 'open' | 'resolved';
      reason: string;
      refund_amount: string | null;
      note: string | null;
      created_at: Date;
      resolved_at: Date | null;
    }>(
      `SELECT id, payment_id, status, reason, refund_amount, note, created_at, resolved_at
         FROM merchant_disputes WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) throw notFound('dispute');
    const p = await paymentRow(this.d.db, r.payment_id);
    return {
      id: r.id,
      paymentId: r.payment_id,
      status: r.status,
      reason: r.reason,
      refundAmount: r.refund_amount === null ? null : Number(r.refund_amount),
      note: r.note,
      payment: toPaymentView(p!),
      createdAt: r.created_at.toISOString(),
      resolvedAt: r.resolved_at?.toISOString() ?? null,
    };
  }

  /** Operators' queue: disputes by state, oldest open first. */
  async disputes(status: 'open' | 'resolved', page: { limit: number; after?: TimeCursor }) {
    const params: unknown[] = [status, page.limit + 1];
    let after = '';
    if (page.after) {
      params.push(page.after.micros, page.after.id);
      after = `AND (created_at, id) > (${fromMicrosSql('$3')}, $4::uuid)`;
    }
    const { rows } = await this.d.db.query<{ id: string; micros: string }>(
      `SELECT id, ${microsSql('created_at')} AS micros FROM merchant_disputes
        WHERE status = $1 ${after} ORDER BY created_at, id LIMIT $2`,
      params,
    );
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: await Promise.all(items.map((r) => this.disputeView(r.id))),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }

  /**
   * An operator splits a disputed escrow: the hold escrow → merchant is voided and the escrow
   * pays `refundAmount` back to the wallet that paid and the rest to the merchant, in one
   * linked chain (all or nothing), each leg only if it is not zero. Audited.
   */
  async resolve(
    admin: { id: string },
    disputeId: string,
    input: { refundAmount: number; note?: string },
  ): Promise<DisputeView> {
    const { db, clock, ledger, pipeline } = this.d;
    if (!isUuid(disputeId)) throw notFound('dispute');
    await inTransaction(db, async (tx) => {
      const { rows } = await tx.query<{ payment_id: string; status: string }>(
        'SELECT payment_id, status FROM merchant_disputes WHERE id = $1 FOR UPDATE',
        [disputeId],
      );
      const dispute = rows[0];
      if (!dispute) throw notFound('dispute');
      if (dispute.status !== 'open') throw conflict('this dispute has already been resolved');
      const p = (await paymentRow(tx, dispute.payment_id, true))!;
      const paid = Number(p.paid);
      if (input.refundAmount > paid) {
        throw invalid(`refundAmount must be at most the ${paid} paid`, { field: 'refundAmount' });
      }
      const escrow = Number(p.escrow_account_id) as AccountId;
      const toPayer = input.refundAmount;
      const toMerchant = paid - toPayer;
      const [payerWallet, merchant] = await Promise.all([
        pipeline.walletAccount(p.wallet_owner_id, p.currency),
        ledger.accountByCode(merchantCode(p.merchant_id, p.currency), tx),
      ]);
      const legs: TransferRequest[] = [releaseLeg(p, 'void')];
      if (toPayer > 0) {
        legs.push({
          id: transferIdFor('merchant.dispute.refund', p.id),
          debitAccountId: escrow,
          creditAccountId: payerWallet,
          amount: BigInt(toPayer),
          kind: 'merchant.dispute_refund',
          metadata: {
            to: p.wallet_owner_id,
            merchantId: p.merchant_id,
            paymentId: p.id,
            note: p.merchant_name,
          },
        });
      }
      if (toMerchant > 0) {
        legs.push({
          id: transferIdFor('merchant.dispute.release', p.id),
          debitAccountId: escrow,
          creditAccountId: merchant!.id,
          amount: BigInt(toMerchant),
          kind: 'merchant.escrow',
          metadata: { merchantId: p.merchant_id, paymentId: p.id },
        });
      }
      const chain = legs.map((l, i) => ({ ...l, linked: i < legs.length - 1 }));
      const results = await ledger.createTransfersIn(tx, chain);
      const refused = results.find((r) => !r.ok);
      if (refused && !refused.ok)
        throw new Error(`dispute ${disputeId}: split refused (${refused.code})`);
      const now = clock.now();
      await tx.query(
        `UPDATE merchant_disputes SET status = 'resolved', refund_amount = $2, note = $3,
                resolved_by = $4, resolved_at = $5 WHERE id = $1`,
        [disputeId, toPayer, input.note ?? null, admin.id, now],
      );
      await tx.query(
        `UPDATE merchant_payments SET status = 'resolved', released_at = $2, merchant_received = $3
          WHERE id = $1`,
        [p.id, now, toMerchant],
      );
      await this.d.audit(tx, {
        actorId: admin.id,
        action: 'merchant.dispute.resolve',
        target: { type: 'dispute', id: disputeId },
        detail: {
          paymentId: p.id,
          paid,
          refundAmount: toPayer,
          toMerchant,
          note: input.note ?? null,
        },
      });
      const data = {
        disputeId,
        paymentId: p.id,
        merchantId: p.merchant_id,
        merchantName: p.merchant_name,
        refundAmount: toPayer,
        merchantAmount: toMerchant,
        currency: p.currency,
      };
      await this.d.notifications.notifyMany(
        tx,
        [p.payer_id, p.owner_id],
        'merchant.dispute_resolved',
        data,
      );
    });
    return this.disputeView(disputeId);
  }

  /**
   * The owner refunds part or all of a payment from the merchant's account to the wallet that
   * paid. Under the payment's row lock, the refunds so far plus this one may not pass what the
   * merchant received (422): concurrent refunds are decided one at a time. Idempotent by key.
   */
  async refund(
    owner: Caller,
    paymentId: string,
    input: { amount: number; pin?: string; reason?: string },
    key: string | undefined,
  ) {
    const { db, clock, ledger, pipeline } = this.d;
    const seen = await paymentRow(db, paymentId);
    if (!seen || (seen.owner_id !== owner.id && seen.payer_id !== owner.id))
      throw notFound('payment');
    if (seen.owner_id !== owner.id) throw forbidden("only the merchant's owner refunds");
    await pipeline.authorize({
      payer: owner,
      pin: input.pin,
      amount: input.amount,
      currency: seen.currency,
      kind: 'merchant.refund',
      counterparties: [seen.payer_id],
      refuseBlocked: false,
    });
    const id = key ? derivedId('merchant.refund', owner.id, key) : newId();
    const merchant = await ledger.accountByCode(merchantCode(seen.merchant_id, seen.currency));
    const legs = await pipeline.legs({
      id: transferIdFor('merchant.refund', id),
      from: { account: merchant!.id },
      to: { wallet: seen.wallet_owner_id },
      amount: input.amount,
      currency: seen.currency,
      kind: 'merchant.refund',
      metadata: {
        to: seen.wallet_owner_id,
        merchantId: seen.merchant_id,
        paymentId: seen.id,
        note: seen.merchant_name,
      },
    });
    const result = await inTransaction(db, async (tx) => {
      const p = (await paymentRow(tx, paymentId, true))!;
      const { rows: prior } = await tx.query<{ amount: string; created_at: Date }>(
        'SELECT amount, created_at FROM merchant_refunds WHERE id = $1',
        [id],
      );
      // Refunded before under this key; only the response was lost.
      if (prior[0]) return { createdAt: prior[0].created_at, payment: p };
      if (p.status === 'escrowed' || p.status === 'disputed') {
        throw conflict('this payment is still in escrow: the payer may dispute it instead');
      }
      const left = Number(p.merchant_received) - Number(p.refunded);
      if (input.amount > left) {
        throw invalid(`at most ${left} of this payment is left to refund`, { field: 'amount' });
      }
      const now = clock.now();
      await tx.query(
        `INSERT INTO merchant_refunds (id, payment_id, merchant_id, amount, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, p.id, p.merchant_id, input.amount, owner.id, now],
      );
      await tx.query('UPDATE merchant_payments SET refunded = refunded + $2 WHERE id = $1', [
        p.id,
        input.amount,
      ]);
      await pipeline.commitIn(tx, legs, {
        insufficient: "not enough money in the merchant's account for this refund",
      });
      await this.d.notifications.notify(tx, p.payer_id, 'merchant.refund', {
        paymentId: p.id,
        refundId: id,
        merchantId: p.merchant_id,
        merchantName: p.merchant_name,
        amount: input.amount,
        currency: p.currency,
      });
      return { createdAt: now, payment: p };
    });
    pipeline.delivered();
    const after = await paymentRow(db, paymentId);
    return {
      id,
      paymentId,
      amount: input.amount,
      currency: seen.currency,
      payment: toPaymentView(after!),
      createdAt: result.createdAt.toISOString(),
    };
  }

  /** A merchant's refunds, to its owner (the caller was checked by the route's service). */
  async refunds(merchantId: string, page: { limit: number; after?: TimeCursor }) {
    const params: unknown[] = [merchantId, page.limit + 1];
    let after = '';
    if (page.after) {
      params.push(page.after.micros, page.after.id);
      after = `AND (r.created_at, r.id) < (${fromMicrosSql('$3')}, $4::uuid)`;
    }
    const { rows } = await this.d.db.query<{
      id: string;
      payment_id: string;
      amount: string;
      currency: string;
      created_at: Date;
      micros: string;
    }>(
      `SELECT r.id, r.payment_id, r.amount, p.currency, r.created_at, ${microsSql('r.created_at')} AS micros
         FROM merchant_refunds r JOIN merchant_payments p ON p.id = r.payment_id
        WHERE r.merchant_id = $1 ${after} ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      params,
    );
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => ({
        id: r.id,
        paymentId: r.payment_id,
        amount: Number(r.amount),
        currency: r.currency,
        createdAt: r.created_at.toISOString(),
      })),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }
}
