-- Green energy (蚂蚁森林-style): eligible payments grow energy balls that ripen after a delay;
-- the owner collects a ripe ball, each friend may take a share of it once; energy plants trees.
CREATE TABLE energy_totals (
  user_id   uuid PRIMARY KEY REFERENCES users (id),
  -- Collected and not yet spent on trees.
  total     bigint NOT NULL DEFAULT 0 CHECK (total >= 0),
  -- Everything ever collected (the leaderboard).
  lifetime  bigint NOT NULL DEFAULT 0 CHECK (lifetime >= 0)
);

CREATE TABLE energy_balls (
  id           uuid PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id),
  amount       integer NOT NULL CHECK (amount > 0),
  -- What friends have not taken; the owner collects all of it at once.
  remaining    integer NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
  category     text NOT NULL,
  -- The payment that grew it: one ball per payment.
  source_id    text NOT NULL,
  created_at   timestamptz NOT NULL,
  ripens_at    timestamptz NOT NULL,
  collected_at timestamptz,
  UNIQUE (user_id, source_id)
);
CREATE INDEX energy_balls_open ON energy_balls (user_id, ripens_at) WHERE collected_at IS NULL;

CREATE TABLE energy_ball_shares (
  ball_id       uuid NOT NULL REFERENCES energy_balls (id),
  collector_id  uuid NOT NULL REFERENCES users (id),
  amount        integer NOT NULL CHECK (amount > 0),
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (ball_id, collector_id)
);

-- Certificate numbers, in planting order across the platform.
CREATE SEQUENCE energy_tree_number;
CREATE TABLE energy_trees (
  id          uuid PRIMARY KEY,
  number      bigint NOT NULL UNIQUE DEFAULT nextval('energy_tree_number'),
  user_id     uuid NOT NULL REFERENCES users (id),
  species     text NOT NULL,
  cost        integer NOT NULL CHECK (cost > 0),
  planted_at  timestamptz NOT NULL
);
CREATE INDEX energy_trees_user ON energy_trees (user_id, planted_at DESC);
