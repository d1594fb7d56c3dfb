-- Reviews (口碑) only by the payer of a completed payment, one per payment.
CREATE TABLE merchant_reviews (
  id          uuid PRIMARY KEY,
  merchant_id uuid NOT NULL REFERENCES merchants (id),
  payment_id  uuid NOT NULL UNIQUE REFERENCES merchant_payments (id),
  author_id   uuid NOT NULL REFERENCES users (id),
  rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  text        text NOT NULL,
  -- published: shown and counted in the merchant's rating; held: moderation wants a human
  -- look (shown to its author only, not counted); taken_down: removed by an operator.
  status      text NOT NULL CHECK (status IN ('published', 'held', 'taken_down')),
  created_at  timestamptz NOT NULL
);
CREATE INDEX merchant_reviews_merchant ON merchant_reviews (merchant_id, created_at DESC, id DESC);

-- Coupons: `claimed` is raised by one conditional UPDATE per claim, so it can never pass
-- `quantity` however many claim at once (the CHECK is the last word).
CREATE TABLE merchant_coupons (
  id          uuid PRIMARY KEY,
  merchant_id uuid NOT NULL REFERENCES merchants (id),
  title       text NOT NULL,
  discount    bigint NOT NULL CHECK (discount > 0),
  min_spend   bigint NOT NULL CHECK (min_spend > discount),
  quantity    integer NOT NULL CHECK (quantity > 0),
  claimed     integer NOT NULL DEFAULT 0 CHECK (claimed >= 0 AND claimed <= quantity),
  currency    text NOT NULL,
  valid_until timestamptz NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX merchant_coupons_merchant ON merchant_coupons (merchant_id, created_at DESC);

CREATE TABLE merchant_coupon_claims (
  id              uuid PRIMARY KEY,
  coupon_id       uuid NOT NULL REFERENCES merchant_coupons (id),
  user_id         uuid NOT NULL REFERENCES users (id),
  claimed_at      timestamptz NOT NULL,
  -- Set by the paying transaction, under this row's lock: a coupon is used once.
  used_payment_id uuid UNIQUE,
  used_at         timestamptz,
  UNIQUE (coupon_id, user_id)
);
CREATE INDEX merchant_coupon_claims_user ON merchant_coupon_claims (user_id, claimed_at DESC);

ALTER TABLE merchant_payments
  ADD CONSTRAINT merchant_payments_coupon_claim FOREIGN KEY (coupon_claim_id)
  REFERENCES merchant_coupon_claims (id);
