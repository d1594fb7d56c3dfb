-- Family accounts (亲情账户): a payer lets a member pay from the payer's wallet up to a monthly
-- limit. The limit itself lives in the ledger, as an allowance account per link and month
-- (limit:family:<id>:monthly:<currency>:<yyyymm>); this table says who may draw on it.
CREATE TABLE family_links (
  id             uuid PRIMARY KEY,
  payer_id       uuid NOT NULL REFERENCES users (id),
  member_id      uuid NOT NULL REFERENCES users (id),
  -- What the member is to the payer.
  relation       text NOT NULL
                 CHECK (relation IN ('parent', 'child', 'partner', 'sibling', 'grandparent', 'grandchild', 'other')),
  monthly_limit  bigint NOT NULL CHECK (monthly_limit > 0),
  currency       text NOT NULL,
  -- active → unlinked (either side ended it) | declined (the member refused it).
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unlinked', 'declined')),
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  ended_at       timestamptz,
  ended_by       uuid REFERENCES users (id),
  CHECK (payer_id <> member_id),
  CHECK ((status = 'active') = (ended_at IS NULL)),
  CHECK ((ended_at IS NULL) = (ended_by IS NULL))
);
-- One active link per payer and member, however many requests race to make it.
CREATE UNIQUE INDEX family_links_one_active ON family_links (payer_id, member_id) WHERE status = 'active';
-- "My links", as payer and as member: one index range each.
CREATE INDEX family_links_payer ON family_links (payer_id, created_at DESC, id DESC);
CREATE INDEX family_links_member ON family_links (member_id, created_at DESC, id DESC);

-- A family payment leaves the payer's wallet, not the member's: the member's history finds the
-- payments they made through the transfer's metadata (the wallet's third history range).
CREATE INDEX ledger_transfers_paid_by ON ledger_transfers ((metadata->>'paidBy'), seq)
  WHERE metadata->>'paidBy' IS NOT NULL;
