-- IOUs (借条): a borrower asks a friend for a loan; the lender accepts (the money moves through
-- the ledger, lender wallet → borrower wallet) or declines. Balances here are what is owed,
-- never money: money only ever sits in ledger accounts.
CREATE TABLE ious (
  id                      uuid PRIMARY KEY,
  borrower_id             uuid NOT NULL REFERENCES users (id),
  lender_id               uuid NOT NULL REFERENCES users (id),
  currency                text NOT NULL,
  principal               bigint NOT NULL CHECK (principal > 0),
  annual_rate_bps         integer NOT NULL CHECK (annual_rate_bps >= 0),
  due_date                date NOT NULL,
  purpose                 text NOT NULL CHECK (char_length(purpose) BETWEEN 1 AND 100),
  -- requested → active | declined (lender) | cancelled (borrower);
  -- active → overdue (the job, after the due date) → repaid | forgiven (lender).
  status                  text NOT NULL DEFAULT 'requested' CHECK (status IN
                            ('requested', 'active', 'overdue', 'repaid', 'forgiven', 'declined', 'cancelled')),
  principal_outstanding   bigint NOT NULL CHECK (principal_outstanding BETWEEN 0 AND principal),
  -- Interest accrued up to accrued_through, exactly, in 1/3,650,000ths of a minor unit
  -- (src/modules/ious/interest.ts); NUMERIC because principal × bps × days outgrows BIGINT.
  interest_accrued_units  numeric(40, 0) NOT NULL DEFAULT 0 CHECK (interest_accrued_units >= 0),
  accrued_through         date,
  interest_paid           bigint NOT NULL DEFAULT 0 CHECK (interest_paid >= 0),
  -- What the lender wrote off, split as the debt stood then.
  principal_forgiven      bigint NOT NULL DEFAULT 0 CHECK (principal_forgiven >= 0),
  interest_forgiven       bigint NOT NULL DEFAULT 0 CHECK (interest_forgiven >= 0),
  created_at              timestamptz NOT NULL,
  accepted_at             timestamptz,
  closed_at               timestamptz,
  -- Set by the one run of the reminder job that sent iou.due_soon, so no restart resends it.
  reminded_at             timestamptz,
  CHECK (borrower_id <> lender_id),
  CHECK ((accepted_at IS NULL) = (status IN ('requested', 'declined', 'cancelled'))),
  CHECK ((accrued_through IS NULL) = (accepted_at IS NULL)),
  CHECK ((closed_at IS NULL) = (status IN ('requested', 'active', 'overdue')))
);
-- "My IOUs" as borrower or as lender, newest first.
CREATE INDEX ious_borrower ON ious (borrower_id, created_at DESC, id DESC);
CREATE INDEX ious_lender ON ious (lender_id, created_at DESC, id DESC);
-- The job's queues: running loans by due date.
CREATE INDEX ious_running_due ON ious (due_date) WHERE status IN ('active', 'overdue');

-- The IOU's history, kept for the credit score: what happened, when, by whom, for how much.
-- A repayment's id derives from its Idempotency-Key, so a replay finds its first outcome.
CREATE TABLE iou_events (
  id              uuid PRIMARY KEY,
  -- The order things happened in (several can share a timestamp).
  seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  iou_id          uuid NOT NULL REFERENCES ious (id),
  kind            text NOT NULL CHECK (kind IN ('requested', 'accepted', 'declined', 'cancelled',
                    'repayment', 'overdue', 'repaid', 'forgiven', 'reminder')),
  -- Who did it; NULL for the job (overdue, reminder).
  actor_id        uuid REFERENCES users (id),
  amount          bigint CHECK (amount > 0),
  interest_part   bigint CHECK (interest_part >= 0),
  principal_part  bigint CHECK (principal_part >= 0),
  transfer_id     uuid,
  data            jsonb,
  created_at      timestamptz NOT NULL,
  CHECK ((kind = 'repayment') = (interest_part IS NOT NULL AND principal_part IS NOT NULL
                                 AND transfer_id IS NOT NULL AND amount = interest_part + principal_part))
);
CREATE INDEX iou_events_iou ON iou_events (iou_id, seq);
-- Everything but a repayment happens at most once to an IOU, whichever process tries.
CREATE UNIQUE INDEX iou_events_once ON iou_events (iou_id, kind) WHERE kind <> 'repayment';
