-- A withdrawal whose bank call fails is retried on its own, with backoff, then failed.
ALTER TABLE withdrawals
  ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN last_error      text;
DROP INDEX withdrawals_pending;
CREATE INDEX withdrawals_pending ON withdrawals (next_attempt_at NULLS FIRST, created_at)
  WHERE status = 'pending';

-- A top-up is recorded before the bank is charged, so that a crash between the charge and
-- the credit is found and reconciled with the bank's status of the charge.
CREATE TABLE topups (
  -- The ledger transfer id that credits it: crediting twice is impossible.
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id),
  amount      bigint NOT NULL CHECK (amount > 0),
  currency    char(3) NOT NULL,
  status      text NOT NULL CHECK (status IN ('charging', 'credited', 'failed', 'refunded')),
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX topups_charging ON topups (created_at) WHERE status = 'charging';
