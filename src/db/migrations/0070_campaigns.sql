-- Card campaigns (集五福). The prize pool sits in a ledger escrow account per campaign
-- (campaign:<id>:escrow:<currency>), funded from the platform's campaign expense account.
CREATE TABLE campaigns (
  id                 uuid PRIMARY KEY,
  name               text NOT NULL,
  -- The published odds, in order: [{ "key", "name", "weight" }]; the order is part of the
  -- draw derivation (docs/campaigns.md), so it never changes after creation.
  cards              jsonb NOT NULL,
  starts_at          timestamptz NOT NULL,
  draw_at            timestamptz NOT NULL,
  pool_amount        bigint NOT NULL CHECK (pool_amount > 0),
  currency           text NOT NULL,
  draws_per_day      integer NOT NULL CHECK (draws_per_day >= 0),
  -- Extra draws one action earns (at most once per action kind per day).
  extra_draws        jsonb NOT NULL,
  max_accounts_per_device integer NOT NULL CHECK (max_accounts_per_device >= 1),
  -- The secret seed: revealed (served) only once the campaign is drawn.
  seed               bytea NOT NULL,
  seed_hash          text NOT NULL,
  escrow_account_id  bigint NOT NULL REFERENCES ledger_accounts (id),
  status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'drawn')),
  result             jsonb,
  created_by         uuid NOT NULL REFERENCES users (id),
  created_at         timestamptz NOT NULL,
  drawn_at           timestamptz,
  CHECK (draw_at > starts_at),
  CHECK ((status = 'drawn') = (result IS NOT NULL))
);
-- The draw job's queue.
CREATE INDEX campaigns_due ON campaigns (draw_at) WHERE status = 'open';

-- One collector per verified identity per campaign: the identity module's keyed hash of the
-- ID number, copied at the first draw, so that an identity moved to another account (or any
-- future re-binding) cannot collect twice.
CREATE TABLE campaign_collectors (
  campaign_id    uuid NOT NULL REFERENCES campaigns (id),
  user_id        uuid NOT NULL REFERENCES users (id),
  identity_hash  bytea NOT NULL,
  draws_made     integer NOT NULL DEFAULT 0 CHECK (draws_made >= 0),
  joined_at      timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, user_id),
  UNIQUE (campaign_id, identity_hash)
);

-- Every draw, numbered per user from 1: the card is derived from (seed, campaign, user, number).
CREATE TABLE campaign_draws (
  campaign_id  uuid NOT NULL REFERENCES campaigns (id),
  user_id      uuid NOT NULL REFERENCES users (id),
  draw_number  integer NOT NULL CHECK (draw_number >= 1),
  card_key     text NOT NULL,
  -- The calendar day (campaign time zone, yyyymmdd) the draw counts against.
  day          text NOT NULL,
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, user_id, draw_number)
);
CREATE INDEX campaign_draws_day ON campaign_draws (campaign_id, user_id, day);

-- Cards held now: draws plus gifts received minus gifts given.
CREATE TABLE campaign_cards (
  campaign_id  uuid NOT NULL REFERENCES campaigns (id),
  user_id      uuid NOT NULL REFERENCES users (id),
  card_key     text NOT NULL,
  count        integer NOT NULL CHECK (count >= 0),
  PRIMARY KEY (campaign_id, user_id, card_key)
);

CREATE TABLE campaign_gifts (
  id            uuid PRIMARY KEY,
  campaign_id   uuid NOT NULL REFERENCES campaigns (id),
  from_user_id  uuid NOT NULL REFERENCES users (id),
  to_user_id    uuid NOT NULL REFERENCES users (id),
  card_key      text NOT NULL,
  created_at    timestamptz NOT NULL,
  CHECK (from_user_id <> to_user_id)
);
CREATE INDEX campaign_gifts_campaign ON campaign_gifts (campaign_id, created_at);

-- Actions that earn extra draws, whatever campaign is running: one row per user, day and kind
-- (the first such action of the day counts; more of the same kind earn nothing more).
CREATE TABLE campaign_actions (
  user_id     uuid NOT NULL REFERENCES users (id),
  day         text NOT NULL,
  action      text NOT NULL CHECK (action IN ('payment', 'scan', 'gift_received')),
  source_id   text NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, day, action)
);

-- The accounts that drew on one device (the client's X-Device-Id) in a campaign.
CREATE TABLE campaign_devices (
  campaign_id  uuid NOT NULL REFERENCES campaigns (id),
  device_id    text NOT NULL,
  user_id      uuid NOT NULL REFERENCES users (id),
  PRIMARY KEY (campaign_id, device_id, user_id)
);

CREATE TABLE campaign_payouts (
  campaign_id  uuid NOT NULL REFERENCES campaigns (id),
  user_id      uuid NOT NULL REFERENCES users (id),
  sets         integer NOT NULL CHECK (sets >= 1),
  amount       bigint NOT NULL CHECK (amount >= 0),
  transfer_id  uuid,
  PRIMARY KEY (campaign_id, user_id)
);

-- Operators' actions on campaigns and charity projects, until the platform's audit log
-- (GET /admin/audit) lands: then these move there.
CREATE TABLE campaign_audit (
  id           uuid PRIMARY KEY,
  actor_id     uuid NOT NULL REFERENCES users (id),
  action       text NOT NULL,
  target_type  text NOT NULL,
  target_id    text NOT NULL,
  detail       jsonb NOT NULL,
  created_at   timestamptz NOT NULL
);
