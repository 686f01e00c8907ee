-- Up Migration
-- The escalation rules the case's workflow run follows (ScheduleState in src/core/case-schedule.ts:
-- 'passes_doer', 'not_to_doer'), as its projection writes them, so the upcoming reminders and the
-- policy preview read from the record name the recipients the run will use. NULL: not projected by
-- a worker that writes them yet; such a run is read as following neither (runs from before both).
ALTER TABLE cases ADD COLUMN escalation_rules text[];

-- Down Migration
ALTER TABLE cases DROP COLUMN escalation_rules;
