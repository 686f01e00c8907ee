-- Up Migration
-- The earliest due time among the case's running obligations (NULL: nothing running, or never
-- projected). A case whose earliest running obligation is not yet due has nothing overdue, so the
-- team view looks up obligations only for the cases that may have some: a lookup per open case
-- descended an index that deepens as the whole organisation grows.
--
-- Kept by trigger, so it holds for any writer of case_obligations: a worker still on the code
-- before this migration, mid-rollout, writes projections that know nothing of the column. Only an
-- obligation added or removed, or its due time or running flag changed, fires it; a reminder's
-- projection changes neither (its clock and escalation only), so the usual write costs nothing more.
ALTER TABLE cases ADD COLUMN first_running_due_at timestamptz;

CREATE FUNCTION caseloop_first_running_due() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  affected uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END;
BEGIN
  UPDATE cases c
     SET first_running_due_at = f.first_due_at
    FROM (SELECT min(o.due_at) AS first_due_at FROM case_obligations o
           WHERE o.case_id = affected AND o.running) f
   WHERE c.id = affected AND c.first_running_due_at IS DISTINCT FROM f.first_due_at;
  RETURN NULL;
END;
$$;
CREATE TRIGGER case_obligations_first_running_due AFTER INSERT OR DELETE ON case_obligations
  FOR EACH ROW EXECUTE FUNCTION caseloop_first_running_due();
CREATE TRIGGER case_obligations_first_running_due_changed AFTER UPDATE OF due_at, running ON case_obligations
  FOR EACH ROW WHEN (OLD.due_at IS DISTINCT FROM NEW.due_at OR OLD.running IS DISTINCT FROM NEW.running)
  EXECUTE FUNCTION caseloop_first_running_due();

UPDATE cases c
   SET first_running_due_at = o.first_due_at
  FROM (SELECT case_id, min(due_at) AS first_due_at FROM case_obligations WHERE running GROUP BY case_id) o
 WHERE o.case_id = c.id;

-- Down Migration
DROP TRIGGER case_obligations_first_running_due_changed ON case_obligations;
DROP TRIGGER case_obligations_first_running_due ON case_obligations;
DROP FUNCTION caseloop_first_running_due();
ALTER TABLE cases DROP COLUMN first_running_due_at;
