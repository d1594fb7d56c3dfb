/**
 * Risk control (风控): judges every movement the payment pipeline makes (`decide`, its risk
 * hook) by the active rules over facts read from indexed state; issues and checks challenges;
 * keeps holds until an admin releases or rejects them; versions rules and dry-runs them over
 * the recorded decisions. The rules' language and interpreter are pure (rules.ts).
 */

import { createHash } from 'node:crypto';
import { type Db, inTransaction, type Queryable, type Tx } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.ts';
import { currentIdempotency } from '../../platform/idempotency.ts';
import { isUuid, newId } from '../../platform/ids.ts';
import type { AuditLog } from '../audit/index.ts';
import type { BatchRow, Ledger } from '../ledger/index.ts';
import {
  type HeldMovement,
  HOLD_WRITER,
  type PaymentPipeline,
  type RiskDecision,
  type RiskInput,
} from '../wallet/pipeline.ts';
import {
  ACTIVITY_WRITER,
  type ActivityRow,
  activityOf,
  readFacts,
  writeActivity,
} from './facts.ts';
import {
  type AppliesTo,
  type Condition,
  checkCondition,
  type Facts,
  judge,
  type RiskAction,
  type Rule,
} from './rules.ts';

export const EVALUATION_WRITER = 'risk.evaluation';
const CHALLENGE_MINUTES = 10;

export interface RiskDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  pipeline: PaymentPipeline;
  timeZone: string;
  /** How long a process keeps the active rules before reading them again. */
  rulesTtlMs: number;
  /** The payer's credit score (the credit module); absent: the fact is absent. */
  creditScoreOf?: (userId: string) => Promise<number | null>;
  /** Whether a device is new to the user (the devices module); absent: the fact is absent. */
  deviceIsNew?: (userId: string, deviceId: string) => Promise<boolean>;
  /** The platform's audit log: every rule and hold decision is an operator action. */
  audit: AuditLog;
}

export interface RuleInput {
  name: string;
  description?: string;
  appliesTo: AppliesTo[];
  when: Condition;
  action: RiskAction;
}

export interface RuleView extends RuleInput {
  id: string;
  version: number;
  status: 'draft' | 'active' | 'inactive';
  description: string;
  createdBy: string | null;
  createdAt: string;
  activatedAt: string | null;
}

export interface EvaluationRow {
  id: string;
  at: string;
  userId: string;
  kind: string;
  amount: number;
  currency: string;
  counterpartyId: string | null;
  facts: Facts;
  action: 'allow' | RiskAction;
  rules: unknown;
  challengeId: string | null;
}

interface RuleRow {
  id: string;
  version: number;
  name: string;
  description: string;
  applies_to: AppliesTo[];
  condition: Condition;
  action: RiskAction;
  status: 'draft' | 'active' | 'inactive';
  created_by: string | null;
  created_at: Date;
  activated_at: Date | null;
}

const toRule = (r: RuleRow): RuleView => ({
  id: r.id,
  version: r.version,
  name: r.name,
  description: r.description,
  appliesTo: r.applies_to,
  when: r.condition,
  action: r.action,
  status: r.status,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  activatedAt: r.activated_at?.toISOString() ?? null,
});

const REASONS: Record<RiskAction, string> = {
  challenge: 'this payment looks unusual: confirm it with your PIN or a passkey',
  hold: 'this payment is held for review before the money moves',
  deny: 'this payment was refused by risk control',
};

/** The movement a challenge is bound to: its kind, amount and who receives. */
const payeesKey = (counterparties: readonly string[]) => [...counterparties].sort().join(',');

export class RiskService {
  private active: { rules: Rule[]; at: number } | undefined;

  constructor(private readonly d: RiskDeps) {
    d.ledger.registerBatchWriter(EVALUATION_WRITER, (tx, rows) =>
      this.writeEvaluations(tx, rows as EvaluationRow[]),
    );
    d.ledger.registerBatchWriter(ACTIVITY_WRITER, (tx, rows) =>
      writeActivity(tx, rows as ActivityRow[]),
    );
    d.ledger.registerBatchWriter(HOLD_WRITER, (tx, rows) =>
      this.writeHolds(tx, rows as HeldMovement[]),
    );
  }

