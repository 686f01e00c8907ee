-- Up Migration
-- What the program report (src/domain/program-report.ts) reads. Every figure is the records of one
-- program: its cases are read once per figure from one narrow index (id and the two dates) instead
-- of the wide case rows; the records are walked per case in the order their window functions need,
-- so no figure sorts or re-reads them per row.

-- A program's cases in id order with their dates (intake and closure counts, and the join of every
-- record to its program); its open cases by case manager (caseload).
CREATE INDEX cases_program_opened_idx ON cases (program_id, id) INCLUDE (opened_at, closed_at);
CREATE INDEX cases_program_caseload_idx ON cases (program_id, case_manager_id) WHERE status <> 'closed';
CREATE INDEX case_episodes_opened_idx ON case_episodes (opened_at);
CREATE INDEX case_episodes_closed_idx ON case_episodes (closed_at);
-- Each case's initial assessments and plan approvals in order: which is the first of its episode,
-- and which assessment an approval follows.
CREATE INDEX assessments_initial_case_idx ON assessments (case_id, completed_at, id) WHERE kind = 'initial';
CREATE INDEX plan_events_approved_case_idx ON plan_events (case_id, at, id) WHERE what = 'approved';
-- A goal's latest progress record first.
CREATE INDEX goal_progress_latest_idx ON goal_progress (goal_id, at DESC, created_at DESC) INCLUDE (status);
CREATE INDEX referrals_sent_idx ON referrals (sent_at);
CREATE INDEX escalations_raised_idx ON escalations (raised_at);

-- Down Migration
DROP INDEX escalations_raised_idx;
DROP INDEX referrals_sent_idx;
DROP INDEX goal_progress_latest_idx;
DROP INDEX plan_events_approved_case_idx;
DROP INDEX assessments_initial_case_idx;
DROP INDEX case_episodes_closed_idx;
DROP INDEX case_episodes_opened_idx;
DROP INDEX cases_program_caseload_idx;
DROP INDEX cases_program_opened_idx;
