/**
 * The one HTTP client of the web app. It talks to the same origin with the session cookie,
 * adds the double-submit CSRF header to every non-GET request, turns problem+json answers into
 * a typed ApiError, and gives money-moving POSTs an Idempotency-Key that a retry reuses.
 */

export type ErrorCode =
  | 'validation_error'
  | 'malformed_json'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'idempotency_conflict'
  | 'insufficient_funds'
  | 'limit_exceeded'
  | 'pin_invalid'
  | 'pin_locked'
  | 'pin_required'
  | 'verification_required'
  | 'blocked'
  | 'content_rejected'
  | 'banned'
  | 'rate_limited'
  | 'expired'
  | 'already_claimed'
  | 'sold_out'
  | 'risk_denied'
  | 'risk_challenge'
  // Client-side: the server answered 202 held (the money is reserved until an operator decides).
  | 'risk_held'
  | 'bank_declined'
  | 'csrf_failed'
  | 'internal_error'
  | 'gone'
  | 'rule_forbidden'
  | 'rule_not_met'
  // Client-side: the request never got an answer, or the answer was not a problem document.
  | 'network_error'
  | 'unknown';

export const ERROR_CODES: readonly ErrorCode[] = [
  'validation_error',
  'malformed_json',
  'unsupported_media_type',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'idempotency_conflict',
  'insufficient_funds',
  'limit_exceeded',
  'pin_invalid',
  'pin_locked',
  'pin_required',
  'verification_required',
  'blocked',
  'content_rejected',
  'banned',
  'rate_limited',
  'expired',
  'already_claimed',
  'sold_out',
  'risk_denied',
  'risk_challenge',
  'risk_held',
  'bank_declined',
  'csrf_failed',
  'internal_error',
  'gone',
  'rule_forbidden',
  'rule_not_met',
  'network_error',
  'unknown',
];

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  field?: string;
  reason?: string;
  triesLeft?: number;
  lockedUntil?: string;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.code = (ERROR_CODES as readonly string[]).includes(problem.code ?? '')
      ? (problem.code as ErrorCode)
      : status === 0
        ? 'network_error'
        : 'unknown';
  }
  get field(): string | undefined {
    return typeof this.problem.field === 'string' ? this.problem.field : undefined;
  }
  /**
   * The server gave a final answer for this request (and kept it under the Idempotency-Key),
   * so the next submission needs a fresh key. Network failures, 5xx answers, a request still in
   * progress and refusals that happen before the request is recorded keep the key for a retry.
   */
  get final(): boolean {
    if (this.status === 0 || this.status >= 500) return false;
    return !['conflict', 'rate_limited', 'unauthorized', 'csrf_failed'].includes(this.code);
  }
}

// ---------------------------------------------------------------------------------- types

export type Visibility = 'public' | 'friends' | 'private';

export interface PublicUser {
  id: string;
  phone: string;
  nickname: string;
  verified: boolean;
}

export interface Me extends PublicUser {
  role: string;
  hasPin: boolean;
  /** A code texted to the phone came back: needed before real-name verification and money. */
  phoneVerified: boolean;
  verification?: { realName: string; idNumber: string; birthDate: string; gender: string };
  creditScore?: number;
  createdAt: string;
}

