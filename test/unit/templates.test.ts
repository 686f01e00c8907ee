import type { LadderStepKind } from '../../src/core/ladder';
import { renderDigest, renderTeamDigest } from '../../src/notifications/digest-templates';
import { renderCaseNews, type CaseNewsContext } from '../../src/notifications/news-templates';
import { renderCaseMail, type CaseMailContext, type RenderedMail } from '../../src/notifications/templates';
import type { ObligationKind } from '../../src/core/case-contract';

const KINDS: ObligationKind[] = [
  'initial_assessment',
  'service_plan',
  'plan_approval',
  'reassessment',
  'referral_response',
  'referral_outcome',
  'stalled_plan',
  'goal_target',
  'closure_approval',
];
const STEPS: LadderStepKind[] = [
  'heads_up',
  'due',
  'overdue',
  'escalate_supervisor',
  'escalate_program_manager',
];

/** The HTML is a whole document whose <title> is the subject (escaped). */
function expectWholeDocument(mail: RenderedMail): void {
  expect(mail.html).toMatch(/^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">/);
  const title = /<head>[\s\S]*<title>([^<]*)<\/title>[\s\S]*<\/head>\n<body>/.exec(mail.html)?.[1];
  expect(title?.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))).toBe(mail.subject);
  expect(mail.html).toMatch(/<\/body>\n<\/html>$/);
}

/** Names no template word contains, so any trace of them in a message is a leak. */
const CLIENT = { givenName: 'Zephyrine', familyName: 'Quillfeather-Okonkwo' };
const CLIENT_INITIALS = 'Z. Q.';
const OTHER_CLIENT = { givenName: 'Bartholomew', familyName: 'Vantongeren' };
const OTHER_INITIALS = 'B. V.';
/** Every part of the names (and its first four letters), whatever the case: none may appear. */
const NAME_TRACES = new RegExp(
  [CLIENT.givenName, ...CLIENT.familyName.split('-')].flatMap((n) => [n, n.slice(0, 4)]).join('|'),
  'i',
);

const base: CaseMailContext = {
  obligationKind: 'reassessment',
  step: 'overdue',
  n: 1,
  dueAt: new Date('2027-03-01T10:00:00Z'),
  now: new Date('2027-03-04T10:00:00Z'),
  recipient: 'case_manager',
  recipientName: 'Casey <Manager>',
  recipientTimeZone: 'Europe/London',
  caseReference: 'C-1042',
  client: CLIENT,
  allowClientNames: false,
  programName: 'Housing First',
  caseManagerName: 'Casey Manager',
  supervisorName: 'Sam Supervisor',
  caseUrl: 'https://caseloop.example/cases/abc',
};

