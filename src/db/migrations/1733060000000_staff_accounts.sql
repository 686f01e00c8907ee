-- Up Migration
-- Staff sign in to the pages with an email and a password (src/domain/passwords.ts) and get a
-- server-side session (src/domain/web-sessions.ts); API tokens are for programs and expire.

-- One password per staff member, as a self-describing scrypt string (algorithm, parameters, salt,
-- hash), so the parameters can be raised later without a migration. Missing: not set yet (invited).
CREATE TABLE staff_credentials (
  staff_id      uuid PRIMARY KEY REFERENCES staff(id),
  password_hash text NOT NULL CHECK (password_hash LIKE '$scrypt$%'),
  changed_at    timestamptz NOT NULL DEFAULT now()
);

-- A browser's signed-in session. The cookie carries a 32-byte random id; only its SHA-256 is kept,
-- so a copy of this table signs nobody in. Ended sessions stay (ended_at, ended_reason) for the trail.
CREATE TABLE web_sessions (
  id_hash       text PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
  staff_id      uuid NOT NULL REFERENCES staff(id),
  -- The session's CSRF token: every form of the session carries it.
  csrf_secret   text NOT NULL,
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  -- The absolute end, however active the session is.
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  ended_reason  text CHECK (ended_reason IN
                  ('signed_out', 'idle', 'expired', 'deactivated', 'password_set', 'replaced')),
  source_ip     text,
  CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);
CREATE INDEX web_sessions_open_by_staff_idx ON web_sessions (staff_id) WHERE ended_at IS NULL;
CREATE INDEX web_sessions_ended_idx ON web_sessions (ended_at);

-- Single-use links emailed to a person: an invitation (72 hours) or a password reset (1 hour).
-- The token is in the link only; the table keeps its SHA-256.
CREATE TABLE account_links (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  staff_id    uuid NOT NULL REFERENCES staff(id),
  purpose     text NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
  created_at  timestamptz NOT NULL,
  -- Who invited (an admin), or null when the person asked for a reset themselves.
  created_by  uuid REFERENCES staff(id),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX account_links_staff_idx ON account_links (staff_id) WHERE used_at IS NULL;

-- Rate limiting of sign-in and password-reset requests, shared by every API process: one row per
-- counted attempt, in a bucket named by a SHA-256 (of e.g. "sign-in:account:<email>"), so nothing
-- typed into the form is stored. Rows older than the window are swept.
CREATE TABLE sign_in_attempts (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bucket  text NOT NULL,
  at      timestamptz NOT NULL
);
CREATE INDEX sign_in_attempts_bucket_idx ON sign_in_attempts (bucket, at);
CREATE INDEX sign_in_attempts_at_idx ON sign_in_attempts (at);

-- Tokens are for programs and expire (90 days unless the issuer says otherwise). Tokens issued
-- before expiry existed get 90 days from now, so nothing stops working on the day of the upgrade.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz;
UPDATE api_tokens SET expires_at = greatest(created_at, now()) + interval '90 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
CREATE INDEX api_tokens_staff_idx ON api_tokens (staff_id, created_at);

-- The application role gets exactly what it uses (the default privileges would grant more):
-- credentials, links and sessions are never deleted (a session is ended, and the row stays for the
-- trail); attempts are inserted, counted, forgiven and swept.
REVOKE ALL ON staff_credentials, web_sessions, account_links, sign_in_attempts FROM caseloop_app;
GRANT SELECT, INSERT, UPDATE ON staff_credentials TO caseloop_app;
GRANT SELECT, INSERT, UPDATE ON web_sessions TO caseloop_app;
GRANT SELECT, INSERT, UPDATE ON account_links TO caseloop_app;
GRANT SELECT, INSERT, DELETE ON sign_in_attempts TO caseloop_app;

-- Down Migration
DROP INDEX api_tokens_staff_idx;
ALTER TABLE api_tokens DROP COLUMN last_used_at;
ALTER TABLE api_tokens DROP COLUMN expires_at;
DROP TABLE sign_in_attempts;
DROP TABLE account_links;
DROP TABLE web_sessions;
DROP TABLE staff_credentials;
