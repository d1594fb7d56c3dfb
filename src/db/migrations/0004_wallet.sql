CREATE TABLE withdrawals (
  id                   uuid PRIMARY KEY,
  user_id              uuid NOT NULL REFERENCES users (id),
  amount               bigint NOT NULL CHECK (amount > 0),
  currency             char(3) NOT NULL,
  -- The pending ledger transfer that holds the money until the bank answers.
  hold_transfer_id     uuid NOT NULL UNIQUE,
  status               text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  channel_reference    text,
  failure_reason       text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL
);
CREATE INDEX withdrawals_user ON withdrawals (user_id, created_at DESC);
CREATE INDEX withdrawals_pending ON withdrawals (created_at) WHERE status = 'pending';