describe('email templates', () => {
  it('when a reassessment is three days overdue, then the subject says what and how late, with the case reference', () => {
    expect(renderCaseMail(base).subject).toBe('Reassessment overdue 3 days — case C-1042');
  });

  it.each(KINDS.flatMap((k) => STEPS.map((s) => [k, s] as const)))(
    'when %s / %s is rendered, then text and HTML say what to do, link the case, and carry initials only',
    (obligationKind, step) => {
      // The template gets the client's real names; only the initials may come out.
      const mail = renderCaseMail({ ...base, obligationKind, step });
      for (const body of [mail.subject, mail.text, mail.html]) {
        expect(body).not.toMatch(NAME_TRACES);
        expect(body).not.toMatch(/birth|diagnos/i);
      }
      for (const body of [mail.text, mail.html]) {
        expect(body).toContain('C-1042');
        expect(body).toContain('https://caseloop.example/cases/abc');
        expect(body).toContain(CLIENT_INITIALS);
      }
      // Another client's message differs only in the initials: nothing else about the names gets out.
      const other = renderCaseMail({ ...base, obligationKind, step, client: OTHER_CLIENT });
      const withoutInitials = (m: RenderedMail, initials: string) =>
        [m.subject, m.text, m.html].map((body) => body.split(initials).join('<initials>'));
      expect(withoutInitials(other, OTHER_INITIALS)).toEqual(withoutInitials(mail, CLIENT_INITIALS));
      expect(mail.clientFields).toEqual(['initials']);
      // A digest shows only the subject, which names the case by reference alone.
      expect(mail.subject).not.toContain(CLIENT_INITIALS);
      expect(mail.subjectClientFields).toEqual([]);
      expectWholeDocument(mail);
      expect(mail.text).toMatch(/What to do: .+/);
      expect(mail.text).toMatch(/Who else knows: .+/);
      // Names people typed are escaped in HTML.
      expect(mail.html).toContain('Casey &#60;Manager&#62;');
      expect(mail.html).not.toContain('<Manager>');
    },
  );

  it.each(STEPS)(
    'when a program allows names and %s is rendered, then the full name is shown and reported as such',
    (step) => {
      const mail = renderCaseMail({ ...base, step, allowClientNames: true });
      expect(mail.text).toContain('Zephyrine Quillfeather-Okonkwo');
      expect(mail.html).toContain('Zephyrine Quillfeather-Okonkwo');
      expect(mail.clientFields).toEqual(['full_name']);
      expect(mail.subject).not.toMatch(NAME_TRACES);
    },
  );

  it('when a provider is followed up, then the email names the service and carries no client details', () => {
    const mail = renderCaseMail({
      ...base,
      obligationKind: 'referral_response',
      step: 'provider_follow_up',
      recipient: 'provider',
      recipientName: 'Acme Housing',
      referral: { organisation: 'Acme Housing', service: 'Housing search' },
      agency: { name: 'Northside Family Services', contactEmail: 'referrals@northside.example' },
    });
    expect(mail.subject).toBe('Referral awaiting your response: Housing search — Housing First, ref C-1042');
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('a referral for Housing search (reference C-1042)');
      expect(body).toContain('Casey Manager');
      expect(body).toContain('Northside Family Services (referrals@northside.example)');
      expect(body).not.toMatch(NAME_TRACES);
      expect(body).not.toContain(CLIENT_INITIALS);
    }
    expect(mail.clientFields).toEqual(['referral_service']);
    expectWholeDocument(mail);
  });

  it.each(
    (['referral_response', 'referral_outcome'] as const).flatMap((k) => STEPS.map((s) => [k, s] as const)),
  )(
    'when a case has two referrals and %s / %s reminders go out for each, then subject and text say which referral',
    (obligationKind, step) => {
      const about = (organisation: string, service: string) =>
        renderCaseMail({
          ...base,
          obligationKind,
          step,
          referral: { organisation, service },
        });
      const housing = about('Acme Housing', 'Housing search');
      const food = about('City Food Bank', 'Food parcels');
      expect(housing.subject).not.toBe(food.subject);
      expect(housing.subject).toContain('(Acme Housing, Housing search)');
      expect(food.subject).toContain('(City Food Bank, Food parcels)');
      expect(housing.text).toContain('(Acme Housing, Housing search)');
      expect(food.html).toContain('(City Food Bank, Food parcels)');
      expect(food.clientFields).toEqual(['initials', 'referral_service']);
      expect(food.subjectClientFields).toEqual(['referral_service']);
    },
  );

  it("when the late work is the supervisor's own, then its reminders say the program manager is told, and the program manager reads whom it waits for", () => {
    const own = { ...base, caseManagerName: 'Sam Supervisor', doerIsSupervisor: true };
    expect(renderCaseMail(own).text).toContain(
      'Who else knows: The program manager is told if it stays overdue.',
    );
    expect(renderCaseMail(base).text).toContain('Who else knows: Your supervisor, Sam Supervisor, is told');
    const escalation = renderCaseMail({ ...own, step: 'escalate_program_manager', n: 0 });
    expect(escalation.subject).toBe('Escalation: reassessment overdue 3 days — case C-1042');
    expect(escalation.text).toContain('in Housing First has been waiting for Sam Supervisor since');
    expect(escalation.text).toContain('Who else knows: Sam Supervisor (supervisor) has had reminders.');
    expect(escalation.text).not.toContain('not been acknowledged');
  });

  it("when the late task is the program manager's own, then the supervisor's escalation names them and promises nobody more", () => {
    const task = { what: 'Call the landlord', assigneeName: 'Pat Manager' };
    const escalation = (doerIsProgramManager: boolean) =>
      renderCaseMail({
        ...base,
        obligationKind: 'task',
        step: 'escalate_supervisor',
        recipient: 'supervisor',
        task,
        ...(doerIsProgramManager ? { doerIsProgramManager } : {}),
      }).text;
    expect(escalation(true)).toContain(
      'Who else knows: Pat Manager (the program manager) has had reminders.',
    );
    expect(escalation(true)).not.toContain('The program manager is told');
    expect(escalation(false)).toContain(
      'Who else knows: Pat Manager has had reminders. The program manager is told if this is not acknowledged.',
    );
  });

  it('when an escalation carries an acknowledgement link, then both forms show it and its expiry', () => {
    const mail = renderCaseMail({
      ...base,
      step: 'escalate_supervisor',
      acknowledge: { url: 'https://caseloop.example/ack/t.s', expiresAt: new Date('2027-03-18T10:00:00Z') },
    });
    expect(mail.text).toContain('Acknowledge this escalation: https://caseloop.example/ack/t.s');
    expect(mail.text).toMatch(/works until Thu, 18 Mar 2027/);
    expect(mail.html).toContain('href="https://caseloop.example/ack/t.s"');
  });

  it('when a digest is rendered, then it lists each reminder linking to the page where it is done, and no client details', () => {
    const ctx = {
      recipientName: 'Casey',
      recipientTimeZone: 'UTC',
      localDate: '2027-03-05',
      publicBaseUrl: 'https://caseloop.example',
    };
    const digest = renderDigest(ctx, [
      {
        caseId: 'a',
        caseReference: 'C-1',
        subject: 'Reassessment overdue 3 days — case C-1',
        dueAt: new Date(0),
        path: '/cases/a/assessments/new',
      },
      {
        caseId: 'b',
        caseReference: 'C-2',
        subject: 'Service plan due now — case C-2',
        dueAt: new Date(1),
        path: '/cases/b/plans/new',
      },
    ]);
    expect(digest.subject).toBe('Your Caseloop digest for 2027-03-05: 2 reminders');
    expect(digest.text.indexOf('C-1')).toBeLessThan(digest.text.indexOf('C-2'));
    expect(digest.html).toContain('href="https://caseloop.example/cases/a/assessments/new"');
    expect(digest.html).toContain('href="https://caseloop.example/cases/b/plans/new"');
    expect(digest.text).toContain(
      'Service plan due now — case C-2 (due Thu, 1 Jan 1970, 00:00 UTC) https://caseloop.example/cases/b/plans/new',
    );
    const team = renderTeamDigest(ctx, [
      {
        caseId: 'a',
        caseReference: 'C-1',
        caseManagerName: 'Ana',
        overdueCount: 2,
        nextDueKind: 'reassessment:overdue',
      },
      { caseId: 'b', caseReference: 'C-2', caseManagerName: 'Ana', overdueCount: 1, nextDueKind: null },
      { caseId: 'c', caseReference: 'C-3', caseManagerName: 'Bo', overdueCount: 1, nextDueKind: null },
    ]);
    expect(team.subject).toBe('Team digest for 2027-03-05: 3 cases with overdue work');
    expect(team.text).toMatch(
      /Ana:\n- case C-1: 2 overdue, next reassessment overdue .*\n- case C-2: 1 overdue .*\n\nBo:\n- case C-3/,
    );
    expect(team.html).toContain('<h2>Ana</h2>');
    expectWholeDocument(digest);
    expectWholeDocument(team);
  });
});

