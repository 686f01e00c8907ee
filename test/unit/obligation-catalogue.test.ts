import { FULL_LADDER, ladderSteps, type LadderStepKind } from '../../src/core/ladder';
import {
  isEscalationStep,
  isObligationKind,
  ladderShape,
  LADDER_STEPS,
  mayWaitForDigest,
  OBLIGATION_KINDS,
  OBLIGATIONS,
  obligationLabel,
  obligationLabels,
  obligationSpec,
  stepSummary,
  type ObligationKind,
} from '../../src/core/obligation-catalogue';
import { deriveDueAt } from '../../src/core/obligations';
import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { renderTeamDigest } from '../../src/notifications/digest-templates';
import { renderCaseMail, type CaseMailContext } from '../../src/notifications/templates';
import { applyEvent, initialCaseState } from '../../src/workflows/case-state';
import type { CaseEvent, Recipient } from '../../src/core/case-contract';

/**
 * The obligation catalogue is the one place a kind of obligation is described. These tests walk
 * it: every kind has an entry, every rung of every kind's ladder renders an email, and each kind's
 * due rule and ladder are what the README's table promises.
 */

const STEP_KINDS = Object.keys(LADDER_STEPS) as LadderStepKind[];

/** A program that allows provider follow-ups, so every rung any ladder can have is there. */
const POLICY: ProgramPolicy = {
  ...DEFAULT_POLICY,
  referralProviderFollowUp: true,
  clientAppointmentReminders: true,
};
const DUE = Date.parse('2027-03-15T10:00:00Z');
const DAY = 86_400_000;

/** Every rung a kind's ladder can send: its own steps, and the program manager's if a supervisor escalation goes unacknowledged. */
function rungs(kind: ObligationKind): { kind: LadderStepKind; n: number; id: string; to: Recipient }[] {
  const shape = ladderShape(kind, POLICY);
  const steps = ladderSteps(DUE, POLICY.ladder, -Infinity, shape);
  const climbs = shape.escalate?.to === 'supervisor';
  return [
    ...steps,
    ...(climbs
      ? [
          {
            kind: 'escalate_program_manager' as const,
            n: 0,
            id: 'escalate_program_manager',
            to: 'program_manager' as const,
          },
        ]
      : []),
  ];
}

const mailContext = (
  kind: ObligationKind,
  step: LadderStepKind,
  n: number,
  to: Recipient,
): CaseMailContext => ({
  obligationKind: kind,
  step,
  n,
  dueAt: new Date(DUE),
  now: new Date(DUE + 4 * DAY),
  recipient: to,
  recipientName: to === 'provider' ? 'Acme Housing' : 'Robin Recipient',
  recipientTimeZone: 'Europe/London',
  caseReference: 'C-2042',
  // The template is handed the client's real name; it must not come out by default.
  client: { givenName: 'Zephyrine', familyName: 'Quarrington' },
  allowClientNames: false,
  programName: 'Housing First',
  caseManagerName: 'Casey Manager',
  supervisorName: 'Sam Supervisor',
  caseUrl: 'https://caseloop.example/cases/abc',
  ...(obligationSpec(kind).about === 'referral' || to === 'provider'
    ? { referral: { organisation: 'Acme Housing', service: 'Housing search' } }
    : {}),
  ...(obligationSpec(kind).about === 'task'
    ? { task: { what: 'Book the interpreter', assigneeName: 'Ada Assignee' } }
    : {}),
});

