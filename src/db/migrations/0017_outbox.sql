-- The transactional outbox: work that must follow a committed money movement (feed fan-out
-- today; credit and campaign events later) is written in the movement's own transaction and
-- carried out afterwards by whichever process claims it (FOR UPDATE SKIP LOCKED). A row is
-- deleted in the transaction that carries it out, so each is done exactly once.
CREATE TABLE outbox (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic         text NOT NULL,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  attempts      integer NOT NULL DEFAULT 0,
  available_at  timestamptz NOT NULL DEFAULT now(),
  last_error    text
);
CREATE INDEX outbox_due ON outbox (available_at, id);
