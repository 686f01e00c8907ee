-- Up Migration
-- The case timing facts follow a case's intake time and program (1733200000000_case_timing_facts.sql)
-- through a row trigger that fires only when an UPDATE names either column and changes it, instead
-- of a statement trigger on every UPDATE of cases: the schedule projection rewrites case rows all
-- day, and each of those statements captured both transition tables and ran the refresh for an
-- empty list of cases.
DROP TRIGGER cases_timing_facts ON cases;
DROP FUNCTION caseloop_timing_facts_on_cases();

CREATE FUNCTION caseloop_timing_facts_on_case_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM caseloop_refresh_timing_facts(ARRAY[NEW.id]);
  RETURN NULL;
END $$;

CREATE TRIGGER cases_timing_facts AFTER UPDATE OF opened_at, program_id ON cases
  FOR EACH ROW
  WHEN (OLD.opened_at IS DISTINCT FROM NEW.opened_at OR OLD.program_id IS DISTINCT FROM NEW.program_id)
  EXECUTE FUNCTION caseloop_timing_facts_on_case_row();

-- Down Migration
DROP TRIGGER cases_timing_facts ON cases;
DROP FUNCTION caseloop_timing_facts_on_case_row();

CREATE FUNCTION caseloop_timing_facts_on_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM caseloop_refresh_timing_facts(array(
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.opened_at IS DISTINCT FROM o.opened_at OR n.program_id IS DISTINCT FROM o.program_id));
  RETURN NULL;
END $$;

CREATE TRIGGER cases_timing_facts AFTER UPDATE ON cases
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION caseloop_timing_facts_on_cases();
