-- Up Migration
-- Providers answer a referral from the signed link in its email, with no account: their answer is
-- a referral event reported by the provider rather than by a staff member (exactly one of the two),
-- and a scheduled answer carries the date the provider gave.
ALTER TABLE referral_events ALTER COLUMN reported_by DROP NOT NULL;
ALTER TABLE referral_events ADD COLUMN reported_by_provider uuid REFERENCES providers(id);
ALTER TABLE referral_events ADD COLUMN scheduled_for date;
ALTER TABLE referral_events ADD CONSTRAINT referral_events_one_reporter
  CHECK ((reported_by IS NULL) <> (reported_by_provider IS NULL));

-- The audit log names who acted: staff, the system, or now a provider through their link.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_kind_check
  CHECK (actor_kind IN ('staff', 'system', 'provider'));

-- Down Migration
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_kind_check;
-- Provider rows stay (the log is append-only); the old rule holds for new rows only.
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_kind_check
  CHECK (actor_kind IN ('staff', 'system')) NOT VALID;
ALTER TABLE referral_events DROP CONSTRAINT referral_events_one_reporter;
ALTER TABLE referral_events DROP COLUMN scheduled_for;
ALTER TABLE referral_events DROP COLUMN reported_by_provider;
