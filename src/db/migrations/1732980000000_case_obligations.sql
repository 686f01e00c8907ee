-- Up Migration
-- What each case owes right now, as its workflow keeps it: one row per open obligation with the due
-- time the workflow derived (never recomputed here). Written by the projection activity with the
-- case row, replaced as a whole each time, so "My work" and the caseload read due work without
-- asking Temporal. `running` is false while the obligation's clock is paused (case on hold, or
-- waiting for closure approval).
CREATE TABLE case_obligations (
  case_id          uuid NOT NULL REFERENCES cases(id),
  obligation_id    text NOT NULL,
  obligation_kind  text NOT NULL,
  -- The referral, goal or plan it is about.
  subject_id       text,
  due_at           timestamptz NOT NULL,
  running          boolean NOT NULL,
  escalation_level integer NOT NULL DEFAULT 0 CHECK (escalation_level IN (0, 1, 2)),
  acknowledged     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (case_id, obligation_id)
);
CREATE INDEX case_obligations_due_idx ON case_obligations (due_at) WHERE running;

-- When the workflow last wrote the case's obligations: NULL for cases whose workflow has not
-- written them yet (started before this projection, or generation 1), whose rows are unknown.
ALTER TABLE cases ADD COLUMN obligations_projected_at timestamptz;

-- Down Migration
ALTER TABLE cases DROP COLUMN obligations_projected_at;
DROP TABLE case_obligations;
