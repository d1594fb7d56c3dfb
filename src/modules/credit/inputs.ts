/**
 * The credit model's inputs, gathered from indexed state: the user's row, their CNY wallet
 * account, their wallet's most recent movements (by the ledger's per-account index, at most
 * MOVEMENTS_READ each way), their IOUs as borrower and their bans. Nothing here scores; the
 * pure model does (model.ts).
 */
import type { Queryable } from '../../db/pool.ts';
import {
  accrue,
  calendarDay,
  type LoanBalance,
  outstanding,
  parseIsoDate,
} from '../ious/interest.ts';
import { walletCode } from '../wallet/pipeline.ts';
import type { CreditInputs } from './model.ts';

const DAY_MS = 86_400_000;
/** Movements read per direction: enough for a year of everyday use, bounded for the heaviest. */
export const MOVEMENTS_READ = 2_000;

/** Disputes decided against a user; supplied by the module that owns disputes. */
export type DisputesLost = (q: Queryable, userId: string) => Promise<number>;

export interface GatherOptions {
  /** The IOU calendar (due dates fall by its days). */
  timeZone: string;
  disputesLost?: DisputesLost;
}

interface Movement {
  direction: 'in' | 'out';
  /** The other account's code (`user:<id>:wallet:CNY`, `bank:sandbox:CNY`, …). */
  other: string;
  amount: number;
  at: Date;
}

const WALLET = /^user:([0-9a-f-]{36}):wallet:/;

/**
 * The CNY wallet's posted totals, `<credits>:<debits>` ('0:0' without a wallet): they change
 * with every completed payment in or out, so a stored score whose mark differs is out of date.
 */
export const WALLET_MARK_SQL = `coalesce(a.credits_posted::text || ':' || a.debits_posted::text, '0:0')`;

/**
 * Everything the model reads about one user as of `now`, with the wallet mark it was read at;
 * undefined if there is no such user.
 */
export async function gatherInputs(
  q: Queryable,
  userId: string,
  now: Date,
  options: GatherOptions,
): Promise<{ inputs: CreditInputs; walletMark: string } | undefined> {
  const { rows: users } = await q.query<{
    verified: boolean;
    phone_verified: boolean;
    pin_set: boolean;
    created_at: Date;
  }>(
    `SELECT verified_at IS NOT NULL AS verified, phone_verified_at IS NOT NULL AS phone_verified,
            pin_hash IS NOT NULL AS pin_set, created_at
       FROM users WHERE id = $1`,
    [userId],
  );
  const user = users[0];
  if (!user) return undefined;
  const [wallet, history] = await Promise.all([
    walletState(q, userId),
    iouHistory(q, userId, calendarDay(now, options.timeZone)),
  ]);
  const [bans, disputesLost] = await Promise.all([
    q
      .query<{ n: string }>(
        `SELECT count(*) AS n FROM bans WHERE kind = 'user' AND subject = $1::text`,
        [userId],
      )
      .then((r) => Number(r.rows[0]!.n)),
    options.disputesLost ? options.disputesLost(q, userId) : Promise.resolve(0),
  ]);
  const moves = wallet.id === undefined ? [] : await movements(q, wallet.id, now);
  const inputs: CreditInputs = {
    identity: {
      realNameVerified: user.verified,
      phoneVerified: user.phone_verified,
      pinSet: user.pin_set,
      accountAgeDays: Math.max(0, Math.floor((now.getTime() - user.created_at.getTime()) / DAY_MS)),
    },
    behaviour: behaviourOf(moves, now),
    connections: connectionsOf(moves, now, userId),
    history: { ...history, disputesLost, bans },
    capacity: {
      balance: wallet.available,
      debtOutstanding: history.debtOutstanding,
      monthlyInflows: inflowsOf(moves, now),
    },
  };
  return { inputs, walletMark: wallet.mark };
}

const ageDays = (at: Date, now: Date) => (now.getTime() - at.getTime()) / DAY_MS;
/** A payment: money to or from anyone but the bank channel (top-ups, withdrawals). */
const isPayment = (m: Movement) => !m.other.startsWith('bank:');

function behaviourOf(moves: Movement[], now: Date): CreditInputs['behaviour'] {
  const recent = moves.filter((m) => isPayment(m) && ageDays(m.at, now) < 91);
  const weeks = new Set(
    recent.map((m) => Math.floor(ageDays(m.at, now) / 7)).filter((w) => w < 13),
  );
  return {
    paymentsOut90d: recent.filter((m) => m.direction === 'out' && ageDays(m.at, now) < 90).length,
    activeWeeks90d: weeks.size,
  };
}

function connectionsOf(moves: Movement[], now: Date, self: string): CreditInputs['connections'] {
  const people = new Map<string, { in: boolean; out: boolean; first: Date }>();
  for (const m of moves) {
    const other = WALLET.exec(m.other)?.[1];
    if (!other || other === self || ageDays(m.at, now) >= 365) continue;
    const p = people.get(other) ?? { in: false, out: false, first: m.at };
    p[m.direction] = true;
    if (m.at < p.first) p.first = m.at;
    people.set(other, p);
  }
  const all = [...people.values()];
  return {
    counterparties: all.length,
    reciprocal: all.filter((p) => p.in && p.out).length,
    lasting: all.filter((p) => ageDays(p.first, now) >= 90).length,
  };
}

