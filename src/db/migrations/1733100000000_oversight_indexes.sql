-- Up Migration
-- What the supervisor's screens read, indexed for a program of 100,000 open cases: the approvals
-- queue (plans submitted and closures requested, waiting for a decision), the team view (case
-- managers by supervisor, the latest contact note per case, open escalations per case).

-- Plans waiting for a decision, and the closures waiting for one.
CREATE INDEX service_plans_submitted_idx ON service_plans (case_id) WHERE status = 'submitted';
CREATE INDEX cases_closure_requested_idx ON cases (closure_requested_at)
  WHERE closure_requested_at IS NOT NULL AND status <> 'closed';

-- A supervisor's case managers.
CREATE INDEX staff_supervisor_idx ON staff (supervisor_id) WHERE role = 'case_manager';

-- The latest contact with the client, per case.
CREATE INDEX case_notes_contact_idx ON case_notes (case_id, at) WHERE type = 'contact';

-- Open escalations per case.
CREATE INDEX escalations_open_case_idx ON escalations (case_id)
  WHERE acknowledged_at IS NULL AND resolved_at IS NULL;

-- Down Migration
DROP INDEX escalations_open_case_idx;
DROP INDEX case_notes_contact_idx;
DROP INDEX staff_supervisor_idx;
DROP INDEX cases_closure_requested_idx;
DROP INDEX service_plans_submitted_idx;
