-- Risk control (风控): rules as data, the decisions taken, challenges, holds, and the rolling
-- aggregates the facts are read from (maintained when money commits, read by index ranges).

-- Rules are versioned: a row per (id, version), never edited once it leaves draft. At most one
-- version of a rule is active.
CREATE TABLE risk_rules (
  id           uuid NOT NULL,
  version      integer NOT NULL CHECK (version >= 1),
  name         text NOT NULL,
  description  text NOT NULL DEFAULT '',
  applies_to   text[] NOT NULL,
  condition    jsonb NOT NULL,
  action       text NOT NULL CHECK (action IN ('challenge', 'hold', 'deny')),
  status       text NOT NULL CHECK (status IN ('draft', 'active', 'inactive')),
  created_by   uuid REFERENCES users (id),
  created_at   timestamptz NOT NULL,
  activated_at timestamptz,
  PRIMARY KEY (id, version)
);
CREATE UNIQUE INDEX risk_rules_one_active ON risk_rules (id) WHERE status = 'active';

-- One row per movement the risk stage judged, with the facts it saw: the history a dry-run
-- replays and a user's risk history. Allowed movements are written with their money.
CREATE TABLE risk_evaluations (
  id              uuid PRIMARY KEY,
  at              timestamptz NOT NULL,
  user_id         uuid NOT NULL,
  kind            text NOT NULL,
  amount          bigint NOT NULL,
  currency        char(3) NOT NULL,
  counterparty_id uuid,
  facts           jsonb NOT NULL,
  action          text NOT NULL CHECK (action IN ('allow', 'challenge', 'hold', 'deny')),
  -- The rules that matched: [{ id, version, name, action }].
  rules           jsonb NOT NULL DEFAULT '[]',
  -- The challenge answered to get this far, if any.
  challenge_id    uuid
);
CREATE INDEX risk_evaluations_at ON risk_evaluations (at);
CREATE INDEX risk_evaluations_user ON risk_evaluations (user_id, at DESC);

-- A challenge binds a user, a movement's kind, amount and counterparties; used once, expires.
CREATE TABLE risk_challenges (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id),
  kind        text NOT NULL,
  amount      bigint NOT NULL,
  currency    char(3) NOT NULL,
  payees      text NOT NULL,
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  -- The request that used it (its derived Idempotency-Key): that request's retry may use it again.
  used_by     text
);
CREATE INDEX risk_challenges_user ON risk_challenges (user_id, created_at DESC);

-- A held movement: its money reserved by pending ledger transfers until an admin decides.
CREATE TABLE risk_holds (
  id               uuid PRIMARY KEY,
  user_id          uuid NOT NULL REFERENCES users (id),
  kind             text NOT NULL,
  amount           bigint NOT NULL,
  currency         char(3) NOT NULL,
  counterparty_id  uuid,
  money_transfer_id uuid NOT NULL,
  limit_transfer_id uuid,
  -- What the feature needs to complete the movement on release.
  payload          jsonb NOT NULL,
  reason           text NOT NULL,
  rules            jsonb NOT NULL DEFAULT '[]',
  status           text NOT NULL CHECK (status IN ('held', 'released', 'rejected')),
  decided_by       uuid REFERENCES users (id),
  decided_at       timestamptz,
  note             text,
  created_at       timestamptz NOT NULL
);
CREATE INDEX risk_holds_open ON risk_holds (created_at) WHERE status = 'held';
CREATE INDEX risk_holds_user ON risk_holds (user_id, created_at DESC);

-- Who paid whom: first and last time. "Is this payee new", "distinct payees/payers in 24 h"
-- and "new payees in 24 h" are index ranges over it.
CREATE TABLE risk_pairs (
  payer_id  uuid NOT NULL,
  payee_id  uuid NOT NULL,
  first_at  timestamptz NOT NULL,
  last_at   timestamptz NOT NULL,
  PRIMARY KEY (payer_id, payee_id)
);
CREATE INDEX risk_pairs_payer_last ON risk_pairs (payer_id, last_at);
CREATE INDEX risk_pairs_payer_first ON risk_pairs (payer_id, first_at);
CREATE INDEX risk_pairs_payee_last ON risk_pairs (payee_id, last_at);

-- Money in and out of each user's wallet, for velocity facts over a window (count1h,
-- amount24h, inflow24h): one index range per user, bounded by what they did in the window.
CREATE TABLE risk_events (
  user_id    uuid NOT NULL,
  at         timestamptz NOT NULL,
  direction  char(1) NOT NULL CHECK (direction IN ('i', 'o')),
  -- On value, in fen of CNY (like the limits).
  amount     bigint NOT NULL
);
CREATE INDEX risk_events_user_at ON risk_events (user_id, at);

-- Every admin action (API.md, Administration). Written in the action's own transaction.
CREATE TABLE IF NOT EXISTS audit_log (
  id          uuid PRIMARY KEY,
  actor_id    uuid NOT NULL REFERENCES users (id),
  action      text NOT NULL,
  target_type text NOT NULL,
  target_id   text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_created ON audit_log (created_at DESC, id DESC);
