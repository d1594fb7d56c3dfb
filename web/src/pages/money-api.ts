/**
 * The endpoints of the group money (members, fund, collections, shared expenses), family
 * account and IOU screens, on top of the one HTTP client in `../api.ts`. Every call that moves
 * money goes through a MoneySubmission, so a retry after a lost answer reuses its
 * Idempotency-Key and cannot move the money twice.
 */
import {
  type MoneySubmission,
  type Page,
  request,
  type Transfer,
  type TransferInput,
} from '../api.ts';
import type { SplitMethod } from '../components/split.ts';
import type { Group, GroupRole } from './social-api.ts';

const enc = encodeURIComponent;
const paged = (cursor?: string, limit = 20) => ({ query: { cursor, limit } });

// ------------------------------------------------------------------------------- group fund

export interface FundEntry {
  id: string;
  type: 'contribution' | 'spend';
  amount: number;
  currency: string;
  /** Who contributed, or who spent (the owner or a treasurer). */
  userId: string;
  nickname: string;
  /** Who a spend paid. */
  to?: { userId: string; nickname: string };
  note: string | null;
  createdAt: string;
}

export interface Fund {
  groupId: string;
  balance: number;
  currency: string;
  entries: FundEntry[];
  nextCursor: string | null;
  contributions: { userId: string; nickname: string; total: number }[];
}

// ------------------------------------------------------------------------------- collections

export type CollectionStatus = 'open' | 'completed' | 'closed';

interface CollectionBase {
  id: string;
  groupId: string;
  organizerId: string;
  organizerNickname: string;
  note: string | null;
  currency: string;
  totalAmount: number;
  paidAmount: number;
  status: CollectionStatus;
  createdAt: string;
  closedAt: string | null;
}

export interface CollectionShare {
  userId: string;
  nickname: string;
  amount: number;
  paid: boolean;
  paidAt: string | null;
}

export interface Collection extends CollectionBase {
  shares: CollectionShare[];
}

export interface CollectionSummary extends CollectionBase {
  shareCount: number;
  paidCount: number;
  myShare: { amount: number; paid: boolean } | null;
}

export interface NewCollection {
  amountEach?: number;
  totalAmount?: number;
  memberIds?: string[];
  note: string;
}

// ------------------------------------------------------------------------------- expenses

export type { SplitMethod };

export interface SplitInput {
  method: SplitMethod;
  participants: { userId: string; value?: number }[];
}

export interface ExpenseSnapshot {
  /** Null while moderation holds it, except for the member who wrote it. */
  description: string | null;
  descriptionHeld: boolean;
  amount: number;
  currency: string;
  paidBy: string;
  split: { method: SplitMethod; participants: { userId: string; value?: number; owed: number }[] };
  occurredAt: string;
}

export interface Expense extends ExpenseSnapshot {
  id: string;
  groupId: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  deletedAt: string | null;
}

export interface ExpenseEvent {
  version: number;
  action: 'created' | 'edited' | 'deleted';
  actorId: string;
  at: string;
  before: ExpenseSnapshot | null;
  after: ExpenseSnapshot | null;
}

export interface ExpenseInput {
  description: string;
  amount: number;
  paidBy: string;
  split: SplitInput;
  occurredAt?: string;
}

export interface Balances {
  currency: string;
  /** `net` > 0: the member is owed; < 0: the member owes. */
  balances: { userId: string; nickname: string; net: number }[];
  /** The fewest transfers that settle every balance. */
  simplified: { from: string; to: string; amount: number }[];
}

export interface Settlement {
  id: string;
  groupId: string;
  from: { userId: string };
  to: { userId: string };
  amount: number;
  currency: string;
  transferId: string;
  createdAt: string;
}

// ------------------------------------------------------------------------------- family

export type FamilyRelation =
  | 'parent'
  | 'child'
  | 'partner'
  | 'sibling'
  | 'grandparent'
  | 'grandchild'
  | 'other';

export const FAMILY_RELATIONS: readonly FamilyRelation[] = [
  'parent',
  'child',
  'partner',
  'sibling',
  'grandparent',
  'grandchild',
  'other',
];

