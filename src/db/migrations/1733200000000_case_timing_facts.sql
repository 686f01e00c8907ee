-- Up Migration
-- The program report's two durations, kept as they happen instead of reconstructed at read time: one
-- row per initial assessment that is the first of its episode (intake → initial assessment) and per
-- plan approval that is the first after the latest initial assessment (initial assessment → approved
-- plan), with the program, the instant the report ranges over and the duration in days. The report
-- then reads this narrow table by (program, measure, time) instead of folding every assessment and
-- plan event of the program (the rules are the ones src/domain/program-report.ts documents).
--
-- Maintained by statement triggers: whatever writes an assessment, a plan event, an episode or a
-- case's intake time or program (intake, the API's forms, reopening, closure, a bulk load) recomputes
-- the facts of just the cases it touched, from their rows, so backdated records and reopenings come
-- out as the report has always counted them.
CREATE TABLE case_timing_facts (
  case_id    uuid NOT NULL REFERENCES cases(id),
  program_id uuid NOT NULL,
  measure    text NOT NULL CHECK (measure IN ('intake_to_initial_assessment', 'initial_assessment_to_approved_plan')),
  -- The assessment's completion or the plan's approval: what the report's range selects on.
  at         timestamptz NOT NULL,
  days       float8 NOT NULL
);
CREATE INDEX case_timing_facts_report_idx ON case_timing_facts (program_id, measure, at) INCLUDE (days);
CREATE INDEX case_timing_facts_case_idx ON case_timing_facts (case_id);

CREATE FUNCTION caseloop_refresh_timing_facts(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM case_timing_facts WHERE case_id = ANY(ids);
  -- Each initial assessment beside the one before it in its case: the first of its episode when there
  -- is none, or that one came before the episode's intake (the case's own when the assessment is not
  -- older than it, else the latest earlier episode's at or before it).
  INSERT INTO case_timing_facts (case_id, program_id, measure, at, days)
  SELECT a.case_id, c.program_id, 'intake_to_initial_assessment', a.completed_at,
         extract(epoch FROM a.completed_at - i.intake_at)::float8 / 86400
    FROM (SELECT case_id, completed_at,
                 lag(completed_at) OVER (PARTITION BY case_id ORDER BY completed_at, id) AS previous_at
            FROM assessments WHERE kind = 'initial' AND case_id = ANY(ids)) a
    JOIN cases c ON c.id = a.case_id
    CROSS JOIN LATERAL (
      SELECT CASE WHEN c.opened_at <= a.completed_at THEN c.opened_at
                  ELSE (SELECT max(e.opened_at) FROM case_episodes e
                         WHERE e.case_id = a.case_id AND e.opened_at <= a.completed_at) END AS intake_at
    ) i
   WHERE i.intake_at IS NOT NULL AND (a.previous_at IS NULL OR a.previous_at < i.intake_at);
  -- Each plan approval with the latest initial assessment at or before it: the first approval after
  -- that assessment when the approval before it is older than the assessment.
  INSERT INTO case_timing_facts (case_id, program_id, measure, at, days)
  SELECT pe.case_id, c.program_id, 'initial_assessment_to_approved_plan', pe.at,
         extract(epoch FROM pe.at - a.completed_at)::float8 / 86400
    FROM (SELECT case_id, at, lag(at) OVER (PARTITION BY case_id ORDER BY at, id) AS previous_at
            FROM plan_events WHERE what = 'approved' AND case_id = ANY(ids)) pe
    JOIN (SELECT case_id, completed_at,
                 lead(completed_at) OVER (PARTITION BY case_id ORDER BY completed_at, id) AS next_at
            FROM assessments WHERE kind = 'initial' AND case_id = ANY(ids)) a
      ON a.case_id = pe.case_id AND a.completed_at <= pe.at AND (a.next_at IS NULL OR a.next_at > pe.at)
    JOIN cases c ON c.id = pe.case_id
   WHERE pe.previous_at IS NULL OR pe.previous_at < a.completed_at;
$$;

-- Assessments, plan events and episodes: the cases of the rows a statement wrote or removed.
CREATE FUNCTION caseloop_timing_facts_on_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM caseloop_refresh_timing_facts(array(SELECT DISTINCT case_id FROM old_rows));
  ELSE
    PERFORM caseloop_refresh_timing_facts(array(SELECT DISTINCT case_id FROM new_rows));
  END IF;
  RETURN NULL;
END $$;

-- Cases: only those whose intake time or program changed (the projection rewrites rows all day).
CREATE FUNCTION caseloop_timing_facts_on_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM caseloop_refresh_timing_facts(array(
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.opened_at IS DISTINCT FROM o.opened_at OR n.program_id IS DISTINCT FROM o.program_id));
  RETURN NULL;
END $$;

CREATE TRIGGER assessments_timing_facts_insert AFTER INSERT ON assessments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_records();
CREATE TRIGGER assessments_timing_facts_update AFTER UPDATE ON assessments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_records();
CREATE TRIGGER assessments_timing_facts_delete AFTER DELETE ON assessments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_records();
CREATE TRIGGER plan_events_timing_facts_insert AFTER INSERT ON plan_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_records();
CREATE TRIGGER plan_events_timing_facts_update AFTER UPDATE ON plan_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_records();
CREATE TRIGGER plan_events_timing_facts_delete AFTER DELETE ON plan_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_records();
CREATE TRIGGER case_episodes_timing_facts_insert AFTER INSERT ON case_episodes
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_records();
CREATE TRIGGER case_episodes_timing_facts_update AFTER UPDATE ON case_episodes
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_records();
CREATE TRIGGER case_episodes_timing_facts_delete AFTER DELETE ON case_episodes
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_records();
CREATE TRIGGER cases_timing_facts AFTER UPDATE ON cases
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_cases();

-- The facts of every case recorded so far.
SELECT caseloop_refresh_timing_facts(array(SELECT id FROM cases));
-- caseloop_app (whose writes fire the triggers) reads and writes the table by the default privileges
-- of 1732790000000_database_roles.sql.

-- Down Migration
DROP TRIGGER cases_timing_facts ON cases;
DROP TRIGGER case_episodes_timing_facts_delete ON case_episodes;
DROP TRIGGER case_episodes_timing_facts_update ON case_episodes;
DROP TRIGGER case_episodes_timing_facts_insert ON case_episodes;
DROP TRIGGER plan_events_timing_facts_delete ON plan_events;
DROP TRIGGER plan_events_timing_facts_update ON plan_events;
DROP TRIGGER plan_events_timing_facts_insert ON plan_events;
DROP TRIGGER assessments_timing_facts_delete ON assessments;
DROP TRIGGER assessments_timing_facts_update ON assessments;
DROP TRIGGER assessments_timing_facts_insert ON assessments;
DROP FUNCTION caseloop_timing_facts_on_cases();
DROP FUNCTION caseloop_timing_facts_on_records();
DROP FUNCTION caseloop_refresh_timing_facts(uuid[]);
DROP TABLE case_timing_facts;
