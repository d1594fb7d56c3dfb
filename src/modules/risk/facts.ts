/**
 * The facts of a movement, read from indexed state in one round trip: the rolling aggregates
 * (`risk_pairs`, and `risk_buckets`: each user's money per five minutes) maintained when money
 * commits, and the users' and friendships' primary keys. A window reads at most 289 buckets
 * per user however much they paid in it, never a scan of their history. The rows that keep
 * the aggregates are built here too.
 */
import type { Queryable } from '../../db/pool.ts';
import type { BatchRow } from '../ledger/index.ts';
import type { Facts } from './rules.ts';

const DAY_MS = 86_400_000;
/** The aggregates' resolution: a window includes the bucket its start falls in (errs high). */
const BUCKET_MS = 300_000;
const bucketOf = (at: string) => {
  const ms = Date.parse(at);
  return new Date(ms - (ms % BUCKET_MS)).toISOString();
};

/** Kinds whose money lands in the counterparty's wallet at once: they make payer→payee pairs. */
const DIRECT = new Set([
  'transfer',
  'family.payment',
  'iou.loan',
  'iou.repayment',
  'group.collection.payment',
  'group.settlement',
  'payment',
]);
/** Kinds whose money does not leave the payer's own wallet (a fund pays a member). */
const NOT_FROM_PAYER = new Set(['group.fund.spend']);

export interface ActivityRow {
  /** Out of this user's wallet, if any. */
  payerId: string | null;
  /** Into this user's wallet, if any. */
  payeeId: string | null;
  value: number;
  at: string;
}

export const ACTIVITY_WRITER = 'risk.activity';

/** What a movement adds to the aggregates when its money commits. */
export function activityOf(input: {
  payerId: string;
  counterparties: readonly string[];
  kind: string;
  value: number;
  at: Date;
}): BatchRow {
  const payee =
    DIRECT.has(input.kind) || NOT_FROM_PAYER.has(input.kind)
      ? (input.counterparties[0] ?? null)
      : null;
  const row: ActivityRow = {
    payerId: NOT_FROM_PAYER.has(input.kind) ? null : input.payerId,
    payeeId: payee,
    value: input.value,
    at: input.at.toISOString(),
  };
  return { writer: ACTIVITY_WRITER, row };
}

/** One statement per batch: events both ways, and the payer→payee pairs. */
export async function writeActivity(q: Queryable, rows: readonly ActivityRow[]): Promise<void> {
  if (rows.length === 0) return;
  const users: string[] = [];
  const dirs: string[] = [];
  const values: number[] = [];
  const ats: string[] = [];
  const pairs: { payer: string; payee: string; at: string }[] = [];
  for (const r of rows) {
    if (r.payerId) {
      users.push(r.payerId);
      dirs.push('o');
      values.push(r.value);
      ats.push(r.at);
    }
    if (r.payeeId) {
      users.push(r.payeeId);
      dirs.push('i');
      values.push(r.value);
      ats.push(r.at);
    }
    if (r.payerId && r.payeeId) pairs.push({ payer: r.payerId, payee: r.payeeId, at: r.at });
  }
  // Buckets and pairs sorted and merged so that one statement never touches a row twice (and
  // two batches lock the rows they share in the same order).
  const buckets = new Map<
    string,
    { user: string; bucket: string; outCount: number; outSum: number; inSum: number }
  >();
  for (const [i, user] of users.entries()) {
    const bucket = bucketOf(ats[i]!);
    const k = `${user}|${bucket}`;
    const b = buckets.get(k) ?? { user, bucket, outCount: 0, outSum: 0, inSum: 0 };
    if (dirs[i] === 'o') {
      b.outCount++;
      b.outSum += values[i]!;
    } else b.inSum += values[i]!;
    buckets.set(k, b);
  }
  const sortedBuckets = [...buckets.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, v]) => v);
  const merged = new Map<string, { payer: string; payee: string; first: string; last: string }>();
  for (const p of pairs) {
    const k = `${p.payer}|${p.payee}`;
    const m = merged.get(k);
    if (!m) merged.set(k, { payer: p.payer, payee: p.payee, first: p.at, last: p.at });
    else {
      if (p.at < m.first) m.first = p.at;
      if (p.at > m.last) m.last = p.at;
    }
  }
  const sorted = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  await q.query(
    `WITH ev AS (
       INSERT INTO risk_buckets AS b (user_id, bucket, out_count, out_sum, in_sum)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::bigint[], $5::bigint[])
       ON CONFLICT (user_id, bucket) DO UPDATE SET out_count = b.out_count + excluded.out_count,
         out_sum = b.out_sum + excluded.out_sum, in_sum = b.in_sum + excluded.in_sum
     )
     INSERT INTO risk_pairs AS p (payer_id, payee_id, first_at, last_at)
     SELECT * FROM unnest($6::uuid[], $7::uuid[], $8::timestamptz[], $9::timestamptz[])
     ON CONFLICT (payer_id, payee_id) DO UPDATE SET last_at = greatest(p.last_at, excluded.last_at)`,
    [
      sortedBuckets.map((b) => b.user),
      sortedBuckets.map((b) => b.bucket),
      sortedBuckets.map((b) => b.outCount),
      sortedBuckets.map((b) => b.outSum),
      sortedBuckets.map((b) => b.inSum),
      sorted.map((p) => p.payer),
      sorted.map((p) => p.payee),
      sorted.map((p) => p.first),
      sorted.map((p) => p.last),
    ],
  );
}

