-- Up Migration
-- Why a case's clocks did what they did: an obligation opened, met (and its pending reminders
-- dropped), rescheduled, a reminder skipped, an escalation acknowledged. Written by the case
-- workflow; shown on the case timeline. Append-only like the audit log.
CREATE TABLE schedule_decisions (
  id              bigserial PRIMARY KEY,
  case_id         uuid NOT NULL REFERENCES cases(id),
  decision_key    text NOT NULL,
  obligation_id   text NOT NULL,
  obligation_kind text NOT NULL,
  what            text NOT NULL CHECK (what IN ('opened', 'met', 'rescheduled', 'skipped', 'acknowledged')),
  detail          text NOT NULL,
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, decision_key)
);
CREATE INDEX schedule_decisions_case_idx ON schedule_decisions (case_id, occurred_at);

CREATE TRIGGER schedule_decisions_append_only
  BEFORE UPDATE OR DELETE ON schedule_decisions
  FOR EACH ROW EXECUTE FUNCTION reject_changes();

-- Down Migration
DROP TABLE schedule_decisions;
