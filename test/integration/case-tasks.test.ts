import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { caseSteps, type CaseSteps } from '../helpers/case-steps';
import { createStaff, createTeam } from '../helpers/fixtures';
import { caseMessages, header, sentMail } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';
import { ensureStaffDigests } from '../../src/temporal/staff-digests';

const MINUTE = 60_000;

/** Polls until the condition holds (10 s at most): for asynchronous effects without a message to await. */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
/** Scenarios start at :59:30 (see startOn): this lands a due time on the whole hour after `days`. */
const onTheHour = (t0: number, days: number, hours = 0): number =>
  t0 + days * DAY + hours * HOUR + MINUTE / 2;

/**
 * Tasks on a case over weeks, on the time-skipping server, through the real API and SMTP: each
 * task's ladder goes to its assignee, its escalation to the case's supervisor, and marking it done
 * or cancelling it stops whatever was still to come.
 */
describe('case tasks (time-skipping, real API, real SMTP)', () => {
  let stack: TestStack;
  let intake: CaseSteps['intake'];
  beforeAll(async () => {
    stack = await startTestStack('case-tasks-test');
    ({ intake } = caseSteps(stack.api));
  });
  afterAll(() => stack?.stop());

  const addTask = async (base: string, token: string, body: Record<string, unknown>) =>
    stack.api.call('POST', `${base}/tasks`, token, body);

  it("when a task is assigned to someone other than the case manager, then its heads-up, due and overdue reminders go to them, the escalation to the supervisor (the last rung: it is the program manager's own task), and marking it done stops the rest", async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);

    // The supervisor asks the program manager to call the landlord by Thursday week, 10:00.
    const added = await addTask(base, team.supervisor.token, {
      what: 'Call the landlord about the repairs',
      assigneeId: team.programManager.id,
      dueAt: new Date(onTheHour(t0, 10)).toISOString(),
    });
    expect(added.status).toBe(201);
    const taskId = added.body.id as string;

    await skipTo(env, onTheHour(t0, 18, 0.5));
    const done = await api.call('POST', `${base}/tasks/${taskId}/done`, team.programManager.token, {
      note: 'Landlord booked the plumber',
    });
    expect(done.status).toBe(200);
    await skipTo(env, t0 + 60 * DAY);

    const taskMail = sentMail(smtp, caseId, t0).filter((m) => m.obligation === `task-${taskId}`);
    expect(taskMail.map(({ obligation: _o, ...m }) => m)).toEqual([
      {
        to: team.programManager.email,
        when: 'd7 Mon 10:00',
        subject: expect.stringMatching(/^Task "Call the landlord about the repairs" due \w{3}, /),
      },
      {
        to: team.programManager.email,
        when: 'd10 Thu 10:00',
        subject: 'Task "Call the landlord about the repairs" due now',
      },
      // Due on Sunday: held to Monday's working start.
      {
        to: team.programManager.email,
        when: 'd14 Mon 08:00',
        subject: 'Task "Call the landlord about the repairs" overdue 3 days',
      },
      {
        to: team.supervisor.email,
        when: 'd15 Tue 10:00',
        subject: expect.stringMatching(
          /^Escalation: task "Call the landlord about the repairs" overdue since \d+ \w{3} \d{4}$/,
        ),
      },
      {
        to: team.programManager.email,
        when: 'd16 Wed 10:00',
        subject: 'Task "Call the landlord about the repairs" overdue 6 days',
      },
      // Not acknowledged by d17 either, yet nothing follows: the program manager would be told, and
      // it is their own task (patch 'no-escalation-to-doer').
    ]);
    // The emails say what the task is and who has it, never the client's name.
    const escalation = caseMessages(smtp, caseId).find(
      (m) => m.to[0] === team.supervisor.email && /task/i.test(m.subject),
    );
    expect(escalation?.text).toContain(`assigned to ${team.programManager.fullName}`);
    expect(escalation?.text).toContain(
      `Who else knows: ${team.programManager.fullName} (the program manager) has had reminders.`,
    );
    expect(escalation?.text).toContain('The task: Call the landlord about the repairs');
    for (const m of caseMessages(smtp, caseId))
      expect(`${m.subject}\n${m.text}\n${m.html}`).not.toMatch(/Jordan|Rivera/);
    // The notification audit names the task's words as what left.
    const audited = await db.pool.query<{ fields: string[] }>(
      `SELECT detail->'fields' AS fields FROM audit_log WHERE case_id = $1 AND detail->>'purpose' = 'notification'
          AND detail->>'notificationKey' LIKE $2 LIMIT 1`,
      [caseId, `case/${caseId}/task-${taskId}/%`],
    );
    expect(audited.rows[0]?.fields).toEqual(['initials', 'task_text']);

    // The timeline says who added it and who marked it done, and when.
    const timeline = (await api.call('GET', `${base}/timeline`, team.supervisor.token)).body.items as {
      at: string;
      kind: string;
      summary: string;
      actorId: string | null;
    }[];
    expect(
      timeline.filter((t) => t.kind.startsWith('task.')).map((t) => [t.kind, t.actorId, t.summary]),
    ).toEqual([
      [
        'task.added',
        team.supervisor.id,
        `Task "Call the landlord about the repairs" added for ${team.programManager.fullName}, due ${new Date(onTheHour(t0, 10)).toISOString().slice(0, 19)}Z`,
      ],
      [
        'task.done',
        team.programManager.id,
        'Task "Call the landlord about the repairs" done: Landlord booked the plumber',
      ],
    ]);
    expect(timeline.find((t) => t.kind === 'schedule.met' && t.summary.startsWith('Task:'))?.summary).toMatch(
      /^Task: task done; \d+ pending reminder\(s\) will not be sent$/,
    );
  });

  it("when the task is the supervisor's own, then its reminders go to them and its escalation past them to the program manager, once, at the supervisor's time", async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);

    const added = await addTask(base, team.supervisor.token, {
      what: 'Review the housing application',
      assigneeId: team.supervisor.id,
      dueAt: new Date(onTheHour(t0, 10)).toISOString(),
    });
    expect(added.status).toBe(201);
    const taskId = added.body.id as string;

    await skipTo(env, onTheHour(t0, 18, 0.5));
    const done = await api.call('POST', `${base}/tasks/${taskId}/done`, team.supervisor.token, {});
    expect(done.status).toBe(200);
    await skipTo(env, t0 + 60 * DAY);

    const taskMail = sentMail(smtp, caseId, t0).filter((m) => m.obligation === `task-${taskId}`);
    expect(taskMail.map(({ obligation: _o, ...m }) => m)).toEqual([
      {
        to: team.supervisor.email,
        when: 'd7 Mon 10:00',
        subject: expect.stringMatching(/^Task "Review the housing application" due \w{3}, /),
      },
      {
        to: team.supervisor.email,
        when: 'd10 Thu 10:00',
        subject: 'Task "Review the housing application" due now',
      },
      {
        to: team.supervisor.email,
        when: 'd14 Mon 08:00',
        subject: 'Task "Review the housing application" overdue 3 days',
      },
      // The supervisor's time, but not to the supervisor: the program manager hears of it, and only once.
      {
        to: team.programManager.email,
        when: 'd15 Tue 10:00',
        subject: 'Escalation: task "Review the housing application" overdue 5 days',
      },
      {
        to: team.supervisor.email,
        when: 'd16 Wed 10:00',
        subject: 'Task "Review the housing application" overdue 6 days',
      },
    ]);
    const overdue = caseMessages(smtp, caseId).find((m) => /overdue 3 days/.test(m.subject));
    expect(overdue?.text).toContain('Who else knows: The program manager is told if it stays overdue.');
    const escalation = caseMessages(smtp, caseId).find((m) => m.to[0] === team.programManager.email);
    expect(escalation?.text).toContain(`has been waiting for ${team.supervisor.fullName} since`);
    expect(escalation?.text).toContain(
      `Who else knows: ${team.supervisor.fullName} (supervisor) has had reminders.`,
    );
    // The escalation is recorded once, to the program manager, at the top level.
    const recorded = await db.pool.query<{ level: number; recipient_id: string }>(
      'SELECT level, recipient_id FROM escalations WHERE case_id = $1 AND obligation_id = $2',
      [caseId, `task-${taskId}`],
    );
    expect(recorded.rows).toEqual([{ level: 2, recipient_id: team.programManager.id }]);
    // The run's rules are on the record, so the case page and the policy preview escalate as it does.
    const rules = await db.pool.query<{ escalation_rules: string[] }>(
      'SELECT escalation_rules FROM cases WHERE id = $1',
      [caseId],
    );
    expect(rules.rows[0]?.escalation_rules).toEqual(['passes_doer', 'not_to_doer']);
  });

  it('when a task is cancelled after it fell due, then nothing more is sent for it, and another task on the case runs on', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);
    const first = await addTask(base, team.supervisor.token, {
      what: 'Book the interpreter',
      assigneeId: team.caseManager.id,
      dueAt: new Date(onTheHour(t0, 3)).toISOString(),
    });
    const second = await addTask(base, team.caseManager.token, {
      what: 'Ask the supervisor to sign the voucher',
      assigneeId: team.supervisor.id,
      dueAt: new Date(onTheHour(t0, 8)).toISOString(),
    });
    expect([first.status, second.status]).toEqual([201, 201]);

    await skipTo(env, onTheHour(t0, 4, 0.5));
    expect(
      (await api.call('POST', `${base}/tasks/${first.body.id}/cancel`, team.caseManager.token, {})).status,
    ).toBe(200);
    await skipTo(env, onTheHour(t0, 9, 0.5));
    expect(
      (await api.call('POST', `${base}/tasks/${second.body.id}/done`, team.supervisor.token)).status,
    ).toBe(200);
    await skipTo(env, t0 + 45 * DAY);

    const mail = sentMail(smtp, caseId, t0).filter((m) => m.obligation.startsWith('task-'));
    const which = (m: { obligation: string }) =>
      m.obligation === `task-${first.body.id}` ? 'interpreter' : 'voucher';
    expect(mail.map((m) => `${m.when} ${which(m)} ${m.to}`)).toEqual([
      `d0 Mon 10:00 interpreter ${team.caseManager.email}`,
      `d3 Thu 10:00 interpreter ${team.caseManager.email}`,
      `d7 Mon 08:00 voucher ${team.supervisor.email}`,
      `d8 Tue 10:00 voucher ${team.supervisor.email}`,
    ]);
    const tasks = (await api.call('GET', `${base}/tasks`, team.caseManager.token)).body.items as {
      what: string;
      status: string;
      closedBy: string | null;
    }[];
    expect(tasks.map((t) => [t.what, t.status, t.closedBy])).toEqual([
      ['Ask the supervisor to sign the voucher', 'done', team.supervisor.id],
      ['Book the interpreter', 'cancelled', team.caseManager.id],
    ]);
  });

  it("when the case goes to another case manager, then the outgoing case manager's open task goes with it and its next reminders reach the new one, while the program manager keeps theirs", async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const successor = await createStaff(db.pool, 'case_manager', { supervisorId: team.supervisor.id });
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);
    const theirs = await addTask(base, team.supervisor.token, {
      what: 'Collect the tenancy papers',
      assigneeId: team.caseManager.id,
      dueAt: new Date(onTheHour(t0, 10)).toISOString(),
    });
    const managers = await addTask(base, team.supervisor.token, {
      what: 'Sign off the deposit',
      assigneeId: team.programManager.id,
      dueAt: new Date(onTheHour(t0, 10)).toISOString(),
    });
    expect([theirs.status, managers.status]).toEqual([201, 201]);

    // After the heads-ups (Monday of week two), the supervisor hands the case over.
    await skipTo(env, onTheHour(t0, 8, 0.5));
    const handed = await api.call('POST', `${base}/reassign`, team.supervisor.token, {
      caseManagerId: successor.id,
    });
    expect(handed.status).toBe(200);
    await skipTo(env, onTheHour(t0, 12));

    const mail = sentMail(smtp, caseId, t0).filter((m) => m.obligation.startsWith('task-'));
    const which = (m: { obligation: string }) =>
      m.obligation === `task-${theirs.body.id}` ? 'papers' : 'deposit';
    expect(mail.map((m) => `${m.when} ${which(m)} ${m.to}`)).toEqual([
      `d7 Mon 10:00 papers ${team.caseManager.email}`,
      `d7 Mon 10:00 deposit ${team.programManager.email}`,
      `d10 Thu 10:00 papers ${successor.email}`,
      `d10 Thu 10:00 deposit ${team.programManager.email}`,
    ]);

    const tasks = (await api.call('GET', `${base}/tasks`, successor.token)).body.items as {
      what: string;
      assigneeId: string;
    }[];
    expect(tasks.map((t) => [t.what, t.assigneeId]).sort()).toEqual([
      ['Collect the tenancy papers', successor.id],
      ['Sign off the deposit', team.programManager.id],
    ]);
    // The timeline keeps whom it was added for, and says who moved it to whom.
    const timeline = (await api.call('GET', `${base}/timeline`, team.supervisor.token)).body.items as {
      kind: string;
      summary: string;
      actorId: string | null;
    }[];
    expect(
      timeline
        .filter((t) => t.kind.startsWith('task.') && t.summary.includes('tenancy papers'))
        .map((t) => [t.kind, t.actorId, t.summary.replace(/, due .*$/, '')]),
    ).toEqual([
      [
        'task.added',
        team.supervisor.id,
        `Task "Collect the tenancy papers" added for ${team.caseManager.fullName}`,
      ],
      [
        'task.reassigned',
        team.supervisor.id,
        `Task "Collect the tenancy papers" moved from ${team.caseManager.fullName} to ${successor.fullName} with the case`,
      ],
    ]);
  });

  it('when a task is assigned to someone else, then it shows in their My work, and a supervisor sees it too', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { base } = await intake(team);
    const added = await addTask(base, team.caseManager.token, {
      what: 'Approve the hardship payment',
      assigneeId: team.programManager.id,
      dueAt: new Date(onTheHour(t0, 2)).toISOString(),
    });
    expect(added.status).toBe(201);
    const taskIn = async (token: string) => {
      const work = (await api.call('GET', '/api/v1/me/work', token)).body;
      return [...work.overdue, ...work.today, ...work.thisWeek].find(
        (i: { obligationKind: string }) => i.obligationKind === 'task',
      );
    };
    // The workflow writes its obligations back a moment after it has the task.
    await waitFor(async () => (await taskIn(team.programManager.token)) !== undefined);
    for (const who of [team.programManager, team.supervisor, team.caseManager]) {
      const item = await taskIn(who.token);
      expect(item).toMatchObject({
        owner: 'assignee',
        assigneeId: team.programManager.id,
        assigneeName: team.programManager.fullName,
        subjectId: added.body.id,
      });
    }
  });

  it("when the assignee chose a daily digest, then the task's reminders wait for it, each line linking to the tasks", async () => {
    const { env, smtp, db, api } = stack;
    await ensureStaffDigests(env.client, stack.taskQueue);
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const chose = await api.call(
      'PATCH',
      `/api/v1/staff/${team.programManager.id}`,
      team.programManager.token,
      {
        notificationPreference: 'daily_digest',
      },
    );
    expect(chose.status).toBe(200);
    const { caseId, base } = await intake(team);
    const added = await addTask(base, team.supervisor.token, {
      what: 'Renew the bus pass',
      assigneeId: team.programManager.id,
      dueAt: new Date(onTheHour(t0, 3)).toISOString(),
    });
    expect(added.status).toBe(201);
    await skipTo(env, onTheHour(t0, 4, 0.5));
    expect(
      (await api.call('POST', `${base}/tasks/${added.body.id}/done`, team.programManager.token)).status,
    ).toBe(200);
    await skipTo(env, t0 + 14 * DAY);

    const digests = smtp.messages.filter((m) => m.to.includes(team.programManager.email));
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    // The heads-up (Monday 10:00) waits for Tuesday's digest, the due reminder (Thursday) for Friday's.
    expect(digests.map((m) => header(m, 'x-caseloop-notification-key'))).toEqual([
      `digest/${team.programManager.id}/${day(t0 + DAY)}`,
      `digest/${team.programManager.id}/${day(t0 + 4 * DAY)}`,
    ]);
    // One line per task, where it stands at the digest's time: due Thursday, then overdue since then.
    expect(digests[0]!.text).toMatch(/- Task "Renew the bus pass" — C-\d+ — due Thu \d+ \w{3}, 10:00 UTC /);
    expect(digests[1]!.text).toMatch(/- Task "Renew the bus pass" — C-\d+ — overdue since Thu \d+ \w{3} /);
    expect(digests[1]!.text).toContain(`/cases/${caseId}#tasks`);
  });

  it('when the case is closed with a task still open, then the task ends as cancelled by whoever approved the closure', async () => {
    const { db, api, env } = stack;
    const team = await createTeam(db.pool);
    const { base } = await intake(team);
    const added = await addTask(base, team.caseManager.token, {
      what: 'Return the house keys',
      assigneeId: team.caseManager.id,
      dueAt: new Date((await env.currentTimeMs()) + 5 * DAY).toISOString(),
    });
    expect(added.status).toBe(201);
    const asked = await api.call('POST', `${base}/closure`, team.caseManager.token, {
      reason: 'moved_away',
      summary: 'Moved out of the area.',
    });
    expect(asked.status).toBe(200);
    expect(
      (await api.call('POST', `${base}/closure/decision`, team.supervisor.token, { decision: 'approved' }))
        .status,
    ).toBe(200);
    const tasks = (await api.call('GET', `${base}/tasks`, team.supervisor.token)).body.items;
    expect(tasks).toMatchObject([
      { status: 'cancelled', closedBy: team.supervisor.id, closeNote: 'case closed' },
    ]);
    expect(
      (await api.call('POST', `${base}/tasks/${added.body.id}/done`, team.caseManager.token)).status,
    ).toBe(409);
  });

  describe('the API refuses bad input and writes nothing', () => {
    const counts = async () =>
      (
        await stack.db.pool.query<{ tasks: string; changes: string; events: string }>(
          `SELECT (SELECT count(*) FROM case_tasks) AS tasks, (SELECT count(*) FROM case_changes) AS changes,
                  (SELECT count(*) FROM case_task_events) AS events`,
        )
      ).rows[0];

    it('when the input is malformed, the assignee cannot see the case, or the wrong person asks, then 4xx and no row', async () => {
      const { db, api, env } = stack;
      const team = await createTeam(db.pool);
      const { base } = await intake(team);
      const otherSupervisor = await createStaff(db.pool, 'supervisor');
      const otherCaseManager = await createStaff(db.pool, 'case_manager', {
        supervisorId: otherSupervisor.id,
      });
      const inactive = await createStaff(db.pool, 'admin', { active: false });
      const future = new Date((await env.currentTimeMs()) + 5 * DAY).toISOString();
      const valid = { what: 'Check the tenancy papers', assigneeId: team.supervisor.id, dueAt: future };
      const before = await counts();
      const refused: [string, number, Record<string, unknown>, string?][] = [
        ['no what', 400, { assigneeId: team.supervisor.id, dueAt: future }],
        ['blank what', 400, { ...valid, what: '   ' }],
        ['too long', 400, { ...valid, what: 'x'.repeat(301) }],
        ['not a time', 400, { ...valid, dueAt: 'next Tuesday' }],
        ['not an id', 400, { ...valid, assigneeId: 'sam' }],
        ['extra field', 400, { ...valid, priority: 'high' }],
        ['in the past', 422, { ...valid, dueAt: new Date((await env.currentTimeMs()) - HOUR).toISOString() }],
        ['no access', 422, { ...valid, assigneeId: otherCaseManager.id }],
        ['other team', 422, { ...valid, assigneeId: otherSupervisor.id }],
        ['inactive', 422, { ...valid, assigneeId: inactive.id }],
        ['unknown', 422, { ...valid, assigneeId: '00000000-0000-4000-8000-000000000000' }],
        ['program manager may not add', 403, valid, team.programManager.token],
        ['cannot see the case', 404, valid, otherCaseManager.token],
      ];
      for (const [why, status, body, token] of refused) {
        const res = await api.call('POST', `${base}/tasks`, token ?? team.caseManager.token, body);
        expect([why, res.status, res.type]).toEqual([why, status, expect.stringMatching(/problem\+json/)]);
      }
      expect(
        (
          await api.call('POST', `${base}/tasks`, team.caseManager.token, {
            ...valid,
            assigneeId: otherCaseManager.id,
          })
        ).body.errors,
      ).toEqual([{ field: 'body.assigneeId', reason: 'no access to the case' }]);
      expect(await counts()).toEqual(before);

      const ok = await api.call('POST', `${base}/tasks`, team.caseManager.token, valid);
      expect(ok.status).toBe(201);
      const task = `${base}/tasks/${ok.body.id}`;
      const middle = await counts();
      expect((await api.call('POST', `${task}/done`, otherCaseManager.token)).status).toBe(404);
      expect((await api.call('POST', `${task}/done`, team.caseManager.token, { note: 5 })).status).toBe(400);
      expect((await api.call('POST', `${base}/tasks/not-a-task/done`, team.caseManager.token)).status).toBe(
        400,
      );
      expect(
        (
          await api.call(
            'POST',
            `${base}/tasks/00000000-0000-4000-8000-000000000000/done`,
            team.caseManager.token,
          )
        ).status,
      ).toBe(404);
      expect(await counts()).toEqual(middle);
      // The assignee may close it; once closed, it cannot be closed again.
      expect((await api.call('POST', `${task}/cancel`, team.supervisor.token)).status).toBe(200);
      const after = await counts();
      expect((await api.call('POST', `${task}/done`, team.caseManager.token)).status).toBe(409);
      expect(await counts()).toEqual(after);
    });
  });
});
