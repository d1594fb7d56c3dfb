/**
 * Entry rules of a circle (pure): per action, a list of conditions over the caller's verified
 * attributes, all of which must hold. The verdicts are all that leaves this file: members
 * never see each other's attributes, only whether they may view, post and comment, and for a
 * denial which of *their own* conditions is unmet.
 */

export const ATTRIBUTES = [
  'verified',
  'age',
  'gender',
  'student',
  'city',
  'creditScore',
  'memberDays',
] as const;
export type Attribute = (typeof ATTRIBUTES)[number];
export const ACTIONS = ['view', 'post', 'comment'] as const;
export type Action = (typeof ACTIONS)[number];
export type Op = 'eq' | 'gte' | 'lte' | 'in';
export type Scalar = boolean | number | string;

export interface Condition {
  attribute: Attribute;
  op: Op;
  value: Scalar | Scalar[];
}

export type Rules = Partial<Record<Action, Condition[]>>;

/** What a user is, as rules see it. `undefined`: not known (no verification, no score). */
export interface Attributes {
  verified: boolean;
  age: number | undefined;
  gender: 'male' | 'female' | undefined;
  student: boolean;
  /** Prefecture code of the verified ID number (its first four digits, e.g. "1101"). */
  city: string | undefined;
  creditScore: number | undefined;
  memberDays: number;
}

export interface Unmet extends Condition {
  /** Why, in the caller's own terms; never another member's data. */
  reason: 'needs_verification' | 'needs_student' | 'no_credit_score' | 'not_met';
  /** A condition the platform adds (posting and commenting need real-name verification). */
  platform?: true;
}

export type Access = Record<Action, boolean> & { unmet: Partial<Record<Action, Unmet[]>> };

type Kind = 'boolean' | 'integer' | 'gender' | 'city';
const KIND: Record<Attribute, Kind> = {
  verified: 'boolean',
  age: 'integer',
  gender: 'gender',
  student: 'boolean',
  city: 'city',
  creditScore: 'integer',
  memberDays: 'integer',
};
const OPS: Record<Kind, readonly Op[]> = {
  boolean: ['eq'],
  integer: ['eq', 'gte', 'lte', 'in'],
  gender: ['eq', 'in'],
  city: ['eq', 'in'],
};
const RANGE: Partial<Record<Attribute, [number, number]>> = {
  age: [0, 150],
  creditScore: [350, 950],
  memberDays: [0, 36_500],
};
export const MAX_CONDITIONS = 10;

/** A problem with a rule set, naming the field (`rules.post.0.value`). */
export interface RuleProblem {
  field: string;
  message: string;
}

function scalarOk(attribute: Attribute, v: unknown): boolean {
  switch (KIND[attribute]) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'gender':
      return v === 'male' || v === 'female';
    case 'city':
      return typeof v === 'string' && /^\d{4}$/.test(v);
    case 'integer': {
      const [lo, hi] = RANGE[attribute]!;
      return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
    }
  }
}

/** Checks the shape of each condition against its attribute; the first problem, or none. */
export function ruleProblem(rules: Rules): RuleProblem | undefined {
  for (const action of ACTIONS) {
    const list = rules[action];
    if (list === undefined) continue;
    if (list.length > MAX_CONDITIONS) {
      return { field: `rules.${action}`, message: `at most ${MAX_CONDITIONS} conditions` };
    }
    for (const [i, c] of list.entries()) {
      const field = `rules.${action}.${i}`;
      if (!ATTRIBUTES.includes(c.attribute)) {
        return { field: `${field}.attribute`, message: `must be one of ${ATTRIBUTES.join(', ')}` };
      }
      const kind = KIND[c.attribute];
      if (!OPS[kind].includes(c.op)) {
        return { field: `${field}.op`, message: `${c.attribute} takes ${OPS[kind].join(', ')}` };
      }
      const values = c.op === 'in' ? c.value : [c.value];
      if (
        !Array.isArray(values) ||
        values.length === 0 ||
        values.length > 50 ||
        !values.every((v) => scalarOk(c.attribute, v))
      ) {
        return {
          field: `${field}.value`,
          message:
            c.op === 'in'
              ? `must be a list of 1–50 values valid for ${c.attribute}`
              : `is not a valid value for ${c.attribute}`,
        };
      }
    }
  }
  return undefined;
}

/** The attributes a rule set uses (for the platform's forbidden list and the admin flags). */
export function attributesUsed(rules: Rules): Attribute[] {
  const used = new Set<Attribute>();
  for (const action of ACTIONS) for (const c of rules[action] ?? []) used.add(c.attribute);
  return ATTRIBUTES.filter((a) => used.has(a));
}

function holds(c: Condition, actual: Scalar): boolean {
  switch (c.op) {
    case 'eq':
      return actual === c.value;
    case 'in':
      return (c.value as Scalar[]).includes(actual);
    case 'gte':
      return typeof actual === 'number' && actual >= (c.value as number);
    case 'lte':
      return typeof actual === 'number' && actual <= (c.value as number);
  }
}

/** The conditions of `list` that `who` does not meet, each with why. */
export function unmetConditions(list: readonly Condition[], who: Attributes): Unmet[] {
  const unmet: Unmet[] = [];
  for (const c of list) {
    const actual = who[c.attribute];
    if (actual === undefined) {
      const reason = c.attribute === 'creditScore' ? 'no_credit_score' : 'needs_verification';
      unmet.push({ ...c, reason });
    } else if (!holds(c, actual)) {
      const reason =
        c.attribute === 'verified' && c.value === true
          ? 'needs_verification'
          : c.attribute === 'student' && c.value === true
            ? 'needs_student'
            : 'not_met';
      unmet.push({ ...c, reason });
    }
  }
  return unmet;
}

/** Posting and commenting anywhere need real-name verification, whatever the circle says. */
const PLATFORM: Partial<Record<Action, Condition[]>> = {
  post: [{ attribute: 'verified', op: 'eq', value: true }],
  comment: [{ attribute: 'verified', op: 'eq', value: true }],
};

/** What `who` may do under `rules` (the owner is not exempt: the gate is the circle's, not theirs). */
export function accessFor(rules: Rules, who: Attributes): Access {
  const access = { view: true, post: true, comment: true, unmet: {} } as Access;
  for (const action of ACTIONS) {
    const platform = unmetConditions(PLATFORM[action] ?? [], who).map(
      (u): Unmet => ({ ...u, platform: true }),
    );
    const own = unmetConditions(rules[action] ?? [], who).filter(
      // The platform's verification condition already says it.
      (u) => !(platform.length > 0 && u.attribute === 'verified' && u.value === true),
    );
    const unmet = [...platform, ...own];
    if (unmet.length > 0) {
      access[action] = false;
      access.unmet[action] = unmet;
    }
  }
  return access;
}

/** Whole years between an ISO birth date and today (both YYYY-MM-DD). */
export function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}
