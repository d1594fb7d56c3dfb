-- Group fund (经费群) and collections (AA 收款). The fund's money sits in one ledger account per
-- group (group:<id>:fund:<currency>, debits-must-not-exceed-credits: it never goes below zero);
-- these tables say who put in or took out what, and who owes a collection what.

-- Every movement of a fund, as its members see it. The id is the ledger transfer's id.
CREATE TABLE group_fund_entries (
  id          uuid PRIMARY KEY,
  group_id    uuid NOT NULL REFERENCES groups (id),
  type        text NOT NULL CHECK (type IN ('contribution', 'spend')),
  amount      bigint NOT NULL CHECK (amount > 0),
  currency    text NOT NULL,
  -- The contributor, or the owner/treasurer who spent.
  user_id     uuid NOT NULL REFERENCES users (id),
  -- Spends only: the member the money went to.
  to_user_id  uuid REFERENCES users (id),
  note        text CHECK (char_length(note) <= 100),
  -- Moderation held the note for review: only its author sees it until then.
  note_held   boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL,
  CHECK ((type = 'spend') = (to_user_id IS NOT NULL))
);
-- The fund's history, newest first.
CREATE INDEX group_fund_entries_group ON group_fund_entries (group_id, created_at DESC, id DESC);

CREATE TABLE group_collections (
  id                uuid PRIMARY KEY,
  group_id          uuid NOT NULL REFERENCES groups (id),
  organizer_id      uuid NOT NULL REFERENCES users (id),
  note              text NOT NULL CHECK (char_length(note) BETWEEN 1 AND 100),
  note_held         boolean NOT NULL DEFAULT false,
  currency          text NOT NULL,
  -- Sum of all shares, the organiser's own (if any) included.
  total_amount      bigint NOT NULL CHECK (total_amount > 0),
  -- open → completed (every share paid) | closed (by the organiser; unpaid shares stay unpaid).
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'closed')),
  created_at        timestamptz NOT NULL,
  closed_at         timestamptz,
  last_reminded_at  timestamptz,
  CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE INDEX group_collections_group ON group_collections (group_id, created_at DESC, id DESC);

-- One share per member asked; paid once (the row is the guard), by one ledger transfer.
-- The organiser's own share, when they include themselves, is paid at creation with no transfer.
CREATE TABLE group_collection_shares (
  collection_id  uuid NOT NULL REFERENCES group_collections (id),
  user_id        uuid NOT NULL REFERENCES users (id),
  amount         bigint NOT NULL CHECK (amount >= 1),
  transfer_id    uuid,
  paid_at        timestamptz,
  PRIMARY KEY (collection_id, user_id),
  CHECK (transfer_id IS NULL OR paid_at IS NOT NULL)
);