  /** The pipeline's risk hook. */
  readonly decide = async (input: RiskInput): Promise<RiskDecision> => {
    const now = this.d.clock.now();
    const rules = await this.activeRules();
    const facts = input.prefetched
      ? ((await input.prefetched) as Facts)
      : await this.factsOf(input, this.d.clock.now());
    const verdict = judge(rules, input.kind, facts);
    let action = verdict.action;
    let challengeId: string | null = null;
    if (action === 'challenge' && input.riskChallengeId) {
      challengeId = await this.answerChallenge(input);
      if (challengeId) action = 'allow';
    }
    const evaluation: EvaluationRow = {
      id: newId(),
      at: now.toISOString(),
      userId: input.payerId,
      kind: input.kind,
      amount: input.value,
      currency: input.currency,
      counterpartyId: input.counterparties.find(isUuid) ?? null,
      facts,
      action,
      rules: verdict.matched,
      challengeId,
    };
    const record: BatchRow[] = [
      { writer: EVALUATION_WRITER, row: evaluation },
      activityOf({ ...input, at: now }),
    ];
    switch (action) {
      case 'allow':
        return { action, record };
      case 'hold':
        return { action, reason: REASONS.hold, rules: verdict.matched, record };
      case 'challenge': {
        const id = newId();
        await this.d.db.query(
          `INSERT INTO risk_challenges (id, user_id, kind, amount, currency, payees, reason, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            id,
            input.payerId,
            input.kind,
            input.amount,
            input.currency,
            payeesKey(input.counterparties),
            verdict.matched[0]?.name ?? REASONS.challenge,
            now,
            new Date(now.getTime() + CHALLENGE_MINUTES * 60_000),
          ],
        );
        await this.writeEvaluations(this.d.db, [evaluation]);
        return { action, challengeId: id, reason: REASONS.challenge };
      }
      default:
        await this.writeEvaluations(this.d.db, [evaluation]);
        return { action: 'deny', reason: REASONS.deny };
    }
  };

  /**
   * A challenge answered: it must be this user's, for this kind, amount and payees, unexpired,
   * confirmed with the PIN or a passkey in this very request, and unused — or used by this same
   * request (its retry under the same Idempotency-Key). Taken by one conditional update, so two
   * requests cannot both use it. Null when it does not answer (a new challenge is issued).
   */
  private async answerChallenge(input: RiskInput): Promise<string | null> {
    if (!isUuid(input.riskChallengeId!)) return null;
    if (!input.confirmedWith) {
      throw new AppError('pin_invalid', 'confirm this payment with your PIN or a passkey');
    }
    // Hashed: a derived key holds a NUL, which a text column cannot.
    const derived = currentIdempotency()?.derivedKey;
    const usedBy = derived ? createHash('sha256').update(derived).digest('hex') : newId();
    const { rows } = await this.d.db.query<{ id: string }>(
      `UPDATE risk_challenges SET used_at = coalesce(used_at, $7), used_by = coalesce(used_by, $8)
        WHERE id = $1 AND user_id = $2 AND kind = $3 AND amount = $4 AND currency = $5
          AND payees = $6 AND expires_at > $7 AND (used_at IS NULL OR used_by = $8)
        RETURNING id`,
      [
        input.riskChallengeId,
        input.payerId,
        input.kind,
        input.amount,
        input.currency,
        payeesKey(input.counterparties),
        this.d.clock.now(),
        usedBy,
      ],
    );
    return rows[0]?.id ?? null;
  }

  /** The pipeline's prefetch: the facts, read while the PIN is checked (nothing written). */
  readonly prefetch = (input: RiskInput): Promise<Facts> => this.factsOf(input, this.d.clock.now());

  private async factsOf(input: RiskInput, now: Date): Promise<Facts> {
    const payeeId = input.counterparties.find(isUuid);
    const [facts, score, deviceNew] = await Promise.all([
      readFacts(this.d.db, {
        payerId: input.payerId,
        payeeId,
        value: input.value,
        now,
        hour: this.hourOf(now),
      }),
      this.d.creditScoreOf?.(input.payerId).catch(() => undefined),
      input.deviceId ? this.d.deviceIsNew?.(input.payerId, input.deviceId) : undefined,
    ]);
    if (score !== undefined && score !== null) facts.creditScore = score;
    if (deviceNew !== undefined) facts.deviceIsNew = deviceNew;
    return facts;
  }

  private hourOf(at: Date): number {
    return Number(
      new Intl.DateTimeFormat('en-GB', {
        hour: '2-digit',
        hourCycle: 'h23',
        timeZone: this.d.timeZone,
      }).format(at),
    );
  }

  /** The active version of every rule, kept per process for `rulesTtlMs` (docs/risk.md). */
  private async activeRules(): Promise<Rule[]> {
    const now = Date.now();
    if (this.active && now - this.active.at < this.d.rulesTtlMs) return this.active.rules;
    const { rows } = await this.d.db.query<RuleRow>(
      `SELECT * FROM risk_rules WHERE status = 'active'`,
    );
    const rules = rows.map((r) => ({
      id: r.id,
      version: r.version,
      name: r.name,
      appliesTo: r.applies_to,
      when: r.condition,
      action: r.action,
    }));
    this.active = { rules, at: now };
    return rules;
  }

  private async writeEvaluations(q: Queryable, rows: readonly EvaluationRow[]): Promise<void> {
    if (rows.length === 0) return;
    await q.query(
      `INSERT INTO risk_evaluations (id, at, user_id, kind, amount, currency, counterparty_id, facts, action, rules, challenge_id)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::text[], $5::bigint[],
                            $6::char(3)[], $7::uuid[], $8::jsonb[], $9::text[], $10::jsonb[], $11::uuid[])
       ON CONFLICT (id) DO NOTHING`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.at),
        rows.map((r) => r.userId),
        rows.map((r) => r.kind),
        rows.map((r) => r.amount),
        rows.map((r) => r.currency),
        rows.map((r) => r.counterpartyId),
        rows.map((r) => JSON.stringify(r.facts)),
        rows.map((r) => r.action),
        rows.map((r) => JSON.stringify(r.rules)),
        rows.map((r) => r.challengeId),
      ],
    );
  }

  private async writeHolds(q: Queryable, rows: readonly HeldMovement[]): Promise<void> {
    for (const h of rows) {
      await q.query(
        `INSERT INTO risk_holds (id, user_id, kind, amount, currency, counterparty_id, money_transfer_id,
                                 limit_transfer_id, payload, reason, rules, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'held', $12) ON CONFLICT (id) DO NOTHING`,
        [
          h.id,
          h.userId,
          h.kind,
          h.amount,
          h.currency,
          h.counterpartyId,
          h.moneyTransferId,
          h.limitTransferId,
          JSON.stringify(h.payload),
          h.reason,
          JSON.stringify(h.rules),
          h.createdAt,
        ],
      );
    }
  }

  // ---- Rules -------------------------------------------------------------------------------

  private validate(input: RuleInput): void {
    const problems = checkCondition(input.when);
    if (problems.length > 0) {
      throw invalid(problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
        field: problems[0]!.path,
        problems,
      });
    }
    if (new Set(input.appliesTo).size !== input.appliesTo.length) {
      throw invalid('appliesTo lists a kind twice', { field: 'appliesTo' });
    }
  }

  async createRule(tx: Tx, actorId: string, input: RuleInput): Promise<RuleView> {
    this.validate(input);
    return this.insertVersion(tx, newId(), 1, actorId, input);
  }

  /** Editing makes a new draft version; the versions before stay as they were. */
  async editRule(tx: Tx, actorId: string, id: string, input: RuleInput): Promise<RuleView> {
    this.validate(input);
    const latest = await this.latest(tx, id, true);
    return this.insertVersion(tx, id, latest.version + 1, actorId, input);
  }

  private async insertVersion(
    tx: Tx,
    id: string,
    version: number,
    actorId: string,
    input: RuleInput,
  ): Promise<RuleView> {
    const { rows } = await tx.query<RuleRow>(
      `INSERT INTO risk_rules (id, version, name, description, applies_to, condition, action, status, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9) RETURNING *`,
      [
        id,
        version,
        input.name,
        input.description ?? '',
        input.appliesTo,
        JSON.stringify(input.when),
        input.action,
        actorId,
        this.d.clock.now(),
      ],
    );
    return toRule(rows[0]!);
  }

  private async latest(q: Queryable, id: string, lock = false): Promise<RuleView> {
    if (!isUuid(id)) throw notFound('rule');
    const { rows } = await q.query<RuleRow>(
      `SELECT * FROM risk_rules WHERE id = $1 ORDER BY version DESC LIMIT 1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (!rows[0]) throw notFound('rule');
    return toRule(rows[0]);
  }

  async rule(id: string): Promise<{ rule: RuleView; versions: RuleView[] }> {
    if (!isUuid(id)) throw notFound('rule');
    const { rows } = await this.d.db.query<RuleRow>(
      'SELECT * FROM risk_rules WHERE id = $1 ORDER BY version DESC',
      [id],
    );
    if (rows.length === 0) throw notFound('rule');
    const versions = rows.map(toRule);
    return { rule: versions.find((v) => v.status === 'active') ?? versions[0]!, versions };
  }

  /** Every rule: its active version if it has one, else its newest. */
  async rules(): Promise<RuleView[]> {
    const { rows } = await this.d.db.query<RuleRow>(
      `SELECT DISTINCT ON (id) * FROM risk_rules
        ORDER BY id, (status = 'active') DESC, version DESC`,
    );
    return rows.map(toRule).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Makes one version live (the newest unless named); the version live before goes inactive. */
  async activate(tx: Tx, id: string, version?: number): Promise<RuleView> {
    const latest = await this.latest(tx, id, true);
    const v = version ?? latest.version;
    await tx.query(
      `UPDATE risk_rules SET status = 'inactive' WHERE id = $1 AND status = 'active' AND version <> $2`,
      [id, v],
    );
    const { rows } = await tx.query<RuleRow>(
      `UPDATE risk_rules SET status = 'active', activated_at = $3 WHERE id = $1 AND version = $2
       RETURNING *`,
      [id, v, this.d.clock.now()],
    );
    if (!rows[0]) throw notFound('rule version');
    this.active = undefined;
    return toRule(rows[0]);
  }

  async deactivate(tx: Tx, id: string): Promise<RuleView> {
    await this.latest(tx, id, true);
    const { rows } = await tx.query<RuleRow>(
      `UPDATE risk_rules SET status = 'inactive' WHERE id = $1 AND status = 'active' RETURNING *`,
      [id],
    );
    if (!rows[0]) throw conflict('this rule has no active version');
    this.active = undefined;
    return toRule(rows[0]);
  }

  /**
   * What a rule version would have decided over the movements recorded in [from, to): how many
   * it matches, by action (what it would have added to the decisions actually taken), and up
   * to 10 samples. Bounded to the newest 100,000 decisions of the range.
   */
  async dryRun(
    id: string,
    range: { from: Date; to: Date; version?: number },
  ): Promise<{
    evaluated: number;
    matched: number;
    byAction: Record<string, number>;
    samples: unknown[];
    truncated: boolean;
  }> {
    if (range.to <= range.from) throw invalid('to must be after from', { field: 'to' });
    const { versions } = await this.rule(id);
    const v = range.version ? versions.find((x) => x.version === range.version) : versions[0];
    if (!v) throw notFound('rule version');
    const rule: Rule = {
      id: v.id,
      version: v.version,
      name: v.name,
      appliesTo: v.appliesTo,
      when: v.when,
      action: v.action,
    };
    const LIMIT = 100_000;
    const { rows } = await this.d.db.query<{
      id: string;
      at: Date;
      user_id: string;
      kind: string;
      amount: string;
      currency: string;
      counterparty_id: string | null;
      facts: Facts;
      action: string;
    }>(
      `SELECT id, at, user_id, kind, amount, currency, counterparty_id, facts, action
         FROM risk_evaluations WHERE at >= $1 AND at < $2 ORDER BY at DESC LIMIT $3`,
      [range.from, range.to, LIMIT + 1],
    );
    const page = rows.slice(0, LIMIT);
    const byAction: Record<string, number> = { challenge: 0, hold: 0, deny: 0 };
    const samples: unknown[] = [];
    let matched = 0;
    for (const r of page) {
      if (judge([rule], r.kind, r.facts).action === 'allow') continue;
      matched++;
      byAction[rule.action] = (byAction[rule.action] ?? 0) + 1;
      if (samples.length < 10) {
        samples.push({
          evaluationId: r.id,
          at: r.at.toISOString(),
          userId: r.user_id,
          kind: r.kind,
          amount: Number(r.amount),
          counterpartyId: r.counterparty_id,
          decidedThen: r.action,
          facts: r.facts,
        });
      }
    }
    return {
      evaluated: page.length,
      matched,
      byAction,
      samples,
      truncated: rows.length > LIMIT,
    };
  }

  // ---- Holds -------------------------------------------------------------------------------

  async holds(status: 'held' | 'released' | 'rejected', limit: number) {
    const { rows } = await this.d.db.query(
      `SELECT h.*, u.nickname FROM risk_holds h JOIN users u ON u.id = h.user_id
        WHERE h.status = $1 ORDER BY h.created_at DESC LIMIT $2`,
      [status, limit],
    );
    return rows.map(toHoldView);
  }

  /** Release or reject a held movement once; a second decision is 409 conflict. */
  async decideHold(
    tx: Tx,
    id: string,
    decision: 'release' | 'reject',
    actorId: string,
    note: string | undefined,
  ): Promise<{ view: ReturnType<typeof toHoldView>; after?: () => Promise<void> }> {
    if (!isUuid(id)) throw notFound('hold');
    const { rows } = await tx.query(
      `SELECT h.*, u.nickname FROM risk_holds h JOIN users u ON u.id = h.user_id
        WHERE h.id = $1 FOR UPDATE OF h`,
      [id],
    );
    const row = rows[0];
    if (!row) throw notFound('hold');
    if (row.status !== 'held') throw conflict(`this hold was already ${row.status}`);
    const held: HeldMovement = {
      id: row.id,
      userId: row.user_id,
      kind: row.kind,
      amount: Number(row.amount),
      currency: row.currency,
      counterpartyId: row.counterparty_id,
      moneyTransferId: row.money_transfer_id,
      limitTransferId: row.limit_transfer_id,
      payload: row.payload,
      reason: row.reason,
      rules: row.rules,
      createdAt: row.created_at,
    };
    const after = await this.d.pipeline.settleHold(tx, held, decision);
    const now = this.d.clock.now();
    const { rows: updated } = await tx.query(
      `UPDATE risk_holds SET status = $2, decided_by = $3, decided_at = $4, note = $5 WHERE id = $1
       RETURNING *, (SELECT nickname FROM users WHERE id = user_id) AS nickname`,
      [id, decision === 'release' ? 'released' : 'rejected', actorId, now, note ?? null],
    );
    return { view: toHoldView(updated[0]), ...(after ? { after } : {}) };
  }

  /** A user's risk history: the decisions other than allow, and their holds. */
  async userHistory(userId: string, limit: number) {
    if (!isUuid(userId)) throw notFound('user');
    const [{ rows: evaluations }, { rows: holds }] = await Promise.all([
      this.d.db.query(
        `SELECT id, at, kind, amount, currency, counterparty_id, facts, action, rules, challenge_id
           FROM risk_evaluations WHERE user_id = $1 AND action <> 'allow' ORDER BY at DESC LIMIT $2`,
        [userId, limit],
      ),
      this.d.db.query(
        `SELECT h.*, u.nickname FROM risk_holds h JOIN users u ON u.id = h.user_id
          WHERE h.user_id = $1 ORDER BY h.created_at DESC LIMIT $2`,
        [userId, limit],
      ),
    ]);
    return {
      userId,
      decisions: evaluations.map((e) => ({
        id: e.id,
        at: e.at.toISOString(),
        kind: e.kind,
        amount: Number(e.amount),
        currency: e.currency,
        counterpartyId: e.counterparty_id,
        action: e.action,
        rules: e.rules,
        facts: e.facts,
        challengeAnswered: e.challenge_id !== null,
      })),
      holds: holds.map(toHoldView),
    };
  }

  /** Runs `work` with the admin's audit entry written in the same transaction. */
  async audited<T>(
    actorId: string,
    action: string,
    work: (tx: Tx) => Promise<T>,
    target: { type: string; id: (result: T) => string },
    detail: (result: T) => Record<string, unknown>,
  ): Promise<T> {
    return inTransaction(this.d.db, async (tx) => {
      const result = await work(tx);
      await this.d.audit.record(tx, {
        actorId,
        action,
        target: { type: target.type, id: target.id(result) },
        detail: detail(result),
      });
      return result;
    });
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a row of risk_holds joined with the nickname
function toHoldView(r: any) {
  return {
    id: r.id as string,
    status: r.status as 'held' | 'released' | 'rejected',
    user: { id: r.user_id as string, nickname: r.nickname as string },
    kind: r.kind as string,
    amount: Number(r.amount),
    currency: r.currency as string,
    counterpartyId: r.counterparty_id as string | null,
    reason: r.reason as string,
    rules: r.rules as unknown,
    createdAt: (r.created_at as Date).toISOString(),
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: r.decided_at ? (r.decided_at as Date).toISOString() : null,
    note: (r.note as string | null) ?? null,
  };
}
