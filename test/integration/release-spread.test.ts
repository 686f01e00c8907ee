import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { releaseOffsetMinutes } from '../../src/core/release-spread';
import { projectedSchedule } from '../../src/domain/projected-schedule';
import { ensureStaffDigests } from '../../src/temporal/staff-digests';
import { HOUR, skipTo, startOn } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { header, sentMail } from '../helpers/mail-log';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';

/** Due 20 hours after intake, heads-up an hour before: opened Monday 10:00, both fall before Tuesday 08:00. */
const OVERNIGHT: ProgramPolicy = {
  ...DEFAULT_POLICY,
  initialAssessmentDue: 'PT20H',
  ladder: { ...DEFAULT_POLICY.ladder, headsUpBefore: 'PT1H' },
};

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * Reminders held overnight by quiet hours leave spread over the first minutes of the working day,
 * each case at its own minute, with the API started as production starts it (a 15-minute spread).
 */
describe('release spread (time-skipping, real API, real SMTP)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('release-spread-test', { releaseSpreadMinutes: 15 });
    await ensureStaffDigests(stack.env.client, stack.taskQueue);
  });
  afterAll(() => stack?.stop());

  it('when reminders of several cases are held overnight, then each leaves at 08:00 plus its case’s own minute, as the case view said it would', async () => {
    const { env, smtp, db } = stack;
    const { intake } = caseSteps(stack.api);
    const t0 = await startOn(env, 'Mon', '10:00');
    const cases = [];
    for (let i = 0; i < 6; i++) {
      const team = await createTeam(db.pool, OVERNIGHT);
      const opened = await intake(team);
      cases.push({ team, ...opened, minute: releaseOffsetMinutes(opened.caseId, 15) });
    }
    // Six cases land on more than one minute (all on one would be 1 in 759,375).
    expect(new Set(cases.map((c) => c.minute)).size).toBeGreaterThan(1);

    for (const c of cases) {
      const leaves = `T08:${pad(c.minute)}:00.000Z`;
      await settle(stack, c.caseId);
      // The record the lists and case view read names the same minute as the workflow.
      const recorded = await projectedSchedule(db.pool, c.caseId, stack.clock());
      expect(recorded?.upcoming?.[0]).toMatchObject({
        step: 'heads_up',
        at: expect.stringContaining(leaves),
      });
      const shown = await stack.api.call('GET', c.base, c.team.caseManager.token);
      expect(shown.body.schedule.next).toMatchObject({ at: expect.stringContaining(leaves) });
    }

    await skipTo(env, t0 + 23 * HOUR);
    for (const c of cases) {
      // Heads-up and due were both held: the due notice alone goes, at the case's minute.
      expect(sentMail(smtp, c.caseId, t0).map(({ obligation: _o, ...m }) => m)).toEqual([
        {
          to: c.team.caseManager.email,
          when: `d1 Tue 08:${pad(c.minute)}`,
          subject: 'Initial assessment due now',
        },
      ]);
    }
  });

  it('when a digest reader’s reminder is held overnight, then the digest waits for the spread to pass and carries it that morning', async () => {
    const { env, smtp, db } = stack;
    const { intake } = caseSteps(stack.api);
    const team = await createTeam(db.pool, OVERNIGHT);
    await db.pool.query(`UPDATE staff SET notification_preference = 'daily_digest' WHERE id = $1`, [
      team.caseManager.id,
    ]);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, reference } = await intake(team);
    const minute = releaseOffsetMinutes(caseId, 15);

    const shown = await stack.api.call('GET', `/api/v1/cases/${caseId}`, team.caseManager.token);
    expect(shown.body.schedule.next).toMatchObject({
      at: expect.stringContaining(`T08:${pad(minute)}:00.000Z`),
    });

    // 08:15:30 on Tuesday: the reminder has left into the digest queue at its minute; no digest yet.
    await skipTo(env, t0 + 22 * HOUR + 16 * 60_000);
    const queued = await db.pool.query<{ status: string }>(
      `SELECT status FROM notifications WHERE case_id = $1 AND recipient_id = $2`,
      [caseId, team.caseManager.id],
    );
    expect(queued.rows).toEqual([{ status: 'queued_for_digest' }]);
    const mailTo = () => smtp.messages.filter((m) => m.to.includes(team.caseManager.email));
    expect(mailTo()).toEqual([]);

    // The digest went after 08:15:30 (its round is 08:16, a minute past the spread), with the reminder in it.
    await skipTo(env, t0 + 23 * HOUR);
    expect(
      mailTo().map((m) => ({
        key: header(m, 'x-caseloop-notification-key'),
        mentions: m.text.includes(reference),
      })),
    ).toEqual([
      {
        key: `digest/${team.caseManager.id}/${new Date(t0 + 23 * HOUR).toISOString().slice(0, 10)}`,
        mentions: true,
      },
    ]);
  });
});
