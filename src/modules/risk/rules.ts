/**
 * Risk rules as data, and the small interpreter that judges a movement by them. Pure: no I/O,
 * never `eval`. A condition is `{ all: [...] }`, `{ any: [...] }` or `{ fact, op, value }`,
 * nested at most `MAX_DEPTH` deep.
 */
import { type Static, Type } from '@sinclair/typebox';

export type RiskAction = 'challenge' | 'hold' | 'deny';
export type Outcome = 'allow' | RiskAction;

/** The facts a rule may test, with their type and meaning (docs/risk.md lists them). */
export const FACTS = {
  amount: { type: 'number', text: 'the amount, in fen of CNY (value)' },
  payeeIsNew: { type: 'boolean', text: 'the payer has never paid this payee before' },
  payeeIsFriend: { type: 'boolean', text: 'the payee is a friend of the payer' },
  payeeFriendDays: { type: 'number', text: 'days since payer and payee became friends' },
  payeeAccountAgeDays: { type: 'number', text: "days since the payee's account was made" },
  payeeDistinctPayers24h: { type: 'number', text: 'distinct users who paid the payee in 24 h' },
  accountAgeDays: { type: 'number', text: "days since the payer's account was made" },
  deviceIsNew: { type: 'boolean', text: 'the request comes from a device new to the payer' },
  count1h: { type: 'number', text: "the payer's payments in the last hour" },
  amount24h: { type: 'number', text: 'what the payer paid out in 24 h, in fen' },
  inflow24h: { type: 'number', text: 'what the payer received in 24 h, in fen' },
  distinctPayees24h: { type: 'number', text: 'distinct users the payer paid in 24 h' },
  newPayees24h: { type: 'number', text: 'users the payer paid for the first time in 24 h' },
  distinctPayers24h: { type: 'number', text: 'distinct users who paid the payer in 24 h' },
  creditScore: { type: 'number', text: "the payer's credit score (350–950)" },
  hourOfDay: { type: 'number', text: 'the hour (0–23) in the configured time zone' },
} as const satisfies Record<string, { type: 'number' | 'boolean'; text: string }>;

export type FactName = keyof typeof FACTS;
/** A movement's facts; an absent fact (no credit score yet, no payee) matches no condition. */
export type Facts = Partial<Record<FactName, number | boolean>>;

export const OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in'] as const;
export type Op = (typeof OPS)[number];

/** The movements a rule can apply to, as API.md names them, and the pipeline kinds of each. */
export const APPLIES_TO = {
  transfer: ['transfer'],
  withdrawal: ['withdrawal'],
  red_packet: ['redpacket.send'],
  group_spend: ['group.fund.spend'],
  group_contribution: ['group.fund.contribution'],
  collection: ['group.collection.payment'],
  settle_up: ['group.settlement'],
  iou: ['iou.loan', 'iou.repayment'],
  family: ['family.payment'],
  payment: ['payment'],
} as const;
export type AppliesTo = keyof typeof APPLIES_TO;

export const MAX_DEPTH = 4;
const MAX_LEAVES = 32;

const Leaf = Type.Object(
  {
    fact: Type.Union(Object.keys(FACTS).map((f) => Type.Literal(f))),
    op: Type.Union(OPS.map((o) => Type.Literal(o))),
    value: Type.Union([
      Type.Number(),
      Type.Boolean(),
      Type.Array(Type.Number(), { minItems: 1, maxItems: 50 }),
    ]),
  },
  { additionalProperties: false },
);

/** The JSON schema of a condition (recursive), used at the edge and for the OpenAPI document. */
export const ConditionSchema = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object(
        { all: Type.Array(Type.Union([Self, Leaf]), { minItems: 1, maxItems: 20 }) },
        { additionalProperties: false },
      ),
      Type.Object(
        { any: Type.Array(Type.Union([Self, Leaf]), { minItems: 1, maxItems: 20 }) },
        { additionalProperties: false },
      ),
    ]),
  { $id: 'RiskCondition' },
);

export type Leaf = Omit<Static<typeof Leaf>, 'fact' | 'op'> & { fact: FactName; op: Op };
export type Condition = { all: (Condition | Leaf)[] } | { any: (Condition | Leaf)[] };

export interface Rule {
  id: string;
  version: number;
  name: string;
  appliesTo: AppliesTo[];
  when: Condition;
  action: RiskAction;
}

