-- Payments are no longer fanned out to inboxes: a feed page pulls them through the
-- feed_payments indexes (social/feed.ts). Their old inbox rows are dead weight.
DELETE FROM feed_entries WHERE kind = 'payment';
