-- What a user is told about: money received, friend requests, likes, red envelopes ...
CREATE TABLE notifications (
  seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id),
  kind        text NOT NULL,
  data        jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL,
  read_at     timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, seq DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