const isLeaf = (c: Condition | Leaf): c is Leaf => 'fact' in c;

/**
 * What the schema cannot say: each operator fits its fact's type (`gt` on a boolean is
 * meaningless), `in` takes a list, the tree is not too deep or too large. Returns the problems,
 * each with the path of the condition at fault; empty means valid.
 */
export function checkCondition(when: Condition): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  let leaves = 0;
  const visit = (c: Condition | Leaf, path: string, depth: number) => {
    if (depth > MAX_DEPTH) {
      problems.push({ path, message: `conditions nest at most ${MAX_DEPTH} deep` });
      return;
    }
    if (isLeaf(c)) {
      leaves++;
      const spec = FACTS[c.fact];
      if (!spec) {
        problems.push({ path, message: `unknown fact ${c.fact}` });
        return;
      }
      if (c.op === 'in') {
        if (!Array.isArray(c.value) || spec.type !== 'number') {
          problems.push({ path, message: '`in` takes a list of numbers, for a number fact' });
        }
      } else if (spec.type === 'boolean') {
        if ((c.op !== 'eq' && c.op !== 'ne') || typeof c.value !== 'boolean') {
          problems.push({
            path,
            message: `${c.fact} is true or false: use eq or ne with a boolean`,
          });
        }
      } else if (typeof c.value !== 'number') {
        problems.push({ path, message: `${c.fact} is a number: compare it with a number` });
      }
      return;
    }
    const list = 'all' in c ? c.all : c.any;
    const key = 'all' in c ? 'all' : 'any';
    list.forEach((child, i) => {
      visit(child, `${path}.${key}[${i}]`, depth + 1);
    });
  };
  visit(when, 'when', 1);
  if (leaves > MAX_LEAVES) problems.push({ path: 'when', message: `at most ${MAX_LEAVES} tests` });
  return problems;
}

function testLeaf(leaf: Leaf, facts: Facts): boolean {
  const actual = facts[leaf.fact];
  // An unknown fact (no credit score, no device header, no payee) proves nothing.
  if (actual === undefined) return false;
  const v = leaf.value;
  switch (leaf.op) {
    case 'eq':
      return actual === v;
    case 'ne':
      return actual !== v;
    case 'in':
      return Array.isArray(v) && typeof actual === 'number' && v.includes(actual);
    default: {
      if (typeof actual !== 'number' || typeof v !== 'number') return false;
      if (leaf.op === 'gt') return actual > v;
      if (leaf.op === 'gte') return actual >= v;
      if (leaf.op === 'lt') return actual < v;
      return actual <= v;
    }
  }
}

export function matches(when: Condition | Leaf, facts: Facts): boolean {
  if (isLeaf(when)) return testLeaf(when, facts);
  if ('all' in when) return when.all.every((c) => matches(c, facts));
  return when.any.some((c) => matches(c, facts));
}

/** The facts a condition reads (to compute only those a rule set needs). */
export function factsUsed(when: Condition | Leaf, into = new Set<FactName>()): Set<FactName> {
  if (isLeaf(when)) into.add(when.fact);
  else for (const c of 'all' in when ? when.all : when.any) factsUsed(c, into);
  return into;
}

const SEVERITY: Record<Outcome, number> = { allow: 0, challenge: 1, hold: 2, deny: 3 };

/** Whether a rule applies to a pipeline kind (`redpacket.send` is `red_packet`). */
export function appliesTo(rule: Pick<Rule, 'appliesTo'>, kind: string): boolean {
  return rule.appliesTo.some((a) => (APPLIES_TO[a] as readonly string[]).includes(kind));
}

export interface Verdict {
  action: Outcome;
  /** Every rule that matched, the deciding (most severe) one first. */
  matched: Pick<Rule, 'id' | 'version' | 'name' | 'action'>[];
}

/** The most severe action among the rules that apply and match: deny > hold > challenge. */
export function judge(rules: readonly Rule[], kind: string, facts: Facts): Verdict {
  const matched = rules
    .filter((r) => appliesTo(r, kind) && matches(r.when, facts))
    .sort((a, b) => SEVERITY[b.action] - SEVERITY[a.action] || a.name.localeCompare(b.name))
    .map(({ id, version, name, action }) => ({ id, version, name, action }));
  return { action: matched[0]?.action ?? 'allow', matched };
}
