import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../../test/support/fast-check.ts';
import {
  bandOf,
  type CreditInputs,
  DIMENSIONS,
  IOU_LIMIT_BY_BAND,
  MAX_REASONS,
  MAX_SCORE,
  MIN_SCORE,
  REASON_CATALOGUE,
  scoreCredit,
  WEIGHTS,
} from './model.ts';

const count = (max: number) => fc.integer({ min: 0, max });
const fen = fc.integer({ min: 0, max: 20_000_000 });

/** Any plausible user: every input over its whole range, and well beyond where it saturates. */
const inputsArb: fc.Arbitrary<CreditInputs> = fc.record({
  identity: fc.record({
    realNameVerified: fc.boolean(),
    phoneVerified: fc.boolean(),
    pinSet: fc.boolean(),
    accountAgeDays: count(2_000),
  }),
  behaviour: fc.record({ paymentsOut90d: count(500), activeWeeks90d: count(13) }),
  connections: fc
    .record({ counterparties: count(60), reciprocal: count(60), lasting: count(60) })
    .map((c) => ({
      counterparties: c.counterparties,
      reciprocal: Math.min(c.reciprocal, c.counterparties),
      lasting: Math.min(c.lasting, c.counterparties),
    })),
  history: fc.record({
    repaidOnTime: count(30),
    repaidLate: count(6),
    overdueOpen: count(4),
    maxDaysOverdue: count(400),
    writtenOffOverdue: count(3),
    disputesLost: count(4),
    bans: count(2),
  }),
  capacity: fc.record({
    balance: fen,
    debtOutstanding: fen,
    monthlyInflows: fc.tuple(fen, fen, fen),
  }),
});

/** A repayment of `amount` made on time: it leaves the wallet and the debt together. */
function repayOnTime(i: CreditInputs, amount: number, paidOff: boolean, newWeek: boolean) {
  const paid = Math.min(amount, i.capacity.balance, i.capacity.debtOutstanding);
  return {
    ...i,
    behaviour: {
      paymentsOut90d: i.behaviour.paymentsOut90d + 1,
      activeWeeks90d: Math.min(13, i.behaviour.activeWeeks90d + (newWeek ? 1 : 0)),
    },
    history: { ...i.history, repaidOnTime: i.history.repaidOnTime + (paidOff ? 1 : 0) },
    capacity: {
      ...i.capacity,
      balance: i.capacity.balance - paid,
      debtOutstanding: i.capacity.debtOutstanding - paid,
    },
  };
}