function inflowsOf(moves: Movement[], now: Date): [number, number, number] {
  const inflows: [number, number, number] = [0, 0, 0];
  for (const m of moves) {
    if (m.direction !== 'in') continue;
    const window = Math.floor(ageDays(m.at, now) / 30);
    if (window >= 0 && window < 3) inflows[window as 0 | 1 | 2] += m.amount;
  }
  return inflows;
}

async function walletState(
  q: Queryable,
  userId: string,
): Promise<{ id: string | undefined; available: number; mark: string }> {
  const { rows } = await q.query<{ id: string; available: string; mark: string }>(
    `SELECT a.id, a.credits_posted - a.debits_posted - a.debits_pending AS available,
            ${WALLET_MARK_SQL} AS mark
       FROM ledger_accounts a WHERE a.code = $1`,
    [walletCode(userId, 'CNY')],
  );
  const row = rows[0];
  return { id: row?.id, available: row ? Number(row.available) : 0, mark: row?.mark ?? '0:0' };
}

/**
 * The wallet's completed movements of the last year, newest first, at most MOVEMENTS_READ each
 * way. Single transfers and posted pending ones count (flags 0 and 4); a pending transfer
 * counts when it is posted, a voided one never.
 */
async function movements(q: Queryable, accountId: string, now: Date): Promise<Movement[]> {
  const since = new Date(now.getTime() - 365 * DAY_MS);
  const { rows } = await q.query<{
    direction: 'in' | 'out';
    code: string;
    amount: string;
    at: Date;
  }>(
    `SELECT m.direction, a.code, m.amount, m.at FROM (
       (SELECT 'out' AS direction, credit_account_id AS other, amount, created_at AS at
          FROM ledger_transfers WHERE debit_account_id = $1 AND flags IN (0, 4)
         ORDER BY seq DESC LIMIT $3)
       UNION ALL
       (SELECT 'in', debit_account_id, amount, created_at
          FROM ledger_transfers WHERE credit_account_id = $1 AND flags IN (0, 4)
         ORDER BY seq DESC LIMIT $3)
     ) m JOIN ledger_accounts a ON a.id = m.other
     WHERE m.at >= $2 AND m.at <= $4`,
    [accountId, since, MOVEMENTS_READ, now],
  );
  return rows.map((r) => ({
    direction: r.direction,
    other: r.code,
    amount: Number(r.amount),
    at: r.at,
  }));
}

interface IouHistory {
  repaidOnTime: number;
  repaidLate: number;
  overdueOpen: number;
  maxDaysOverdue: number;
  writtenOffOverdue: number;
  debtOutstanding: number;
}

/** The user's record as a borrower, from their IOUs and the events the IOU module keeps. */
async function iouHistory(q: Queryable, userId: string, today: number): Promise<IouHistory> {
  const { rows } = await q.query<{
    status: string;
    due_date: string;
    annual_rate_bps: number;
    principal_outstanding: string;
    interest_accrued_units: string;
    accrued_through: string | null;
    interest_cleared: string;
    on_time: boolean | null;
    was_overdue: boolean;
  }>(
    `SELECT i.status, i.due_date::text AS due_date, i.annual_rate_bps, i.principal_outstanding,
            i.interest_accrued_units::text AS interest_accrued_units,
            i.accrued_through::text AS accrued_through,
            i.interest_paid + i.interest_forgiven AS interest_cleared,
            (SELECT (e.data->>'onTime')::boolean FROM iou_events e
              WHERE e.iou_id = i.id AND e.kind = 'repaid') AS on_time,
            EXISTS (SELECT 1 FROM iou_events e WHERE e.iou_id = i.id AND e.kind = 'overdue')
              AS was_overdue
       FROM ious i
      WHERE i.borrower_id = $1 AND i.status IN ('active', 'overdue', 'repaid', 'forgiven')`,
    [userId],
  );
  const h: IouHistory = {
    repaidOnTime: 0,
    repaidLate: 0,
    overdueOpen: 0,
    maxDaysOverdue: 0,
    writtenOffOverdue: 0,
    debtOutstanding: 0,
  };
  for (const r of rows) {
    if (r.status === 'repaid') {
      if (r.on_time) h.repaidOnTime += 1;
      else h.repaidLate += 1;
    } else if (r.status === 'forgiven') {
      if (r.was_overdue) h.writtenOffOverdue += 1;
    } else {
      if (r.status === 'overdue') {
        h.overdueOpen += 1;
        h.maxDaysOverdue = Math.max(h.maxDaysOverdue, today - parseIsoDate(r.due_date)!);
      }
      const stored: LoanBalance = {
        principalOutstanding: BigInt(r.principal_outstanding),
        accruedUnits: BigInt(r.interest_accrued_units),
        accruedThrough: r.accrued_through ? parseIsoDate(r.accrued_through)! : today,
        interestCleared: BigInt(r.interest_cleared),
      };
      h.debtOutstanding += Number(outstanding(accrue(stored, r.annual_rate_bps, today)));
    }
  }
  return h;
}
