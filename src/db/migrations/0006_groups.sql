-- Groups: the money side of group chats. Red envelopes use membership now; group funds,
-- collections (AA) and shared expenses will hang their own tables off groups(id).
CREATE TABLE groups (
  id          uuid PRIMARY KEY,
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
  owner_id    uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL
);

-- One row per (group, user). Leaving sets left_at rather than deleting, so what a former member
-- did (contributions, expenses) keeps its author; rejoining clears it again.
CREATE TABLE group_members (
  group_id   uuid NOT NULL REFERENCES groups (id),
  user_id    uuid NOT NULL REFERENCES users (id),
  role       text NOT NULL CHECK (role IN ('owner', 'treasurer', 'member')),
  joined_at  timestamptz NOT NULL,
  left_at    timestamptz,
  PRIMARY KEY (group_id, user_id)
);
-- "My groups": current memberships of one user.
CREATE INDEX group_members_user ON group_members (user_id) WHERE left_at IS NULL;
