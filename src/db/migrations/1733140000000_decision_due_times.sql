-- Up Migration
-- The due time a schedule decision was taken against, as the workflow knew it (Decision.dueAt):
-- opened, the obligation's first due time; rescheduled, the new one; met, the one it was met
-- against; skipped and acknowledged, the one in force. The program report's on-time rate reads it
-- instead of parsing the decision's text.
ALTER TABLE schedule_decisions ADD COLUMN due_at timestamptz;

-- Decisions recorded before this column: the due time from the text the workflow wrote ("… due
-- <instant>" when opened, "… → <instant>" when rescheduled); a 'met' takes the due time of the
-- latest opened or rescheduled decision of its obligation at or before it. A row whose text does
-- not end in a valid instant stays NULL (and out of the on-time figures). The table is append-only:
-- its row triggers are set aside for this one backfill, inside the migration's transaction.
CREATE FUNCTION pg_temp.instant_or_null(t text) RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
  RETURN t::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END;
$$;
ALTER TABLE schedule_decisions DISABLE TRIGGER USER;
UPDATE schedule_decisions
   SET due_at = pg_temp.instant_or_null(substring(detail FROM '(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$'))
 WHERE due_at IS NULL
   AND ((what = 'opened' AND detail ~ ' due \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$')
     OR (what = 'rescheduled' AND detail ~ '→ \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$'));
UPDATE schedule_decisions m
   SET due_at = (
     SELECT o.due_at FROM schedule_decisions o
      WHERE o.case_id = m.case_id AND o.obligation_id = m.obligation_id
        AND o.what IN ('opened', 'rescheduled') AND o.occurred_at <= m.occurred_at
      ORDER BY o.occurred_at DESC, o.id DESC LIMIT 1)
 WHERE m.what = 'met' AND m.due_at IS NULL;
ALTER TABLE schedule_decisions ENABLE TRIGGER USER;
DROP FUNCTION pg_temp.instant_or_null(text);

-- Obligations met, by when, with what the report counts (index-only: the table is append-only).
-- Those ended by a closure or a superseding plan were not met by the work and are never counted.
-- (Databases that ran an earlier draft of 1733110500000 have a narrower index of this name.)
DROP INDEX IF EXISTS schedule_decisions_met_idx;
CREATE INDEX schedule_decisions_met_idx ON schedule_decisions (occurred_at)
  INCLUDE (case_id, obligation_kind, due_at)
  WHERE what = 'met' AND detail NOT LIKE 'case closed;%' AND detail NOT LIKE 'superseded by a new plan;%';

-- Down Migration
DROP INDEX schedule_decisions_met_idx;
ALTER TABLE schedule_decisions DROP COLUMN due_at;
