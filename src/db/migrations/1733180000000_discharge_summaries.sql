-- Up Migration
-- The structured discharge summary (issue 17): each goal of the plan with its outcome, each
-- referral with its outcome, recommendations and follow-up, as one JSON document validated by the
-- API's schema (src/domain/discharge.ts) and snapshotted with the names of what it accounts for,
-- so an episode stays whole whatever happens to the case later. It travels like the free-text
-- summary: on the case row while closure waits, with the request in closure_events, and into
-- case_episodes when closure is approved. Episodes closed before this keep their free text only
-- (discharge NULL). Adding a column changes no row, so the append-only triggers are not involved;
-- the application role's table grants cover the new columns.
ALTER TABLE cases ADD COLUMN closure_discharge jsonb
  CHECK (closure_discharge IS NULL OR jsonb_typeof(closure_discharge) = 'object');
ALTER TABLE closure_events ADD COLUMN discharge jsonb
  CHECK (discharge IS NULL OR jsonb_typeof(discharge) = 'object');
ALTER TABLE case_episodes ADD COLUMN discharge jsonb
  CHECK (discharge IS NULL OR jsonb_typeof(discharge) = 'object');

-- Down Migration
ALTER TABLE case_episodes DROP COLUMN discharge;
ALTER TABLE closure_events DROP COLUMN discharge;
ALTER TABLE cases DROP COLUMN closure_discharge;