describe('the obligation catalogue', () => {
  it('when a case lives through every event, then every kind it opens has an entry (and the type system holds every kind of the union to one)', () => {
    // `satisfies Record<ObligationKind, ObligationSpec>` in the catalogue fails to compile on a kind
    // without an entry or an entry without a kind; this checks what the state machine opens at run time.
    const at = (day: number): string =>
      new Date(Date.parse('2027-03-01T10:00:00Z') + day * DAY).toISOString();
    const state = initialCaseState({
      caseId: 'case-1',
      caseReference: 'C-1',
      programId: 'program-1',
      caseManagerId: 'cm-1',
      supervisorId: 'sv-1',
      programManagerId: 'pm-1',
      riskLevel: 'medium',
      openedAt: at(0),
      policy: DEFAULT_POLICY,
      policyVersion: 1,
    });
    const events: CaseEvent[] = [
      { type: 'assessment_recorded', assessmentId: 'a-1', kind: 'initial', completedAt: at(1) },
      { type: 'plan_submitted', planId: 'plan-1', at: at(2) },
      {
        type: 'plan_decided',
        planId: 'plan-1',
        decision: 'approved',
        at: at(3),
        goals: [{ goalId: 'goal-1', targetDate: '2027-06-01' }],
      },
      { type: 'referral_made', referralId: 'referral-1', at: at(4) },
      { type: 'referral_updated', referralId: 'referral-1', status: 'accepted', at: at(5) },
      { type: 'closure_requested', at: at(6) },
    ];
    events.forEach((event, i) => applyEvent(state, event, Date.parse(at(i + 1))));
    const opened = [...new Set(state.obligations.map((o) => o.kind as string))];
    expect(opened.length).toBeGreaterThan(1);
    expect(opened.filter((kind) => !isObligationKind(kind))).toEqual([]);
    // That every entry is reachable is the recorded histories' part (test/integration/obligation-catalogue.test.ts).
  });

  it('when entries are read, then each has one label of its own, something to do and an anchor', () => {
    for (const kind of OBLIGATION_KINDS) {
      const spec = OBLIGATIONS[kind];
      expect(spec.label).toMatch(/^[A-Z][a-z]+( [a-z]+)*$/);
      expect(spec.whatToDo).toMatch(/^[A-Z].+\.$/);
      expect(spec.due.anchoredOn.length).toBeGreaterThan(0);
      expect(obligationLabel(kind)).toBe(spec.label);
    }
    const labels = OBLIGATION_KINDS.map((k) => OBLIGATIONS[k].label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(obligationLabels()).toEqual(Object.fromEntries(OBLIGATION_KINDS.map((k, i) => [k, labels[i]])));
  });

  it('when the plan-activity obligation is named, then emails, pages and timeline all say "Plan activity"', () => {
    expect(obligationLabel('stalled_plan')).toBe('Plan activity');
    expect(stepSummary('stalled_plan', 'overdue', 2)).toBe('Plan activity overdue reminder 2');
  });

  it("when a kind the catalogue does not know is named (a retired generation's row), then it reads as its id in words", () => {
    expect(obligationLabel('home_visit')).toBe('Home visit');
  });

  it('when each kind is anchored on a Friday, then it falls due by its own rule (calendar or business days, rolled off weekends)', () => {
    const friday = Date.parse('2027-03-05T10:00:00Z');
    const due = Object.fromEntries(
      OBLIGATION_KINDS.map((kind) => [
        kind,
        new Date(
          deriveDueAt({ kind, anchorAt: friday, pausedMs: 0 }, DEFAULT_POLICY, 'medium', {
            timeZone: 'UTC',
            holidays: [],
          }),
        ).toISOString(),
      ]),
    );
    // Today's kinds, pinned (a new kind's own scenario test pins its rule).
    expect(due).toMatchObject({
      initial_assessment: '2027-03-19T10:00:00.000Z', // 14 days
      service_plan: '2027-04-05T10:00:00.000Z', // 30 days land on a Sunday: Monday
      plan_approval: '2027-03-12T10:00:00.000Z', // 5 business days
      reassessment: '2027-06-03T10:00:00.000Z', // 90 days at medium risk
      referral_response: '2027-03-12T10:00:00.000Z', // 7 days
      referral_outcome: '2027-03-26T10:00:00.000Z', // 21 days
      stalled_plan: '2027-04-05T10:00:00.000Z', // 30 days, rolled to Monday
      goal_target: '2027-03-05T10:00:00.000Z', // the anchor is the target date itself
      closure_approval: '2027-03-12T10:00:00.000Z', // 5 business days
      task: '2027-03-05T10:00:00.000Z', // the anchor is the due time chosen
    });
  });

  it("when each kind's ladder is built under the default policy with provider follow-ups, then its rungs go to the right people", () => {
    const ladders = Object.fromEntries(
      OBLIGATION_KINDS.map((kind) => [kind, rungs(kind).map((s) => `${s.id}→${s.to}`)]),
    );
    const overdue = (to: string) => [1, 2, 3, 4, 5].map((n) => `overdue_${n}→${to}`);
    const caseManagerWork = [
      'heads_up→case_manager',
      'due→case_manager',
      'overdue_1→case_manager',
      'escalate_supervisor→supervisor',
      ...overdue('case_manager').slice(1),
      'escalate_program_manager→program_manager',
    ];
    const approval = [
      'due→supervisor',
      ...overdue('supervisor').slice(0, 1),
      'escalate_program_manager→program_manager',
      ...overdue('supervisor').slice(1),
    ];
    expect(ladders).toMatchObject({
      initial_assessment: caseManagerWork,
      service_plan: caseManagerWork,
      plan_approval: approval,
      reassessment: caseManagerWork,
      referral_response: ['due→case_manager', 'provider_follow_up→provider', ...overdue('case_manager')],
      referral_outcome: ['escalate_supervisor→supervisor', 'escalate_program_manager→program_manager'],
      stalled_plan: caseManagerWork,
      goal_target: ['heads_up→case_manager', 'due→case_manager', ...overdue('case_manager')],
      closure_approval: approval,
      // The case manager's ladder, to the assignee; the case's supervisor hears if it stays overdue.
      task: caseManagerWork.map((rung) => rung.replace('→case_manager', '→assignee')),
    });
    // The case manager's own work has the ladder every other kind is a variation of.
    expect(ladderShape('initial_assessment', DEFAULT_POLICY)).toEqual(FULL_LADDER);
    // The provider hears only where the program allows it.
    expect(ladderShape('referral_response', DEFAULT_POLICY).providerFollowUp).toBe(false);
  });

  it('when steps are classified, then only the two escalations are escalations and only reminders of non-approval work may wait for a digest', () => {
    expect(STEP_KINDS.filter(isEscalationStep)).toEqual(['escalate_supervisor', 'escalate_program_manager']);
    const waits = OBLIGATION_KINDS.flatMap((k) =>
      STEP_KINDS.filter((s) => mayWaitForDigest(k, s)).map((s) => `${k}:${s}`),
    );
    const reminders = ['heads_up', 'due', 'overdue'];
    expect(waits).toEqual(
      // Approvals never wait, nor a reminder that is its obligation's whole point (appointments).
      OBLIGATION_KINDS.filter(
        (k) => obligationSpec(k).owner !== 'supervisor' && !obligationSpec(k).metWhenReminded,
      ).flatMap((k) => reminders.map((s) => `${k}:${s}`)),
    );
    expect(waits).not.toContain('plan_approval:due');
    expect(waits).not.toContain('closure_approval:overdue');
  });

  describe.each(OBLIGATION_KINDS)('every rung of %s renders an email', (kind) => {
    const label = OBLIGATIONS[kind].label;
    it.each(rungs(kind).map((s) => [s.id, s] as const))('%s', (_id, step) => {
      const mail = renderCaseMail(mailContext(kind, step.kind, step.n, step.to));
      expect(mail.subject.trim()).not.toBe('');
      expect(mail.text.trim()).not.toBe('');
      expect(mail.html.trim()).not.toBe('');
      for (const body of [mail.subject, mail.text, mail.html])
        expect(body).not.toMatch(/Zephyrine|Quarrington/);
      expect(mail.text).toContain('C-2042');
      if (step.to === 'provider') {
        // Written for someone outside the agency: the service they were asked for, in their terms.
        expect(mail.subject).toContain('Housing search');
        expect(mail.text).not.toContain('Z. Q.');
      } else if (step.kind === 'escalate_supervisor' && obligationSpec(kind).supervisorEscalation) {
        // A kind that words its own escalation: that wording, naming which subject it is about.
        expect(mail.subject).toContain(
          kind === 'task' ? '"Book the interpreter"' : '(Acme Housing, Housing search)',
        );
        expect(mail.text).toContain('Z. Q.');
      } else {
        expect(mail.subject.toLowerCase()).toContain(label.toLowerCase());
        expect(mail.text.toLowerCase()).toContain(label.toLowerCase());
        expect(mail.html.toLowerCase()).toContain(label.toLowerCase());
        expect(mail.text).toContain('Z. Q.');
      }
      expect(stepSummary(kind, step.kind, step.n).startsWith(`${label} `)).toBe(true);
    });
  });

  it("when a team digest names a case's next step, then it uses the catalogue's label", () => {
    const digest = renderTeamDigest(
      { recipientName: 'Sam', recipientTimeZone: 'UTC', localDate: '2027-03-05', publicBaseUrl: 'https://x' },
      [
        {
          caseId: 'a',
          caseReference: 'C-1',
          caseManagerName: 'Ana',
          overdueCount: 1,
          nextDueKind: 'stalled_plan:overdue',
        },
      ],
    );
    expect(digest.text).toContain('case C-1: 1 overdue, next plan activity overdue');
  });
});
