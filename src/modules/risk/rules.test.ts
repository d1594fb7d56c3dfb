import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Condition, checkCondition, type Facts, judge, matches, type Rule } from './rules.ts';

const rule = (
  action: Rule['action'],
  when: Condition,
  appliesTo: Rule['appliesTo'] = ['transfer'],
): Rule => ({
  id: action,
  version: 1,
  name: action,
  appliesTo,
  when,
  action,
});

describe('the risk rule interpreter', () => {
  it('matches no test on a fact that is absent (no credit score, no device)', () => {
    const facts: Facts = { amount: 100 };
    for (const op of ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const) {
      expect(matches({ fact: 'creditScore', op, value: 600 }, facts)).toBe(false);
    }
    expect(matches({ fact: 'deviceIsNew', op: 'ne', value: true }, facts)).toBe(false);
  });

  it('lets the most severe matching rule decide, and lists every match', () => {
    const always: Condition = { all: [{ fact: 'amount', op: 'gte', value: 0 }] };
    const verdict = judge(
      [rule('challenge', always), rule('deny', always), rule('hold', always)],
      'transfer',
      { amount: 5 },
    );
    expect(verdict.action).toBe('deny');
    expect(verdict.matched.map((m) => m.action)).toEqual(['deny', 'hold', 'challenge']);
  });

  it('applies a rule only to the kinds it names', () => {
    const always: Condition = { any: [{ fact: 'amount', op: 'gte', value: 0 }] };
    const rules = [rule('hold', always, ['red_packet'])];
    expect(judge(rules, 'transfer', { amount: 1 }).action).toBe('allow');
    expect(judge(rules, 'redpacket.send', { amount: 1 }).action).toBe('hold');
  });

  it('refuses operators that do not fit the fact, and trees too deep', () => {
    expect(checkCondition({ all: [{ fact: 'payeeIsNew', op: 'gt', value: 1 }] })).toHaveLength(1);
    expect(checkCondition({ all: [{ fact: 'amount', op: 'eq', value: true }] })).toHaveLength(1);
    expect(checkCondition({ all: [{ fact: 'amount', op: 'in', value: 3 }] })).toHaveLength(1);
    let deep: Condition = { all: [{ fact: 'amount', op: 'gt', value: 1 }] };
    for (let i = 0; i < 5; i++) deep = { any: [deep] };
    expect(checkCondition(deep).length).toBeGreaterThan(0);
    expect(checkCondition({ any: [{ fact: 'hourOfDay', op: 'in', value: [0, 1, 2] }] })).toEqual(
      [],
    );
  });

  it('all/any agree with every/some over random facts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 }),
        (amount, limits) => {
          const leaves = limits.map((v) => ({
            fact: 'amount' as const,
            op: 'gte' as const,
            value: v,
          }));
          const facts = { amount };
          expect(matches({ all: leaves }, facts)).toBe(limits.every((v) => amount >= v));
          expect(matches({ any: leaves }, facts)).toBe(limits.some((v) => amount >= v));
        },
      ),
    );
  });
});