export interface FamilyLink {
  id: string;
  /** My side of the link: the payer pays for the member. */
  role: 'payer' | 'member';
  payerId: string;
  payerNickname: string;
  memberUserId: string;
  memberNickname: string;
  /** What the member is to the payer. */
  relation: FamilyRelation;
  monthlyLimit: number;
  currency: string;
  month: string;
  spentThisMonth: number;
  remainingThisMonth: number;
  status: 'active' | 'unlinked' | 'declined';
  createdAt: string;
  endedAt?: string;
}

/** A transfer paid from a family link's payer's wallet (`POST /transfers` with a funding source). */
export type FamilyTransferInput = TransferInput & { fundingSource?: { familyLinkId: string } };

// ------------------------------------------------------------------------------- IOUs

export type IouStatus =
  | 'requested'
  | 'active'
  | 'overdue'
  | 'repaid'
  | 'forgiven'
  | 'declined'
  | 'cancelled';

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
  /** The last day to repay, `YYYY-MM-DD`. */
  dueDate: string;
  purpose: string;
  outstanding: number;
  principalOutstanding: number;
  interestAccrued: number;
  interestPaid: number;
  forgivenAmount: number;
  createdAt: string;
  acceptedAt: string | null;
  closedAt: string | null;
}

export interface IouRepayment {
  id: string;
  amount: number;
  interestPart: number;
  principalPart: number;
  createdAt: string;
}

export interface Iou extends IouSummary {
  repayments: IouRepayment[];
  events: {
    kind: string;
    actorId: string | null;
    amount: number | null;
    createdAt: string;
  }[];
}

export interface NewIou {
  lenderId: string;
  amount: number;
  annualRateBps: number;
  dueDate: string;
  purpose: string;
}

// ------------------------------------------------------------------------------- calls

export const groupApi = {
  addMember: (groupId: string, userId: string) =>
    request<Group>('POST', `/groups/${enc(groupId)}/members`, { body: { userId } }),
  changeRole: (groupId: string, userId: string, role: GroupRole) =>
    request<Group>('PATCH', `/groups/${enc(groupId)}/members/${enc(userId)}`, { body: { role } }),
  /** Removing oneself is leaving. */
  removeMember: (groupId: string, userId: string) =>
    request<void>('DELETE', `/groups/${enc(groupId)}/members/${enc(userId)}`),

  fund: (groupId: string, cursor?: string) =>
    request<Fund>('GET', `/groups/${enc(groupId)}/fund`, paged(cursor)),

  collections: (groupId: string, cursor?: string) =>
    request<Page<CollectionSummary>>('GET', `/groups/${enc(groupId)}/collections`, paged(cursor)),
  collection: (id: string) => request<Collection>('GET', `/collections/${enc(id)}`),
  createCollection: (groupId: string, body: NewCollection) =>
    request<Collection>('POST', `/groups/${enc(groupId)}/collections`, { body }),
  remind: (id: string) =>
    request<{ remindedUserIds: string[] }>('POST', `/collections/${enc(id)}/reminders`, {
      body: {},
    }),
  closeCollection: (id: string) =>
    request<Collection>('POST', `/collections/${enc(id)}/close`, { body: {} }),

  expenses: (groupId: string, cursor?: string) =>
    request<Page<Expense>>('GET', `/groups/${enc(groupId)}/expenses`, paged(cursor)),
  expense: (id: string) => request<Expense>('GET', `/expenses/${enc(id)}`),
  editExpense: (id: string, body: Partial<ExpenseInput>) =>
    request<Expense>('PATCH', `/expenses/${enc(id)}`, { body }),
  deleteExpense: (id: string) => request<void>('DELETE', `/expenses/${enc(id)}`),
  expenseHistory: (id: string, cursor?: string) =>
    request<Page<ExpenseEvent>>('GET', `/expenses/${enc(id)}/history`, paged(cursor)),
  balances: (groupId: string) => request<Balances>('GET', `/groups/${enc(groupId)}/balances`),
  settlements: (groupId: string, cursor?: string) =>
    request<Page<Settlement>>('GET', `/groups/${enc(groupId)}/settlements`, paged(cursor)),
};

