-- Up Migration
-- The program report's goal outcomes and referral figures, kept as records are written instead of
-- reconstructed at read time (as case_timing_facts keeps its durations), each row carrying its
-- case's program so the report reads one program's range from one narrow index. Over a year of a
-- large program these two were most of the report's time: every goal's progress records ranked to
-- find each goal's latest, and every referral's answers looked up and folded, joined to the cases.

-- A goal's final progress (achieved, not achieved, dropped), one row per status for records entered
-- at the same instant with the same time, with the time of the goal's next record (`superseded_at`,
-- by time then entry; NULL while none). A record is among its goal's latest before an instant T when
-- it is older than T and not superseded before T; only one such group of records exists per goal and
-- T, so the report counts rows, not goals, and a goal whose latest records disagree counts under each
-- final status they name, as the report always counted.
CREATE TABLE goal_outcome_facts (
  goal_id       uuid NOT NULL REFERENCES goals(id),
  at            timestamptz NOT NULL,
  created_at    timestamptz NOT NULL,
  status        text NOT NULL CHECK (status IN ('achieved', 'not_achieved', 'dropped')),
  case_id       uuid NOT NULL REFERENCES cases(id),
  program_id    uuid NOT NULL,
  superseded_at timestamptz,
  PRIMARY KEY (goal_id, at, created_at, status)
);
CREATE INDEX goal_outcome_facts_report_idx ON goal_outcome_facts (program_id, at) INCLUDE (status, superseded_at);
CREATE INDEX goal_outcome_facts_case_idx ON goal_outcome_facts (case_id);

-- goal_progress is append-only: a record's fact is written once and only its successor moves. The
-- goal's row is locked first, so two records of one goal written at once see each other.
CREATE FUNCTION caseloop_goal_outcome_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM goals WHERE id = NEW.goal_id FOR NO KEY UPDATE;
  UPDATE goal_outcome_facts SET superseded_at = NEW.at
   WHERE goal_id = NEW.goal_id AND (at, created_at) < (NEW.at, NEW.created_at)
     AND (superseded_at IS NULL OR superseded_at > NEW.at);
  IF NEW.status IN ('achieved', 'not_achieved', 'dropped') THEN
    INSERT INTO goal_outcome_facts (goal_id, at, created_at, status, case_id, program_id, superseded_at)
    SELECT NEW.goal_id, NEW.at, NEW.created_at, NEW.status, c.id, c.program_id,
           (SELECT min(s.at) FROM goal_progress s
             WHERE s.goal_id = NEW.goal_id AND (s.at, s.created_at) > (NEW.at, NEW.created_at))
      FROM goals g JOIN service_plans sp ON sp.id = g.plan_id JOIN cases c ON c.id = sp.case_id
     WHERE g.id = NEW.goal_id
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER goal_outcome_facts AFTER INSERT ON goal_progress
  FOR EACH ROW EXECUTE FUNCTION caseloop_goal_outcome_facts();

INSERT INTO goal_outcome_facts (goal_id, at, created_at, status, case_id, program_id, superseded_at)
SELECT gp.goal_id, gp.at, gp.created_at, gp.status, c.id, c.program_id,
       (SELECT min(s.at) FROM goal_progress s
         WHERE s.goal_id = gp.goal_id AND (s.at, s.created_at) > (gp.at, gp.created_at))
  FROM goal_progress gp
  JOIN goals g ON g.id = gp.goal_id
  JOIN service_plans sp ON sp.id = g.plan_id
  JOIN cases c ON c.id = sp.case_id
 WHERE gp.status IN ('achieved', 'not_achieved', 'dropped')
ON CONFLICT DO NOTHING;

-- Every referral with what its answers say so far: when the first came (accepted, scheduled,
-- declined, completed, no-show) and whether any accepted or completed it. Answers only add.
CREATE TABLE referral_facts (
  referral_id     uuid PRIMARY KEY REFERENCES referrals(id),
  case_id         uuid NOT NULL REFERENCES cases(id),
  program_id      uuid NOT NULL,
  provider_id     uuid NOT NULL,
  sent_at         timestamptz NOT NULL,
  first_answer_at timestamptz,
  accepted        boolean NOT NULL DEFAULT false,
  completed       boolean NOT NULL DEFAULT false
);
-- In provider order, so the per-provider figures need no sort.
CREATE INDEX referral_facts_report_idx ON referral_facts (program_id, provider_id, sent_at)
  INCLUDE (first_answer_at, accepted, completed);
