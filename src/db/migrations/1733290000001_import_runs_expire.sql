-- Up Migration
-- A checked file nobody commits must not keep its client data for ever: a day after its dry run the
-- API's hourly sweep clears it and marks the run expired (src/domain/case-import/runs.ts). The
-- existing check (file text only while checked or running) then holds for expired runs too.
ALTER TABLE import_runs DROP CONSTRAINT import_runs_status_check;
ALTER TABLE import_runs ADD CONSTRAINT import_runs_status_check
  CHECK (status IN ('checked', 'running', 'done', 'failed', 'expired'));

-- Down Migration
UPDATE import_runs SET status = 'failed' WHERE status = 'expired';
ALTER TABLE import_runs DROP CONSTRAINT import_runs_status_check;
ALTER TABLE import_runs ADD CONSTRAINT import_runs_status_check
  CHECK (status IN ('checked', 'running', 'done', 'failed'));