export interface Session {
  id: string;
  device: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

export interface Balance {
  currency: string;
  available: number;
  pending: number;
  held: number;
}

export interface TopUp {
  id: string;
  status: string;
  amount: number;
  currency: string;
  createdAt?: string;
}

export interface Withdrawal {
  id: string;
  status: 'pending' | 'succeeded' | 'failed';
  amount: number;
  currency: string;
  createdAt: string;
  failureReason?: string;
}

export interface Transfer {
  id: string;
  status: 'completed' | 'pending' | 'refunded' | string;
  amount: number;
  currency: string;
  from: { userId: string };
  to: { userId: string };
  note: string | null;
  visibility: Visibility;
  createdAt: string;
  expiresAt?: string;
}

export interface Transaction {
  id: string;
  type: string;
  direction: 'in' | 'out';
  status: 'completed' | 'pending' | 'refunded' | 'failed' | string;
  amount: number;
  currency: string;
  counterparty?: { userId: string; nickname: string };
  note?: string;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Statement {
  month: string;
  currency: string;
  openingBalance: number;
  closingBalance: number;
  totalIn: number;
  totalOut: number;
  count: number;
  byType: { type: string; totalIn: number; totalOut: number; count: number }[];
}

export interface Notification {
  id: string;
  seq: number;
  kind: string;
  data: Record<string, unknown>;
  createdAt: string;
  read: boolean;
}

/** The money a notification is about, whichever field carries it. */
export function amountOf(n: Notification): number | undefined {
  for (const key of ['amount', 'refundedAmount', 'claimedAmount']) {
    const value = n.data[key];
    if (typeof value === 'number') return value;
  }
  return undefined;
}

export interface HistoryFilter {
  type?: string;
  /** ISO date-time, inclusive. */
  from?: string;
  /** ISO date-time, exclusive. */
  to?: string;
  currency?: string;
}

// ---------------------------------------------------------------------------------- transport

const CSRF_COOKIE = 'hebao_csrf';

function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** A random v4 UUID; `crypto.randomUUID` exists only in secure contexts (https, localhost). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const DEVICE_KEY = 'hebao.device';
let deviceId: string | undefined;
/**
 * This browser's device id (X-Device-Id), made once and kept in localStorage: the server records
 * the devices each account used (a risk signal, and what a permanent ban covers).
 */
export function currentDeviceId(): string {
  if (deviceId) return deviceId;
  try {
    deviceId = localStorage.getItem(DEVICE_KEY) ?? undefined;
    if (!deviceId) {
      deviceId = `web-${uuid()}`;
      localStorage.setItem(DEVICE_KEY, deviceId);
    }
  } catch {
    // Storage unavailable (private mode): one id for this page's life.
    deviceId ??= `web-${uuid()}`;
  }
  return deviceId;
}

type Listener = (error: ApiError) => void;
const bannedListeners = new Set<Listener>();
/** Called when any request answers 403 `banned`: the account was banned (sessions ended). */
export function onBanned(listener: Listener): () => void {
  bannedListeners.add(listener);
  return () => bannedListeners.delete(listener);
}
const unauthorizedListeners = new Set<Listener>();
/** Called when any request answers 401: the session ended (signed out elsewhere, expired). */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

type Query = Record<string, string | number | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

interface RequestOptions {
  body?: unknown;
  query?: Query;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Extra request headers (the campaign draw's X-Device-Id). */
  headers?: Record<string, string>;
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'x-device-id': currentDeviceId(),
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  Object.assign(headers, options.headers);
  let res: Response;
  try {
    res = await fetch(`/api/v1${withQuery(path, options.query)}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, { detail: (err as Error).message, code: 'network_error' });
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  const payload: unknown = type.includes('json')
    ? await res.json().catch(() => undefined)
    : undefined;
  if (!res.ok) {
    const problem: Problem =
      payload && typeof payload === 'object' ? (payload as Problem) : { status: res.status };
    const error = new ApiError(res.status, problem);
    if (res.status === 401 && !path.startsWith('/auth/')) {
      for (const l of unauthorizedListeners) l(error);
    }
    if (error.code === 'banned' && !path.startsWith('/auth/') && path !== '/me/verification') {
      for (const l of bannedListeners) l(error);
    }
    throw error;
  }
  return payload as T;
}

/** What confirms a payment besides the PIN: a passkey assertion (AuthenticationResponseJSON). */
export interface PaymentProof {
  pin?: string;
  passkey?: unknown;
}

/**
 * How the app asks the person when risk control answers: a challenge (confirm again with the
 * PIN or a passkey; null = they cancelled) and a hold (told clearly). Set by <RiskDialogs>.
 */
export interface RiskUi {
  challenge(reason: string): Promise<PaymentProof | null>;
  held(id: string): void;
}
let riskUi: RiskUi | undefined;
export function setRiskUi(ui: RiskUi | undefined): void {
  riskUi = ui;
}

let armedPasskey: unknown;
/** The next money submission is confirmed with this passkey assertion instead of the PIN. */
export function armPasskey(assertion: unknown): void {
  armedPasskey = assertion;
}

function withProof(body: object, proof: PaymentProof): object {
  const { pin: _pin, passkey: _passkey, ...rest } = body as PaymentProof & Record<string, unknown>;
  return { ...rest, ...proof };
}

/**
 * One money-moving form. Each submission gets an Idempotency-Key; submitting the very same body
 * again after a failure that was not final (a lost connection, a 5xx) reuses the key, so the
 * server answers with the original result instead of moving money twice.
 *
 * Risk control is answered here for every form: a 428 challenge asks the person (PIN or
 * passkey) and repeats the request with `riskChallengeId` (a new body, so a new key); a 202 hold
 * is shown and then reported to the form as the error `risk_held` (nothing completed yet).
 */
export class MoneySubmission {
  private key: string | undefined;
  private fingerprint: string | undefined;

  async post<T>(path: string, body: object): Promise<T> {
    let sent = body;
    if (armedPasskey !== undefined) {
      sent = withProof(body, { passkey: armedPasskey });
      armedPasskey = undefined;
    }
    let result: T;
    try {
      result = await this.send<T>(path, sent);
    } catch (err) {
      const challenge = err instanceof ApiError ? err.problem.challenge : undefined;
      if (!(err instanceof ApiError) || err.code !== 'risk_challenge' || !riskUi || !challenge) {
        throw err;
      }
      const { id, reason } = challenge as { id: string; reason: string };
      const proof = await riskUi.challenge(reason);
      if (!proof) throw err;
      return this.post<T>(path, { ...withProof(sent, proof), riskChallengeId: id });
    }
    const held = result as { id?: string; status?: string } | undefined;
    if (held?.status === 'held' && typeof held.id === 'string') {
      riskUi?.held(held.id);
      throw new ApiError(202, { status: 202, code: 'risk_held', id: held.id });
    }
    return result;
  }

  private async send<T>(path: string, body: object): Promise<T> {
    const fingerprint = `${path} ${JSON.stringify(body)}`;
    if (!this.key || fingerprint !== this.fingerprint) {
      this.key = uuid();
      this.fingerprint = fingerprint;
    }
    try {
      const result = await request<T>('POST', path, { body, idempotencyKey: this.key });
      this.reset();
      return result;
    } catch (err) {
      if (err instanceof ApiError && err.final) this.reset();
      throw err;
    }
  }

  /** The key the next identical submission would use (for tests and diagnostics). */
  get currentKey(): string | undefined {
    return this.key;
  }

  reset(): void {
    this.key = undefined;
    this.fingerprint = undefined;
  }
}

// ---------------------------------------------------------------------------------- endpoints

export const api = {
  register: (body: { phone: string; password: string; nickname: string }) =>
    request<{ token: string; user: PublicUser }>('POST', '/auth/register', { body }),
  login: (body: { phone: string; password: string }) =>
    request<{ token: string; user: PublicUser }>('POST', '/auth/login', { body }),
  phoneCode: (body: { phone: string; purpose: 'verify' | 'reset' }) =>
    request<void>('POST', '/auth/phone-codes', { body }),
  resetPassword: (body: { phone: string; code: string; newPassword: string }) =>
    request<void>('POST', '/auth/password-reset', { body }),
  logout: () => request<void>('POST', '/auth/logout'),
  logoutAll: () => request<void>('POST', '/auth/logout-all'),
  me: (signal?: AbortSignal) => request<Me>('GET', '/me', signal ? { signal } : {}),
  verify: (body: { realName: string; idNumber: string }) =>
    request<Me>('POST', '/me/verification', { body }),
  verifyPhone: (body: { code: string }) => request<Me>('POST', '/me/phone-verification', { body }),
  setPin: (body: { pin: string; currentPin?: string }) => request<void>('PUT', '/me/pin', { body }),
  sessions: () => request<{ items: Session[] }>('GET', '/me/sessions'),
  revokeSession: (id: string) => request<void>('DELETE', `/me/sessions/${encodeURIComponent(id)}`),

  wallet: () => request<{ balances: Balance[] }>('GET', '/wallet'),
  transactions: (filter: HistoryFilter & { cursor?: string; limit?: number } = {}) =>
    request<Page<Transaction>>('GET', '/transactions', { query: { ...filter } }),
  transaction: (id: string) =>
    request<Transaction>('GET', `/transactions/${encodeURIComponent(id)}`),
  statement: (month: string, currency = 'CNY') =>
    request<Statement>('GET', `/statements/${month}`, { query: { currency } }),
  csvUrl: (filter: HistoryFilter = {}) => `/api/v1${withQuery('/transactions.csv', { ...filter })}`,
  resolveTransfer: (id: string, action: 'accept' | 'decline') =>
    request<Transfer>('POST', `/transfers/${encodeURIComponent(id)}/${action}`),

  notifications: (cursor?: string) =>
    request<Page<Notification> & { unread: number }>('GET', '/notifications', {
      query: { cursor, limit: 20 },
    }),
  unreadCount: () => request<{ unread: number }>('GET', '/notifications/unread-count'),
  markRead: (body: { ids?: string[]; all?: boolean }) =>
    request<{ unread: number }>('POST', '/notifications/read', { body }),
};

export interface TransferInput {
  to: { userId: string } | { phone: string };
  amount: number;
  currency?: string;
  note?: string;
  visibility?: Visibility;
  pin?: string;
  requireAcceptance?: boolean;
}

/** Money-moving calls; each form keeps one MoneySubmission so retries reuse the key. */
export const money = {
  topUp: (s: MoneySubmission, body: { amount: number; currency?: string }) =>
    s.post<TopUp>('/wallet/topups', body),
  withdraw: (s: MoneySubmission, body: { amount: number; currency?: string; pin?: string }) =>
    s.post<Withdrawal>('/wallet/withdrawals', body),
  transfer: (s: MoneySubmission, body: TransferInput) => s.post<Transfer>('/transfers', body),
};

export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export const passkeys = {
  list: () => request<{ items: Passkey[] }>('GET', '/me/passkeys'),
  registrationOptions: () =>
    request<Record<string, unknown>>('POST', '/me/passkeys/registration-options', { body: {} }),
  register: (body: { response: unknown; name?: string }) =>
    request<Passkey>('POST', '/me/passkeys', { body }),
  remove: (id: string) => request<void>('DELETE', `/me/passkeys/${encodeURIComponent(id)}`),
  assertionOptions: () =>
    request<Record<string, unknown>>('POST', '/me/passkeys/assertion-options', { body: {} }),
};
