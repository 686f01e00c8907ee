-- Up Migration
-- The earliest due time among the case's running obligations, written by the projection in the
-- same statement as the obligations themselves (NULL: nothing running, or never projected). A case
-- whose earliest running obligation is not yet due has nothing overdue, so the team view looks up
-- obligations only for the cases that may have some: a lookup per open case descended an index
-- that deepens as the whole organisation grows.
ALTER TABLE cases ADD COLUMN first_running_due_at timestamptz;
UPDATE cases c
   SET first_running_due_at = o.first_due_at
  FROM (SELECT case_id, min(due_at) AS first_due_at FROM case_obligations WHERE running GROUP BY case_id) o
 WHERE o.case_id = c.id;

-- Down Migration
ALTER TABLE cases DROP COLUMN first_running_due_at;
