-- Passkeys (WebAuthn): the open stand-in for fingerprint and face pay. A passkey confirms a
-- payment in place of the PIN.
CREATE TABLE passkeys (
  -- The credential id, base64url.
  id            text PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES users (id),
  public_key    bytea NOT NULL,
  -- The authenticator's signature counter (0 for those that keep none).
  counter       bigint NOT NULL DEFAULT 0,
  transports    text[] NOT NULL DEFAULT '{}',
  name          text NOT NULL,
  created_at    timestamptz NOT NULL,
  last_used_at  timestamptz
);
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

-- Challenges the server issued, each for one user and one ceremony, used once, short-lived.
-- The origin and RP id are fixed when the challenge is issued.
CREATE TABLE passkey_challenges (
  challenge   text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id),
  purpose     text NOT NULL CHECK (purpose IN ('register', 'pay')),
  rp_id       text NOT NULL,
  origin      text NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
