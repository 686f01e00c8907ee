-- Up Migration
-- Tasks: follow-through beyond the fixed obligations. A case manager, supervisor or admin adds a
-- task to a case (what, who does it, by when); its reminders climb the ladder to its assignee until
-- it is marked done or cancelled. The row is the task as it stands; case_task_events (append-only)
-- is what happened to it, with who and when.
CREATE TABLE case_tasks (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id      uuid NOT NULL REFERENCES cases(id),
  what         text NOT NULL,
  assignee_id  uuid NOT NULL REFERENCES staff(id),
  -- An instant; the pages take and show it in the viewer's own zone.
  due_at       timestamptz NOT NULL,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  created_by   uuid NOT NULL REFERENCES staff(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  closed_by    uuid REFERENCES staff(id),
  closed_at    timestamptz,
  close_note   text,
  CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE INDEX case_tasks_case_idx ON case_tasks (case_id, due_at);
-- Whose open tasks: a person's new time zone reaches those cases too.
CREATE INDEX case_tasks_assignee_open_idx ON case_tasks (assignee_id) WHERE status = 'open';

CREATE TABLE case_task_events (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id    uuid NOT NULL REFERENCES case_tasks(id),
  case_id    uuid NOT NULL REFERENCES cases(id),
  what       text NOT NULL CHECK (what IN ('added', 'done', 'cancelled')),
  note       text,
  at         timestamptz NOT NULL,
  actor_id   uuid NOT NULL REFERENCES staff(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_task_events_case_idx ON case_task_events (case_id, at);
SELECT caseloop_make_append_only('case_task_events');

-- The staff member an open obligation names (a task's assignee): My work shows it to them.
ALTER TABLE case_obligations ADD COLUMN assignee_id uuid;
CREATE INDEX case_obligations_assignee_idx ON case_obligations (assignee_id) WHERE assignee_id IS NOT NULL;

-- Down Migration
DROP INDEX case_obligations_assignee_idx;
ALTER TABLE case_obligations DROP COLUMN assignee_id;
DROP TABLE case_task_events;
DROP TABLE case_tasks;
