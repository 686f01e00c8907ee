-- Up Migration
-- Appointments with the client: when, how long, where (a place, or a phone or video link) and the
-- staff attending. The row is the appointment as it stands; `sequence` is its iCalendar SEQUENCE
-- (0 when scheduled, one more on every change or the cancellation), so calendars take each
-- invitation as the newer version of the same event (its UID derives from the id).
CREATE TABLE appointments (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id       uuid NOT NULL REFERENCES cases(id),
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
  mode          text NOT NULL CHECK (mode IN ('in_person', 'phone', 'video')),
  location      text NOT NULL,
  attendee_ids  uuid[] NOT NULL CHECK (cardinality(attendee_ids) BETWEEN 1 AND 10),
  sequence      integer NOT NULL DEFAULT 0,
  status        text NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'attended', 'no_show', 'cancelled_by_client', 'cancelled_by_agency')),
  created_by    uuid NOT NULL REFERENCES staff(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appointments_case_idx ON appointments (case_id, starts_at);

-- What happened to each appointment, append-only: every version of it as scheduled or changed
-- (the invitation at that sequence is rendered from it), its cancellation and its attendance.
CREATE TABLE appointment_events (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  appointment_id  uuid NOT NULL REFERENCES appointments(id),
  case_id         uuid NOT NULL REFERENCES cases(id),
  what            text NOT NULL
                  CHECK (what IN ('scheduled', 'changed', 'cancelled_by_client', 'cancelled_by_agency', 'attended', 'no_show')),
  sequence        integer NOT NULL,
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL,
  mode            text NOT NULL,
  location        text NOT NULL,
  attendee_ids    uuid[] NOT NULL,
  -- Staff attending the previous version but not this one: they get the cancellation.
  removed_ids     uuid[] NOT NULL DEFAULT '{}',
  note            text,
  at              timestamptz NOT NULL,
  actor_id        uuid NOT NULL REFERENCES staff(id),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appointment_events_appointment_idx ON appointment_events (appointment_id, sequence);
SELECT caseloop_make_append_only('appointment_events');

-- Down Migration
DROP TABLE appointment_events;
DROP TABLE appointments;
