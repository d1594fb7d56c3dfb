import { type Db, inTransaction } from '../../db/pool.ts';

export interface VerifyProblem {
  kind:
    | 'currency_unbalanced'
    | 'account_balance_mismatch'
    | 'negative_balance'
    | 'pending_resolved_twice'
    | 'pending_row_mismatch'
    | 'resolution_mismatch'
    | 'transfer_and_rejection_share_id';
  detail: string;
  accountId?: string;
  accountCode?: string;
  transferId?: string;
  currency?: string;
}

export interface VerifyReport {
  ok: boolean;
  currencies: { currency: string; totalDebits: string; totalCredits: string }[];
  accountsChecked: number;
  transfersChecked: number;
  problems: VerifyProblem[];
}

/**
 * Checks the ledger's invariants over the whole database, in one consistent snapshot:
 * per currency debits = credits; each account's four columns equal the sums of its
 * transfers; no account that must not go negative is negative; no pending transfer is
 * resolved twice, and every resolution matches what it resolves.
 */
export function verifyLedger(db: Db): Promise<VerifyReport> {
  return inTransaction(
    db,
    async (tx) => {
      const problems: VerifyProblem[] = [];
      const currencies = await tx.query<{
        currency: string;
        d: string;
        c: string;
        dp: string;
        cp: string;
      }>(
        `SELECT currency, sum(debits_posted)::text AS d, sum(credits_posted)::text AS c,
                sum(debits_pending)::text AS dp, sum(credits_pending)::text AS cp
           FROM ledger_accounts GROUP BY currency ORDER BY currency`,
      );
      for (const r of currencies.rows) {
        if (r.d !== r.c || r.dp !== r.cp) {
          problems.push({
            kind: 'currency_unbalanced',
            currency: r.currency,
            detail: `posted debits ${r.d} vs credits ${r.c}; pending debits ${r.dp} vs credits ${r.cp}`,
          });
        }
      }

      // Expected columns, recomputed from the transfers alone. A pending transfer still counts
      // as pending while no post or void refers to it.
      const mismatches = await tx.query<{
        id: string;
        code: string;
        actual: string;
        expected: string;
      }>(
        `WITH legs AS (
           SELECT t.debit_account_id AS account_id,
                  CASE WHEN t.flags & 2 = 2 AND r.id IS NULL THEN t.amount ELSE 0 END AS dp,
                  CASE WHEN t.flags & 8 = 0 AND t.flags & 2 = 0 THEN t.amount ELSE 0 END AS dpo,
                  0::bigint AS cp, 0::bigint AS cpo
             FROM ledger_transfers t LEFT JOIN ledger_transfers r ON r.pending_id = t.id
           UNION ALL
           SELECT t.credit_account_id,
                  0, 0,
                  CASE WHEN t.flags & 2 = 2 AND r.id IS NULL THEN t.amount ELSE 0 END,
                  CASE WHEN t.flags & 8 = 0 AND t.flags & 2 = 0 THEN t.amount ELSE 0 END
             FROM ledger_transfers t LEFT JOIN ledger_transfers r ON r.pending_id = t.id
         ), sums AS (
           SELECT account_id, sum(dp) AS dp, sum(dpo) AS dpo, sum(cp) AS cp, sum(cpo) AS cpo
             FROM legs GROUP BY account_id
         )
         SELECT a.id::text, a.code,
                concat_ws('/', a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted) AS actual,
                concat_ws('/', coalesce(s.dp, 0), coalesce(s.dpo, 0), coalesce(s.cp, 0), coalesce(s.cpo, 0)) AS expected
           FROM ledger_accounts a LEFT JOIN sums s ON s.account_id = a.id
          WHERE a.debits_pending <> coalesce(s.dp, 0) OR a.debits_posted <> coalesce(s.dpo, 0)
             OR a.credits_pending <> coalesce(s.cp, 0) OR a.credits_posted <> coalesce(s.cpo, 0)
          LIMIT 1000`,
      );
      for (const r of mismatches.rows) {
        problems.push({
          kind: 'account_balance_mismatch',
          accountId: r.id,
          accountCode: r.code,
          detail: `columns debits_pending/debits_posted/credits_pending/credits_posted are ${r.actual}, transfers sum to ${r.expected}`,
        });
      }

      const negatives = await tx.query<{ id: string; code: string; balance: string }>(
        `SELECT id::text, code,
                CASE WHEN flags & 1 = 1 THEN (credits_posted - debits_posted - debits_pending)::text
                     ELSE (debits_posted - credits_posted - credits_pending)::text END AS balance
           FROM ledger_accounts
          WHERE (flags & 1 = 1 AND debits_posted + debits_pending > credits_posted)
             OR (flags & 2 = 2 AND credits_posted + credits_pending > debits_posted)
          LIMIT 1000`,
      );
      for (const r of negatives.rows) {
        problems.push({
          kind: 'negative_balance',
          accountId: r.id,
          accountCode: r.code,
          detail: `balance ${r.balance} is below zero for an account that must not go negative`,
        });
      }

      const twice = await tx.query<{ pending_id: string; n: string }>(
        `SELECT pending_id::text, count(*)::text AS n FROM ledger_transfers
          WHERE pending_id IS NOT NULL GROUP BY pending_id HAVING count(*) > 1 LIMIT 1000`,
      );
      for (const r of twice.rows) {
        problems.push({
          kind: 'pending_resolved_twice',
          transferId: r.pending_id,
          detail: `resolved ${r.n} times`,
        });
      }

      const badResolutions = await tx.query<{ id: string }>(
        `SELECT r.id::text FROM ledger_transfers r JOIN ledger_transfers p ON p.id = r.pending_id
          WHERE p.flags & 2 = 0 OR r.amount <> p.amount OR r.debit_account_id <> p.debit_account_id
             OR r.credit_account_id <> p.credit_account_id LIMIT 1000`,
      );
      for (const r of badResolutions.rows) {
        problems.push({
          kind: 'resolution_mismatch',
          transferId: r.id,
          detail: 'post/void does not match the pending transfer it resolves',
        });
      }

      const pendingRows = await tx.query<{ id: string; why: string }>(
        `SELECT t.id::text, 'open pending transfer without a ledger_pending row' AS why
           FROM ledger_transfers t
          WHERE t.flags & 2 = 2
            AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)
            AND NOT EXISTS (SELECT 1 FROM ledger_pending p WHERE p.transfer_id = t.id)
         UNION ALL
         SELECT p.transfer_id::text, 'ledger_pending row for a resolved or non-pending transfer'
           FROM ledger_pending p JOIN ledger_transfers t ON t.id = p.transfer_id
          WHERE t.flags & 2 = 0 OR EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)
         LIMIT 1000`,
      );
      for (const r of pendingRows.rows) {
        problems.push({ kind: 'pending_row_mismatch', transferId: r.id, detail: r.why });
      }

      const shared = await tx.query<{ id: string }>(
        `SELECT r.id::text FROM ledger_rejections r JOIN ledger_transfers t ON t.id = r.id LIMIT 1000`,
      );
      for (const r of shared.rows) {
        problems.push({
          kind: 'transfer_and_rejection_share_id',
          transferId: r.id,
          detail: 'an id is recorded both as applied and as refused',
        });
      }

      const counts = await tx.query<{ accounts: string; transfers: string }>(
        `SELECT (SELECT count(*) FROM ledger_accounts)::text AS accounts,
                (SELECT count(*) FROM ledger_transfers)::text AS transfers`,
      );
      return {
        ok: problems.length === 0,
        currencies: currencies.rows.map((r) => ({
          currency: r.currency,
          totalDebits: r.d,
          totalCredits: r.c,
        })),
        accountsChecked: Number(counts.rows[0]!.accounts),
        transfersChecked: Number(counts.rows[0]!.transfers),
        problems,
      };
    },
    { isolation: 'repeatable read', readOnly: true },
  );
}
