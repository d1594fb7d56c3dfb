-- Devices each user used, by a keyed hash of the client's X-Device-Id (the raw id is a
-- bearer-like secret of the browser: never stored). A permanent ban covers these devices.
CREATE TABLE user_devices (
  user_id        uuid NOT NULL REFERENCES users (id),
  device_hash    bytea NOT NULL,
  first_seen_at  timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL,
  PRIMARY KEY (user_id, device_hash)
);
-- "Which accounts used this device": the ban check at registration and the admin view.
CREATE INDEX user_devices_device ON user_devices (device_hash);

-- Every operator action, append-only.
CREATE TABLE audit_log (
  id           uuid PRIMARY KEY,
  -- Order of writing: entries of one instant (a test clock, a burst) keep their order.
  seq          bigserial NOT NULL UNIQUE,
  actor_id     uuid NOT NULL REFERENCES users (id),
  action       text NOT NULL,
  target_type  text NOT NULL,
  target_id    text NOT NULL,
  detail       jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL
);

-- A ban as the operator decided it (`POST /admin/users/{id}/bans`). What it covers are rows of
-- `bans` (kind user, and for a permanent ban identity and device) carrying its id, so the
-- checks that already read `bans` (sessions, log-in, verification) need no join.
CREATE TABLE user_bans (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id),
  permanent   boolean NOT NULL,
  until       timestamptz,
  reason      text NOT NULL,
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL,
  lifted_at   timestamptz,
  lifted_by   uuid REFERENCES users (id),
  CHECK (permanent = (until IS NULL))
);
CREATE INDEX user_bans_user ON user_bans (user_id, created_at DESC);
ALTER TABLE bans ADD COLUMN ban_id uuid REFERENCES user_bans (id);
CREATE INDEX bans_ban ON bans (ban_id) WHERE ban_id IS NOT NULL;

-- Reports by users; one row per reporter and target (a second report returns the first).
CREATE TABLE reports (
  id           uuid PRIMARY KEY,
  reporter_id  uuid NOT NULL REFERENCES users (id),
  target_type  text NOT NULL,
  target_id    text NOT NULL,
  reason       text NOT NULL CHECK (reason IN ('spam', 'fraud', 'sexual', 'harassment', 'other')),
  detail       text,
  review_id    uuid NOT NULL,
  created_at   timestamptz NOT NULL,
  UNIQUE (reporter_id, target_type, target_id)
);

-- The review queue: one item per target while it is open, gathering its reports and the
-- text filter's hold. Counts live on the row so the queue orders without aggregating.
CREATE TABLE review_items (
  id               uuid PRIMARY KEY,
  target_type      text NOT NULL,
  target_id        text NOT NULL,
  author_id        uuid REFERENCES users (id),
  status           text NOT NULL CHECK (status IN ('open', 'closed')),
  held_by_filter   boolean NOT NULL DEFAULT false,
  report_count     integer NOT NULL DEFAULT 0,
  reasons          jsonb NOT NULL DEFAULT '{}',
  decision         text CHECK (decision IN ('dismiss', 'take_down', 'ban_author')),
  decision_note    text,
  decided_by       uuid REFERENCES users (id),
  decided_at       timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX review_items_open_target ON review_items (target_type, target_id)
  WHERE status = 'open';
CREATE INDEX review_items_queue ON review_items (status, report_count DESC, created_at DESC);
ALTER TABLE reports ADD FOREIGN KEY (review_id) REFERENCES review_items (id);

-- 生活圈 posts and comments an operator took down: gone for everyone, the author included.
ALTER TABLE posts DROP CONSTRAINT posts_moderation_status_check;
ALTER TABLE posts ADD CONSTRAINT posts_moderation_status_check
  CHECK (moderation_status IN ('visible', 'held', 'removed'));
ALTER TABLE post_comments DROP CONSTRAINT post_comments_moderation_status_check;
ALTER TABLE post_comments ADD CONSTRAINT post_comments_moderation_status_check
  CHECK (moderation_status IN ('visible', 'held', 'removed'));
