import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  type Attributes,
  accessFor,
  ageOn,
  attributesUsed,
  type Condition,
  ruleProblem,
} from './entry-rules.ts';

const person = (over: Partial<Attributes> = {}): Attributes => ({
  verified: true,
  age: 20,
  gender: 'female',
  student: true,
  city: '3101',
  creditScore: undefined,
  memberDays: 10,
  ...over,
});

describe('entry rules', () => {
  it('absent lists let everyone view; posting and commenting need verification', () => {
    expect(accessFor({}, person())).toEqual({ view: true, post: true, comment: true, unmet: {} });
    const a = accessFor({}, person({ verified: false, age: undefined, city: undefined }));
    expect(a.view).toBe(true);
    expect(a.post).toBe(false);
    expect(a.unmet.post).toEqual([
      {
        attribute: 'verified',
        op: 'eq',
        value: true,
        reason: 'needs_verification',
        platform: true,
      },
    ]);
  });

  it('names each unmet condition and only those', () => {
    const rules = {
      post: [
        { attribute: 'age', op: 'gte', value: 18 },
        { attribute: 'student', op: 'eq', value: true },
        { attribute: 'city', op: 'in', value: ['3101', '1101'] },
      ] as Condition[],
    };
    expect(accessFor(rules, person()).post).toBe(true);
    const a = accessFor(rules, person({ age: 17, student: false }));
    expect(a.unmet.post?.map((u) => [u.attribute, u.reason])).toEqual([
      ['age', 'not_met'],
      ['student', 'needs_student'],
    ]);
    expect(
      accessFor({ comment: [{ attribute: 'creditScore', op: 'gte', value: 700 }] }, person()).unmet
        .comment?.[0]?.reason,
    ).toBe('no_credit_score');
  });

  it('an action is allowed exactly when no condition is unmet', () => {
    const cond = fc.oneof(
      fc.record({
        attribute: fc.constantFrom('age' as const, 'memberDays' as const),
        op: fc.constantFrom('gte' as const, 'lte' as const, 'eq' as const),
        value: fc.integer({ min: 0, max: 100 }),
      }),
      fc.record({
        attribute: fc.constant('student' as const),
        op: fc.constant('eq' as const),
        value: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(cond, { maxLength: 5 }),
        fc.integer({ min: 0, max: 100 }),
        fc.boolean(),
        (list, age, student) => {
          const a = accessFor({ view: list }, person({ age, memberDays: age, student }));
          const holds = list.every((c) => {
            const actual = c.attribute === 'student' ? student : age;
            if (c.op === 'eq') return actual === c.value;
            if (c.op === 'gte') return (actual as number) >= (c.value as number);
            return (actual as number) <= (c.value as number);
          });
          expect(a.view).toBe(holds);
          expect((a.unmet.view ?? []).length === 0).toBe(holds);
        },
      ),
    );
  });

  it('checks each condition against its attribute', () => {
    expect(ruleProblem({ post: [{ attribute: 'age', op: 'gte', value: 18 }] })).toBeUndefined();
    expect(
      ruleProblem({ post: [{ attribute: 'gender', op: 'gte', value: 'female' }] })?.field,
    ).toBe('rules.post.0.op');
    expect(ruleProblem({ view: [{ attribute: 'city', op: 'eq', value: 'Shanghai' }] })?.field).toBe(
      'rules.view.0.value',
    );
    expect(
      ruleProblem({ view: [{ attribute: 'creditScore', op: 'gte', value: 2000 }] }),
    ).toBeDefined();
    expect(ruleProblem({ view: [{ attribute: 'age', op: 'in', value: [] }] })).toBeDefined();
    expect(
      attributesUsed({
        view: [{ attribute: 'gender', op: 'eq', value: 'female' }],
        comment: [{ attribute: 'creditScore', op: 'gte', value: 750 }],
      }),
    ).toEqual(['gender', 'creditScore']);
    expect(ACTIONS).toEqual(['view', 'post', 'comment']);
  });

  it('counts age in whole years, the birthday included', () => {
    expect(ageOn('2008-06-15', '2026-06-14')).toBe(17);
    expect(ageOn('2008-06-15', '2026-06-15')).toBe(18);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
  });
});
