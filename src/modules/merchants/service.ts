import type { MerchantConfig } from '../../config.ts';
import { type Db, inTransaction, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import {
  encodeTimeCursor,
  fromMicrosSql,
  microsSql,
  type TimeCursor,
} from '../../platform/cursor.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { derivedId, isUuid, newId } from '../../platform/ids.ts';
import { DEFAULT_CURRENCY } from '../../platform/money.ts';
import type { FamilyFunding, FamilyService } from '../family/index.ts';
import type { IdentityService } from '../identity/index.ts';
import {
  AccountFlags,
  type AccountId,
  type Ledger,
  type TransferRequest,
  transferIdFor,
} from '../ledger/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { Caller, PasskeyAssertion, PaymentPipeline } from '../wallet/index.ts';
import { encodeQr, qrKey, readQr } from './qr-payload.ts';
import {
  MERCHANT_COLUMNS,
  type MerchantRow,
  type MerchantView,
  merchantAccount,
  merchantRow,
  PAYMENT_SELECT,
  type PaymentRow,
  type PaymentView,
  paymentRow,
  requireMerchant,
  toMerchantView,
  toPaymentView,
} from './store.ts';

export interface MerchantDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  identity: IdentityService;
  pipeline: PaymentPipeline;
  family: FamilyService;
  notifications: NotificationService;
  config: MerchantConfig;
  /** Per-payment cap and daily allowance: a merchant payment draws what a transfer draws. */
  limits: { perTransfer: number; daily: number };
  timeZone: string;
  /** HEBAO_SECRET: the QR signing key is derived from it, never stored. */
  secret: string;
  /** Names and addresses are screened like nicknames: refused → 422 content_rejected. */
  screenText: (text: string, userId: string) => Promise<void>;
  /**
   * Called in the payment's transaction when money moved (green energy's `onPayment`, which
   * keys on the category); wired by services.ts where that module exists.
   */
  onPaid?: (
    tx: Tx,
    p: { userId: string; category: string; amount: number; paymentId: string },
  ) => Promise<unknown>;
}

export interface RegisterMerchant {
  name: string;
  category: string;
  address: string;
  location: { lat: number; lng: number };
}

export interface PayInput {
  payload?: string;
  merchantId?: string;
  amount?: number;
  couponId?: string;
  escrow?: boolean;
  pin?: string;
  /** A passkey assertion in place of the PIN, and the risk challenge this request answers. */
  passkey?: PasskeyAssertion;
  riskChallengeId?: string;
  note?: string;
  fundingSource?: { familyLinkId: string };
}

export interface QrResolution {
  merchant: { id: string; name: string; category: string };
  amount?: number;
  currency: string;
  paymentRequestId?: string;
  expiresAt?: string;
  note?: string | null;
}

interface RequestRow {
  id: string;
  merchant_id: string;
  amount: string;
  currency: string;
  note: string | null;
  expires_at: Date;
  paid_payment_id: string | null;
}

interface CouponUse {
  claimId: string;
  couponId: string;
  discount: number;
}

export const escrowCode = (paymentId: string, currency: string) =>
  `payment:${paymentId}:escrow:${currency}`;
export const merchantCode = (merchantId: string, currency: string) =>
  `merchant:${merchantId}:${currency}`;

const qrInvalid = (detail: string) => new AppError('qr_invalid', detail);

/**
 * Merchants (口碑): registration, QR codes (static and dynamic, signed), payments into the
 * merchant's ledger account or into a per-payment escrow, payouts to the owner's wallet and the
 * owner's dashboard. Every movement goes through the payment pipeline.
 */
export class MerchantService {
  private readonly key: Buffer;

  constructor(private readonly d: MerchantDeps) {
    this.key = qrKey(d.secret);
  }

