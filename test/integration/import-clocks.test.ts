import { commitImport, dryRun } from '../../src/domain/case-import/run';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { ensureStaffDigests } from '../../src/temporal/staff-digests';
import { DAY, HOUR, skipTo, startOn, when } from '../helpers/clock';
import { createProvider, createTeam } from '../helpers/fixtures';
import { daysBefore, importFile } from '../helpers/import-file';
import { header, scheduledFor } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * An imported case's clocks start from its real history, on the time-skipping server: what falls
 * due after the import is reminded as for any case, at its time; what was already overdue is not
 * sent as a burst of backdated reminders but listed once, in the case manager's next digest.
 */
describe('imported cases: clocks from the real history, one catch-up digest', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('import-clocks-test');
    await ensureStaffDigests(stack.env.client, stack.taskQueue);
  });
  afterAll(() => stack?.stop());

  it('when cases assessed 80 and 100 days ago and one never assessed are imported, then the first is reminded at day 7 and 10, and the overdue two make one catch-up digest the next morning, not a burst', async () => {
    const { env, db, smtp } = stack;
    const team = await createTeam(db.pool);
    const provider = await createProvider(db.pool);
    const program = (
      await db.pool.query<{ name: string }>('SELECT name FROM programs WHERE id = $1', [team.programId])
    ).rows[0]!.name;
    const t0 = await startOn(env, 'Mon', '10:00');
    const ago = (days: number): string => daysBefore(t0, days);
    const base = { program, case_manager_email: team.caseManager.email, risk_level: 'medium' };
    const plan = (assessed: number) => ({
      last_assessment_date: ago(assessed),
      plan_status: 'approved',
      plan_date: ago(assessed - 10),
      goal_1_domain: 'housing',
      goal_1_text: 'Sign a lease',
      goal_1_target_date: ago(-60),
    });
    const file = importFile([
      // Assessed 80 days ago on the 90-day cycle: reassessment due in 10 days. A referral sent 5
      // days ago: the provider's answer is due 7 days after it, in 2 days.
      {
        ...base,
        ...plan(80),
        import_key: 'ON-TIME',
        client_given_name: 'Ada',
        client_family_name: 'Ontime',
        opened_date: ago(120),
        referral_1_provider: provider.organisation,
        referral_1_service: 'housing',
        referral_1_sent_date: ago(5),
      },
      // Assessed 100 days ago: the reassessment has been overdue for 10 days.
      {
        ...base,
        ...plan(100),
        import_key: 'LATE',
        client_given_name: 'Ben',
        client_family_name: 'Late',
        opened_date: ago(130),
      },
      // Opened 30 days ago and never assessed: the initial assessment (14 days) is 16 days overdue.
      {
        ...base,
        import_key: 'NEW',
        client_given_name: 'Cy',
        client_family_name: 'New',
        opened_date: ago(30),
      },
    ]);
    const workflows = createCaseWorkflows(env.client, stack.taskQueue);
    const checked = await dryRun(db.pool, file, stack.clock());
    expect(checked.problems).toEqual([]);
    const report = await commitImport(
      { pool: db.pool, workflows, clock: stack.clock },
      team.admin,
      checked,
      stack.clock(),
    );
    expect(report).toEqual({ imported: 3, skipped: 0, failed: [] });
    const refs = Object.fromEntries(
      (
        await db.pool.query<{ import_key: string; reference: string }>(
          `SELECT ci.import_key, c.reference FROM case_imports ci JOIN cases c ON c.id = ci.case_id WHERE ci.program_id = $1`,
          [team.programId],
        )
      ).rows.map((r) => [r.import_key, r.reference]),
    );

    // To Thursday afternoon of the second week (day 10).
    await skipTo(env, t0 + 10 * DAY + 6 * HOUR);
    const mail = smtp.messages
      .map((m) => {
        const key = header(m, 'x-caseloop-notification-key');
        const digest = /^(team-)?digest\//.test(key);
        const at = digest ? Date.parse(key.split('/')[2]!) + 8 * HOUR : scheduledFor(m);
        return {
          at,
          to:
            m.to[0] === team.caseManager.email
              ? 'case manager'
              : m.to[0] === team.supervisor.email
                ? 'supervisor'
                : m.to[0],
          when: digest
            ? `d${Math.round((Date.parse(key.split('/')[2]!) - Date.parse(ago(0))) / DAY)} digest`
            : when(scheduledFor(m), t0),
          subject: m.subject.replace(/\d{4}-\d{2}-\d{2}/, 'DATE'),
          lines: digest
            ? m.text
                .split('\n')
                .filter((l) => l.startsWith('- '))
                .map((l) => l.replace(/ http.*$/, ''))
            : [],
        };
      })
      // Emails due at one instant may arrive in any order: order them by time, then subject.
      .sort((a, b) => a.at - b.at || a.subject.localeCompare(b.subject))
      .map(({ at: _at, ...m }) => m);
    const { 'ON-TIME': onTime, LATE: late, NEW: fresh } = refs as Record<string, string>;
    // The case manager: nothing at the import; the next morning one digest lists both overdue
    // cases; then only steps whose time is still ahead, each at its time.
    expect(mail.filter((m) => m.to === 'case manager')).toEqual([
      {
        to: 'case manager',
        when: 'd1 digest',
        subject: 'Your Caseloop digest for DATE: 2 reminders',
        lines: [
          expect.stringMatching(
            new RegExp(`^- Initial assessment — ${fresh} — overdue since \\w{3} \\d+ \\w{3}$`),
          ),
          expect.stringMatching(new RegExp(`^- Reassessment — ${late} — overdue since \\w{3} \\d+ \\w{3}$`)),
        ],
      },
      // The never-assessed case's ladder goes on: its last overdue reminder (due + 15 days) is still ahead.
      {
        to: 'case manager',
        when: 'd1 Tue 09:00',
        subject: `Initial assessment overdue 15 days — case ${fresh}`,
        lines: [],
      },
      {
        to: 'case manager',
        when: 'd2 Wed 09:00',
        subject: `Reassessment overdue 12 days — case ${late}`,
        lines: [],
      },
      // The referral's clock runs from its sending date: 7 days after it, 2 days after the import.
      {
        to: 'case manager',
        when: 'd2 Wed 09:00',
        subject: `Referral response (${provider.organisation}, housing) due now — case ${onTime}`,
        lines: [],
      },
      // Saturday's reminders wait for Monday's working hours, as for any case.
      {
        to: 'case manager',
        when: 'd7 Mon 08:00',
        subject: `Reassessment overdue 16 days — case ${late}`,
        lines: [],
      },
      {
        to: 'case manager',
        when: 'd7 Mon 08:00',
        subject: `Referral response (${provider.organisation}, housing) overdue 4 days — case ${onTime}`,
        lines: [],
      },
      // Assessed 80 days ago on a 90-day cycle: heads-up 3 days before day 10, then due on day 10.
      {
        to: 'case manager',
        when: 'd7 Mon 09:00',
        subject: expect.stringMatching(
          new RegExp(`^Reassessment due Thu, \\d+ \\w{3} \\d{4}, 09:00 UTC — case ${onTime}$`),
        ),
        lines: [],
      },
      {
        to: 'case manager',
        when: 'd8 Tue 09:00',
        subject: `Referral response (${provider.organisation}, housing) overdue 6 days — case ${onTime}`,
        lines: [],
      },
      {
        to: 'case manager',
        when: 'd10 Thu 09:00',
        subject: `Reassessment due now — case ${onTime}`,
        lines: [],
      },
    ]);
    // The supervisor: no escalation of work that was overdue before the import (its time passed),
    // only the team digest every working morning, as for any team with overdue cases.
    const supervisor = mail.filter((m) => m.to === 'supervisor');
    expect(supervisor.map((m) => m.when)).toEqual(
      ['d1', 'd2', 'd3', 'd4', 'd7', 'd8', 'd9', 'd10'].map((d) => `${d} digest`),
    );
    expect(supervisor.every((m) => m.subject.startsWith('Team digest for DATE'))).toBe(true);
    expect(mail.filter((m) => m.to !== 'case manager' && m.to !== 'supervisor')).toEqual([]);

    // The timeline says why the past steps were not sent.
    const skipped = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM schedule_decisions d JOIN cases c ON c.id = d.case_id
        WHERE c.reference = $1 AND d.what = 'skipped' AND d.detail LIKE '%before the case was imported%'`,
      [late],
    );
    expect(skipped.rows[0]!.n).toBeGreaterThan(0);
  });
});
