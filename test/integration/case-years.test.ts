import type { temporal } from '@temporalio/proto';
import { fromLocal, toLocal } from '../../src/core/business-time';
import { MAX_EVENTS_PER_RUN } from '../../src/workflows/case-lifecycle';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { header, sentMail } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * The case workflow over years: reassessment cycles, a risk change, a daylight-saving change in a
 * non-UTC zone, and enough history to continue-as-new several times. Driven through the real API
 * with the time-skipping server and a real SMTP catcher.
 */
describe('case clocks over years (time-skipping, real API, real SMTP)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('case-years-test');
  });
  afterAll(() => stack?.stop());

  /** The next Saturday or Sunday moves to Monday; this program has no holidays. */
  const toWeekday = (ms: number): number => {
    const weekday = new Date(ms).getUTCDay();
    return ms + (weekday === 6 ? 2 * DAY : weekday === 0 ? DAY : 0);
  };

  it('when a deadline crosses a weekend, a holiday and the spring daylight-saving change in New York, then each reminder keeps its local working hour', async () => {
    const { env, smtp, db, api } = stack;
    const zone = 'America/New_York';
    // The next spring change far enough ahead: the second Sunday of March, at 02:00 local.
    const now = await env.currentTimeMs();
    let year = toLocal(now, zone).year;
    const secondSunday = (y: number): number => {
      const firstOfMarch = new Date(Date.UTC(y, 2, 1)).getUTCDay();
      return 1 + ((7 - firstOfMarch) % 7) + 7;
    };
    const local = (y: number, day: number, hour: number): number =>
      fromLocal({ year: y, month: 3, day, hour, minute: 0, second: 0, millisecond: 0 }, zone);
    while (local(year, secondSunday(year) - 12, 10) - 30_000 < now + DAY) year++;
    const change = secondSunday(year);
    const holiday = new Date(Date.UTC(year, 2, change + 2)).toISOString().slice(0, 10); // Tuesday after
    const team = await createTeam(db.pool, undefined, { timeZone: zone, holidays: [holiday] });

    // Intake on the Tuesday twelve days before the change, 10:00 EST (15:00 UTC).
    const t0 = local(year, change - 12, 10) - 30_000;
    await skipTo(env, t0);
    const { caseId } = await caseSteps(api).intake(team);
    await skipTo(env, t0 + 20 * DAY);

    const mail = sentMail(smtp, caseId, t0, zone).filter((m) => m.obligation === 'initial-assessment');
    // Fourteen days out is the Tuesday holiday, so it is due Wednesday at 10:00 local, now EDT;
    // the heads-up three days before falls on Sunday and waits for Monday 08:00; the first overdue
    // reminder falls on Saturday and waits for Monday 08:00 (and says how late it really is); the
    // supervisor hears five days after the due time, at the same local hour.
    expect(mail.map((m) => `${m.when} ${m.to} ${m.subject.replace(/ \d+ \w+ \d{4},/, '')}`)).toEqual([
      `d13 Mon 08:00 ${team.caseManager.email} Initial assessment due Wed, 09:59 GMT-4`,
      `d15 Wed 10:00 ${team.caseManager.email} Initial assessment due now`,
      `d20 Mon 08:00 ${team.caseManager.email} Initial assessment overdue 4 days`,
      `d20 Mon 10:00 ${team.supervisor.email} Escalation: initial assessment overdue 5 days`,
    ]);
    // The wall-clock hour held across the change: intake at 15:00 UTC, due reminder at 14:00 UTC.
    const dueNow = smtp.messages.find(
      (m) =>
        header(m, 'x-caseloop-notification-key').includes(`${caseId}/initial-assessment/`) &&
        /due now/.test(m.subject),
    )!;
    expect(new Date(t0 + 30_000).toISOString().slice(11, 16)).toBe('15:00');
    expect(header(dueNow, 'x-caseloop-scheduled-for').slice(11, 16)).toBe('14:00');
  });

  it('when a case is reassessed for two years and its risk rises after the first, then each reassessment is due 90 days, then 30 days, after the last one', async () => {
    const { env, smtp, db, api } = stack;
    const { intake, assess, schedule } = caseSteps(api);
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);
    await skipTo(env, t0 + HOUR);
    await assess(base, team.caseManager.token, 'initial', t0 + HOUR);
    const dueOf = async (): Promise<number> => {
      const open = (await schedule(base, team.caseManager.token)).obligations.filter(
        (o) => o.kind === 'reassessment' && !o.metAt,
      );
      expect(open).toHaveLength(1);
      return Date.parse(open[0]!.dueAt);
    };

    let last = t0 + HOUR;
    const cycles: { period: number; early: boolean }[] = [
      { period: 90, early: false },
      { period: 90, early: true },
      { period: 90, early: false },
      { period: 90, early: false },
      { period: 90, early: false },
    ];
    for (const { period, early } of cycles) {
      const due = await dueOf();
      expect(due).toBe(toWeekday(last + period * DAY));
      // On time: an hour after the due reminder the case manager records the reassessment done at the
      // due time; early: three weeks before it.
      last = early ? due - 21 * DAY : due;
      await skipTo(env, last + HOUR);
      await assess(base, team.caseManager.token, 'reassessment', last);
    }
    // Ten days after the fifth reassessment the risk rises: the open one is re-derived from the
    // same anchor at 30 days, and every later one is 30 days after the last.
    await skipTo(env, last + 10 * DAY);
    expect(
      (await api.call('POST', `${base}/risk`, team.caseManager.token, { riskLevel: 'high' })).status,
    ).toBe(200);
    for (let i = 0; i < 10; i++) {
      const due = await dueOf();
      expect(due).toBe(toWeekday(last + 30 * DAY));
      last = due;
      await skipTo(env, last + HOUR);
      await assess(base, team.caseManager.token, 'reassessment', last);
    }
    expect(last - t0).toBeGreaterThan(2 * 365 * DAY);

    const reassessmentMail = sentMail(smtp, caseId, t0).filter((m) =>
      m.obligation.startsWith('reassessment'),
    );
    // Every on-time cycle: a heads-up three days before (a Sunday one held to Monday 08:00) and the
    // due reminder, both to the case manager only; the early one (reassessment-3) was done before
    // its heads-up, so nothing went out for it. Nothing was ever overdue or escalated.
    expect(reassessmentMail.every((m) => m.to === team.caseManager.email)).toBe(true);
    expect(
      reassessmentMail.map((m) => `${m.when} ${m.obligation} ${m.subject.replace(/, \d+ \w+ \d{4},/, ',')}`),
    ).toEqual([
      'd88 Fri 11:00 reassessment-2 Reassessment due Mon, 10:59 UTC',
      'd91 Mon 11:00 reassessment-2 Reassessment due now',
      'd249 Fri 11:00 reassessment-4 Reassessment due Mon, 10:59 UTC',
      'd252 Mon 11:00 reassessment-4 Reassessment due now',
      'd340 Fri 11:00 reassessment-5 Reassessment due Mon, 10:59 UTC',
      'd343 Mon 11:00 reassessment-5 Reassessment due now',
      'd431 Fri 11:00 reassessment-6 Reassessment due Mon, 10:59 UTC',
      'd434 Mon 11:00 reassessment-6 Reassessment due now',
      'd462 Mon 08:00 reassessment-7 Reassessment due Wed, 10:59 UTC',
      'd464 Wed 11:00 reassessment-7 Reassessment due now',
      'd491 Tue 11:00 reassessment-8 Reassessment due Fri, 10:59 UTC',
      'd494 Fri 11:00 reassessment-8 Reassessment due now',
      'd522 Fri 11:00 reassessment-9 Reassessment due Mon, 10:59 UTC',
      'd525 Mon 11:00 reassessment-9 Reassessment due now',
      'd553 Mon 08:00 reassessment-10 Reassessment due Wed, 10:59 UTC',
      'd555 Wed 11:00 reassessment-10 Reassessment due now',
      'd582 Tue 11:00 reassessment-11 Reassessment due Fri, 10:59 UTC',
      'd585 Fri 11:00 reassessment-11 Reassessment due now',
      'd613 Fri 11:00 reassessment-12 Reassessment due Mon, 10:59 UTC',
      'd616 Mon 11:00 reassessment-12 Reassessment due now',
      'd644 Mon 08:00 reassessment-13 Reassessment due Wed, 10:59 UTC',
      'd646 Wed 11:00 reassessment-13 Reassessment due now',
      'd673 Tue 11:00 reassessment-14 Reassessment due Fri, 10:59 UTC',
      'd676 Fri 11:00 reassessment-14 Reassessment due now',
      'd704 Fri 11:00 reassessment-15 Reassessment due Mon, 10:59 UTC',
      'd707 Mon 11:00 reassessment-15 Reassessment due now',
      'd735 Mon 08:00 reassessment-16 Reassessment due Wed, 10:59 UTC',
      'd737 Wed 11:00 reassessment-16 Reassessment due now',
    ]);
  });

  it('when a high-risk case runs for five years, then it continues as new several times, no run nears 10,000 events, and no reminder is lost or repeated', async () => {
    const { env, smtp, db, api } = stack;
    const { intake, assess, schedule } = caseSteps(api);
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team, 'high');
    await skipTo(env, t0 + HOUR);
    let last = t0 + HOUR;
    await assess(base, team.caseManager.token, 'initial', last);

    // Monthly reassessments, each recorded an hour after its due reminder, for five years. The
    // loop reads nothing from the workflow: the runs continue as new along the way, and the
    // time-skipping server does not make that step atomic for a query landing in between.
    let cycles = 0;
    while (last < t0 + 5 * 365 * DAY) {
      last = toWeekday(last + 30 * DAY);
      await skipTo(env, last + HOUR);
      await assess(base, team.caseManager.token, 'reassessment', last);
      cycles++;
    }
    await skipTo(env, last + DAY);
    const open = (await schedule(base, team.caseManager.token)).obligations.filter(
      (o) => o.kind === 'reassessment' && !o.metAt,
    );
    expect(open.map((o) => Date.parse(o.dueAt))).toEqual([toWeekday(last + 30 * DAY)]);

    // Walk the chain of runs back from the current one.
    const runs: { runId: string; events: number }[] = [];
    let runId: string | undefined = (await env.client.workflow.getHandle(`case-${caseId}`).describe()).runId;
    while (runId) {
      const history: { events?: HistoryEvent[] | null } = await env.client.workflow
        .getHandle(`case-${caseId}`, runId)
        .fetchHistory();
      const events: HistoryEvent[] = history.events ?? [];
      runs.unshift({ runId, events: events.length });
      runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    }
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) expect(run.events).toBeLessThan(10_000);
    // The bound that keeps it so: a run continues as new at MAX_EVENTS_PER_RUN, give or take one turn.
    for (const run of runs) expect(run.events).toBeLessThan(MAX_EVENTS_PER_RUN + 100);

    // Across every run: exactly one heads-up and one due reminder per reassessment, none repeated.
    const keys = smtp.messages
      .map((m) => header(m, 'x-caseloop-notification-key'))
      .filter((k) => k.includes(caseId));
    expect(new Set(keys).size).toBe(keys.length);
    const reassessmentMail = sentMail(smtp, caseId, t0).filter((m) =>
      m.obligation.startsWith('reassessment'),
    );
    const perObligation = new Map<string, string[]>();
    for (const m of reassessmentMail)
      perObligation.set(m.obligation, [
        ...(perObligation.get(m.obligation) ?? []),
        m.subject.replace(/ \w{3}, .*$/, ''),
      ]);
    expect(perObligation.size).toBe(cycles);
    for (const subjects of perObligation.values())
      expect(subjects).toEqual(['Reassessment due', 'Reassessment due now']);
    // The carried state is intact: the case still knows its people, risk and what is open.
    const view = await api.call('GET', base, team.caseManager.token);
    expect(view.body).toMatchObject({ riskLevel: 'high', caseManagerId: team.caseManager.id });
    expect(
      view.body.schedule.obligations
        .filter((o: { metAt?: string }) => !o.metAt)
        .map((o: { kind: string }) => o.kind),
    ).toEqual(expect.arrayContaining(['reassessment', 'service_plan']));
  });
});
