/**
 * The credit score (信用分), as a pure function of plain inputs: no I/O, no clock, no
 * randomness, so the same data always gives the same score. docs/credit.md describes every
 * input, weight, band and reason code with worked examples; keep the two in step.
 *
 * Never an input: gender, age (the person's, not the account's), marital status, location,
 * or anybody else's score. Connections measure one's own payment relationships only.
 */

/** Bumped whenever the arithmetic below changes, so stored scores say which model made them. */
export const CREDIT_MODEL_VERSION = 1;

export const MIN_SCORE = 350;
export const MAX_SCORE = 950;

export type Dimension = 'identity' | 'behaviour' | 'connections' | 'history' | 'capacity';
export type Band = 'poor' | 'fair' | 'good' | 'very_good' | 'excellent';

/** Weights in percent; they sum to 100. History weighs most: it is what a lender needs to know. */
export const WEIGHTS: Readonly<Record<Dimension, number>> = {
  identity: 20,
  behaviour: 15,
  connections: 15,
  history: 35,
  capacity: 15,
};

export const DIMENSIONS: readonly Dimension[] = [
  'identity',
  'behaviour',
  'connections',
  'history',
  'capacity',
];

/** Lower bounds of each band, highest first (PRODUCT.md's reference bands). */
export const BANDS: readonly { band: Band; from: number }[] = [
  { band: 'excellent', from: 700 },
  { band: 'very_good', from: 650 },
  { band: 'good', from: 600 },
  { band: 'fair', from: 550 },
  { band: 'poor', from: MIN_SCORE },
];

export interface CreditInputs {
  identity: {
    /** Real-name verification (实名认证) done. */
    realNameVerified: boolean;
    phoneVerified: boolean;
    /** A payment PIN is set. */
    pinSet: boolean;
    /** Whole days since the account was registered (the account's age, not the person's). */
    accountAgeDays: number;
  };
  behaviour: {
    /** Completed payments out of the wallet in the last 90 days. */
    paymentsOut90d: number;
    /** Of the last 13 weeks, how many had at least one completed payment in or out. */
    activeWeeks90d: number;
  };
  connections: {
    /** Distinct people paid or paid by, wallet to wallet, in the last 365 days. */
    counterparties: number;
    /** Of them, how many money went both ways with (paid and paid by). */
    reciprocal: number;
    /**
     * Of them, how many the first payment with was 90 days ago or more. A count, not an
     * average: paying someone new must never make the old relationships count for less.
     */
    lasting: number;
  };
  history: {
    /** IOUs borrowed and repaid in full by their due date. */
    repaidOnTime: number;
    /** IOUs borrowed and repaid in full after their due date. */
    repaidLate: number;
    /** IOUs borrowed that are overdue now. */
    overdueOpen: number;
    /** Days the oldest overdue IOU is past its due date (0 with none). */
    maxDaysOverdue: number;
    /** IOUs that the lender wrote off while they were overdue. */
    writtenOffOverdue: number;
    /** Disputes decided against the user (as seller or buyer). */
    disputesLost: number;
    /** Bans the user has had, lifted or not. */
    bans: number;
  };
  capacity: {
    /** Available balance of the CNY wallet, in fen. */
    balance: number;
    /** What the user owes on running IOUs (principal and interest), in fen. */
    debtOutstanding: number;
    /** Money into the wallet in each of the last three 30-day windows, in fen. */
    monthlyInflows: readonly [number, number, number];
  };
}

export interface Factor {
  dimension: Dimension;
  /** 0–100. */
  score: number;
  /** Percent of the total. */
  weight: number;
}

export type ReasonCode =
  | 'not_verified'
  | 'phone_not_verified'
  | 'no_payment_pin'
  | 'new_account'
  | 'few_payments'
  | 'irregular_activity'
  | 'few_mutual_relationships'
  | 'few_payment_partners'
  | 'new_relationships'
  | 'overdue_iou'
  | 'late_repayments'
  | 'written_off_iou'
  | 'disputes_lost'
  | 'banned_before'
  | 'short_repayment_record'
  | 'low_balance'
  | 'irregular_inflow'
  | 'unstable_inflow';

export interface Reason {
  code: ReasonCode;
  text: string;
  /** Score points this reason costs (what the score would gain without it). */
  impact: number;
}

export interface CreditResult {
  score: number;
  band: Band;
  factors: Factor[];
  /** Up to four, the costliest first. */
  reasons: Reason[];
  /** One way to improve per reason, in the same order. */
  tips: string[];
}

export const MAX_REASONS = 4;