describe('links straight to the work', () => {
  it('when a reminder carries the page where its work is done, then that is its first link, named for the action, with the case page after it', () => {
    const mail = renderCaseMail({
      ...base,
      obligationKind: 'initial_assessment',
      step: 'due',
      workUrl: 'https://caseloop.example/cases/abc/assessments/new',
    });
    expect(mail.text).toContain(
      'Record the assessment: https://caseloop.example/cases/abc/assessments/new\nOpen the case: https://caseloop.example/cases/abc',
    );
    expect(mail.html).toContain(
      '<a href="https://caseloop.example/cases/abc/assessments/new">Record the assessment</a>',
    );
  });

  it('when an escalation carries it, then the link says where the work is done (the reader checks on it rather than does it)', () => {
    const mail = renderCaseMail({
      ...base,
      obligationKind: 'referral_outcome',
      step: 'escalate_supervisor',
      recipient: 'supervisor',
      workUrl: 'https://caseloop.example/cases/abc/referrals/r1',
    });
    expect(mail.text).toContain('Where it is done: https://caseloop.example/cases/abc/referrals/r1');
  });
});

describe('news of requests and decisions', () => {
  const news: CaseNewsContext = {
    what: 'plan_submitted',
    recipientName: 'Sam Supervisor',
    recipientTimeZone: 'Europe/London',
    caseReference: 'C-1042',
    actorName: 'Casey Manager',
    at: new Date('2027-03-01T10:00:00Z'),
    decideBy: new Date('2027-03-08T10:00:00Z'),
    planVersion: 2,
    url: 'https://caseloop.example/cases/abc/plans/p1',
  };

  it('when a plan is submitted, then the supervisor reads who submitted which version of which case, by when to decide, and the link to the plan', () => {
    const mail = renderCaseNews(news);
    expect(mail.subject).toBe('Service plan v2 submitted for your approval — case C-1042');
    expect(mail.text).toContain('Casey Manager submitted service plan v2 for case C-1042 on Mon, 1 Mar 2027');
    expect(mail.text).toMatch(/approve it, or return it with a note by Mon, 8 Mar 2027/);
    expect(mail.text).toContain('Review the plan: https://caseloop.example/cases/abc/plans/p1');
    expect(mail.html).toContain('<a href="https://caseloop.example/cases/abc/plans/p1">Review the plan</a>');
    expect(mail.recordFields).toEqual([]);
    expectWholeDocument(mail);
  });

  it('when a plan is returned with a note, then the case manager reads the note as written (escaped in HTML), and the audit names it', () => {
    const mail = renderCaseNews({
      ...news,
      what: 'plan_returned',
      recipientName: 'Casey Manager',
      actorName: 'Sam Supervisor',
      note: 'Goal 2 needs a measure <b>and</b> a date.\nSee me.',
    });
    expect(mail.subject).toBe('Service plan v2 returned — case C-1042');
    expect(mail.text).toContain(
      'Note from Sam Supervisor:\n> Goal 2 needs a measure <b>and</b> a date.\n> See me.',
    );
    expect(mail.html).toContain('Goal 2 needs a measure &#60;b&#62;and&#60;/b&#62; a date.<br>See me.');
    expect(mail.recordFields).toEqual(['decision_note']);
  });

  it.each([
    ['plan_approved', 'Service plan v2 approved — case C-1042'],
    ['closure_requested', 'Closure requested for your approval — case C-1042'],
    ['closure_approved', 'Closure approved — case C-1042 is closed'],
    ['closure_returned', 'Closure returned — case C-1042 stays open'],
  ] as const)(
    'when the news is %s, then the subject is "%s" and nothing names the client',
    (what, subject) => {
      const mail = renderCaseNews({ ...news, what });
      expect(mail.subject).toBe(subject);
      for (const body of [mail.subject, mail.text, mail.html]) expect(body).not.toMatch(NAME_TRACES);
      expectWholeDocument(mail);
    },
  );
});