describe('credit score model', () => {
  it('is an integer from 350 to 950 in the band its value names, for any inputs', () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const r = scoreCredit(inputs);
        expect(Number.isInteger(r.score)).toBe(true);
        expect(r.score).toBeGreaterThanOrEqual(MIN_SCORE);
        expect(r.score).toBeLessThanOrEqual(MAX_SCORE);
        expect(r.band).toBe(bandOf(r.score));
        expect(r.factors.map((f) => f.dimension)).toEqual(DIMENSIONS);
        for (const f of r.factors) {
          expect(Number.isInteger(f.score) && f.score >= 0 && f.score <= 100).toBe(true);
          expect(f.weight).toBe(WEIGHTS[f.dimension]);
        }
      }),
    );
  });

  it('gives the same score, reasons and tips for the same data', () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const copy = structuredClone(inputs);
        expect(scoreCredit(copy)).toEqual(scoreCredit(inputs));
      }),
    );
  });

  it('never lowers the score when an IOU is repaid on time, in part or in full', () => {
    fc.assert(
      fc.property(
        inputsArb,
        fc.integer({ min: 1, max: 5_000_000 }),
        fc.boolean(),
        fc.boolean(),
        (inputs, amount, paidOff, newWeek) => {
          const before = scoreCredit(inputs).score;
          const after = scoreCredit(repayOnTime(inputs, amount, paidOff, newWeek)).score;
          expect(after).toBeGreaterThanOrEqual(before);
        },
      ),
    );
  });

  it('raises the score when real-name verification is completed', () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const unverified = { ...inputs, identity: { ...inputs.identity, realNameVerified: false } };
        const verified = { ...inputs, identity: { ...inputs.identity, realNameVerified: true } };
        expect(scoreCredit(verified).score).toBeGreaterThan(scoreCredit(unverified).score);
      }),
    );
  });

  it('lowers the score when an IOU falls overdue (unless history is already at 0), and the longer the lower', () => {
    fc.assert(
      fc.property(inputsArb, count(400), count(400), (inputs, days, more) => {
        const before = scoreCredit(inputs);
        const overdue = (d: number) => ({
          ...inputs,
          history: {
            ...inputs.history,
            overdueOpen: inputs.history.overdueOpen + 1,
            maxDaysOverdue: Math.max(inputs.history.maxDaysOverdue, d + 1),
          },
        });
        const after = scoreCredit(overdue(days));
        const history = before.factors.find((f) => f.dimension === 'history')!.score;
        if (history > 0) expect(after.score).toBeLessThan(before.score);
        else expect(after.score).toBe(before.score);
        expect(scoreCredit(overdue(days + more)).score).toBeLessThanOrEqual(after.score);
      }),
    );
  });

  it('raises the score when an overdue IOU is repaid, even late', () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const overdue = {
          ...inputs,
          history: { ...inputs.history, overdueOpen: inputs.history.overdueOpen + 1 },
        };
        const repaid = {
          ...overdue,
          history: {
            ...overdue.history,
            overdueOpen: overdue.history.overdueOpen - 1,
            repaidLate: overdue.history.repaidLate + 1,
          },
        };
        expect(scoreCredit(repaid).score).toBeGreaterThanOrEqual(scoreCredit(overdue).score);
      }),
    );
  });

  it('never lowers the score when a new person is paid (paying someone new is not a risk)', () => {
    fc.assert(
      fc.property(inputsArb, fc.boolean(), (inputs, both) => {
        const c = inputs.connections;
        const more = {
          ...inputs,
          connections: {
            ...c,
            counterparties: c.counterparties + 1,
            reciprocal: c.reciprocal + (both ? 1 : 0),
          },
        };
        expect(scoreCredit(more).score).toBeGreaterThanOrEqual(scoreCredit(inputs).score);
      }),
    );
  });

  it('lists at most four reasons, costliest first, each a known code with a tip', () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const r = scoreCredit(inputs);
        expect(r.reasons.length).toBeLessThanOrEqual(MAX_REASONS);
        expect(r.tips.length).toBe(Math.max(1, r.reasons.length));
        for (let k = 1; k < r.reasons.length; k++) {
          expect(r.reasons[k - 1]!.impact).toBeGreaterThanOrEqual(r.reasons[k]!.impact);
        }
        for (const reason of r.reasons) {
          expect(reason.impact).toBeGreaterThan(0);
          expect(REASON_CATALOGUE[reason.code].text).toBe(reason.text);
        }
        // "Did not reach the required score" is never a reason; every reason names a cause.
        expect(r.reasons.map((x) => x.code)).not.toContain('score_too_low');
      }),
    );
  });

  it('has no reason at the top of every dimension, and says to keep it up', () => {
    const best: CreditInputs = {
      identity: { realNameVerified: true, phoneVerified: true, pinSet: true, accountAgeDays: 400 },
      behaviour: { paymentsOut90d: 40, activeWeeks90d: 13 },
      connections: { counterparties: 8, reciprocal: 6, lasting: 4 },
      history: {
        repaidOnTime: 5,
        repaidLate: 0,
        overdueOpen: 0,
        maxDaysOverdue: 0,
        writtenOffOverdue: 0,
        disputesLost: 0,
        bans: 0,
      },
      capacity: {
        balance: 6_000_000,
        debtOutstanding: 0,
        monthlyInflows: [500_000, 500_000, 500_000],
      },
    };
    const r = scoreCredit(best);
    expect(r.score).toBe(MAX_SCORE);
    expect(r.reasons).toEqual([]);
    expect(r.tips).toHaveLength(1);
  });

  it('maps bands on the reference boundaries', () => {
    expect(
      [349, 350, 549, 550, 599, 600, 649, 650, 699, 700, 950].map((s) => bandOf(Math.max(350, s))),
    ).toEqual([
      'poor',
      'poor',
      'poor',
      'fair',
      'fair',
      'good',
      'good',
      'very_good',
      'very_good',
      'excellent',
      'excellent',
    ]);
  });

  it('gives higher bands higher IOU limits', () => {
    const limits = ['poor', 'fair', 'good', 'very_good', 'excellent'].map(
      (b) => IOU_LIMIT_BY_BAND[b as keyof typeof IOU_LIMIT_BY_BAND],
    );
    expect([...limits].sort((a, b) => a - b)).toEqual(limits);
  });
});