const REASONS: Record<ReasonCode, { dimension: Dimension; text: string; tip: string }> = {
  not_verified: {
    dimension: 'identity',
    text: 'Your real name is not verified',
    tip: 'Complete real-name verification',
  },
  phone_not_verified: {
    dimension: 'identity',
    text: 'Your phone number is not verified',
    tip: 'Verify your phone number with a text code',
  },
  no_payment_pin: {
    dimension: 'identity',
    text: 'No payment PIN is set',
    tip: 'Set a payment PIN to protect your wallet',
  },
  new_account: {
    dimension: 'identity',
    text: 'Your account is new',
    tip: 'Time helps: the account counts fully after a year',
  },
  few_payments: {
    dimension: 'behaviour',
    text: 'Few payments in the last 90 days',
    tip: 'Use your wallet for everyday payments',
  },
  irregular_activity: {
    dimension: 'behaviour',
    text: 'Payments in few of the last 13 weeks',
    tip: 'Pay or get paid a little every week rather than all at once',
  },
  few_mutual_relationships: {
    dimension: 'connections',
    text: 'Few people you both pay and are paid by',
    tip: 'Settle up with the friends you share costs with, both ways',
  },
  few_payment_partners: {
    dimension: 'connections',
    text: 'Few people you have exchanged money with',
    tip: 'Split bills and pay friends through the wallet',
  },
  new_relationships: {
    dimension: 'connections',
    text: 'Few of your payment relationships are older than 90 days',
    tip: 'Lasting relationships count: keep paying the people you know',
  },
  overdue_iou: {
    dimension: 'history',
    text: 'An IOU you borrowed is overdue',
    tip: 'Repay your overdue IOU as soon as you can',
  },
  late_repayments: {
    dimension: 'history',
    text: 'IOUs repaid after their due date',
    tip: 'Repay IOUs by their due date; a reminder comes a few days before',
  },
  written_off_iou: {
    dimension: 'history',
    text: 'A lender wrote off an IOU you had not repaid on time',
    tip: 'Borrow only what you can repay by the due date',
  },
  disputes_lost: {
    dimension: 'history',
    text: 'Disputes were decided against you',
    tip: 'Deliver what you sell and describe it honestly',
  },
  banned_before: {
    dimension: 'history',
    text: 'Your account has been banned before',
    tip: 'Follow the community rules',
  },
  short_repayment_record: {
    dimension: 'history',
    text: 'Little record yet of IOUs repaid on time',
    tip: 'Each IOU repaid by its due date builds your record',
  },
  low_balance: {
    dimension: 'capacity',
    text: 'Your balance, less what you owe, is low',
    tip: 'Keep some savings in your wallet',
  },
  irregular_inflow: {
    dimension: 'capacity',
    text: 'Money came in during few of the last three months',
    tip: 'Receive income into your wallet every month',
  },
  unstable_inflow: {
    dimension: 'capacity',
    text: 'The money coming in varies a lot from month to month',
    tip: 'A steadier monthly income into your wallet helps',
  },
};

const clamp = (lo: number, hi: number, x: number) => Math.min(hi, Math.max(lo, x));
/** Points growing linearly with `x` up to `full`, then flat: never decreasing in `x`. */
const ramp = (points: number, x: number, full: number) =>
  Math.floor((points * clamp(0, full, x)) / full);
const nonNegative = (x: number) => (Number.isFinite(x) && x > 0 ? Math.floor(x) : 0);

/** A dimension's points: what it earned out of 100, and what each reason cost it. */
interface Scored {
  score: number;
  lost: Partial<Record<ReasonCode, number>>;
}

function identityScore(i: CreditInputs['identity']): Scored {
  const age = ramp(20, nonNegative(i.accountAgeDays), 365);
  return {
    score: (i.realNameVerified ? 60 : 0) + (i.phoneVerified ? 10 : 0) + (i.pinSet ? 10 : 0) + age,
    lost: {
      not_verified: i.realNameVerified ? 0 : 60,
      phone_not_verified: i.phoneVerified ? 0 : 10,
      no_payment_pin: i.pinSet ? 0 : 10,
      new_account: 20 - age,
    },
  };
}

function behaviourScore(b: CreditInputs['behaviour']): Scored {
  const activity = ramp(40, nonNegative(b.paymentsOut90d), 30);
  const regularity = ramp(60, nonNegative(b.activeWeeks90d), 13);
  return {
    score: activity + regularity,
    lost: { few_payments: 40 - activity, irregular_activity: 60 - regularity },
  };
}

function connectionsScore(c: CreditInputs['connections']): Scored {
  const counterparties = nonNegative(c.counterparties);
  // Reciprocal relationships are a subset of all; a caller's slip must not count twice.
  const mutual = ramp(50, Math.min(nonNegative(c.reciprocal), counterparties), 5);
  const breadth = ramp(20, counterparties, 5);
  const age = ramp(30, Math.min(nonNegative(c.lasting), counterparties), 3);
  return {
    score: mutual + breadth + age,
    lost: {
      few_mutual_relationships: 50 - mutual,
      few_payment_partners: 20 - breadth,
      new_relationships: 30 - age,
    },
  };
}

/**
 * History starts at 70 (no record is neither good nor bad), earns up to 30 for IOUs repaid on
 * time, and loses points for every mark against it, down to 0. An overdue IOU costs more than
 * a late repayment, so repaying an overdue IOU, even late, raises the score.
 */
