-- Conversations: a thread per group (its id is the group's id) and one per pair of friends
-- (its id derived from the pair, so whoever writes first makes the same row). Money moments are
-- messages written in the money's own transaction; `moment_key` makes that once per movement.

-- One sequence orders conversations (by when they were made) and messages together, so "most
-- recent first" is one number per conversation: its last message's, or its own.
CREATE SEQUENCE conversation_seq;

CREATE TABLE conversations (
  id           uuid PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('direct', 'group')),
  group_id     uuid UNIQUE REFERENCES groups (id),
  -- A direct conversation's two members, the smaller id first.
  user_a       uuid REFERENCES users (id),
  user_b       uuid REFERENCES users (id),
  created_seq  bigint NOT NULL DEFAULT nextval('conversation_seq'),
  created_at   timestamptz NOT NULL,
  CHECK (
    (kind = 'group' AND group_id = id AND user_a IS NULL AND user_b IS NULL)
    OR (kind = 'direct' AND group_id IS NULL AND user_a < user_b)
  )
);
CREATE UNIQUE INDEX conversations_pair ON conversations (user_a, user_b) WHERE kind = 'direct';
CREATE INDEX conversations_user_b ON conversations (user_b) WHERE kind = 'direct';

CREATE TABLE conversation_messages (
  seq              bigint PRIMARY KEY DEFAULT nextval('conversation_seq'),
  id               uuid NOT NULL UNIQUE,
  conversation_id  uuid NOT NULL REFERENCES conversations (id),
  sender_id        uuid NOT NULL REFERENCES users (id),
  kind             text NOT NULL
                   CHECK (kind IN ('text', 'transfer', 'red_packet', 'collection', 'system')),
  text             text,
  ref_id           text,
  -- What a money card shows without another request (amount, currency, who) as it was then.
  data             jsonb NOT NULL DEFAULT '{}',
  -- held: the filter wants a human look (only its sender sees it); taken_down: gone for all.
  status           text NOT NULL DEFAULT 'visible'
                   CHECK (status IN ('visible', 'held', 'taken_down')),
  -- One message per money movement ('transfer:<id>', …), whatever retries and replays do.
  moment_key       text UNIQUE,
  created_at       timestamptz NOT NULL,
  CHECK ((kind = 'text') = (text IS NOT NULL)),
  CHECK (kind = 'text' OR (moment_key IS NOT NULL AND ref_id IS NOT NULL))
);
-- A thread, newest first; unread counts are ranges of it.
CREATE INDEX conversation_messages_thread ON conversation_messages (conversation_id, seq);

-- How far each member has read: unread = visible messages from others after `read_seq`.
CREATE TABLE conversation_reads (
  conversation_id  uuid NOT NULL REFERENCES conversations (id),
  user_id          uuid NOT NULL REFERENCES users (id),
  read_seq         bigint NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
);

-- Every group has a conversation, whoever makes the group (the app, an operator, the demo):
-- made by the group's own insert, and for the groups that exist now.
CREATE FUNCTION hebao_group_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversations (id, kind, group_id, created_at)
  VALUES (NEW.id, 'group', NEW.id, NEW.created_at) ON CONFLICT (id) DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER groups_conversation AFTER INSERT ON groups
  FOR EACH ROW EXECUTE FUNCTION hebao_group_conversation();

INSERT INTO conversations (id, kind, group_id, created_at)
SELECT id, 'group', id, created_at FROM groups ORDER BY created_at, id
ON CONFLICT (id) DO NOTHING;

-- The review queue's look at what the filter held.
CREATE INDEX conversation_messages_held ON conversation_messages (seq) WHERE status = 'held';
