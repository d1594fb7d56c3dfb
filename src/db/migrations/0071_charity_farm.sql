-- The charity farm (蚂蚁庄园-style): payments earn feed, a fed hen lays eggs, eggs are donated
-- to charity projects whose sponsor pays a pledge per egg through the ledger.
CREATE TABLE farms (
  user_id       uuid PRIMARY KEY REFERENCES users (id),
  feed          integer NOT NULL DEFAULT 0 CHECK (feed >= 0),
  eggs          integer NOT NULL DEFAULT 0 CHECK (eggs >= 0),
  eggs_laid     integer NOT NULL DEFAULT 0 CHECK (eggs_laid >= 0),
  eggs_donated  integer NOT NULL DEFAULT 0 CHECK (eggs_donated >= 0),
  -- The hen is eating until then and lays an egg when the meal ends; NULL: she is hungry.
  meal_ends_at  timestamptz,
  CHECK (eggs_donated <= eggs_laid)
);

-- Feed earned, once per payment (the source) and at most a configured number a day.
CREATE TABLE farm_feed_earnings (
  user_id     uuid NOT NULL REFERENCES users (id),
  source_id   text NOT NULL,
  day         text NOT NULL,
  amount      integer NOT NULL CHECK (amount > 0),
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, source_id)
);
CREATE INDEX farm_feed_earnings_day ON farm_feed_earnings (user_id, day);

CREATE TABLE charity_projects (
  id                  uuid PRIMARY KEY,
  name                text NOT NULL,
  description         text NOT NULL,
  sponsor             text NOT NULL,
  pledge_per_egg      bigint NOT NULL CHECK (pledge_per_egg > 0),
  currency            text NOT NULL,
  -- charity:sponsor:<key>:<currency>, an expense account that may go negative (what the
  -- sponsor has given), and charity:project:<id>:<currency>, never below zero.
  sponsor_account_id  bigint NOT NULL REFERENCES ledger_accounts (id),
  project_account_id  bigint NOT NULL REFERENCES ledger_accounts (id),
  eggs_donated        bigint NOT NULL DEFAULT 0 CHECK (eggs_donated >= 0),
  amount_donated      bigint NOT NULL DEFAULT 0 CHECK (amount_donated >= 0),
  created_by          uuid NOT NULL REFERENCES users (id),
  created_at          timestamptz NOT NULL
);

CREATE TABLE charity_donations (
  id           uuid PRIMARY KEY,
  project_id   uuid NOT NULL REFERENCES charity_projects (id),
  user_id      uuid NOT NULL REFERENCES users (id),
  eggs         integer NOT NULL CHECK (eggs > 0),
  amount       bigint NOT NULL CHECK (amount > 0),
  transfer_id  uuid NOT NULL,
  created_at   timestamptz NOT NULL
);
CREATE INDEX charity_donations_user ON charity_donations (user_id, created_at DESC);