function historyScore(h: CreditInputs['history']): Scored {
  const onTime = ramp(30, nonNegative(h.repaidOnTime), 5);
  const overdue = nonNegative(h.overdueOpen);
  const penalties: Partial<Record<ReasonCode, number>> = {
    // The heaviest mark: money owed to a friend now, and more so every week it stays unpaid.
    overdue_iou:
      overdue === 0
        ? 0
        : overdue * 60 + Math.min(20, 2 * Math.floor(nonNegative(h.maxDaysOverdue) / 7)),
    late_repayments: nonNegative(h.repaidLate) * 10,
    written_off_iou: nonNegative(h.writtenOffOverdue) * 30,
    disputes_lost: nonNegative(h.disputesLost) * 10,
    banned_before: nonNegative(h.bans) * 30,
  };
  const raw = 70 + onTime - Object.values(penalties).reduce((a, b) => a + (b ?? 0), 0);
  const score = clamp(0, 100, raw);
  // What a mark can cost is what the dimension actually lost, not more.
  const room = 70 + onTime;
  for (const code of Object.keys(penalties) as ReasonCode[]) {
    penalties[code] = Math.min(penalties[code] ?? 0, room);
  }
  return { score, lost: { ...penalties, short_repayment_record: 30 - onTime } };
}

/** Net balance steps: savings after debts, in fen. */
const BALANCE_STEPS: readonly [number, number][] = [
  [5_000_000, 50],
  [1_000_000, 40],
  [100_000, 25],
  [10_000, 10],
];

function capacityScore(c: CreditInputs['capacity']): Scored {
  // Net of debt, so that borrowing does not raise it and repaying does not lower it.
  const net = Math.floor(c.balance) - nonNegative(c.debtOutstanding);
  const balance = BALANCE_STEPS.find(([from]) => net >= from)?.[1] ?? 0;
  const inflows = c.monthlyInflows.map(nonNegative);
  const months = inflows.filter((x) => x > 0).length * 10;
  const most = Math.max(...inflows);
  const stability = most === 0 ? 0 : Math.floor((20 * Math.min(...inflows)) / most);
  return {
    score: balance + months + stability,
    lost: {
      low_balance: 50 - balance,
      irregular_inflow: 30 - months,
      unstable_inflow: 20 - stability,
    },
  };
}

export function bandOf(score: number): Band {
  return (BANDS.find((b) => score >= b.from) ?? BANDS[BANDS.length - 1]!).band;
}

/** 350 + 600 × the weighted mean of the five dimensions, rounded half up, as an integer. */
function total(scores: Record<Dimension, number>): number {
  const weighted = DIMENSIONS.reduce((sum, d) => sum + WEIGHTS[d] * scores[d], 0);
  // weighted ≤ 10,000; × 3 / 50 is × 600 / 10,000, kept in integers until the one division.
  return clamp(MIN_SCORE, MAX_SCORE, MIN_SCORE + Math.floor((weighted * 3 + 25) / 50));
}

/** Score points a dimension's lost points are worth: its weight × 600 / 100 per point. */
const impactOf = (dimension: Dimension, lostPoints: number) =>
  Math.round((lostPoints * WEIGHTS[dimension] * 6) / 100);

export function scoreCredit(inputs: CreditInputs): CreditResult {
  const scored: Record<Dimension, Scored> = {
    identity: identityScore(inputs.identity),
    behaviour: behaviourScore(inputs.behaviour),
    connections: connectionsScore(inputs.connections),
    history: historyScore(inputs.history),
    capacity: capacityScore(inputs.capacity),
  };
  const scores = Object.fromEntries(DIMENSIONS.map((d) => [d, scored[d].score])) as Record<
    Dimension,
    number
  >;
  const score = total(scores);
  const reasons: Reason[] = [];
  for (const d of DIMENSIONS) {
    for (const [code, lost] of Object.entries(scored[d].lost) as [ReasonCode, number][]) {
      const impact = impactOf(d, lost);
      if (impact > 0) reasons.push({ code, text: REASONS[code].text, impact });
    }
  }
  // Costliest first; ties in the order of REASONS, so the list is the same for the same data.
  const order = Object.keys(REASONS);
  reasons.sort((a, b) => b.impact - a.impact || order.indexOf(a.code) - order.indexOf(b.code));
  const top = reasons.slice(0, MAX_REASONS);
  return {
    score,
    band: bandOf(score),
    factors: DIMENSIONS.map((d) => ({ dimension: d, score: scores[d], weight: WEIGHTS[d] })),
    reasons: top,
    tips: top.length > 0 ? top.map((r) => REASONS[r.code].tip) : [KEEP_IT_UP],
  };
}

export const KEEP_IT_UP = 'Keep paying and repaying on time: nothing is holding your score back';

/** Every reason code with its words, for docs and the web app's translations. */
export const REASON_CATALOGUE: Readonly<
  Record<ReasonCode, { dimension: Dimension; text: string; tip: string }>
> = REASONS;

/**
 * The most one may borrow on one IOU, by band, in fen. A lender sees none of this; the
 * borrower is told the limit when a request is over it. docs/credit.md, "IOU limits".
 */
export type IouCreditLimits = Readonly<Record<Band, number>>;

export const IOU_LIMIT_BY_BAND: IouCreditLimits = {
  poor: 50_000,
  fair: 200_000,
  good: 500_000,
  very_good: 2_000_000,
  excellent: 5_000_000,
};
