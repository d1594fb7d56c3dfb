-- Phone ownership (issue 13, item 8): a phone counts as the user's only once a code sent to it
-- came back. Real-name verification requires it, so every money gate that asks for a verified
-- user (verified_at) also asks for a verified phone; the CHECK keeps that true for any writer.
ALTER TABLE users ADD COLUMN phone_verified_at timestamptz;
-- Accounts that passed real-name verification before phones were checked keep their money
-- working: their identity is already bound one-to-one. (Admin roles are not re-derived here:
-- operators should review admins granted by HEBAO_ADMIN_PHONES before this change.)
UPDATE users SET phone_verified_at = verified_at WHERE verified_at IS NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_verified_needs_phone
  CHECK (verified_at IS NULL OR phone_verified_at IS NOT NULL);

-- The live code per phone and purpose; a new code replaces the old. Only an HMAC of the code is
-- stored (keyed with the server secret: six digits are too few for a plain hash). Rows exist for
-- unregistered numbers too, so the answers and rate limits never tell registered from not.
CREATE TABLE phone_codes (
  phone          text NOT NULL,
  purpose        text NOT NULL CHECK (purpose IN ('verify', 'reset')),
  code_hash      bytea,
  expires_at     timestamptz NOT NULL,
  failed_count   integer NOT NULL DEFAULT 0,
  -- Sending is limited per phone: at most one code per cooldown, and a count per window.
  last_sent_at   timestamptz NOT NULL,
  window_started timestamptz NOT NULL,
  window_sends   integer NOT NULL,
  PRIMARY KEY (phone, purpose)
);

-- Failed logins per phone (registered or not, for the same reason), behind the login backoff.
CREATE TABLE login_failures (
  phone         text PRIMARY KEY,
  failed_count  integer NOT NULL,
  locked_until  timestamptz,
  updated_at    timestamptz NOT NULL
);
