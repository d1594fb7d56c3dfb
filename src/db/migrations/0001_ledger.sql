-- The double-entry ledger. Only src/modules/ledger writes these tables.

CREATE TABLE ledger_accounts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Readable, hierarchical address: user:<id>:wallet, bank:sandbox, redpacket:<id>:escrow ...
  code            text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_.-]+(:[A-Za-z0-9_.-]+)*$'),
  -- An ISO 4217 code, or CODE:unit for non-money units kept by the same rules (limit allowances).
  currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}(:[a-z]+)?$'),
  -- 1 = debits_must_not_exceed_credits (cannot go negative), 2 = credits_must_not_exceed_debits
  flags           integer NOT NULL DEFAULT 0 CHECK (flags & ~3 = 0 AND flags <> 3),
  debits_pending  bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
  debits_posted   bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
  credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
  credits_posted  bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_transfers (
  -- Commit order, for history cursors; ids are client-chosen and carry no order.
  seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id                uuid PRIMARY KEY,
  debit_account_id  bigint NOT NULL REFERENCES ledger_accounts (id),
  credit_account_id bigint NOT NULL REFERENCES ledger_accounts (id),
  amount            bigint NOT NULL CHECK (amount > 0),
  currency          text NOT NULL,
  kind              text NOT NULL,
  -- 2 = pending, 4 = post_pending, 8 = void_pending, 16 = voided by timeout
  flags             integer NOT NULL DEFAULT 0,
  pending_id        uuid REFERENCES ledger_transfers (id),
  expires_at        timestamptz,
  metadata          jsonb,
  -- sha-256 of the request's fields: a replay must match it exactly.
  fingerprint       bytea NOT NULL,
  created_at        timestamptz NOT NULL,
  CHECK (debit_account_id <> credit_account_id),
  CHECK ((flags & 12 = 0) = (pending_id IS NULL))
);
-- A pending transfer is posted or voided at most once.
CREATE UNIQUE INDEX ledger_transfers_pending_once ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account_id, seq);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account_id, seq);

-- Pending transfers still waiting for post or void; the row goes when it is resolved.
CREATE TABLE ledger_pending (
  transfer_id uuid PRIMARY KEY REFERENCES ledger_transfers (id),
  expires_at  timestamptz
);
CREATE INDEX ledger_pending_expiry ON ledger_pending (expires_at) WHERE expires_at IS NOT NULL;

-- Transfers refused with a reason: a replay of the same id returns the same refusal.
CREATE TABLE ledger_rejections (
  id          uuid PRIMARY KEY,
  code        text NOT NULL,
  fingerprint bytea NOT NULL,
  created_at  timestamptz NOT NULL
);
