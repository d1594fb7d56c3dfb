CREATE TABLE users (
  id                uuid PRIMARY KEY,
  -- E.164, e.g. +8613800138000
  phone             text NOT NULL UNIQUE,
  password_hash     text NOT NULL,
  nickname          text NOT NULL,
  role              text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  verified_at       timestamptz,
  real_name_masked  text,
  -- HMAC of the ID number: unique (one identity, one account) and matchable against bans.
  id_number_hash    bytea UNIQUE,
  id_number_masked  text,
  birth_date        date,
  gender            text CHECK (gender IN ('male', 'female')),
  pin_hash          text,
  pin_failed_count  integer NOT NULL DEFAULT 0,
  pin_locked_until  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  id            uuid PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES users (id),
  -- sha-256 of the bearer token; the token itself is never stored.
  token_hash    bytea NOT NULL UNIQUE,
  device        text NOT NULL,
  user_agent    text,
  ip            text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id, created_at DESC);

-- Banned identities and devices: a permanent ban keeps the person from coming back.
CREATE TABLE bans (
  id          uuid PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('identity', 'device', 'user')),
  subject     text NOT NULL,
  reason      text NOT NULL,
  expires_at  timestamptz,
  created_by  uuid REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bans_subject ON bans (kind, subject);

-- Responses to money-moving requests, by the caller's Idempotency-Key.
CREATE TABLE idempotency_keys (
  user_id          uuid NOT NULL REFERENCES users (id),
  key              text NOT NULL,
  request_hash     text NOT NULL,
  response_status  integer,
  response_body    jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
