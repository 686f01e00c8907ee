-- Up Migration
-- An import from the admin page (issue 19): the checked file waits here between the dry run and the
-- commit, so the commit form posts only this run's id, and the commit's workflow reads the rows
-- from here and counts its progress here for the page. The file holds client data: it is cleared
-- when the run ends (the counts and failures stay). The app never deletes a run.
CREATE TABLE import_runs (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_by   uuid NOT NULL REFERENCES staff(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  file_name    text NOT NULL CHECK (length(file_name) <= 255),
  file_text    text,
  row_count    integer NOT NULL CHECK (row_count >= 0),
  status       text NOT NULL DEFAULT 'checked' CHECK (status IN ('checked', 'running', 'done', 'failed')),
  done_count   integer NOT NULL DEFAULT 0,
  failed_count integer NOT NULL DEFAULT 0,
  -- Rows that failed at commit: [{row, column, reason}].
  failures     jsonb NOT NULL DEFAULT '[]',
  started_at   timestamptz,
  finished_at  timestamptz,
  CHECK (status IN ('checked', 'running') OR file_text IS NULL)
);
REVOKE ALL ON import_runs FROM caseloop_app;
GRANT SELECT, INSERT, UPDATE ON import_runs TO caseloop_app;

-- Down Migration
DROP TABLE import_runs;
