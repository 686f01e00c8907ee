-- Up Migration
-- Records that keep their history: every plan submission and decision, every closure request and
-- decision, every closed episode of a case and every consent statement is a row of its own,
-- append-only like case_notes. The columns on service_plans, cases and clients stay as the
-- current state; these tables are what happened.

-- Each submission of a plan and each decision on it, with the decider's note.
CREATE TABLE plan_events (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  plan_id     uuid NOT NULL REFERENCES service_plans(id),
  case_id     uuid NOT NULL REFERENCES cases(id),
  what        text NOT NULL CHECK (what IN ('submitted', 'approved', 'returned')),
  note        text,
  at          timestamptz NOT NULL,
  actor_id    uuid NOT NULL REFERENCES staff(id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_events_case_idx ON plan_events (case_id, at);
CREATE TRIGGER plan_events_append_only BEFORE UPDATE OR DELETE ON plan_events
  FOR EACH ROW EXECUTE FUNCTION reject_changes();
CREATE TRIGGER plan_events_no_truncate BEFORE TRUNCATE ON plan_events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_changes();

-- Earlier submissions and decisions survive in the audit log; the latest decision's note on the plan.
INSERT INTO plan_events (plan_id, case_id, what, note, at, actor_id)
  SELECT sp.id, sp.case_id, a.detail->>'change',
         CASE WHEN a.detail->>'change' <> 'submitted' AND a.at = max(a.at) FILTER (WHERE a.detail->>'change' <> 'submitted')
                     OVER (PARTITION BY sp.id)
              THEN sp.decision_note END,
         a.at, a.actor_id
    FROM audit_log a JOIN service_plans sp ON sp.id::text = a.entity_id
   WHERE a.entity = 'service_plan' AND a.action = 'update'
     AND a.detail->>'change' IN ('submitted', 'approved', 'returned')
     AND a.actor_id IN (SELECT id FROM staff);

-- Each closure request (with its reason and summary) and each decision on it (with a note).
CREATE TABLE closure_events (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id     uuid NOT NULL REFERENCES cases(id),
  what        text NOT NULL CHECK (what IN ('requested', 'approved', 'returned')),
  reason      text,
  summary     text,
  note        text,
  at          timestamptz NOT NULL,
  actor_id    uuid NOT NULL REFERENCES staff(id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX closure_events_case_idx ON closure_events (case_id, at);
CREATE TRIGGER closure_events_append_only BEFORE UPDATE OR DELETE ON closure_events
  FOR EACH ROW EXECUTE FUNCTION reject_changes();
CREATE TRIGGER closure_events_no_truncate BEFORE TRUNCATE ON closure_events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_changes();

-- Likewise for closures; only the latest request's reason and summary are still on the case row.
INSERT INTO closure_events (case_id, what, reason, summary, at, actor_id)
  SELECT c.id, replace(a.detail->>'change', 'closure_', ''),
         CASE WHEN a.detail->>'change' = 'closure_requested' AND a.at = max(a.at) FILTER (WHERE a.detail->>'change' = 'closure_requested')
                     OVER (PARTITION BY c.id)
              THEN c.closure_reason END,
         CASE WHEN a.detail->>'change' = 'closure_requested' AND a.at = max(a.at) FILTER (WHERE a.detail->>'change' = 'closure_requested')
                     OVER (PARTITION BY c.id)
              THEN c.closure_summary END,
         a.at, a.actor_id
    FROM audit_log a JOIN cases c ON c.id = a.case_id
   WHERE a.entity = 'case' AND a.action = 'update' AND a.entity_id = c.id::text
     AND a.detail->>'change' IN ('closure_requested', 'closure_approved', 'closure_returned')
     AND a.actor_id IN (SELECT id FROM staff);

-- One row per closed episode of a case, written when its closure is approved; reopening starts
-- the next episode on the case row and never touches these.
CREATE TABLE case_episodes (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id          uuid NOT NULL REFERENCES cases(id),
  episode          integer NOT NULL CHECK (episode > 0),
  opened_at        timestamptz NOT NULL,
  closed_at        timestamptz NOT NULL,
  closure_reason   text,
  closure_summary  text,
  closed_by        uuid REFERENCES staff(id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, episode)
);
CREATE TRIGGER case_episodes_append_only BEFORE UPDATE OR DELETE ON case_episodes
  FOR EACH ROW EXECUTE FUNCTION reject_changes();
CREATE TRIGGER case_episodes_no_truncate BEFORE TRUNCATE ON case_episodes
  FOR EACH STATEMENT EXECUTE FUNCTION reject_changes();

-- Episodes already ended by a reopening: their dates from the audit log (their reasons are lost).
INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closed_by)
  SELECT c.id, ap.n, coalesce(op.at, c.created_at), ap.at, ap.actor_id
    FROM cases c
    JOIN (SELECT case_id, at, CASE WHEN actor_id IN (SELECT id FROM staff) THEN actor_id END AS actor_id,
                 row_number() OVER (PARTITION BY case_id ORDER BY at) AS n
            FROM audit_log WHERE entity = 'case' AND action = 'update' AND detail->>'change' = 'closure_approved') ap
      ON ap.case_id = c.id
    LEFT JOIN (SELECT case_id, at, row_number() OVER (PARTITION BY case_id ORDER BY at) + 1 AS n
                 FROM audit_log WHERE entity = 'case' AND action = 'update' AND detail->>'change' = 'reopen') op
      ON op.case_id = c.id AND op.n = ap.n
   WHERE ap.n <= c.reopen_count;
-- The episode a closed case is in now, whole from the case row.
INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason, closure_summary, closed_by)
  SELECT id, reopen_count + 1, opened_at, closed_at, closure_reason, closure_summary, closed_by FROM cases
   WHERE closed_at IS NOT NULL;

-- Consent to share with providers, dated, with who recorded it; clients.consent_to_share is the latest.
CREATE TABLE client_consents (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  client_id    uuid NOT NULL REFERENCES clients(id),
  given        boolean NOT NULL,
  at           timestamptz NOT NULL,
  note         text,
  recorded_by  uuid REFERENCES staff(id),
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX client_consents_client_idx ON client_consents (client_id, at);
CREATE TRIGGER client_consents_append_only BEFORE UPDATE OR DELETE ON client_consents
  FOR EACH ROW EXECUTE FUNCTION reject_changes();
CREATE TRIGGER client_consents_no_truncate BEFORE TRUNCATE ON client_consents
  FOR EACH STATEMENT EXECUTE FUNCTION reject_changes();

INSERT INTO client_consents (client_id, given, at, note)
  SELECT id, true, created_at, 'recorded at registration' FROM clients WHERE consent_to_share;

-- Closing a case resolves its open escalations: they leave "my escalations" and the timeline says why.
ALTER TABLE escalations ADD COLUMN resolved_at timestamptz;
ALTER TABLE escalations ADD COLUMN resolution text;
UPDATE escalations e SET resolved_at = c.closed_at, resolution = 'case closed'
  FROM cases c WHERE c.id = e.case_id AND c.status = 'closed' AND e.acknowledged_at IS NULL;

-- Down Migration
ALTER TABLE escalations DROP COLUMN resolution, DROP COLUMN resolved_at;
DROP TABLE client_consents;
DROP TABLE case_episodes;
DROP TABLE closure_events;
DROP TABLE plan_events;
