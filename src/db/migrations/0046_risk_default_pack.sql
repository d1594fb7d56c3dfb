-- The default rule pack (docs/risk.md has each rule's rationale). Shipped as drafts: an
-- operator dry-runs them over the installation's own history and activates them
-- (POST /api/v1/admin/risk/rules/{id}/dry-run, then /activate), as risk engines publish rules.
INSERT INTO risk_rules (id, version, name, description, applies_to, condition, action, status, created_at)
VALUES
  ('7a1e0001-0000-4000-8000-00000000d001', 1, 'New friend asks for a large transfer',
   'A first payment of ¥2,000 or more to someone who became a friend less than 7 days ago: the classic "new friend" scam (an impostor, a romance or investment lure). The payer confirms again, with a warning.',
   ARRAY['transfer'],
   '{"all":[{"fact":"payeeIsNew","op":"eq","value":true},{"fact":"payeeFriendDays","op":"lt","value":7},{"fact":"amount","op":"gte","value":200000}]}',
   'challenge', 'draft', now()),
  ('7a1e0001-0000-4000-8000-00000000d002', 1, 'Burst of payments to new payees',
   'A payment to a new payee after five or more first payments to new payees in 24 hours: a taken-over account being emptied, or a victim paying "fees" to many accounts. Held for review.',
   ARRAY['transfer', 'red_packet'],
   '{"all":[{"fact":"payeeIsNew","op":"eq","value":true},{"fact":"newPayees24h","op":"gte","value":5}]}',
   'hold', 'draft', now()),
  ('7a1e0001-0000-4000-8000-00000000d003', 1, 'Mule: fan-in then fan-out',
   'A young account (under 30 days) that received from five or more people in 24 hours, ¥1,000 or more in all, now moving ¥500 or more on: the pattern of a money mule passing victims'' money along. Held for review.',
   ARRAY['transfer', 'withdrawal'],
   '{"all":[{"fact":"distinctPayers24h","op":"gte","value":5},{"fact":"inflow24h","op":"gte","value":100000},{"fact":"accountAgeDays","op":"lt","value":30},{"fact":"amount","op":"gte","value":50000}]}',
   'hold', 'draft', now());
