import type { CaseStatus } from '../../src/core/case-contract';
import { DEFAULT_POLICY } from '../../src/core/policy';
import type { Actor } from '../../src/domain/actor';
import { allowedCaseActions, type CaseAction } from '../../src/domain/allowed-actions';
import type { CaseView } from '../../src/domain/cases';
import { casePage, type CasePageData } from '../../src/api/web/case-page';
import type { Viewer } from '../../src/api/web/session';

const CM = '00000000-0000-4000-8000-000000000001';
const SUP = '00000000-0000-4000-8000-000000000002';
const PM = '00000000-0000-4000-8000-000000000003';
const CASE = '00000000-0000-4000-8000-0000000000c1';

const caseManager: Actor = { id: CM, role: 'case_manager', email: 'cm@test' };
const supervisor: Actor = { id: SUP, role: 'supervisor', email: 'sup@test' };
const parties = { case_manager_id: CM, supervisor_id: SUP, program_manager_id: PM };

function actions(actor: Actor, status: CaseStatus, more: { forbid?: boolean; plans?: string[] } = {}) {
  return allowedCaseActions(actor, {
    status,
    parties,
    forbidAssessmentOnHold: more.forbid ?? false,
    planStatuses: more.plans ?? [],
  });
}

/**
 * The case page offers an action only when the domain would accept it now: the same refusals the
 * domain answers 409 with, and reopening only for those who may approve on the case.
 */
describe('what the case page offers', () => {
  it.each<[CaseStatus, CaseAction[]]>([
    ['assessment', ['assess', 'refer', 'note', 'hold', 'requestClosure']],
    ['planning', ['assess', 'plan', 'refer', 'note', 'hold', 'requestClosure']],
    ['active', ['assess', 'plan', 'refer', 'note', 'hold', 'requestClosure']],
    ['on_hold', ['assess', 'plan', 'note', 'resume']],
    ['closing', ['assess', 'plan', 'refer', 'note', 'hold']],
    ['closed', []],
  ])('when a case is %s, then its case manager is offered %j', (status, expected) => {
    expect(actions(caseManager, status)).toEqual(expected);
  });

  it('when a case is closed, then its supervisor is offered to reopen it and its case manager is not', () => {
    expect(actions(supervisor, 'closed')).toEqual(['reopen']);
    expect(actions(caseManager, 'closed')).toEqual([]);
  });

  it('when a case is open in any status, then its supervisor is offered to hand it over and its case manager is not', () => {
    for (const status of ['assessment', 'planning', 'active', 'on_hold', 'closing'] as const) {
      expect(actions(supervisor, status)).toContain('reassign');
      expect(actions(caseManager, status)).not.toContain('reassign');
    }
  });

  it('when the program forbids assessing on hold, then a case on hold offers no assessment', () => {
    expect(actions(caseManager, 'on_hold', { forbid: true })).not.toContain('assess');
    expect(actions(caseManager, 'active', { forbid: true })).toContain('assess');
  });

  it('when a plan is a draft or submitted, then no new plan is offered; once decided, it is', () => {
    expect(actions(caseManager, 'active', { plans: ['submitted', 'superseded'] })).not.toContain('plan');
    expect(actions(caseManager, 'planning', { plans: ['draft'] })).not.toContain('plan');
    expect(actions(caseManager, 'planning', { plans: ['returned'] })).toContain('plan');
    expect(actions(caseManager, 'active', { plans: ['approved'] })).toContain('plan');
  });
});

describe('the case page when the workflow cannot answer', () => {
  const viewer: Viewer = {
    id: CM,
    email: 'cm@test',
    fullName: 'Casey Moreno',
    role: 'case_manager',
    timeZone: 'America/Chicago',
    csrfToken: 'token',
  };
  const view: CaseView = {
    id: CASE,
    reference: 'C-7',
    clientId: '00000000-0000-4000-8000-0000000000d1',
    programId: '00000000-0000-4000-8000-0000000000e1',
    caseManagerId: CM,
    supervisorId: SUP,
    status: 'assessment',
    riskLevel: 'high',
    openedAt: '2027-01-04T15:00:00.000Z',
    closedAt: null,
    workflowId: `case-${CASE}`,
    nextDueAt: '2027-01-18T15:00:00.000Z',
    nextDueKind: 'initial_assessment',
    overdueCount: 0,
    escalationLevel: 0,
    client: { id: '00000000-0000-4000-8000-0000000000d1', initials: 'J. R.' },
    openEscalations: [],
    episodes: [],
    schedule: null,
    scheduleError: 'Live schedule unavailable: connection refused',
    pendingChanges: 2,
  };
  const data: CasePageData = {
    view,
    client: {
      id: view.client.id,
      givenName: 'Jordan',
      familyName: 'Rivera',
      birthDate: null,
      email: null,
      phone: null,
      address: null,
      preferredLanguage: null,
      consentToShare: true,
    },
    program: {
      id: view.programId,
      name: 'Housing First',
      programManagerId: PM,
      timeZone: 'America/Chicago',
      holidays: [],
      extraDomains: [],
      forbidAssessmentOnHold: false,
      active: true,
      policyVersion: 1,
      policy: DEFAULT_POLICY,
    },
    assessments: [],
    plans: [],
    referrals: [],
    closures: [],
    notes: { items: [], nextCursor: null },
    timeline: [],
    names: new Map([
      [CM, 'Casey Moreno'],
      [SUP, 'Sam Ortiz'],
      [PM, 'Pat Lee'],
    ]),
  };
  const text = casePage(data, viewer, caseManager)
    .value.replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

  it('then it says so quietly and shows what was last recorded, in the viewer’s zone', () => {
    expect(text).toContain('The live schedule is not available right now');
    expect(text).toContain('Next due Initial assessment, due Mon, 18 Jan 2027, 09:00 GMT-6');
    expect(text).toContain('Reminders go to Casey Moreno (you). If it stays overdue, Sam Ortiz is told.');
    expect(text).not.toContain('connection refused');
  });

  it('then changes still on their way are announced as updating', () => {
    expect(text).toContain('Updating… 2 changes are on the way to this case');
  });
});
