-- Up Migration

-- Staff: the people who carry, supervise and run cases. No client data here.
CREATE TABLE staff (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email           text NOT NULL,
  full_name       text NOT NULL,
  role            text NOT NULL CHECK (role IN ('case_manager', 'supervisor', 'program_manager', 'admin')),
  supervisor_id   uuid REFERENCES staff(id),
  time_zone       text NOT NULL DEFAULT 'UTC',
  notification_preference text NOT NULL DEFAULT 'immediate' CHECK (notification_preference IN ('immediate', 'daily_digest')),
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_email_key ON staff (lower(email));

-- Bearer tokens are stored as SHA-256 hashes; the plain token is shown once at creation.
CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  staff_id     uuid NOT NULL REFERENCES staff(id),
  token_hash   text NOT NULL UNIQUE,
  label        text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);

CREATE TABLE programs (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                text NOT NULL UNIQUE,
  program_manager_id  uuid REFERENCES staff(id),
  time_zone           text NOT NULL DEFAULT 'UTC',
  holidays            date[] NOT NULL DEFAULT '{}',
  active              boolean NOT NULL DEFAULT true,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Every policy change is a new row, so a case can say which version it ran under.
CREATE TABLE program_policies (
  program_id  uuid NOT NULL REFERENCES programs(id),
  version     integer NOT NULL CHECK (version > 0),
  policy      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  uuid REFERENCES staff(id),
  PRIMARY KEY (program_id, version)
);

-- The sensitive part: only ever read through audited domain functions.
CREATE TABLE clients (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  given_name          text NOT NULL,
  family_name         text NOT NULL,
  birth_date          date,
  email               text,
  phone               text,
  address             text,
  preferred_language  text,
  consent_to_share    boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE case_reference_seq START 1001;

CREATE TABLE cases (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference         text NOT NULL UNIQUE DEFAULT ('C-' || nextval('case_reference_seq')),
  client_id         uuid NOT NULL REFERENCES clients(id),
  program_id        uuid NOT NULL REFERENCES programs(id),
  case_manager_id   uuid NOT NULL REFERENCES staff(id),
  supervisor_id     uuid NOT NULL REFERENCES staff(id),
  status            text NOT NULL DEFAULT 'intake'
                    CHECK (status IN ('intake', 'assessment', 'planning', 'active', 'on_hold', 'closing', 'closed')),
  risk_level        text NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high')),
  opened_at         timestamptz NOT NULL DEFAULT now(),
  closed_at         timestamptz,
  closure_reason    text,
  closure_summary   text,
  -- Projection written by the case workflow, so lists never have to ask Temporal.
  workflow_id       text UNIQUE,
  next_due_at       timestamptz,
  next_due_kind     text,
  overdue_count     integer NOT NULL DEFAULT 0,
  escalation_level  integer NOT NULL DEFAULT 0,
  schedule_updated_at timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_case_manager_idx ON cases (case_manager_id, status);
CREATE INDEX cases_supervisor_idx ON cases (supervisor_id, status);
CREATE INDEX cases_program_idx ON cases (program_id, status);

-- A completed needs assessment: one score 1-5 per life domain, plus what was found.
CREATE TABLE assessments (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id       uuid NOT NULL REFERENCES cases(id),
  kind          text NOT NULL CHECK (kind IN ('initial', 'reassessment')),
  scores        jsonb NOT NULL DEFAULT '{}',
  needs         text[] NOT NULL DEFAULT '{}',
  summary       text NOT NULL DEFAULT '',
  completed_by  uuid NOT NULL REFERENCES staff(id),
  completed_at  timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessments_case_idx ON assessments (case_id, completed_at);

-- One row per notification the engine decides to send; the key makes delivery exactly-once.
CREATE TABLE notifications (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  notification_key text NOT NULL UNIQUE,
  case_id          uuid REFERENCES cases(id),
  recipient_id     uuid REFERENCES staff(id),
  recipient_email  text NOT NULL,
  kind             text NOT NULL,
  subject          text NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  message_id       text NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz
);
CREATE INDEX notifications_case_idx ON notifications (case_id, created_at);

-- Who read or changed which record, when, from where. Append-only, enforced below.
CREATE TABLE audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_id     uuid,
  actor_kind   text NOT NULL DEFAULT 'staff' CHECK (actor_kind IN ('staff', 'system')),
  action       text NOT NULL,
  entity       text NOT NULL,
  entity_id    text,
  case_id      uuid,
  source_ip    text,
  request_id   text,
  detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_case_idx ON audit_log (case_id, at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- Down Migration
DROP TABLE audit_log;
DROP FUNCTION audit_log_is_append_only();
DROP TABLE notifications;
DROP TABLE assessments;
DROP TABLE cases;
DROP SEQUENCE case_reference_seq;
DROP TABLE clients;
DROP TABLE program_policies;
DROP TABLE programs;
DROP TABLE api_tokens;
DROP TABLE staff;