  async register(owner: Caller, input: RegisterMerchant): Promise<MerchantView> {
    const { db, clock, ledger, config } = this.d;
    if (!owner.verified) {
      throw new AppError('verification_required', 'verify your identity before opening a merchant');
    }
    await this.d.screenText(input.name, owner.id);
    await this.d.screenText(input.address, owner.id);
    const id = newId();
    const currency = DEFAULT_CURRENCY;
    const account = await ledger.ensureAccount({
      code: merchantCode(id, currency),
      currency,
      flags: AccountFlags.debitsMustNotExceedCredits,
    });
    await inTransaction(db, async (tx) => {
      // Serialises one owner's registrations, so the cap holds under concurrency.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`merchants:${owner.id}`]);
      const { rows } = await tx.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM merchants WHERE owner_id = $1',
        [owner.id],
      );
      if (rows[0]!.n >= config.maxPerOwner) {
        throw conflict(`one person may open at most ${config.maxPerOwner} merchants`);
      }
      await tx.query(
        `INSERT INTO merchants (id, owner_id, name, category, address, lat, lng, currency, account_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          id,
          owner.id,
          input.name,
          input.category,
          input.address,
          input.location.lat,
          input.location.lng,
          currency,
          account.id,
          clock.now(),
        ],
      );
    });
    return this.view(id);
  }

  async view(id: string): Promise<MerchantView> {
    return toMerchantView(await requireMerchant(this.d.db, id));
  }

  /** The caller's own merchants, newest first. */
  async mine(ownerId: string): Promise<MerchantView[]> {
    const { rows } = await this.d.db.query<MerchantRow>(
      `SELECT ${MERCHANT_COLUMNS} FROM merchants m WHERE m.owner_id = $1 ORDER BY m.created_at DESC, m.id DESC`,
      [ownerId],
    );
    return rows.map(toMerchantView);
  }

  /** The merchant, if the caller owns it; 404 if it does not exist, 403 if it is another's. */
  async owned(userId: string, merchantId: string): Promise<MerchantRow> {
    const m = await requireMerchant(this.d.db, merchantId);
    if (m.owner_id !== userId) throw forbidden("only the merchant's owner may do this");
    return m;
  }

  /**
   * The static code (the payer types the amount). Public like the sticker on the counter: any
   * signed-in user may fetch it; the owner prints it from the dashboard.
   */
  async staticQr(merchantId: string): Promise<{ payload: string }> {
    const m = await requireMerchant(this.d.db, merchantId);
    if (m.status !== 'active') throw conflict('this merchant is closed');
    return {
      payload: encodeQr(this.key, {
        kind: 'static',
        merchantId: m.id,
        merchantName: m.name,
        currency: m.currency,
      }),
    };
  }

  /** A dynamic code: a fixed amount, paid once, that expires. */
  async createRequest(
    userId: string,
    merchantId: string,
    input: { amount: number; note?: string; expiresInSeconds?: number },
  ): Promise<{ id: string; payload: string; amount: number; currency: string; expiresAt: string }> {
    const { db, clock, config, limits } = this.d;
    const m = await this.owned(userId, merchantId);
    if (m.status !== 'active') throw conflict('this merchant is closed');
    if (input.amount > limits.perTransfer) {
      throw invalid(`amount must be at most ${limits.perTransfer}`, { field: 'amount' });
    }
    const seconds = input.expiresInSeconds ?? config.requestDefaultSeconds;
    if (seconds > config.requestMaxSeconds) {
      throw invalid(`expiresInSeconds must be at most ${config.requestMaxSeconds}`, {
        field: 'expiresInSeconds',
      });
    }
    const note = input.note?.trim() || null;
    if (note) await this.d.screenText(note, userId);
    const id = newId();
    const now = clock.now();
    // Whole seconds: the payload carries the expiry in seconds and must agree with the row.
    const expiresAt = new Date((Math.floor(now.getTime() / 1000) + seconds) * 1000);
    await db.query(
      `INSERT INTO merchant_payment_requests (id, merchant_id, amount, currency, note, created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, m.id, input.amount, m.currency, note, userId, now, expiresAt],
    );
    return {
      id,
      payload: encodeQr(this.key, {
        kind: 'dynamic',
        merchantId: m.id,
        merchantName: m.name,
        currency: m.currency,
        amount: input.amount,
        requestId: id,
        expiresAt,
      }),
      amount: input.amount,
      currency: m.currency,
      expiresAt: expiresAt.toISOString(),
    };
  }

  /** What a scanned code asks for, from the server's records; altered or expired → qr_invalid. */
  async resolve(payload: string): Promise<QrResolution> {
    const { merchant, request } = await this.target(payload);
    return {
      merchant: { id: merchant.id, name: merchant.name, category: merchant.category },
      currency: merchant.currency,
      ...(request
        ? {
            amount: Number(request.amount),
            paymentRequestId: request.id,
            expiresAt: request.expires_at.toISOString(),
            note: request.note,
          }
        : {}),
    };
  }

  /** The merchant and request a code names. Paying checks "paid once" itself, under a lock. */
  private async target(
    payload: string,
    paying = false,
  ): Promise<{ merchant: MerchantRow; request: RequestRow | undefined }> {
    const read = readQr(this.key, payload.trim(), this.d.clock.now());
    if (!read.ok) {
      throw qrInvalid(
        read.reason === 'expired'
          ? 'this payment code has expired'
          : 'this is not a valid Hebao payment code',
      );
    }
    const f = read.fields;
    const merchant = await merchantRow(this.d.db, f.merchantId);
    if (merchant?.status !== 'active') throw qrInvalid('this merchant no longer takes payments');
    if (f.kind === 'static') return { merchant, request: undefined };
    const { rows } = await this.d.db.query<RequestRow>(
      `SELECT id, merchant_id, amount, currency, note, expires_at, paid_payment_id
         FROM merchant_payment_requests WHERE id = $1`,
      [f.requestId],
    );
    const request = rows[0];
    // Signed by us, so these agree unless the rows were changed by hand: trust the rows.
    if (!request || request.merchant_id !== merchant.id || Number(request.amount) !== f.amount) {
      throw qrInvalid('this is not a valid Hebao payment code');
    }
    if (request.paid_payment_id && !paying) {
      throw conflict('this payment request has already been paid');
    }
    return { merchant, request };
  }

  /**
   * Pays a merchant, by a scanned code or by id: the pipeline authorizes (verified, cap, PIN,
   * risk), then one transaction takes the dynamic request and the coupon under their row locks,
   * records the payment and commits its legs. With `escrow`, the money goes to the payment's
   * escrow account and a pending transfer escrow → merchant waits for confirmation.
   */
  async pay(user: Caller, input: PayInput, key: string | undefined): Promise<PaymentView> {
    const { db, clock, ledger, pipeline, family, limits, config } = this.d;
    if ((input.payload === undefined) === (input.merchantId === undefined)) {
      throw invalid('send either payload or merchantId', { field: 'payload' });
    }
    const { merchant: m, request } = input.payload
      ? await this.target(input.payload, true)
      : { merchant: await requireMerchant(db, input.merchantId!), request: undefined };
    if (m.status !== 'active') throw conflict('this merchant is closed');
    if (m.owner_id === user.id)
      throw invalid('you cannot pay your own merchant', { field: 'merchantId' });
    if (request && input.amount !== undefined && input.amount !== Number(request.amount)) {
      throw invalid(`this code asks for ${request.amount}`, { field: 'amount' });
    }
    const amount = request ? Number(request.amount) : input.amount;
    if (amount === undefined) throw invalid('type the amount to pay', { field: 'amount' });
    const coupon = input.couponId
      ? await this.couponFor(user.id, input.couponId, m, amount)
      : undefined;
    const discount = coupon?.discount ?? 0;
    const paid = amount - discount;
    const funding = input.fundingSource
      ? await family.fundingSource(user, input.fundingSource.familyLinkId, m.currency)
      : undefined;
    const note = request?.note ?? (input.note?.trim() || null);
    if (input.note?.trim() && !request) await this.d.screenText(input.note.trim(), user.id);
    // Not holdable: a shop's customer is at the counter, so a rule that would hold it denies it.
    await pipeline.authorize({
      payer: user,
      pin: input.pin,
      passkey: input.passkey,
      riskChallengeId: input.riskChallengeId,
      amount: paid,
      currency: m.currency,
      // The risk engine's name for a merchant payment (API.md: appliesTo "payment").
      kind: 'payment',
      perPaymentLimit: { limit: limits.perTransfer, field: 'amount' },
      counterparties: [m.owner_id],
      // A shop is paid whatever its owner and the payer think of each other socially.
      refuseBlocked: false,
    });

    const id = key ? derivedId('merchant.payment', user.id, key) : newId();
    const escrow = input.escrow === true;
    const escrowAccount = escrow
      ? await ledger.ensureAccount({
          code: escrowCode(id, m.currency),
          currency: m.currency,
          flags: AccountFlags.debitsMustNotExceedCredits,
        })
      : undefined;
    const walletOwner = funding?.payerId ?? user.id;
    const legs: TransferRequest[] = await pipeline.legs({
      id: transferIdFor('merchant.payment', id),
      from: { wallet: walletOwner },
      to: { account: escrowAccount?.id ?? merchantAccount(m) },
      amount: paid,
      currency: m.currency,
      kind: 'merchant.payment',
      limitScope: 'merchant.payment.limit',
      metadata: {
        from: walletOwner,
        merchantId: m.id,
        paymentId: id,
        note: m.name,
        ...(funding ? { paidBy: user.id, familyLinkId: funding.linkId } : {}),
      },
      allowance: funding
        ? { accounts: funding.allowance }
        : { scope: 'daily', userId: user.id, limit: limits.daily },
    });
    const releaseId = transferIdFor('merchant.escrow.release', id);
    if (escrowAccount) {
      // The hold escrow → merchant joins the payment's chain: all of it commits or none.
      legs[legs.length - 1] = { ...legs[legs.length - 1]!, linked: true };
      legs.push({
        id: releaseId,
        mode: 'pending',
        debitAccountId: escrowAccount.id,
        creditAccountId: merchantAccount(m),
        amount: BigInt(paid),
        kind: 'merchant.escrow',
        metadata: { merchantId: m.id, paymentId: id },
      });
    }
    const now = clock.now();
    const releaseAt = new Date(now.getTime() + config.escrowDays * 86_400_000);
    const view = await inTransaction(db, async (tx) => {
      if (request) await this.takeRequest(tx, request.id, id, now);
      if (coupon) await this.spendCoupon(tx, coupon, id, now);
      const inserted = await tx.query(
        `INSERT INTO merchant_payments (id, merchant_id, payer_id, wallet_owner_id, family_link_id,
            request_id, coupon_claim_id, amount, discount, paid, currency, status, transfer_id,
            escrow_account_id, release_transfer_id, release_at, merchant_received, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (id) DO NOTHING`,
        [
          id,
          m.id,
          user.id,
          walletOwner,
          funding?.linkId ?? null,
          request?.id ?? null,
          coupon?.claimId ?? null,
          amount,
          discount,
          paid,
          m.currency,
          escrow ? 'escrowed' : 'completed',
          legs[0]!.id,
          escrowAccount?.id ?? null,
          escrow ? releaseId : null,
          escrow ? releaseAt : null,
          escrow ? 0 : paid,
          note,
          now,
        ],
      );
      // Paid before under this key; only the stored response was lost: answer with it.
      if (inserted.rowCount === 0) return this.paymentFor(tx, id, user.id);
      const fundingLegs = funding
        ? await family.drawIn(tx, funding, { id: legs[1]!.id, amount: BigInt(paid) })
        : [];
      await pipeline.commitIn(
        tx,
        [...fundingLegs, ...legs],
        funding
          ? {
              insufficient: "not enough money in the payer's wallet",
              limit: "this payment would exceed the family link's monthly limit",
            }
          : { limit: 'this payment would exceed your daily limit' },
        { moneyAt: fundingLegs.length },
      );
      await this.paymentEffects(tx, m, user, funding, { id, paid, escrow });
      await this.d.onPaid?.(tx, {
        userId: user.id,
        category: m.category,
        amount: paid,
        paymentId: id,
      });
      return this.paymentFor(tx, id, user.id);
    });
    pipeline.delivered();
    return view;
  }

  private async paymentEffects(
    tx: Tx,
    m: MerchantRow,
    payer: Caller,
    funding: FamilyFunding | undefined,
    p: { id: string; paid: number; escrow: boolean },
  ): Promise<void> {
    const nickname = payer.nickname ?? (await this.d.identity.nickname(payer.id, tx));
    await this.d.pipeline.writeEffects(tx, {
      notifications: [
        {
          userId: m.owner_id,
          kind: p.escrow ? 'merchant.payment_escrowed' : 'merchant.payment_received',
          data: {
            merchantId: m.id,
            merchantName: m.name,
            paymentId: p.id,
            amount: p.paid,
            currency: m.currency,
            payerNickname: nickname,
          },
        },
      ],
    });
    if (funding) {
      await this.d.family.notifyPayer(tx, funding, {
        paymentId: p.id,
        merchantId: m.id,
        merchantName: m.name,
        amount: p.paid,
        currency: m.currency,
      });
    }
  }

  /** Takes a dynamic request for this payment, or refuses: paid by another payment, expired. */
  private async takeRequest(tx: Tx, requestId: string, paymentId: string, now: Date) {
    const { rows } = await tx.query<{ paid_payment_id: string | null; expires_at: Date }>(
      'SELECT paid_payment_id, expires_at FROM merchant_payment_requests WHERE id = $1 FOR UPDATE',
      [requestId],
    );
    const r = rows[0]!;
    if (r.paid_payment_id === paymentId) return;
    if (r.paid_payment_id) throw conflict('this payment request has already been paid');
    if (r.expires_at <= now) throw qrInvalid('this payment code has expired');
    await tx.query('UPDATE merchant_payment_requests SET paid_payment_id = $2 WHERE id = $1', [
      requestId,
      paymentId,
    ]);
  }

  /** The caller's claim of a coupon, if it can pay here now (checked again under the lock). */
  private async couponFor(
    userId: string,
    couponId: string,
    m: MerchantRow,
    amount: number,
  ): Promise<CouponUse> {
    const { rows } = isUuid(couponId)
      ? await this.d.db.query<{
          claim_id: string;
          merchant_id: string;
          discount: string;
          min_spend: string;
          valid_until: Date;
          used_payment_id: string | null;
        }>(
          `SELECT k.id AS claim_id, c.merchant_id, c.discount, c.min_spend, c.valid_until, k.used_payment_id
             FROM merchant_coupon_claims k JOIN merchant_coupons c ON c.id = k.coupon_id
            WHERE k.coupon_id = $1 AND k.user_id = $2`,
          [couponId, userId],
        )
      : { rows: [] };
    const c = rows[0];
    if (!c) throw invalid('claim this coupon before using it', { field: 'couponId' });
    if (c.merchant_id !== m.id)
      throw invalid('this coupon is for another merchant', { field: 'couponId' });
    if (c.valid_until <= this.d.clock.now()) {
      throw invalid('this coupon has expired', { field: 'couponId' });
    }
    if (amount < Number(c.min_spend)) {
      throw invalid(`this coupon needs a payment of at least ${c.min_spend}`, {
        field: 'couponId',
      });
    }
    return { claimId: c.claim_id, couponId, discount: Number(c.discount) };
  }

  /** Marks the claim used by this payment, under its row lock: a coupon pays once. */
  private async spendCoupon(tx: Tx, coupon: CouponUse, paymentId: string, now: Date) {
    const { rowCount } = await tx.query(
      `UPDATE merchant_coupon_claims SET used_payment_id = $2, used_at = $3
        WHERE id = $1 AND (used_payment_id IS NULL OR used_payment_id = $2)`,
      [coupon.claimId, paymentId, now],
    );
    if (!rowCount) throw conflict('this coupon has already been used');
  }

  private async paymentFor(tx: Tx, id: string, payerId: string): Promise<PaymentView> {
    const p = await paymentRow(tx, id);
    if (p?.payer_id !== payerId) throw new Error(`payment ${id} exists for another payer`);
    return toPaymentView(p);
  }

  /** A payment, to its payer and to the merchant's owner; to anyone else it does not exist. */
  async payment(userId: string, id: string): Promise<PaymentView> {
    const p = await paymentRow(this.d.db, id);
    if (!p || (p.payer_id !== userId && p.owner_id !== userId)) throw notFound('payment');
    return toPaymentView(p);
  }

  /** The caller's purchases, newest first. */
  async purchases(
    userId: string,
    page: { limit: number; after?: TimeCursor; status?: string },
  ): Promise<{ items: PaymentView[]; nextCursor: string | null }> {
    return this.paymentPage('p.payer_id = $1', userId, page);
  }

  /** A merchant's payments, to its owner, newest first. */
  async merchantPayments(
    userId: string,
    merchantId: string,
    page: { limit: number; after?: TimeCursor; status?: string },
  ): Promise<{ items: PaymentView[]; nextCursor: string | null }> {
    const m = await this.owned(userId, merchantId);
    return this.paymentPage('p.merchant_id = $1', m.id, page);
  }

  private async paymentPage(
    where: string,
    value: string,
    page: { limit: number; after?: TimeCursor; status?: string },
  ): Promise<{ items: PaymentView[]; nextCursor: string | null }> {
    const params: unknown[] = [value, page.limit + 1, page.status ?? null];
    let after = '';
    if (page.after) {
      params.push(page.after.micros, page.after.id);
      after = `AND (p.created_at, p.id) < (${fromMicrosSql('$4')}, $5::uuid)`;
    }
    const { rows } = await this.d.db.query<PaymentRow & { micros: string }>(
      `SELECT * FROM (${PAYMENT_SELECT.replace('SELECT p.id,', `SELECT ${microsSql('p.created_at')} AS micros, p.id,`)}
        WHERE ${where} AND ($3::text IS NULL OR p.status = $3) ${after}
        ORDER BY p.created_at DESC, p.id DESC LIMIT $2) x`,
      params,
    );
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map(toPaymentView),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }

  /**
   * The owner moves money from the merchant's account to their own wallet. The merchant's
   * account cannot go below zero (the ledger's flag): more than it holds is insufficient_funds.
   */
  async payout(
    owner: Caller,
    merchantId: string,
    input: { amount: number; pin?: string },
    key: string | undefined,
  ) {
    const { db, clock, pipeline } = this.d;
    const m = await this.owned(owner.id, merchantId);
    await pipeline.authorize({
      payer: owner,
      pin: input.pin,
      amount: input.amount,
      currency: m.currency,
      kind: 'merchant.payout',
    });
    const id = key ? derivedId('merchant.payout', owner.id, key) : newId();
    const legs = await pipeline.legs({
      id: transferIdFor('merchant.payout', id),
      from: { account: merchantAccount(m) },
      to: { wallet: owner.id },
      amount: input.amount,
      currency: m.currency,
      kind: 'merchant.payout',
      metadata: { to: owner.id, merchantId: m.id, note: m.name },
    });
    const now = clock.now();
    await inTransaction(db, async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO merchant_payouts (id, merchant_id, amount, currency, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
        [id, m.id, input.amount, m.currency, owner.id, now],
      );
      if (inserted.rowCount === 0) return;
      await pipeline.commitIn(tx, legs, {
        insufficient: "not enough money in the merchant's account",
      });
    });
    const { rows } = await db.query<{ amount: string; currency: string; created_at: Date }>(
      'SELECT amount, currency, created_at FROM merchant_payouts WHERE id = $1',
      [id],
    );
    return {
      id,
      merchantId: m.id,
      amount: Number(rows[0]!.amount),
      currency: rows[0]!.currency,
      createdAt: rows[0]!.created_at.toISOString(),
    };
  }

