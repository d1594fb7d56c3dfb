-- Shared expenses (Splitwise-style) in groups. An expense is a record of who paid what for whom:
-- it moves no money. Settling up does, through the ledger (one wallet-to-wallet transfer); the
-- settlement row names that transfer. Balances are computed from both, never stored.

CREATE TABLE group_expenses (
  id                uuid PRIMARY KEY,
  group_id          uuid NOT NULL REFERENCES groups (id),
  created_by        uuid NOT NULL REFERENCES users (id),
  paid_by           uuid NOT NULL REFERENCES users (id),
  description       text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 100),
  -- Moderation held the description for review: only the member who wrote it
  -- (description_by) sees it until then; the expense itself counts for everyone.
  description_held  boolean NOT NULL DEFAULT false,
  description_by    uuid NOT NULL REFERENCES users (id),
  amount            bigint NOT NULL CHECK (amount > 0),
  currency          text NOT NULL,
  split_method      text NOT NULL CHECK (split_method IN ('equal', 'exact', 'shares', 'percent')),
  occurred_at       timestamptz NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  -- 1 at creation, +1 per edit and for the deletion; the audit row of each has the same number.
  version           integer NOT NULL CHECK (version >= 1),
  -- Soft delete: the row and its history stay; balances ignore it.
  deleted_at        timestamptz,
  deleted_by        uuid REFERENCES users (id),
  CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
);
-- A group's expenses, newest first; balances read the live ones of one currency.
CREATE INDEX group_expenses_group ON group_expenses (group_id, created_at DESC, id DESC);

-- Who owes what of an expense; the owed amounts add up to the expense's amount.
CREATE TABLE group_expense_shares (
  expense_id  uuid NOT NULL REFERENCES group_expenses (id),
  user_id     uuid NOT NULL REFERENCES users (id),
  -- As given: an exact amount, a number of shares or basis points; NULL for an equal split.
  value       bigint,
  owed        bigint NOT NULL CHECK (owed >= 0),
  PRIMARY KEY (expense_id, user_id)
);

-- The audit trail: one row per creation, edit and deletion, never changed afterwards.
CREATE TABLE group_expense_events (
  expense_id  uuid NOT NULL REFERENCES group_expenses (id),
  version     integer NOT NULL,
  action      text NOT NULL CHECK (action IN ('created', 'edited', 'deleted')),
  actor_id    uuid NOT NULL REFERENCES users (id),
  at          timestamptz NOT NULL,
  -- The expense as it was and as it became (description, amount, payer, split, ...).
  before      jsonb,
  after       jsonb,
  PRIMARY KEY (expense_id, version),
  CHECK ((action = 'created') = (before IS NULL)),
  CHECK ((action = 'deleted') = (after IS NULL))
);

-- A settle-up: `from_user_id` paid `to_user_id` through the ledger (transfer_id) inside the
-- group's books. The id is derived from the payer's Idempotency-Key when there is one.
CREATE TABLE group_settlements (
  id            uuid PRIMARY KEY,
  group_id      uuid NOT NULL REFERENCES groups (id),
  from_user_id  uuid NOT NULL REFERENCES users (id),
  to_user_id    uuid NOT NULL REFERENCES users (id),
  amount        bigint NOT NULL CHECK (amount > 0),
  currency      text NOT NULL,
  transfer_id   uuid NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL,
  CHECK (from_user_id <> to_user_id)
);
CREATE INDEX group_settlements_group ON group_settlements (group_id, created_at DESC, id DESC);
