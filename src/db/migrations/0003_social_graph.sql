-- Friendships are stored once per direction so that "my friends" is one index range.
CREATE TABLE friendships (
  user_id    uuid NOT NULL REFERENCES users (id),
  friend_id  uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, friend_id),
  CHECK (user_id <> friend_id)
);

CREATE TABLE blocks (
  blocker_id  uuid NOT NULL REFERENCES users (id),
  blocked_id  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blocker_id, blocked_id),
  CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);
