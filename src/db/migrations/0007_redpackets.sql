-- Red envelopes (红包). The money sits in a ledger escrow account per envelope
-- (redpacket:<id>:escrow); these tables say who may take which part of it.
CREATE TABLE red_packets (
  id                 uuid PRIMARY KEY,
  sender_id          uuid NOT NULL REFERENCES users (id),
  kind               text NOT NULL CHECK (kind IN ('lucky', 'fixed')),
  count              integer NOT NULL CHECK (count >= 1),
  -- Every share is at least one minor unit.
  total_amount       bigint NOT NULL CHECK (total_amount >= count),
  currency           text NOT NULL,
  greeting           text CHECK (char_length(greeting) <= 50),
  -- Exactly one audience: one person, or a group (whose members at send time may claim).
  to_user_id         uuid REFERENCES users (id),
  to_group_id        uuid REFERENCES groups (id),
  escrow_account_id  bigint NOT NULL REFERENCES ledger_accounts (id),
  -- open → emptied (the last share was claimed) | expired (the rest went back to the sender).
  status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'emptied', 'expired')),
  -- Lucky envelopes, once emptied: the largest share (ties: the earliest claim).
  luckiest_user_id   uuid REFERENCES users (id),
  refunded_amount    bigint CHECK (refunded_amount > 0),
  created_at         timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL,
  closed_at          timestamptz,
  CHECK ((to_user_id IS NULL) <> (to_group_id IS NULL)),
  CHECK ((status = 'open') = (closed_at IS NULL))
);
-- The expiry job's queue.
CREATE INDEX red_packets_due ON red_packets (expires_at) WHERE status = 'open';
CREATE INDEX red_packets_sender ON red_packets (sender_id, created_at DESC);

-- Who may claim, fixed at send time: the one recipient, or the group's members then.
CREATE TABLE red_packet_recipients (
  packet_id  uuid NOT NULL REFERENCES red_packets (id),
  user_id    uuid NOT NULL REFERENCES users (id),
  PRIMARY KEY (packet_id, user_id)
);

-- The amounts are decided when the envelope is sent; a claim takes the lowest free position.
CREATE TABLE red_packet_shares (
  packet_id   uuid NOT NULL REFERENCES red_packets (id),
  position    integer NOT NULL CHECK (position >= 0),
  amount      bigint NOT NULL CHECK (amount >= 1),
  claimed_by  uuid REFERENCES users (id),
  claimed_at  timestamptz,
  PRIMARY KEY (packet_id, position),
  CHECK ((claimed_by IS NULL) = (claimed_at IS NULL))
);
-- One share per user per envelope, however many of their claims race (unclaimed NULLs never collide).
CREATE UNIQUE INDEX red_packet_shares_one_per_user ON red_packet_shares (packet_id, claimed_by);
