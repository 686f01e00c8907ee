import type { CaseEvent, CaseStatus } from './case-contract';

/**
 * Which changes a case's status allows, defined once. The API applies these rules to the record,
 * which decides (src/domain/case-changes.ts), so its refusals are the ones people see; the case
 * workflow's validator applies them again as a second line, to whatever reaches it another way.
 * Pure: workflow code imports it. `theCase` is how a message names the case.
 */

/** A closed case takes no change. */
export function closedRefusal(status: CaseStatus, theCase = 'The case'): string | undefined {
  return status === 'closed' ? `${theCase} is closed.` : undefined;
}

/** Why a case in this status cannot take this change, or undefined when it can. */
export function statusRefusal(
  status: CaseStatus,
  change: CaseEvent['type'],
  theCase = 'The case',
): string | undefined {
  switch (change) {
    case 'hold':
      return (
        closedRefusal(status, theCase) ??
        (status === 'on_hold' ? `${theCase} is already on hold.` : undefined)
      );
    case 'resume':
      return status !== 'on_hold' ? `${theCase} is not on hold.` : undefined;
    case 'closure_requested':
      return (
        closedRefusal(status, theCase) ??
        (status === 'closing' ? 'Closure has already been requested.' : undefined)
      );
    case 'closure_decided':
      return status !== 'closing' ? 'No closure request is waiting for a decision.' : undefined;
    default:
      return undefined;
  }
}

/*
 * The record's own rules, beyond the workflow's: what people may record on a case in each status.
 * The domain refuses with these (409) and the case page offers only what they allow, so a button
 * is never shown for a change that would be refused for the case's status.
 */

/** Plans still on their way to a decision; while one exists no new plan is drafted. */
export const OPEN_PLAN_STATUSES: readonly string[] = ['draft', 'submitted'];

/** Why an assessment cannot be recorded now (a program may forbid assessing a case on hold). */
export function assessmentRefusal(
  status: CaseStatus,
  forbidAssessmentOnHold: boolean,
  theCase = 'The case',
): string | undefined {
  return (
    closedRefusal(status, theCase) ??
    (status === 'on_hold' && forbidAssessmentOnHold
      ? 'The program does not allow assessing a case on hold; resume it first.'
      : undefined)
  );
}

/** Why no service plan can be drafted in this status (a plan follows the initial assessment). */
export function planStatusRefusal(status: CaseStatus, theCase = 'The case'): string | undefined {
  return (
    closedRefusal(status, theCase) ??
    (status === 'assessment' || status === 'intake'
      ? 'Record the initial assessment before writing a service plan.'
      : undefined)
  );
}

/** Why no new plan can be drafted while another is still a draft or waiting for approval. */
export function openPlanRefusal(hasOpenPlan: boolean): string | undefined {
  return hasOpenPlan ? 'A draft or submitted plan already exists; finish it first.' : undefined;
}

/** Why the client cannot be referred in this status. */
export function referralRefusal(status: CaseStatus, theCase = 'The case'): string | undefined {
  return (
    closedRefusal(status, theCase) ??
    (status === 'on_hold' ? 'The case is on hold; resume it before referring.' : undefined)
  );
}

/** Why closure cannot be requested in this status: the workflow's rule, and a case on hold is resumed first. */
export function closureRequestRefusal(status: CaseStatus, theCase = 'The case'): string | undefined {
  return (
    statusRefusal(status, 'closure_requested', theCase) ??
    (status === 'on_hold' ? 'Resume the case before requesting closure.' : undefined)
  );
}

/** Only a closed case is reopened. */
export function reopenRefusal(status: CaseStatus, theCase = 'The case'): string | undefined {
  return status !== 'closed' ? `${theCase} is not closed.` : undefined;
}
