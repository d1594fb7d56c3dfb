/** The merchants module's rows and their views: SQL that several use cases share. */
import type { Queryable } from '../../db/pool.ts';
import { notFound } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import type { AccountId } from '../ledger/index.ts';

export type PaymentStatus = 'completed' | 'escrowed' | 'disputed' | 'resolved';

export interface MerchantRow {
  id: string;
  owner_id: string;
  name: string;
  category: string;
  address: string;
  lat: number;
  lng: number;
  status: 'active' | 'closed';
  currency: string;
  account_id: string;
  rating_sum: string;
  rating_count: number;
  created_at: Date;
}

export const MERCHANT_COLUMNS =
  'm.id, m.owner_id, m.name, m.category, m.address, m.lat, m.lng, m.status, m.currency, m.account_id, m.rating_sum, m.rating_count, m.created_at';

export interface MerchantView {
  id: string;
  name: string;
  category: string;
  address: string;
  location: { lat: number; lng: number };
  status: 'active' | 'closed';
  currency: string;
  rating: { average: number | null; count: number };
  ownerId: string;
  createdAt: string;
}

/** Average to one decimal place (4.25 → 4.3); null while nobody has rated. */
export function ratingOf(sum: number, count: number): { average: number | null; count: number } {
  return { average: count === 0 ? null : Math.round((sum * 10) / count) / 10, count };
}

export function toMerchantView(m: MerchantRow): MerchantView {
  return {
    id: m.id,
    name: m.name,
    category: m.category,
    address: m.address,
    location: { lat: m.lat, lng: m.lng },
    status: m.status,
    currency: m.currency,
    rating: ratingOf(Number(m.rating_sum), m.rating_count),
    ownerId: m.owner_id,
    createdAt: m.created_at.toISOString(),
  };
}

export const merchantAccount = (m: MerchantRow) => Number(m.account_id) as AccountId;

export async function merchantRow(
  q: Queryable,
  id: string,
  lock = '',
): Promise<MerchantRow | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await q.query<MerchantRow>(
    `SELECT ${MERCHANT_COLUMNS} FROM merchants m WHERE m.id = $1 ${lock}`,
    [id],
  );
  return rows[0];
}

export async function requireMerchant(q: Queryable, id: string): Promise<MerchantRow> {
  const m = await merchantRow(q, id);
  if (!m) throw notFound('merchant');
  return m;
}

export interface PaymentRow {
  id: string;
  merchant_id: string;
  merchant_name: string;
  owner_id: string;
  payer_id: string;
  payer_nickname: string;
  wallet_owner_id: string;
  family_link_id: string | null;
  request_id: string | null;
  coupon_id: string | null;
  amount: string;
  discount: string;
  paid: string;
  currency: string;
  status: PaymentStatus;
  transfer_id: string;
  escrow_account_id: string | null;
  release_transfer_id: string | null;
  release_at: Date | null;
  released_at: Date | null;
  merchant_received: string;
  refunded: string;
  note: string | null;
  created_at: Date;
  dispute_id: string | null;
  dispute_status: 'open' | 'resolved' | null;
  reviewed: boolean;
}

/** `coupon_id` and `reviewed` read tables of later migrations through to_regclass-free joins. */
export const PAYMENT_SELECT = `
  SELECT p.id, p.merchant_id, m.name AS merchant_name, m.owner_id, p.payer_id, u.nickname AS payer_nickname,
         p.wallet_owner_id, p.family_link_id, p.request_id,
         (SELECT c.coupon_id FROM merchant_coupon_claims c WHERE c.id = p.coupon_claim_id) AS coupon_id,
         p.amount, p.discount, p.paid, p.currency, p.status, p.transfer_id, p.escrow_account_id,
         p.release_transfer_id, p.release_at, p.released_at, p.merchant_received, p.refunded, p.note,
         p.created_at, d.id AS dispute_id, d.status AS dispute_status,
         EXISTS (SELECT 1 FROM merchant_reviews r WHERE r.payment_id = p.id) AS reviewed
    FROM merchant_payments p
    JOIN merchants m ON m.id = p.merchant_id
    JOIN users u ON u.id = p.payer_id
    LEFT JOIN merchant_disputes d ON d.payment_id = p.id`;

export interface PaymentView {
  id: string;
  status: PaymentStatus;
  escrow: boolean;
  amount: number;
  discount: number;
  paid: number;
  currency: string;
  merchant: { id: string; name: string };
  payer: { userId: string; nickname: string };
  paymentRequestId: string | null;
  couponId: string | null;
  note: string | null;
  refunded: number;
  /** What the owner may still refund: what the merchant received less refunds so far. */
  refundable: number;
  releaseAt: string | null;
  releasedAt: string | null;
  dispute: { id: string; status: 'open' | 'resolved' } | null;
  reviewed: boolean;
  createdAt: string;
}

export function toPaymentView(p: PaymentRow): PaymentView {
  return {
    id: p.id,
    status: p.status,
    escrow: p.escrow_account_id !== null,
    amount: Number(p.amount),
    discount: Number(p.discount),
    paid: Number(p.paid),
    currency: p.currency,
    merchant: { id: p.merchant_id, name: p.merchant_name },
    payer: { userId: p.payer_id, nickname: p.payer_nickname },
    paymentRequestId: p.request_id,
    couponId: p.coupon_id,
    note: p.note,
    refunded: Number(p.refunded),
    refundable:
      p.status === 'completed' || p.status === 'resolved'
        ? Number(p.merchant_received) - Number(p.refunded)
        : 0,
    releaseAt: p.release_at?.toISOString() ?? null,
    releasedAt: p.released_at?.toISOString() ?? null,
    dispute: p.dispute_id ? { id: p.dispute_id, status: p.dispute_status! } : null,
    reviewed: p.reviewed,
    createdAt: p.created_at.toISOString(),
  };
}

export async function paymentRow(
  q: Queryable,
  id: string,
  lock = false,
): Promise<PaymentRow | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await q.query<PaymentRow>(
    `${PAYMENT_SELECT} WHERE p.id = $1 ${lock ? 'FOR UPDATE OF p' : ''}`,
    [id],
  );
  return rows[0];
}
