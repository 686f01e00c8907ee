-- Up Migration
-- The record is the arbiter of every change that spans PostgreSQL and a case's workflow. A change
-- commits its rows together with one row here (in the same transaction); only then is it
-- delivered to the workflow, by the request that made it and, failing that, by the relay, until
-- the workflow has it. The workflow de-duplicates by (case, seq), so delivering twice is harmless.
CREATE TABLE case_changes (
  id             uuid PRIMARY KEY,
  case_id        uuid NOT NULL REFERENCES cases(id),
  -- Per case, in commit order: a case's changes reach its workflow in this order.
  seq            integer NOT NULL,
  -- { kind: 'start' | 'event' | 'acknowledge' | 'policy', ... } (src/domain/case-changes.ts).
  -- json, not jsonb: kept as written, so a workflow's input reads in its own order in the Temporal UI.
  payload        json NOT NULL,
  -- Set when the change is one of many made at once (a policy change, a hand-over): the fan-out.
  fan_out_id     uuid,
  created_at     timestamptz NOT NULL DEFAULT now(),
  delivered_at   timestamptz,
  -- Moot: the workflow had ended because the case closed (the record says so too).
  refused_at     timestamptz,
  refused_reason text,
  attempts       integer NOT NULL DEFAULT 0,
  last_attempt_at timestamptz,
  -- Why the last attempt failed: an outage, or a workflow that is not running (an admin repairs it).
  last_error     text,
  UNIQUE (case_id, seq)
);
CREATE INDEX case_changes_pending_idx ON case_changes (created_at)
  WHERE delivered_at IS NULL AND refused_at IS NULL;
CREATE INDEX case_changes_fan_out_idx ON case_changes (fan_out_id) WHERE fan_out_id IS NOT NULL;

-- Down Migration
DROP TABLE case_changes;
