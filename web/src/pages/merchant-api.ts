/**
 * Merchants, QR payments, escrow, reviews and coupons (口碑), on the one HTTP client. Payments,
 * confirmations, refunds and payouts go through a MoneySubmission: a retry reuses its key.
 */
import { type MoneySubmission, type Page, request } from '../api.ts';

const enc = encodeURIComponent;

export interface Rating {
  average: number | null;
  count: number;
}

export interface Merchant {
  id: string;
  name: string;
  category: string;
  address: string;
  location: { lat: number; lng: number };
  status: 'active' | 'closed';
  currency: string;
  rating: Rating;
  ownerId: string;
  createdAt: string;
}

export type PaymentStatus = 'completed' | 'escrowed' | 'disputed' | 'resolved';

export interface MerchantPayment {
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
  refundable: number;
  releaseAt: string | null;
  releasedAt: string | null;
  dispute: { id: string; status: 'open' | 'resolved' } | null;
  reviewed: boolean;
  createdAt: string;
}

export interface QrResolution {
  merchant: { id: string; name: string; category: string };
  currency: string;
  amount?: number;
  paymentRequestId?: string;
  expiresAt?: string;
  note?: string | null;
}

export interface DayTotals {
  date: string;
  received: number;
  refunded: number;
  count: number;
}

export interface Dashboard {
  merchant: Merchant;
  balance: number;
  currency: string;
  inEscrow: { amount: number; count: number };
  today: DayTotals;
  daily: DayTotals[];
}

export interface Review {
  id: string;
  merchantId: string;
  paymentId: string;
  author: { userId: string; nickname: string };
  rating: number;
  text: string;
  status: 'published' | 'held' | 'taken_down';
  createdAt: string;
}

export interface Coupon {
  id: string;
  merchantId: string;
  merchantName: string;
  title: string;
  discount: number;
  minSpend: number;
  quantity: number;
  claimed: number;
  remaining: number;
  currency: string;
  validUntil: string;
  myClaim?: { claimedAt: string; usedPaymentId: string | null } | null;
}

export interface NearbyMerchant {
  id: string;
  name: string;
  category: string;
  address: string;
  location: { lat: number; lng: number };
  distanceM: number;
  rating: Rating;
}

export const CATEGORIES = [
  'food',
  'coffee',
  'grocery',
  'retail',
  'services',
  'transit',
  'bike',
  'utilities',
] as const;

export interface PayInput {
  payload?: string;
  merchantId?: string;
  amount?: number;
  couponId?: string;
  escrow?: boolean;
  pin?: string;
}

export const merchantApi = {
  register: (body: {
    name: string;
    category: string;
    address: string;
    location: { lat: number; lng: number };
  }) => request<Merchant>('POST', '/merchants', { body }),
  mine: () => request<{ items: Merchant[] }>('GET', '/merchants/mine'),
  merchant: (id: string) => request<Merchant>('GET', `/merchants/${enc(id)}`),
  nearby: (q: { lat: number; lng: number; radiusM: number; category?: string }) =>
    request<Page<NearbyMerchant>>('GET', '/merchants', {
      query: { near: `${q.lat},${q.lng}`, radiusM: q.radiusM, category: q.category, limit: 50 },
    }),
  staticQr: (id: string) => request<{ payload: string }>('GET', `/merchants/${enc(id)}/qr`),
  createRequest: (id: string, body: { amount: number; note?: string; expiresInSeconds?: number }) =>
    request<{ id: string; payload: string; amount: number; expiresAt: string }>(
      'POST',
      `/merchants/${enc(id)}/payment-requests`,
      { body },
    ),
  resolve: (payload: string) => request<QrResolution>('POST', '/qr/resolve', { body: { payload } }),
  dashboard: (id: string) => request<Dashboard>('GET', `/merchants/${enc(id)}/dashboard`),
  merchantPayments: (id: string, cursor?: string) =>
    request<Page<MerchantPayment>>('GET', `/merchants/${enc(id)}/payments`, {
      query: { cursor, limit: 20 },
    }),
  purchases: (cursor?: string) =>
    request<Page<MerchantPayment>>('GET', '/payments', { query: { cursor, limit: 20 } }),
  payment: (id: string) => request<MerchantPayment>('GET', `/payments/${enc(id)}`),
  dispute: (id: string, reason: string) =>
    request<{ id: string }>('POST', `/payments/${enc(id)}/disputes`, { body: { reason } }),
  reviews: (id: string) =>
    request<Page<Review> & { rating: Rating }>('GET', `/merchants/${enc(id)}/reviews`),
  review: (id: string, body: { paymentId: string; rating: number; text: string }) =>
    request<Review>('POST', `/merchants/${enc(id)}/reviews`, { body }),
  coupons: (id: string) => request<{ items: Coupon[] }>('GET', `/merchants/${enc(id)}/coupons`),
  myCoupons: () => request<{ items: Coupon[] }>('GET', '/coupons'),
  issueCoupon: (
    id: string,
    body: {
      title: string;
      discount: number;
      minSpend: number;
      quantity: number;
      validUntil: string;
    },
  ) => request<Coupon>('POST', `/merchants/${enc(id)}/coupons`, { body }),
  claimCoupon: (id: string) => request<Coupon>('POST', `/coupons/${enc(id)}/claims`, { body: {} }),
};

export const merchantMoney = {
  pay: (s: MoneySubmission, body: PayInput) => s.post<MerchantPayment>('/payments', body),
  confirm: (s: MoneySubmission, id: string) =>
    s.post<MerchantPayment>(`/payments/${enc(id)}/confirm`, {}),
  refund: (s: MoneySubmission, id: string, body: { amount: number; pin?: string }) =>
    s.post<{ id: string; payment: MerchantPayment }>(`/payments/${enc(id)}/refunds`, body),
  payout: (s: MoneySubmission, id: string, body: { amount: number; pin?: string }) =>
    s.post<{ id: string; amount: number }>(`/merchants/${enc(id)}/payouts`, body),
};
