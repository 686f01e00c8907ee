-- Up Migration
-- What the program report (src/domain/program-report.ts) reads by date range: each figure starts
-- from the records whose own time falls in the range, then joins its case for the program.

CREATE INDEX cases_program_opened_idx ON cases (program_id, opened_at);
CREATE INDEX case_episodes_opened_idx ON case_episodes (opened_at);
CREATE INDEX case_episodes_closed_idx ON case_episodes (closed_at);
CREATE INDEX assessments_initial_completed_idx ON assessments (completed_at) WHERE kind = 'initial';
CREATE INDEX plan_events_approved_idx ON plan_events (at) WHERE what = 'approved';
-- Obligations met, by when; and the due time in force for one obligation of a case.
CREATE INDEX schedule_decisions_met_idx ON schedule_decisions (occurred_at) WHERE what = 'met';
CREATE INDEX schedule_decisions_due_idx ON schedule_decisions (case_id, obligation_id, occurred_at)
  WHERE what IN ('opened', 'rescheduled');
CREATE INDEX goal_progress_at_idx ON goal_progress (at);
CREATE INDEX referrals_sent_idx ON referrals (sent_at);
CREATE INDEX escalations_raised_idx ON escalations (raised_at);

-- Down Migration
DROP INDEX escalations_raised_idx;
DROP INDEX referrals_sent_idx;
DROP INDEX goal_progress_at_idx;
DROP INDEX schedule_decisions_due_idx;
DROP INDEX schedule_decisions_met_idx;
DROP INDEX plan_events_approved_idx;
DROP INDEX assessments_initial_completed_idx;
DROP INDEX case_episodes_closed_idx;
DROP INDEX case_episodes_opened_idx;
DROP INDEX cases_program_opened_idx;