interface FactsRow {
  payer_created: Date | null;
  payee_created: Date | null;
  friend_since: Date | null;
  paid_before: boolean;
  distinct_payees: string;
  new_payees: string;
  distinct_payers: string;
  payee_distinct_payers: string | null;
  count_1h: string;
  out_24h: string;
  in_24h: string;
}

/**
 * The facts of one movement as known before it. `payeeId` is the first counterparty that is a
 * user (none for a withdrawal or a group envelope: the payee facts are then absent).
 */
export async function readFacts(
  q: Queryable,
  input: { payerId: string; payeeId: string | undefined; value: number; now: Date; hour: number },
): Promise<Facts> {
  const dayAgo = new Date(input.now.getTime() - DAY_MS);
  const hourAgo = new Date(input.now.getTime() - 3_600_000);
  const { rows } = await q.query<FactsRow>(
    `SELECT (SELECT created_at FROM users WHERE id = $1) AS payer_created,
            (SELECT created_at FROM users WHERE id = $2) AS payee_created,
            (SELECT created_at FROM friendships WHERE user_id = $1 AND friend_id = $2) AS friend_since,
            EXISTS (SELECT 1 FROM risk_pairs WHERE payer_id = $1 AND payee_id = $2) AS paid_before,
            (SELECT count(*) FROM risk_pairs WHERE payer_id = $1 AND last_at > $3) AS distinct_payees,
            (SELECT count(*) FROM risk_pairs WHERE payer_id = $1 AND first_at > $3) AS new_payees,
            (SELECT count(*) FROM risk_pairs WHERE payee_id = $1 AND last_at > $3) AS distinct_payers,
            (SELECT count(*) FROM risk_pairs WHERE $2::uuid IS NOT NULL AND payee_id = $2 AND last_at > $3)
              AS payee_distinct_payers,
            e.count_1h, e.out_24h, e.in_24h
       FROM (SELECT coalesce(sum(out_count) FILTER (WHERE bucket > $4), 0) AS count_1h,
                    coalesce(sum(out_sum), 0) AS out_24h, coalesce(sum(in_sum), 0) AS in_24h
               FROM risk_buckets WHERE user_id = $1 AND bucket > $5) e`,
    [
      input.payerId,
      input.payeeId ?? null,
      dayAgo,
      new Date(hourAgo.getTime() - BUCKET_MS),
      new Date(dayAgo.getTime() - BUCKET_MS),
    ],
  );
  const r = rows[0]!;
  const days = (d: Date) => Math.floor((input.now.getTime() - d.getTime()) / DAY_MS);
  const facts: Facts = {
    amount: input.value,
    accountAgeDays: r.payer_created ? days(r.payer_created) : 0,
    count1h: Number(r.count_1h),
    amount24h: Number(r.out_24h),
    inflow24h: Number(r.in_24h),
    distinctPayees24h: Number(r.distinct_payees),
    newPayees24h: Number(r.new_payees),
    distinctPayers24h: Number(r.distinct_payers),
    hourOfDay: input.hour,
  };
  if (input.payeeId && r.payee_created) {
    facts.payeeIsNew = !r.paid_before;
    facts.payeeIsFriend = r.friend_since !== null;
    if (r.friend_since) facts.payeeFriendDays = days(r.friend_since);
    facts.payeeAccountAgeDays = days(r.payee_created);
    facts.payeeDistinctPayers24h = Number(r.payee_distinct_payers ?? 0);
  }
  return facts;
}
