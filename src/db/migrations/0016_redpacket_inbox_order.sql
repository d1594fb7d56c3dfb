-- "Envelopes for me", newest first, read straight off an index: the envelope's time is kept on
-- each recipient row (it never changes), replacing 0014's index, which made every read sort
-- all of a user's envelopes.
ALTER TABLE red_packet_recipients ADD COLUMN created_at timestamptz;
UPDATE red_packet_recipients r SET created_at = p.created_at FROM red_packets p WHERE p.id = r.packet_id;
ALTER TABLE red_packet_recipients ALTER COLUMN created_at SET NOT NULL;
DROP INDEX red_packet_recipients_user;
CREATE INDEX red_packet_recipients_inbox
  ON red_packet_recipients (user_id, created_at DESC, packet_id DESC);
