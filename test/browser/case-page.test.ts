import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { createProvider, createStaff, createTeam, type StaffFixture } from '../helpers/fixtures';
import {
  axeViolations,
  horizontalOverflow,
  overflowingElements,
  keepScreenshot,
} from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

const CHICAGO = 'America/Chicago';

/** "07:59": the wall time of an instant in Chicago, worked out apart from the page's own formatting. */
const chicagoClock = (iso: string): string =>
  new Intl.DateTimeFormat('en-US', {
    timeZone: CHICAGO,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

const utcClock = (iso: string): string => iso.slice(11, 16);

/**
 * The case page shows one case's whole record in the viewer's time zone: a case manager in Chicago
 * who has assessed, planned, referred, noted and been escalated on sees exactly that, section by
 * section, with the actions the case's status allows; the supervisor can acknowledge from it; staff
 * who may not see the case get "not found" and no client data.
 */
describeInBrowser('the case page, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('case-page-browser-test'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** The one place this test signs in (the sign-in mechanism is being replaced): a fresh browser context per person. */
  async function signedInPage(who: StaffFixture): Promise<{ context: BrowserContext; page: Page }> {
    // bypassCSP lets axe-core's injected script run; the page itself has no inline code.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signInPage(page, stack, who);
    return { context, page };
  }

  /** A request that must succeed; its body is returned. */
  async function ok(status: number, method: string, path: string, token: string, body?: unknown) {
    const res = await stack.api.call(method, path, token, body);
    if (res.status !== status)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /**
   * A case worked for three weeks in Chicago: assessed and reassessed, a plan with two goals approved
   * and one goal progressed, a referral accepted, a note amended; three weeks after the referral its
   * missing outcome has been escalated to the supervisor.
   */
  async function workedCase() {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool, undefined, { timeZone: CHICAGO });
    const t0 = await startOn(env, 'Mon', '10:00', CHICAGO);
    const { caseId, base, reference } = await caseSteps(api).intake(team);
    const cm = team.caseManager.token;
    await ok(201, 'POST', `${base}/assessments`, cm, {
      kind: 'initial',
      scores: { housing: 2, income: 3 },
      needs: ['Stable housing'],
      summary: 'Facing eviction.',
    });
    const plan = await ok(201, 'POST', `${base}/plans`, cm, {
      summary: 'Stabilise housing',
      goals: [
        {
          domain: 'housing',
          description: 'Stable tenancy',
          measure: 'Lease signed',
          baseline: 'No tenancy',
          target: '12-month lease',
          targetDate: '2099-01-01',
        },
        {
          domain: 'income',
          description: 'Claim benefits',
          measure: 'Award letter',
          targetDate: '2099-02-01',
        },
      ],
    });
    const planPath = `${base}/plans/${plan.planId}`;
    await ok(200, 'POST', `${planPath}/submit`, cm);
    await ok(200, 'POST', `${planPath}/decision`, team.supervisor.token, { decision: 'approved' });
    const [housingGoal] = plan.goalIds as string[];
    await ok(201, 'POST', `${base}/goals/${housingGoal}/progress`, cm, {
      status: 'in_progress',
      note: 'Viewed a flat',
    });
    await ok(201, 'POST', `${base}/assessments`, cm, { kind: 'reassessment', scores: { housing: 4 } });
    const provider = await createProvider(db.pool, 'Acme Housing Trust');
    const referral = await ok(201, 'POST', `${base}/referrals`, cm, {
      providerId: provider.id,
      service: 'Emergency housing',
      reason: 'Eviction notice',
    });
    await ok(201, 'POST', `${base}/referrals/${referral.id}/updates`, cm, {
      status: 'accepted',
      note: 'Call back Monday',
    });
    // A known instant: two hours before intake, 07:59:30 in Chicago.
    const noteAt = new Date(t0 - 2 * HOUR).toISOString();
    const note = await ok(201, 'POST', `${base}/notes`, cm, {
      type: 'contact',
      body: 'Phoned the client.',
      at: noteAt,
    });
    await ok(201, 'POST', `${base}/notes`, cm, {
      type: 'contact',
      body: 'Phoned the client and the landlord.',
      amendsNoteId: note.id,
    });
    // The referral's outcome escalates to the supervisor the moment it falls due, three weeks on.
    await skipTo(env, t0 + 21 * DAY + HOUR);
    const escalated = await ok(200, 'GET', base, team.supervisor.token);
    expect(escalated.openEscalations).toEqual([
      expect.objectContaining({ obligationKind: 'referral_outcome', recipientId: team.supervisor.id }),
    ]);
    return {
      team,
      caseId,
      reference,
      planId: plan.planId as string,
      referralId: referral.id as string,
      noteId: note.id as string,
      noteAt,
    };
  }

  let worked: Awaited<ReturnType<typeof workedCase>>;
  beforeAll(async () => {
    worked = await workedCase();
  });

  /** What each element reads as, breaks and runs of space as single spaces. */
  const texts = async (l: Locator): Promise<string[]> =>
    (await l.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  const squash = async (l: Locator): Promise<string> =>
    ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

  it('when the case manager opens the case, then every section shows exactly what was recorded, in Chicago time', async () => {
    const { team, caseId, reference, planId, referralId, noteId, noteAt } = worked;
    const { context, page } = await signedInPage(team.caseManager);
    const response = await page.goto(`${stack.api.base}/cases/${caseId}`);
    expect(response?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Case ${reference}`);

    // Header: who, what, and what is due next with who hears of it.
    const facts = page.locator('dl.cl-facts').first();
    expect(await texts(facts.locator('> div'))).toEqual(
      expect.arrayContaining([
        'Client Jordan Rivera (J. R.) Consent',
        `Case manager ${team.caseManager.fullName} (you)`,
        `Supervisor ${team.supervisor.fullName}`,
        'Status Active',
        'Risk Medium risk',
      ]),
    );
    const nextDue = await squash(facts.locator('> div', { hasText: 'Next due' }));
    expect(nextDue).toMatch(/^Next due Referral outcome, due .* GMT-[56] Overdue/);
    expect(nextDue).toContain(`${team.supervisor.fullName} is told when it falls due.`);

    // Actions: what an active case allows a case manager, each to its form.
    const actions = page.getByRole('navigation', { name: 'Case actions' }).getByRole('link');
    expect(await texts(actions)).toEqual([
      'Record assessment',
      'New plan',
      'Make referral',
      'Add note',
      'Put on hold',
      'Request closure',
    ]);
    expect(await actions.first().getAttribute('href')).toBe(`/cases/${caseId}/assessments/new`);

    // The table of contents reaches every section, in order.
    const toc = page.getByRole('navigation', { name: 'On this page' }).getByRole('link');
    expect(await toc.evaluateAll((els) => els.map((e) => e.getAttribute('href')))).toEqual([
      '#due',
      '#assessments',
      '#plan',
      '#referrals',
      '#notes',
      '#escalations',
      '#timeline',
      '#tasks',
      '#appointments',
    ]);
    expect(await texts(page.locator('main h2'))).toEqual([
      'What is due',
      'Assessments',
      'Service plan',
      'Referrals',
      'Notes',
      'Open escalations',
      'Timeline',
      'Tasks',
      'Appointments',
    ]);

    // #due: the open obligations, soonest first; the referral's outcome overdue and escalated.
    const due = await texts(page.locator('#due tbody tr'));
    expect(due[0]).toMatch(
      /^Referral outcome Acme Housing Trust, Emergency housing .* GMT-[56] Overdue Level 1: supervisor told$/,
    );
    expect(due).toEqual([
      expect.stringMatching(/^Referral outcome /),
      expect.stringMatching(/^Plan activity .* GMT-[56] Not escalated$/),
      expect.stringMatching(/^Reassessment .* GMT-[56] Not escalated$/),
      expect.stringMatching(/^Goal target date Stable tenancy .* GMT-[56] Not escalated$/),
      expect.stringMatching(/^Goal target date Claim benefits .* GMT-[56] Not escalated$/),
    ]);

    // #assessments: each with its scores, and the scores over time, domains by assessment.
    const assessments = page.locator('#assessments');
    expect(await texts(assessments.locator('h3'))).toEqual([
      expect.stringMatching(/^Reassessment, /),
      expect.stringMatching(/^Initial assessment, /),
      'Domain scores over time',
    ]);
    expect(await texts(assessments.locator('ul.cl-scores'))).toEqual([
      'Housing: 4 of 5',
      'Housing: 2 of 5 Income: 3 of 5',
    ]);
    expect(await squash(assessments)).toContain('Needs: Stable housing');
    expect(await squash(assessments)).toContain('Facing eviction.');
    const overTime = assessments.locator('table');
    expect(await texts(overTime.locator('thead th'))).toEqual([
      'Domain',
      expect.stringMatching(/Initial assessment$/),
      expect.stringMatching(/Reassessment$/),
    ]);
    expect(await texts(overTime.locator('tbody tr'))).toEqual(['Housing 2 4', 'Income 3 — not scored']);

    // #plan: the approved plan and its two goals with their latest progress.
    const plan = page.locator('#plan');
    expect(await squash(plan.locator('h3').first())).toBe('Plan version 1: Approved');
    const goals = await texts(plan.locator('tbody tr'));
    expect(goals).toHaveLength(2);
    expect(goals[0]).toMatch(
      /^Stable tenancy Lease signed No tenancy → 12-month lease Housing: 2 → 4 Thu, 1 Jan 2099 In progress: Viewed a flat .* GMT-[56]$/,
    );
    expect(goals[1]).toBe('Claim benefits Award letter Not recorded Income: 3 Sun, 1 Feb 2099 Not started');
    expect(await plan.getByRole('link', { name: 'Open plan version 1' }).getAttribute('href')).toBe(
      `/cases/${caseId}/plans/${planId}`,
    );

    // #referrals: the referral, its status and its last update, linked to its page.
    const referrals = await texts(page.locator('#referrals tbody tr'));
    expect(referrals).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Acme Housing Trust: Emergency housing Accepted .* GMT-[56] Accepted: Call back Monday .* GMT-[56] by ${team.caseManager.fullName} \\(you\\)$`,
        ),
      ),
    ]);
    expect(
      await page
        .locator('#referrals')
        .getByRole('link', { name: 'Acme Housing Trust: Emergency housing' })
        .getAttribute('href'),
    ).toBe(`/cases/${caseId}/referrals/${referralId}`);

    // #notes: the note with its amendment under it; its time is Chicago's wall time, not UTC's.
    const notes = page.locator('#notes ul.cl-notes > li');
    expect(await notes.count()).toBe(1);
    expect(await squash(notes.locator('> .cl-text'))).toBe('Phoned the client.');
    expect(await texts(notes.locator('.cl-note--amendment .cl-text'))).toEqual([
      'Phoned the client and the landlord.',
    ]);
    const noteTime = await squash(notes.locator(`> .cl-note__meta time[datetime="${noteAt}"]`));
    expect(noteTime).toContain(`${chicagoClock(noteAt)} GMT-`);
    expect(noteTime).toMatch(/GMT-[56]$/);
    expect(noteTime).not.toContain(utcClock(noteAt));
    expect(await notes.getByRole('link', { name: /^Amend/ }).getAttribute('href')).toBe(
      `/cases/${caseId}/notes/${noteId}/amend`,
    );

    // #escalations: the open escalation; the case manager it is about cannot acknowledge it.
    const escalations = page.locator('#escalations');
    expect(await texts(escalations.locator('li'))).toEqual([
      expect.stringMatching(
        new RegExp(`^Referral outcome: level 1, sent to ${team.supervisor.fullName}, raised .* GMT-[56]$`),
      ),
    ]);
    expect(await escalations.getByRole('button').count()).toBe(0);

    // #timeline: the record and the reminders, in Chicago time.
    const timeline = await texts(page.locator('#timeline tbody tr'));
    expect(timeline).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/GMT-[56] Assessment Initial assessment completed/),
        expect.stringMatching(/GMT-[56] Plan Service plan v1 approved/),
        expect.stringMatching(
          /GMT-[56] Referral Referral to Acme Housing Trust \(Emergency housing\): accepted/,
        ),
        expect.stringMatching(/GMT-[56] Note Contact note \(amendment\)/),
        expect.stringMatching(
          new RegExp(
            `GMT-[56] Email sent Email "Escalation: referral.*" to ${team.supervisor.email} Caseloop$`,
          ),
        ),
      ]),
    );
    expect(timeline.every((row) => / GMT-[56] /.test(row))).toBe(true);

    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, 'case-page-case-manager');
    await page.setViewportSize({ width: 320, height: 800 });
    expect(await overflowingElements(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, 'case-page-case-manager-320');
    await context.close();
  });

  it('when the supervisor opens the case, then they can acknowledge its escalation from the page and come back to it', async () => {
    const { team, caseId } = worked;
    const { context, page } = await signedInPage(team.supervisor);
    await page.goto(`${stack.api.base}/cases/${caseId}`);
    const escalations = page.locator('#escalations');
    await escalations.getByRole('button', { name: 'Acknowledge the referral outcome escalation' }).click();
    await page.getByRole('status').filter({ hasText: 'Escalation acknowledged.' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/cases/${caseId}`);
    expect(await squash(escalations)).toBe('Open escalations No open escalations.');
    const after = await ok(200, 'GET', `/api/v1/cases/${caseId}`, team.supervisor.token);
    expect(after.openEscalations).toEqual([]);
    // Acknowledged on the timeline, in the supervisor's zone, by them.
    expect(await texts(page.locator('#timeline tbody tr'))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `GMT-[56] Escalation Escalation \\(level 1\\) acknowledged ${team.supervisor.fullName} \\(you\\)$`,
          ),
        ),
      ]),
    );
    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, 'case-page-supervisor-acknowledged');
    await context.close();
  });

  it('when someone who may not see the case opens it, then it is not found and no client data is shown', async () => {
    const { caseId, reference } = worked;
    const other = await createTeam(stack.db.pool);
    const stranger = await createStaff(stack.db.pool, 'case_manager', { supervisorId: other.supervisor.id });
    for (const who of [stranger, other.supervisor, other.programManager]) {
      const { context, page } = await signedInPage(who);
      const response = await page.goto(`${stack.api.base}/cases/${caseId}`);
      expect(response?.status()).toBe(404);
      const content = await page.content();
      for (const secret of [
        'Rivera',
        'J. R.',
        reference,
        'Acme',
        'Phoned the client',
        'Stable tenancy',
        'Facing eviction',
      ])
        expect(content).not.toContain(secret);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not possible');
      await context.close();
    }
  });

  it('when a case has more notes than fit a page, then the newest come first and "Older notes" leads to the rest', async () => {
    const { team, caseId } = worked;
    for (let i = 1; i <= 20; i++)
      await ok(201, 'POST', `/api/v1/cases/${caseId}/notes`, team.caseManager.token, {
        type: 'progress',
        body: `Weekly check-in ${i}`,
      });
    const { context, page } = await signedInPage(team.caseManager);
    await page.goto(`${stack.api.base}/cases/${caseId}`);
    const notes = page.locator('#notes ul.cl-notes > li > .cl-text');
    expect(await texts(notes)).toEqual(Array.from({ length: 20 }, (_, i) => `Weekly check-in ${20 - i}`));
    expect(await page.locator('#notes').getByRole('link', { name: 'Newest notes' }).count()).toBe(0);

    await page.locator('#notes').getByRole('link', { name: 'Older notes' }).click();
    await page.waitForURL(/[?&]notes=/);
    // The rest: the first note, its amendment still under it.
    expect(await texts(notes)).toEqual(['Phoned the client.']);
    expect(await texts(page.locator('#notes .cl-note--amendment .cl-text'))).toEqual([
      'Phoned the client and the landlord.',
    ]);
    expect(await page.locator('#notes').getByRole('link', { name: 'Older notes' }).count()).toBe(0);
    expect(
      await page.locator('#notes').getByRole('link', { name: 'Newest notes' }).getAttribute('href'),
    ).toBe(`/cases/${caseId}#notes`);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});