export const familyApi = {
  links: (cursor?: string) => request<Page<FamilyLink>>('GET', '/family/links', paged(cursor, 50)),
  changeLimit: (id: string, body: { monthlyLimit: number; pin?: string }) =>
    request<FamilyLink>('PATCH', `/family/links/${enc(id)}`, { body }),
  unlink: (id: string) => request<void>('DELETE', `/family/links/${enc(id)}`),
  decline: (id: string) => request<FamilyLink>('POST', `/family/links/${enc(id)}/decline`),
};

export const iouApi = {
  list: (role: 'borrower' | 'lender', cursor?: string) =>
    request<Page<IouSummary>>('GET', '/ious', { query: { role, cursor, limit: 20 } }),
  iou: (id: string) => request<Iou>('GET', `/ious/${enc(id)}`),
  decline: (id: string) =>
    request<{ status: 'declined' }>('POST', `/ious/${enc(id)}/decline`, { body: {} }),
  cancel: (id: string) =>
    request<{ status: 'cancelled' }>('POST', `/ious/${enc(id)}/cancel`, { body: {} }),
};

/** Calls that move money (or authorise it later, like a family link): one MoneySubmission each. */
export const groupMoney = {
  contribute: (
    s: MoneySubmission,
    groupId: string,
    body: { amount: number; note?: string; pin?: string },
  ) => s.post<FundEntry>(`/groups/${enc(groupId)}/fund/contributions`, body),
  spend: (
    s: MoneySubmission,
    groupId: string,
    body: { amount: number; to: { userId: string }; note: string; pin?: string },
  ) => s.post<FundEntry>(`/groups/${enc(groupId)}/fund/spends`, body),
  payCollection: (s: MoneySubmission, id: string, pin?: string) =>
    s.post<{ amount: number; transferId: string }>(
      `/collections/${enc(id)}/payments`,
      pin ? { pin } : {},
    ),
  recordExpense: (s: MoneySubmission, groupId: string, body: ExpenseInput) =>
    s.post<Expense>(`/groups/${enc(groupId)}/expenses`, body),
  settle: (
    s: MoneySubmission,
    groupId: string,
    body: { to: string; amount: number; pin?: string },
  ) => s.post<Settlement>(`/groups/${enc(groupId)}/settlements`, body),
};

export const familyMoney = {
  link: (
    s: MoneySubmission,
    body: { memberUserId: string; monthlyLimit: number; relation: FamilyRelation; pin?: string },
  ) => s.post<FamilyLink>('/family/links', body),
  pay: (s: MoneySubmission, body: FamilyTransferInput) => s.post<Transfer>('/transfers', body),
};

export const iouMoney = {
  request: (s: MoneySubmission, body: NewIou) =>
    s.post<{ id: string; status: 'requested' }>('/ious', body),
  accept: (s: MoneySubmission, id: string, pin?: string) =>
    s.post<{ status: 'active' }>(`/ious/${enc(id)}/accept`, pin ? { pin } : {}),
  repay: (s: MoneySubmission, id: string, body: { amount: number; pin?: string }) =>
    s.post<IouRepayment & { status: IouStatus; outstanding: number }>(
      `/ious/${enc(id)}/repayments`,
      body,
    ),
  forgive: (s: MoneySubmission, id: string, pin?: string) =>
    s.post<{ status: 'forgiven'; forgivenAmount: number }>(
      `/ious/${enc(id)}/forgive`,
      pin ? { pin } : {},
    ),
};

const DEFAULT_MAX_RATE_BPS = 2400;
let maxRateCache: Promise<number> | undefined;

/**
 * The IOU rate cap as this server is configured (`GET /limits`). The product's default (24%)
 * stands in if it cannot be read; the server checks the rate again either way.
 */
export function iouMaxRateBps(): Promise<number> {
  maxRateCache ??= request<{ ious: { maxRateBps: number } }>('GET', '/limits')
    .then((limits) => limits.ious.maxRateBps)
    .catch(() => {
      maxRateCache = undefined;
      return DEFAULT_MAX_RATE_BPS;
    });
  return maxRateCache;
}
