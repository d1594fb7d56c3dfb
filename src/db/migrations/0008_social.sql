-- Friends, privacy, the feed and 生活圈 posts (issue "Friends, the feed and 生活圈").

-- "My friends, newest first" without sorting a big friend list on every page.
CREATE INDEX friendships_since ON friendships (user_id, created_at DESC, friend_id DESC);

CREATE TABLE friend_requests (
  id            uuid PRIMARY KEY,
  from_user_id  uuid NOT NULL REFERENCES users (id),
  to_user_id    uuid NOT NULL REFERENCES users (id),
  message       text,
  status        text NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled')),
  created_at    timestamptz NOT NULL,
  resolved_at   timestamptz,
  CHECK (from_user_id <> to_user_id)
);
-- At most one open request per direction: a repeat returns the existing one.
CREATE UNIQUE INDEX friend_requests_open_pair ON friend_requests (from_user_id, to_user_id)
  WHERE status = 'pending';
CREATE INDEX friend_requests_incoming ON friend_requests (to_user_id, created_at DESC, id DESC)
  WHERE status = 'pending';
CREATE INDEX friend_requests_outgoing ON friend_requests (from_user_id, created_at DESC, id DESC)
  WHERE status = 'pending';

-- A missing row means the defaults below.
CREATE TABLE privacy_settings (
  user_id                     uuid PRIMARY KEY REFERENCES users (id),
  findable_by_phone           boolean NOT NULL DEFAULT true,
  default_payment_visibility  text NOT NULL DEFAULT 'friends'
    CHECK (default_payment_visibility IN ('public', 'friends', 'private')),
  updated_at                  timestamptz NOT NULL
);

-- Every feed item (post or payment) takes its number from this one sequence: the number orders
-- the feed and identifies the item inside an inbox, so a backfilled old item lands in its place.
CREATE SEQUENCE feed_item_seq;

CREATE TABLE posts (
  id                     uuid PRIMARY KEY,
  seq                    bigint NOT NULL UNIQUE DEFAULT nextval('feed_item_seq'),
  author_id              uuid NOT NULL REFERENCES users (id),
  text                   text NOT NULL,
  visibility             text NOT NULL CHECK (visibility IN ('public', 'friends', 'private')),
  -- 'held': moderation wants a human look; only the author sees it and it is not fanned out.
  moderation_status      text NOT NULL CHECK (moderation_status IN ('visible', 'held')),
  moderation_categories  text[] NOT NULL DEFAULT '{}',
  like_count             integer NOT NULL DEFAULT 0 CHECK (like_count >= 0),
  comment_count          integer NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
  created_at             timestamptz NOT NULL
);
CREATE INDEX posts_author ON posts (author_id, seq DESC);

CREATE TABLE post_likes (
  post_id     uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (post_id, user_id)
);

CREATE TABLE post_comments (
  id                     uuid PRIMARY KEY,
  seq                    bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  post_id                uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  author_id              uuid NOT NULL REFERENCES users (id),
  text                   text NOT NULL,
  moderation_status      text NOT NULL CHECK (moderation_status IN ('visible', 'held')),
  moderation_categories  text[] NOT NULL DEFAULT '{}',
  created_at             timestamptz NOT NULL
);
CREATE INDEX post_comments_post ON post_comments (post_id, seq DESC);

-- Uploaded photos and videos. A file is unused (post_id NULL) until one post takes it.
CREATE TABLE media (
  id               uuid PRIMARY KEY,
  owner_id         uuid NOT NULL REFERENCES users (id),
  kind             text NOT NULL CHECK (kind IN ('image', 'video')),
  content_type     text NOT NULL,
  -- Relative to <dataDir>/media.
  path             text NOT NULL,
  thumbnail_path   text,
  width            integer,
  height           integer,
  bytes            bigint NOT NULL,
  post_id          uuid REFERENCES posts (id) ON DELETE SET NULL,
  position         smallint,
  created_at       timestamptz NOT NULL
);
CREATE INDEX media_post ON media (post_id, position) WHERE post_id IS NOT NULL;
CREATE INDEX media_owner_unused ON media (owner_id, created_at) WHERE post_id IS NULL;

-- What the payments feed knows about a transfer. There is deliberately no amount column: the
-- feed cannot show what it never stores.
CREATE TABLE feed_payments (
  transfer_id   uuid PRIMARY KEY,
  seq           bigint NOT NULL UNIQUE DEFAULT nextval('feed_item_seq'),
  from_user_id  uuid NOT NULL REFERENCES users (id),
  to_user_id    uuid NOT NULL REFERENCES users (id),
  note          text,
  visibility    text NOT NULL CHECK (visibility IN ('public', 'friends', 'private')),
  created_at    timestamptz NOT NULL
);
CREATE INDEX feed_payments_from ON feed_payments (from_user_id, seq DESC);
CREATE INDEX feed_payments_to ON feed_payments (to_user_id, seq DESC);

-- Each user's inbox: fan-out on write puts one row here per reader of a post or payment, so a
-- feed page is one index range however many friends the reader has. Deliberately narrow and
-- with no secondary index (each one doubled the cost of a fan-out in measurements): unfriending
-- and blocking find the entries to remove through the item tables' own indexes.
CREATE TABLE feed_entries (
  owner_id  uuid NOT NULL,
  seq       bigint NOT NULL,
  kind      text NOT NULL CHECK (kind IN ('post', 'payment')),
  item_id   uuid NOT NULL,
  PRIMARY KEY (owner_id, seq)
);
