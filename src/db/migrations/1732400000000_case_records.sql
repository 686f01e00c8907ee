-- Up Migration

ALTER TABLE programs ADD COLUMN extra_domains text[] NOT NULL DEFAULT '{}';
ALTER TABLE programs ADD COLUMN forbid_assessment_on_hold boolean NOT NULL DEFAULT false;

-- The resource directory: organisations clients are referred to.
CREATE TABLE providers (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation       text NOT NULL,
  services           text[] NOT NULL DEFAULT '{}',
  contact_email      text NOT NULL,
  languages          text[] NOT NULL DEFAULT '{}',
  eligibility_notes  text NOT NULL DEFAULT '',
  active             boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX clients_family_name_idx ON clients (lower(family_name), lower(given_name));

ALTER TABLE cases ADD COLUMN status_before_hold text;
ALTER TABLE cases ADD COLUMN on_hold_since timestamptz;
ALTER TABLE cases ADD COLUMN hold_reason text;
ALTER TABLE cases ADD COLUMN closure_requested_at timestamptz;
ALTER TABLE cases ADD COLUMN closure_requested_by uuid REFERENCES staff(id);
ALTER TABLE cases ADD COLUMN closed_by uuid REFERENCES staff(id);
-- Reopening starts a new workflow run; the count keeps workflow history traceable.
ALTER TABLE cases ADD COLUMN reopen_count integer NOT NULL DEFAULT 0;
-- The workflow's schedule version last written; an older projection never overwrites a newer one.
ALTER TABLE cases ADD COLUMN projection_version bigint;
CREATE INDEX cases_overdue_idx ON cases (overdue_count) WHERE overdue_count > 0;

-- Service plans are versioned: draft -> submitted -> approved | returned; a newer approved plan supersedes.
CREATE TABLE service_plans (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id        uuid NOT NULL REFERENCES cases(id),
  version        integer NOT NULL CHECK (version > 0),
  status         text NOT NULL DEFAULT 'draft'
                 CHECK (status IN ('draft', 'submitted', 'approved', 'returned', 'superseded')),
  summary        text NOT NULL DEFAULT '',
  created_by     uuid NOT NULL REFERENCES staff(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  submitted_at   timestamptz,
  submitted_by   uuid REFERENCES staff(id),
  decided_at     timestamptz,
  decided_by     uuid REFERENCES staff(id),
  decision_note  text,
  UNIQUE (case_id, version)
);

CREATE TABLE goals (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  plan_id      uuid NOT NULL REFERENCES service_plans(id),
  domain       text NOT NULL,
  description  text NOT NULL,
  measure      text NOT NULL,
  target_date  date NOT NULL,
  status       text NOT NULL DEFAULT 'not_started'
               CHECK (status IN ('not_started', 'in_progress', 'achieved', 'not_achieved', 'dropped')),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX goals_plan_idx ON goals (plan_id);

CREATE TABLE goal_progress (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  goal_id      uuid NOT NULL REFERENCES goals(id),
  at           timestamptz NOT NULL,
  status       text NOT NULL CHECK (status IN ('not_started', 'in_progress', 'achieved', 'not_achieved', 'dropped')),
  note         text NOT NULL DEFAULT '',
  recorded_by  uuid NOT NULL REFERENCES staff(id),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX goal_progress_goal_idx ON goal_progress (goal_id, at);

CREATE TABLE referrals (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id      uuid NOT NULL REFERENCES cases(id),
  provider_id  uuid NOT NULL REFERENCES providers(id),
  service      text NOT NULL,
  reason       text NOT NULL,
  status       text NOT NULL DEFAULT 'sent'
               CHECK (status IN ('sent', 'accepted', 'scheduled', 'completed', 'declined', 'no_show', 'cancelled')),
  sent_at      timestamptz NOT NULL DEFAULT now(),
  created_by   uuid NOT NULL REFERENCES staff(id),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referrals_case_idx ON referrals (case_id);

CREATE TABLE referral_events (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  referral_id  uuid NOT NULL REFERENCES referrals(id),
  status       text NOT NULL,
  at           timestamptz NOT NULL,
  reported_by  uuid NOT NULL REFERENCES staff(id),
  note         text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, at);

-- Case notes are append-only: an amendment is a new note that points at the one it corrects.
CREATE TABLE case_notes (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id         uuid NOT NULL REFERENCES cases(id),
  type            text NOT NULL CHECK (type IN ('contact', 'progress', 'supervision', 'closing')),
  author_id       uuid NOT NULL REFERENCES staff(id),
  at              timestamptz NOT NULL,
  body            text NOT NULL,
  amends_note_id  uuid REFERENCES case_notes(id),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, at);

CREATE FUNCTION reject_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER case_notes_append_only BEFORE UPDATE OR DELETE ON case_notes
  FOR EACH ROW EXECUTE FUNCTION reject_changes();
CREATE TRIGGER case_notes_no_truncate BEFORE TRUNCATE ON case_notes
  FOR EACH STATEMENT EXECUTE FUNCTION reject_changes();

-- Raised by the case workflow; acknowledged by the supervisor or program manager it went to.
CREATE TABLE escalations (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id          uuid NOT NULL REFERENCES cases(id),
  obligation_id    text NOT NULL,
  obligation_kind  text NOT NULL,
  level            integer NOT NULL CHECK (level IN (1, 2)),
  recipient_id     uuid NOT NULL REFERENCES staff(id),
  due_at           timestamptz NOT NULL,
  raised_at        timestamptz NOT NULL,
  acknowledged_at  timestamptz,
  acknowledged_by  uuid REFERENCES staff(id),
  UNIQUE (case_id, obligation_id, due_at, level)
);
CREATE INDEX escalations_open_idx ON escalations (recipient_id) WHERE acknowledged_at IS NULL;

-- A retried POST with the same Idempotency-Key returns the first result and creates nothing new.
CREATE TABLE idempotency_keys (
  staff_id      uuid NOT NULL REFERENCES staff(id),
  key           text NOT NULL,
  method        text NOT NULL,
  path          text NOT NULL,
  request_hash  text NOT NULL,
  status        integer NOT NULL,
  response      jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (staff_id, key)
);

-- Down Migration
DROP TABLE idempotency_keys;
DROP TABLE escalations;
DROP TABLE case_notes;
DROP FUNCTION reject_changes();
DROP TABLE referral_events;
DROP TABLE referrals;
DROP TABLE goal_progress;
DROP TABLE goals;
DROP TABLE service_plans;
DROP INDEX cases_overdue_idx;
ALTER TABLE cases DROP COLUMN projection_version, DROP COLUMN reopen_count, DROP COLUMN closed_by, DROP COLUMN closure_requested_by,
  DROP COLUMN closure_requested_at, DROP COLUMN hold_reason, DROP COLUMN on_hold_since, DROP COLUMN status_before_hold;
DROP INDEX clients_family_name_idx;
DROP TABLE providers;
ALTER TABLE programs DROP COLUMN forbid_assessment_on_hold, DROP COLUMN extra_domains;