CREATE INDEX referral_facts_case_idx ON referral_facts (case_id);

-- A referral's row, as written or changed (the columns the figures read).
CREATE FUNCTION caseloop_referral_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO referral_facts AS f (referral_id, case_id, program_id, provider_id, sent_at)
  SELECT NEW.id, c.id, c.program_id, NEW.provider_id, NEW.sent_at FROM cases c WHERE c.id = NEW.case_id
  ON CONFLICT (referral_id) DO UPDATE
     SET case_id = EXCLUDED.case_id, program_id = EXCLUDED.program_id,
         provider_id = EXCLUDED.provider_id, sent_at = EXCLUDED.sent_at;
  RETURN NULL;
END;
$$;
CREATE TRIGGER referral_facts AFTER INSERT OR UPDATE OF case_id, provider_id, sent_at ON referrals
  FOR EACH ROW EXECUTE FUNCTION caseloop_referral_facts();

-- An answer folds into its referral's row (written here too if the answer's trigger runs first).
CREATE FUNCTION caseloop_referral_answer_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO referral_facts AS f (referral_id, case_id, program_id, provider_id, sent_at,
                                   first_answer_at, accepted, completed)
  SELECT r.id, c.id, c.program_id, r.provider_id, r.sent_at, NEW.at,
         NEW.status IN ('accepted', 'scheduled', 'completed', 'no_show'), NEW.status = 'completed'
    FROM referrals r JOIN cases c ON c.id = r.case_id
   WHERE r.id = NEW.referral_id
  ON CONFLICT (referral_id) DO UPDATE
     SET first_answer_at = least(f.first_answer_at, EXCLUDED.first_answer_at),
         accepted = f.accepted OR EXCLUDED.accepted,
         completed = f.completed OR EXCLUDED.completed;
  RETURN NULL;
END;
$$;
CREATE TRIGGER referral_answer_facts AFTER INSERT ON referral_events
  FOR EACH ROW WHEN (NEW.status IN ('accepted', 'scheduled', 'declined', 'completed', 'no_show'))
  EXECUTE FUNCTION caseloop_referral_answer_facts();

INSERT INTO referral_facts (referral_id, case_id, program_id, provider_id, sent_at, first_answer_at, accepted, completed)
SELECT r.id, c.id, c.program_id, r.provider_id, r.sent_at, a.first_answer_at,
       coalesce(a.accepted, false), coalesce(a.completed, false)
  FROM referrals r
  JOIN cases c ON c.id = r.case_id
  LEFT JOIN (SELECT referral_id, min(at) AS first_answer_at,
                    bool_or(status IN ('accepted', 'scheduled', 'completed', 'no_show')) AS accepted,
                    bool_or(status = 'completed') AS completed
               FROM referral_events
              WHERE status IN ('accepted', 'scheduled', 'declined', 'completed', 'no_show')
              GROUP BY referral_id) a ON a.referral_id = r.id;

-- Both follow a case that moves to another program.
CREATE FUNCTION caseloop_outcome_facts_on_case_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE goal_outcome_facts SET program_id = NEW.program_id WHERE case_id = NEW.id;
  UPDATE referral_facts SET program_id = NEW.program_id WHERE case_id = NEW.id;
  RETURN NULL;
END;
$$;
CREATE TRIGGER cases_outcome_facts AFTER UPDATE OF program_id ON cases
  FOR EACH ROW WHEN (OLD.program_id IS DISTINCT FROM NEW.program_id)
  EXECUTE FUNCTION caseloop_outcome_facts_on_case_row();

-- Down Migration
DROP TRIGGER cases_outcome_facts ON cases;
DROP FUNCTION caseloop_outcome_facts_on_case_row();
DROP TRIGGER referral_answer_facts ON referral_events;
DROP FUNCTION caseloop_referral_answer_facts();
DROP TRIGGER referral_facts ON referrals;
DROP FUNCTION caseloop_referral_facts();
DROP TABLE referral_facts;
DROP TRIGGER goal_outcome_facts ON goal_progress;
DROP FUNCTION caseloop_goal_outcome_facts();
DROP TABLE goal_outcome_facts;
