-- Keys claimed by the code before the payment pipeline and never answered (the process died
-- between the claim and the response). Their money, if it moved, has ids derived from the key
-- alone, while ids now derive from the key and the request's fingerprint: a retry of such a
-- key must derive its ids the old way, so that the ledger answers it as the replay it is
-- instead of moving the money a second time.
ALTER TABLE idempotency_keys ADD COLUMN legacy_ids boolean NOT NULL DEFAULT false;
UPDATE idempotency_keys SET legacy_ids = true WHERE response_status IS NULL;
