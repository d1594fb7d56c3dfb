-- Merchants and local life (口碑): merchants, their QR payment requests, payments (plain or held
-- in escrow), refunds, payouts and disputes. The money itself lives in the ledger: each merchant
-- has an account merchant:<id>:<currency>, each escrowed payment an account
-- payment:<id>:escrow:<currency>; these tables say who, what and in which state.
CREATE TABLE merchants (
  id           uuid PRIMARY KEY,
  owner_id     uuid NOT NULL REFERENCES users (id),
  name         text NOT NULL,
  category     text NOT NULL,
  address      text NOT NULL,
  lat          double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lng          double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
  -- Built-in geometry, no extension: a GiST index answers "inside this box" for nearby searches
  -- on any PostgreSQL (docs/architecture.md, Merchants, has the measurement against earthdistance).
  geo          point GENERATED ALWAYS AS (point(lng, lat)) STORED,
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  currency     text NOT NULL,
  account_id   bigint NOT NULL REFERENCES ledger_accounts (id),
  -- Published reviews only; kept with each review's insert or take-down, in its transaction.
  rating_sum   bigint NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
  rating_count integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
  created_at   timestamptz NOT NULL
);
-- id and category ride in the index so that the radius query reads only the index for every
-- candidate in the box (an index-only scan) and the table for the page it returns.
CREATE INDEX merchants_geo ON merchants USING gist (geo) INCLUDE (id, category) WHERE status = 'active';
CREATE INDEX merchants_owner ON merchants (owner_id, created_at DESC, id DESC);

-- A dynamic code: a fixed amount that expires and is paid once (paid_payment_id, set under the
-- row's lock in the paying transaction).
CREATE TABLE merchant_payment_requests (
  id              uuid PRIMARY KEY,
  merchant_id     uuid NOT NULL REFERENCES merchants (id),
  amount          bigint NOT NULL CHECK (amount > 0),
  currency        text NOT NULL,
  note            text,
  created_by      uuid NOT NULL REFERENCES users (id),
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  paid_payment_id uuid UNIQUE
);
CREATE INDEX merchant_payment_requests_merchant ON merchant_payment_requests (merchant_id, created_at DESC);

-- completed: the merchant has the money. escrowed: it waits in the payment's escrow account
-- (a pending transfer escrow → merchant that a confirmation or the release job posts).
-- disputed: frozen for an operator. resolved: the operator split it (void + two legs).
CREATE TABLE merchant_payments (
  id                 uuid PRIMARY KEY,
  merchant_id        uuid NOT NULL REFERENCES merchants (id),
  payer_id           uuid NOT NULL REFERENCES users (id),
  -- A family payment: the wallet the money left (the link's payer), and the link.
  wallet_owner_id    uuid NOT NULL REFERENCES users (id),
  family_link_id     uuid REFERENCES family_links (id),
  request_id         uuid UNIQUE REFERENCES merchant_payment_requests (id),
  coupon_claim_id    uuid UNIQUE,
  amount             bigint NOT NULL CHECK (amount > 0),
  discount           bigint NOT NULL DEFAULT 0 CHECK (discount >= 0),
  paid               bigint NOT NULL CHECK (paid > 0 AND paid = amount - discount),
  currency           text NOT NULL,
  status             text NOT NULL CHECK (status IN ('completed', 'escrowed', 'disputed', 'resolved')),
  transfer_id        uuid NOT NULL,
  escrow_account_id  bigint REFERENCES ledger_accounts (id),
  release_transfer_id uuid,
  release_at         timestamptz,
  released_at        timestamptz,
  -- What the merchant got: paid, or what a dispute's split left it. Refunds never pass it.
  merchant_received  bigint NOT NULL DEFAULT 0 CHECK (merchant_received >= 0),
  refunded           bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= merchant_received),
  note               text,
  created_at         timestamptz NOT NULL,
  CHECK ((status = 'completed' AND escrow_account_id IS NULL) OR escrow_account_id IS NOT NULL)
);
CREATE INDEX merchant_payments_merchant ON merchant_payments (merchant_id, created_at DESC, id DESC);
CREATE INDEX merchant_payments_payer ON merchant_payments (payer_id, created_at DESC, id DESC);
-- What the release job claims: escrows due, oldest first.
CREATE INDEX merchant_payments_due ON merchant_payments (release_at) WHERE status = 'escrowed';

CREATE TABLE merchant_refunds (
  id          uuid PRIMARY KEY,
  payment_id  uuid NOT NULL REFERENCES merchant_payments (id),
  merchant_id uuid NOT NULL REFERENCES merchants (id),
  amount      bigint NOT NULL CHECK (amount > 0),
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL
);
CREATE INDEX merchant_refunds_merchant ON merchant_refunds (merchant_id, created_at DESC, id DESC);
CREATE INDEX merchant_refunds_payment ON merchant_refunds (payment_id);

CREATE TABLE merchant_payouts (
  id          uuid PRIMARY KEY,
  merchant_id uuid NOT NULL REFERENCES merchants (id),
  amount      bigint NOT NULL CHECK (amount > 0),
  currency    text NOT NULL,
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL
);
CREATE INDEX merchant_payouts_merchant ON merchant_payouts (merchant_id, created_at DESC, id DESC);

-- One dispute per payment, opened by the payer before release; an operator resolves it.
CREATE TABLE merchant_disputes (
  id            uuid PRIMARY KEY,
  payment_id    uuid NOT NULL UNIQUE REFERENCES merchant_payments (id),
  opened_by     uuid NOT NULL REFERENCES users (id),
  reason        text NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  refund_amount bigint CHECK (refund_amount >= 0),
  note          text,
  resolved_by   uuid REFERENCES users (id),
  resolved_at   timestamptz,
  created_at    timestamptz NOT NULL,
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE INDEX merchant_disputes_open ON merchant_disputes (created_at) WHERE status = 'open';
