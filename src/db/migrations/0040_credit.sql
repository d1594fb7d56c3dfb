-- The credit score (信用分): the current score per user and every change of it, for the chart
-- and for operators. The model is pure (src/modules/credit/model.ts, docs/credit.md); these
-- rows are what it last said and what it was told.
CREATE TABLE credit_scores (
  user_id        uuid PRIMARY KEY REFERENCES users (id),
  score          smallint NOT NULL CHECK (score BETWEEN 350 AND 950),
  band           text NOT NULL CHECK (band IN ('poor', 'fair', 'good', 'very_good', 'excellent')),
  factors        jsonb NOT NULL,
  reasons        jsonb NOT NULL,
  tips           jsonb NOT NULL,
  -- The model's inputs as computed: the same inputs always give the same score.
  inputs         jsonb NOT NULL,
  model_version  integer NOT NULL,
  computed_at    timestamptz NOT NULL,
  -- The CNY wallet's posted totals when computed ('<credits>:<debits>'): a read that finds
  -- them moved knows a payment happened since, and recomputes (one indexed row to compare).
  wallet_mark    text NOT NULL
);
-- The refresh sweep: the oldest scores first.
CREATE INDEX credit_scores_computed ON credit_scores (computed_at);

-- One row for the first score and one for each change of score or band.
CREATE TABLE credit_score_history (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id        uuid NOT NULL REFERENCES users (id),
  score          smallint NOT NULL CHECK (score BETWEEN 350 AND 950),
  band           text NOT NULL,
  -- The reasons' codes then, so an operator can see why it moved.
  reason_codes   text[] NOT NULL,
  model_version  integer NOT NULL,
  computed_at    timestamptz NOT NULL
);
CREATE INDEX credit_score_history_user ON credit_score_history (user_id, computed_at DESC, id DESC);

-- When an input changes, whoever changes it (the app, the IOU job, an operator's SQL), a
-- `credit.inputs_changed` outbox message is written in the same transaction, and the outbox
-- recomputes that user's score exactly once after it commits. Payments are not watched here
-- (a trigger on every ledger transfer would tax the hottest path): the owner's read compares
-- `wallet_mark`, and a sweep refreshes old scores (src/modules/credit/service.ts).
CREATE FUNCTION credit_inputs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  subject uuid;
BEGIN
  IF TG_TABLE_NAME = 'users' THEN
    subject := NEW.id;
  ELSIF TG_TABLE_NAME = 'iou_events' THEN
    SELECT borrower_id INTO subject FROM ious WHERE id = NEW.iou_id;
  ELSIF TG_TABLE_NAME = 'bans' THEN
    IF NEW.kind <> 'user' OR NEW.subject !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
      RETURN NULL;
    END IF;
    subject := NEW.subject::uuid;
  END IF;
  IF subject IS NOT NULL THEN
    INSERT INTO outbox (topic, payload)
    VALUES ('credit.inputs_changed', jsonb_build_object('userId', subject, 'cause', TG_TABLE_NAME));
  END IF;
  RETURN NULL;
END $$;

-- Verification, phone ownership and setting a first PIN; PIN attempts and key rotation send
-- nothing (the WHEN clause), nor does anything else written to users.
CREATE TRIGGER users_credit AFTER UPDATE OF verified_at, phone_verified_at, pin_hash ON users
  FOR EACH ROW WHEN (
    (OLD.verified_at IS NULL) <> (NEW.verified_at IS NULL)
    OR (OLD.phone_verified_at IS NULL) <> (NEW.phone_verified_at IS NULL)
    OR (OLD.pin_hash IS NULL) <> (NEW.pin_hash IS NULL))
  EXECUTE FUNCTION credit_inputs_changed();
-- What the history dimension reads: loans taken, repayments, overdue, repaid, written off.
CREATE TRIGGER iou_events_credit AFTER INSERT ON iou_events
  FOR EACH ROW WHEN (NEW.kind IN ('accepted', 'repayment', 'overdue', 'repaid', 'forgiven'))
  EXECUTE FUNCTION credit_inputs_changed();
CREATE TRIGGER bans_credit AFTER INSERT ON bans
  FOR EACH ROW EXECUTE FUNCTION credit_inputs_changed();

-- Every admin action (API.md, Administration), the same table the audit module and the risk
-- module declare: whichever migration runs first creates it.
CREATE TABLE IF NOT EXISTS audit_log (
  id          uuid PRIMARY KEY,
  actor_id    uuid NOT NULL REFERENCES users (id),
  action      text NOT NULL,
  target_type text NOT NULL,
  target_id   text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_created ON audit_log (created_at DESC, id DESC);