  async payouts(userId: string, merchantId: string, page: { limit: number; after?: TimeCursor }) {
    const m = await this.owned(userId, merchantId);
    const params: unknown[] = [m.id, page.limit + 1];
    let after = '';
    if (page.after) {
      params.push(page.after.micros, page.after.id);
      after = `AND (created_at, id) < (${fromMicrosSql('$3')}, $4::uuid)`;
    }
    const { rows } = await this.d.db.query<{
      id: string;
      amount: string;
      currency: string;
      created_at: Date;
      micros: string;
    }>(
      `SELECT id, amount, currency, created_at, ${microsSql('created_at')} AS micros
         FROM merchant_payouts WHERE merchant_id = $1 ${after}
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => ({
        id: r.id,
        merchantId: m.id,
        amount: Number(r.amount),
        currency: r.currency,
        createdAt: r.created_at.toISOString(),
      })),
      nextCursor: rows.length > page.limit && last ? encodeTimeCursor(last.micros, last.id) : null,
    };
  }

  /**
   * The owner's dashboard: the account's balance, what waits in escrow, and per calendar day
   * (the configured time zone) of the last `days` the money received, refunded and the count.
   */
  async dashboard(userId: string, merchantId: string, days = 30) {
    const { db, ledger, clock, timeZone } = this.d;
    const m = await this.owned(userId, merchantId);
    const [account] = await ledger.accounts([merchantAccount(m) as AccountId]);
    const now = clock.now();
    const { rows: daily } = await db.query<{
      day: string;
      received: string;
      refunded: string;
      count: number;
    }>(
      `WITH days AS (
         SELECT generate_series((($2::timestamptz AT TIME ZONE $3)::date - ($4::int - 1))::timestamp,
                                ($2::timestamptz AT TIME ZONE $3)::date::timestamp, interval '1 day')::date AS day
       ), paid AS (
         SELECT (created_at AT TIME ZONE $3)::date AS day, sum(paid) AS received, count(*)::int AS n
           FROM merchant_payments
          WHERE merchant_id = $1 AND created_at >= $2::timestamptz - make_interval(days => $4::int + 1)
          GROUP BY 1
       ), back AS (
         SELECT (created_at AT TIME ZONE $3)::date AS day, sum(amount) AS refunded
           FROM merchant_refunds
          WHERE merchant_id = $1 AND created_at >= $2::timestamptz - make_interval(days => $4::int + 1)
          GROUP BY 1
       )
       SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(p.received, 0)::text AS received,
              coalesce(b.refunded, 0)::text AS refunded, coalesce(p.n, 0) AS count
         FROM days d LEFT JOIN paid p USING (day) LEFT JOIN back b USING (day)
        ORDER BY d.day`,
      [m.id, now, timeZone, days],
    );
    const { rows: held } = await db.query<{ amount: string; n: number }>(
      `SELECT coalesce(sum(paid), 0)::text AS amount, count(*)::int AS n FROM merchant_payments
        WHERE merchant_id = $1 AND status IN ('escrowed', 'disputed')`,
      [m.id],
    );
    const today = daily.at(-1)!;
    return {
      merchant: toMerchantView(m),
      balance: account
        ? Number(account.creditsPosted - account.debitsPosted - account.debitsPending)
        : 0,
      currency: m.currency,
      inEscrow: { amount: Number(held[0]!.amount), count: held[0]!.n },
      today: {
        date: today.day,
        received: Number(today.received),
        refunded: Number(today.refunded),
        count: today.count,
      },
      daily: daily.map((d) => ({
        date: d.day,
        received: Number(d.received),
        refunded: Number(d.refunded),
        count: d.count,
      })),
    };
  }
}
