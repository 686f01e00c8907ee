-- Up Migration
-- A case handed to another case manager or supervisor takes its open tasks along: a task whose
-- assignee leaves the case goes to whoever takes their place, so its reminders never reach someone
-- who can no longer open the case. case_task_events records each move ('reassigned', from whom, to
-- whom) and, from now on, whom a task was added for (older 'added' rows leave it NULL: their
-- assignee is the task's first 'from' if it ever moved, else its current one).
ALTER TABLE case_task_events DROP CONSTRAINT case_task_events_what_check;
ALTER TABLE case_task_events ADD CONSTRAINT case_task_events_what_check
  CHECK (what IN ('added', 'done', 'cancelled', 'reassigned'));
ALTER TABLE case_task_events ADD COLUMN assignee_id uuid REFERENCES staff(id);
ALTER TABLE case_task_events ADD COLUMN from_assignee_id uuid REFERENCES staff(id);
ALTER TABLE case_task_events ADD CONSTRAINT case_task_events_move_check
  CHECK ((what = 'reassigned') = (from_assignee_id IS NOT NULL)
         AND (what <> 'reassigned' OR assignee_id IS NOT NULL));

-- Down Migration
ALTER TABLE case_task_events DROP CONSTRAINT case_task_events_move_check;
ALTER TABLE case_task_events DROP COLUMN from_assignee_id;
ALTER TABLE case_task_events DROP COLUMN assignee_id;
ALTER TABLE case_task_events DROP CONSTRAINT case_task_events_what_check;
ALTER TABLE case_task_events ADD CONSTRAINT case_task_events_what_check
  CHECK (what IN ('added', 'done', 'cancelled'));
