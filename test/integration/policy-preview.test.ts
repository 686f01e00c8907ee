import { DEFAULT_POLICY } from '../../src/core/policy';
import { previewPolicy } from '../../src/domain/policy-preview';
import { DAY, HOUR, skipTo, startOn, when } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { sentMail } from '../helpers/mail-log';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * The policy preview on the real stack: the workflows project each open obligation with its clock,
 * the preview re-derives them under a proposed policy with the workflows' own code, and saving the
 * policy moves the running cases exactly where the preview said.
 */
describe('policy preview over running cases', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('policy-preview-test');
  });
  afterAll(() => stack?.stop());

  it('when a shorter initial assessment is previewed and then saved, then the moved dates and the week’s reminders are the ones the workflows then keep', async () => {
    const { api, env, db, smtp } = stack;
    const team = await createTeam(db.pool);
    const steps = caseSteps(api);
    const t0 = await startOn(env, 'Mon', '10:00');
    const monday = await steps.intake(team);
    await skipTo(env, t0 + DAY);
    const tuesday = await steps.intake(team);
    const older = await steps.intake(team);
    for (const c of [monday, tuesday, older]) await settle(stack, c.caseId);

    // Each case's projection carries its obligation's clock: anchor, pauses, steps sent.
    const rows = await db.pool.query<{ case_id: string; due_at: Date; clock: { anchorAt: string } | null }>(
      'SELECT case_id, due_at, clock FROM case_obligations WHERE case_id = ANY($1)',
      [[monday.caseId, tuesday.caseId, older.caseId]],
    );
    expect(rows.rows).toHaveLength(3);
    for (const r of rows.rows)
      expect(r.clock).toMatchObject({ anchorAt: expect.any(String), pausedMs: 0, sent: [], skipped: [] });
    const dueBefore = new Map(rows.rows.map((r) => [r.case_id, r.due_at.getTime()]));
    const anchor = new Map(rows.rows.map((r) => [r.case_id, Date.parse(r.clock!.anchorAt)]));
    // A case projected before clocks were: counted apart, not compared.
    await db.pool.query('UPDATE case_obligations SET clock = NULL WHERE case_id = $1', [older.caseId]);

    // Tuesday 11:00: the week ahead runs to next Tuesday 11:00, past Tuesday's new due time.
    await skipTo(env, t0 + DAY + HOUR);
    const now = await env.currentTimeMs();
    const proposed = { ...DEFAULT_POLICY, initialAssessmentDue: 'P7D' };
    const preview = await previewPolicy(
      db.pool,
      team.programManager,
      team.programId,
      { policy: proposed, calendar: { timeZone: 'UTC', holidays: [] } },
      new Date(now),
    );

    expect(preview).toMatchObject({ casesCompared: 2, casesNotYetKnown: 1, obligations: 2 });
    expect(preview.totals).toEqual({ earlier: 2, later: 0, unchanged: 0, newlyOverdue: 0 });
    // Due day 14 (Monday) and day 15 (Tuesday) become day 7 and day 8: a week earlier each.
    expect(
      preview.moves.map((m) => [
        m.caseReference,
        when(Date.parse(m.oldDueAt), t0),
        when(Date.parse(m.newDueAt), t0),
        m.deltaMs,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [monday.reference, 'd14 Mon 09:59', 'd7 Mon 09:59', -7 * DAY],
        [tuesday.reference, 'd15 Tue 09:59', 'd8 Tue 09:59', -7 * DAY],
      ]),
    );
    for (const m of preview.moves) expect(Date.parse(m.newDueAt)).toBe(anchor.get(m.caseId)! + 7 * DAY);
    for (const m of preview.moves) expect(Date.parse(m.oldDueAt)).toBe(dueBefore.get(m.caseId));
    // In the week from Tuesday: nothing under the current policy (the heads-ups come on days 11 and
    // 12); under the proposed one each case's heads-up and due reminder: Monday's on Friday and
    // Monday, Tuesday's Saturday heads-up held to Monday 08:00, its due reminder Tuesday.
    expect(preview.nextDays).toEqual({
      current: { reminders: 0, escalations: 0 },
      proposed: { reminders: 4, escalations: 0 },
    });

    // Saving it: the workflows re-derive, and the record holds the dates the preview showed.
    const saved = await api.call(
      'PUT',
      `/api/v1/programs/${team.programId}/policy`,
      team.programManager.token,
      {
        ...proposed,
        reason: 'Assess within a week, as the funder now asks',
      },
    );
    expect(saved).toMatchObject({ status: 200, body: { policyVersion: 2 } });
    for (const c of [monday, tuesday, older]) await settle(stack, c.caseId);
    const after = await db.pool.query<{ case_id: string; due_at: Date }>(
      'SELECT case_id, due_at FROM case_obligations WHERE case_id = ANY($1)',
      [[monday.caseId, tuesday.caseId]],
    );
    expect(Object.fromEntries(after.rows.map((r) => [r.case_id, r.due_at.toISOString()]))).toEqual(
      Object.fromEntries(preview.moves.map((m) => [m.caseId, m.newDueAt])),
    );
    const version = await db.pool.query(
      'SELECT reason, created_by FROM program_policies WHERE program_id = $1 AND version = 2',
      [team.programId],
    );
    expect(version.rows).toEqual([
      { reason: 'Assess within a week, as the funder now asks', created_by: team.programManager.id },
    ]);
    // The once-older case has its clock again from its projection after the change.
    const known = await db.pool.query('SELECT clock FROM case_obligations WHERE case_id = $1', [
      older.caseId,
    ]);
    expect(known.rows[0].clock).not.toBeNull();

    // And the week goes as the preview counted: four reminders, no escalation.
    await skipTo(env, now + 7 * DAY);
    const week = [monday, tuesday].flatMap((c) =>
      sentMail(smtp, c.caseId, t0).map((m) => `${c.reference} ${m.when} ${m.subject}`),
    );
    expect(week).toHaveLength(4);
    expect(week).toEqual([
      `${monday.reference} d4 Fri 10:00 ${sentMail(smtp, monday.caseId, t0)[0]!.subject}`,
      `${monday.reference} d7 Mon 10:00 Initial assessment due now`,
      `${tuesday.reference} d7 Mon 08:00 ${sentMail(smtp, tuesday.caseId, t0)[0]!.subject}`,
      `${tuesday.reference} d8 Tue 10:00 Initial assessment due now`,
    ]);
  });
});
