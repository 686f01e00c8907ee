-- Up Migration
-- What the policy preview needs from each running case (issue 16): every open obligation's clock as
-- its workflow keeps it (anchor, time paused, when it opened, steps sent or skipped, escalation), so
-- its due date can be re-derived and its ladder replayed under another policy with the same code.
-- NULL on rows written by workflows before patch 'obligation-clocks-projected': unknown until the
-- case's next projection.
ALTER TABLE case_obligations ADD COLUMN clock jsonb;

-- Why a policy version was made, in its author's words (created_by says who).
ALTER TABLE program_policies ADD COLUMN reason text;

-- Down Migration
ALTER TABLE program_policies DROP COLUMN reason;
ALTER TABLE case_obligations DROP COLUMN clock;
