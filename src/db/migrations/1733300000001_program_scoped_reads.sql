-- Up Migration
-- One program's oversight reads (the program report, the program manager's team view) start from
-- the program's cases and look up each case's records, so they cost what the program holds, not
-- what the whole organisation holds. The indexes by time alone (schedule_decisions_met_idx,
-- case_obligations_due_idx, referrals_sent_idx, escalations_raised_idx) stay for an organisation
-- that is one large program, where reading the range is cheaper than a lookup per case; the planner
-- chooses by the program's share of the cases.
CREATE INDEX schedule_decisions_case_met_idx ON schedule_decisions (case_id, occurred_at)
  INCLUDE (obligation_kind, due_at)
  WHERE what = 'met' AND detail NOT LIKE 'case closed;%' AND detail NOT LIKE 'superseded by a new plan;%';
CREATE INDEX case_obligations_case_due_idx ON case_obligations (case_id, due_at)
  INCLUDE (obligation_kind, obligation_id) WHERE running;
CREATE INDEX referrals_case_sent_idx ON referrals (case_id, sent_at) INCLUDE (provider_id);
CREATE INDEX escalations_case_raised_idx ON escalations (case_id, raised_at) INCLUDE (level, acknowledged_at);
-- A program manager's case list, newest first, read from their program's cases.
CREATE INDEX cases_program_newest_idx ON cases (program_id, created_at DESC, id DESC);
CREATE INDEX case_episodes_case_idx ON case_episodes (case_id, opened_at) INCLUDE (closed_at, closure_reason);

-- Down Migration
DROP INDEX case_episodes_case_idx;
DROP INDEX cases_program_newest_idx;
DROP INDEX escalations_case_raised_idx;
DROP INDEX referrals_case_sent_idx;
DROP INDEX case_obligations_case_due_idx;
DROP INDEX schedule_decisions_case_met_idx;
