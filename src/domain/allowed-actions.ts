import type { CaseStatus } from '../core/case-contract';
import {
  assessmentRefusal,
  closedRefusal,
  closureRequestRefusal,
  OPEN_PLAN_STATUSES,
  openPlanRefusal,
  planStatusRefusal,
  referralRefusal,
  reopenRefusal,
  statusRefusal,
} from '../core/case-status-rules';
import { canApprove, type CaseParties } from './access';
import type { Actor } from './actor';

/** What someone may start on a case they can see: each one a change the domain would accept now. */
export type CaseAction =
  'assess' | 'plan' | 'refer' | 'note' | 'hold' | 'resume' | 'requestClosure' | 'reopen' | 'reassign';

export interface CaseActionFacts {
  status: CaseStatus;
  parties: CaseParties;
  /** The program's forbid_assessment_on_hold. */
  forbidAssessmentOnHold: boolean;
  /** The statuses of the case's plans. */
  planStatuses: readonly string[];
}

/**
 * Why each action would be refused for the case as it stands (undefined: allowed), by the same
 * rules the domain refuses with. Seeing the case is assumed (loadCase decides that); reopening and
 * handing over also need someone who may approve on the case.
 */
export function caseActionRefusals(
  actor: Actor,
  facts: CaseActionFacts,
): Record<CaseAction, string | undefined> {
  const { status } = facts;
  const hasOpenPlan = facts.planStatuses.some((s) => OPEN_PLAN_STATUSES.includes(s));
  return {
    assess: assessmentRefusal(status, facts.forbidAssessmentOnHold),
    plan: planStatusRefusal(status) ?? openPlanRefusal(hasOpenPlan),
    refer: referralRefusal(status),
    note: closedRefusal(status),
    hold: statusRefusal(status, 'hold'),
    resume: statusRefusal(status, 'resume'),
    requestClosure: closureRequestRefusal(status),
    reopen: canApprove(actor, facts.parties)
      ? reopenRefusal(status)
      : 'Only the supervisor, program manager or an admin may reopen.',
    reassign: canApprove(actor, facts.parties)
      ? closedRefusal(status)
      : 'Only the supervisor, program manager or an admin may hand a case over.',
  };
}

/** The actions the case allows this actor now, in the order a page offers them. */
export function allowedCaseActions(actor: Actor, facts: CaseActionFacts): CaseAction[] {
  const refusals = caseActionRefusals(actor, facts);
  return (Object.keys(refusals) as CaseAction[]).filter((a) => refusals[a] === undefined);
}
