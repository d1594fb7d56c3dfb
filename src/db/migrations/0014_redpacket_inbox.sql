-- "Envelopes for me": one index range per user, newest packets found through the join.
CREATE INDEX red_packet_recipients_user ON red_packet_recipients (user_id, packet_id);
