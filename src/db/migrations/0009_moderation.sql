-- Every moderation decision, for the review queue and for tuning the term lists.
CREATE TABLE moderation_decisions (
  id          uuid PRIMARY KEY,
  context     text NOT NULL,
  user_id     uuid REFERENCES users (id),
  action      text NOT NULL CHECK (action IN ('allow', 'review', 'reject')),
  categories  text[] NOT NULL DEFAULT '{}',
  score       double precision NOT NULL,
  matches     jsonb NOT NULL DEFAULT '[]',
  -- Kept only for held and refused text, which an operator must read; allowed text is not copied.
  text        text,
  created_at  timestamptz NOT NULL
);
CREATE INDEX moderation_decisions_queue ON moderation_decisions (created_at DESC) WHERE action <> 'allow';
CREATE INDEX moderation_decisions_user ON moderation_decisions (user_id, created_at DESC);
